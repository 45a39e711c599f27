//! How the fake org behaves: the org folder it serves, latency, faults, quirks, limits,
//! TLS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the fake org behaves. `Config::default()` serves fixtures/demo-org.
#[derive(Debug, Clone)]
pub struct Config {
    pub org_dir: PathBuf,
    /// The bearer/session token accepted initially.
    pub access_token: String,
    pub org_id: String,
    /// What `Organization.IsSandbox` answers.
    pub is_sandbox: bool,
    /// Added before every response (async sleep).
    pub latency: Duration,
    /// Probability of a transient fault per request (never on the token endpoint).
    pub fault_rate: f64,
    pub seed: u64,
    /// After N API calls with one token, it becomes invalid until a refresh.
    pub expire_session_after: Option<u64>,
    /// Metadata types whose listMetadata/readMetadata give `sf:INSUFFICIENT_ACCESS`.
    pub deny_read_types: Vec<String>,
    /// sObjects whose SOQL gives 403 `INSUFFICIENT_ACCESS`.
    pub deny_queries: Vec<String>,
    /// Every 2nd response body (token endpoint excepted) is cut in half.
    pub truncate_bodies: bool,
    pub refresh_token: String,
    pub client_id: String,
    pub client_secret: String,
    /// REST query page size.
    pub page_size: usize,
    /// Served by `GET /services/data`; also the versions the SOAP and REST URLs accept.
    /// Real orgs offer every version from 31.0 up, and real clients hard-code old ones (the
    /// Salesforce CLI reads `v51.0/sobjects/User`; jsforce defaults to 50.0).
    pub api_versions: Vec<String>,
    /// Extra sObject records by object name, added to (and replacing) the ones loaded
    /// from `<org_dir>/evidence/<Object>.json`. Records are JSON objects as Salesforce
    /// returns them (relationship fields as nested objects); `attributes` is optional.
    pub sobjects: BTreeMap<String, Vec<serde_json::Value>>,
    /// LoginHistory rows added after whatever the evidence file and `sobjects` give.
    pub logins: Vec<super::logins::Login>,
    /// The org's clock: `LAST_N_DAYS` counts back from it, and every answer's `Date`
    /// header says it. Fixed, so tests do not depend on the day they run.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The querying user's time zone: date literals (`TODAY`, `LAST_N_DAYS:n`, ...) are
    /// days in it, as Salesforce counts them in the locale and time zone of the user
    /// sending the query. Served as the user's `TimeZoneSidKey` and the identity's
    /// `timezone`. Default GMT.
    pub user_time_zone: UserTimeZone,
    /// Aggregate queries (GROUP BY, COUNT(field), MAX(...)) fail with 400 MALFORMED_QUERY,
    /// as some orgs answer them for LoginHistory; `SELECT COUNT()` still works.
    pub reject_aggregate_queries: bool,
    /// LoginHistory refuses `Application`, `Status` and `ApiType` in WHERE (reported, not
    /// confirmed by the object reference: see `org::sobjects`). On by default.
    pub login_history_filter_refusals: bool,
    /// Wrong answers for single components, keyed by `"Type FullName"` (e.g.
    /// `"ConnectedApp Customer_Portal"`, `"OauthOidcSettings OauthOidc"`).
    pub quirks: Vec<(String, Quirk)>,
    /// Error answers echo the credentials received, in every form (see `echo::forms`: raw,
    /// percent-encoded, base64 and base64url at every offset, hex, upper-cased, cut):
    /// readMetadata is a SOAP fault quoting the session id; queries fail with a JSON error,
    /// an HTML page cut inside it, or a text cut short; the token endpoint refuses the
    /// refresh token, quoting it and the client secret.
    pub echo_credentials: bool,
    /// Record fields echo the session id received, in every form: the `Name` of every
    /// queried record (the Organization's, each ConnectedApplication's) and the `<label>`
    /// of every readMetadata record.
    pub echo_in_records: bool,
    /// Further secrets (another org's token, say) echoed with the ones received, in every
    /// form and wherever `echo_credentials` and `echo_in_records` echo.
    pub echo_also: Vec<String>,
    /// Every request's method, path and answer status on standard error (never a header,
    /// a query string or a body): for seeing what a real client asks for.
    pub log_requests: bool,
    /// Also serve HTTPS (same org, same sessions) on this address with this PEM
    /// certificate and key: for clients that only build `https://` URLs.
    pub tls: Option<TlsConfig>,
    /// Hold OauthToken to the general SOQL OFFSET limit too (its own page documents
    /// batches at OFFSET 2500, 5000, ...): `Some(2000)` refuses those batches.
    pub oauth_token_max_offset: Option<usize>,
    /// Query results that contradict themselves, by sObject (`"ConnectedApplication"`):
    /// each page of a query on it is answered with that fault.
    pub inconsistent_pages: Vec<(String, PageFault)>,
}

/// A user's time zone: its Salesforce name and its offset from UTC. A fixed offset, with
/// no daylight saving: the org's clock is fixed too, so one offset is the zone's at that
/// time (America/Los_Angeles is `-08:00` on the default 2026-11-21).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTimeZone {
    /// `TimeZoneSidKey`: `GMT`, `America/Los_Angeles`, ...
    pub sid_key: String,
    pub offset: chrono::FixedOffset,
}

impl UserTimeZone {
    /// `GMT`, offset zero.
    pub fn gmt() -> UserTimeZone {
        UserTimeZone {
            sid_key: "GMT".into(),
            offset: chrono::FixedOffset::east_opt(0).expect("zero is a valid offset"),
        }
    }
}

/// `GMT`, or `NAME=+HH:MM` (`America/Los_Angeles=-08:00`).
impl std::str::FromStr for UserTimeZone {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (sid_key, offset) = match s.split_once('=') {
            Some((name, offset)) => (name, offset),
            None if s == "GMT" => return Ok(UserTimeZone::gmt()),
            None => return Err(format!("'{s}': want GMT or NAME=+HH:MM")),
        };
        let offset = offset
            .parse::<chrono::FixedOffset>()
            .map_err(|e| format!("'{offset}': want an offset like -08:00 ({e})"))?;
        Ok(UserTimeZone {
            sid_key: sid_key.to_string(),
            offset,
        })
    }
}

/// How a query's pages contradict themselves, as a broken or hostile server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFault {
    /// `done: false`, and no `nextRecordsUrl` to go on with.
    NotDoneWithoutNext,
    /// Each page's `nextRecordsUrl` is its own: the second page points to itself again.
    RepeatedNext,
    /// `totalSize` five above the rows the pages hold, `done: true` at the end.
    TotalAboveRows,
}

#[derive(Debug, Clone)]
pub struct TlsConfig {
    pub addr: SocketAddr,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

/// A wrong answer about one component, as a broken or hostile server gives it (or as
/// Salesforce answers for a component it will not show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quirk {
    /// readMetadata: the record holds `<fullName>` and nothing else.
    OnlyFullName,
    /// readMetadata: the record holds the content without its `<fullName>`.
    NoFullName,
    /// readMetadata: the record comes twice.
    Duplicate,
    /// readMetadata: the record comes back under another fullName.
    Renamed(String),
    /// readMetadata: a further record, for a name nobody asked for, follows it.
    ExtraRecord(String),
    /// listMetadata: the entry comes twice.
    ListedTwice,
    /// listMetadata: an empty `<result/>` stands in its place.
    ListedEmpty,
    /// listMetadata: the entry has no `<fullName>`.
    ListedWithoutName,
    /// listMetadata: the entry carries this `<type>`.
    ListedAs(String),
}

/// The limit in `Sforce-Limit-Info: api-usage=N/LIMIT` and `/limits`; N starts at 1000.
pub const DAILY_LIMIT: u64 = 100_000;

/// Put as `<consumerSecret>` into every ExtlClntAppGlobalOauthSettings record (the tests
/// check that it never shows).
pub const ECA_CONSUMER_SECRET: &str = "FAKESECRET-do-not-print-0123456789";

/// The default fake "now": 2026-11-21T00:00:00Z.
pub fn default_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .expect("a valid date")
        .with_timezone(&chrono::Utc)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            org_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-org"),
            access_token: "00DFAKE0000000001!AQoAQFakeAccessToken".into(),
            org_id: "00DFAKE00000001".into(),
            is_sandbox: false,
            latency: Duration::ZERO,
            fault_rate: 0.0,
            seed: 0,
            expire_session_after: None,
            deny_read_types: Vec::new(),
            deny_queries: Vec::new(),
            truncate_bodies: false,
            refresh_token: "5Aep861FakeRfrTkn9xQ2v".into(),
            client_id: "PlatformCLI".into(),
            client_secret: String::new(),
            page_size: 2000,
            api_versions: (31..=66).map(|v| format!("{v}.0")).collect(),
            sobjects: BTreeMap::new(),
            logins: Vec::new(),
            now: default_now(),
            user_time_zone: UserTimeZone::gmt(),
            reject_aggregate_queries: false,
            login_history_filter_refusals: true,
            quirks: Vec::new(),
            echo_credentials: false,
            echo_in_records: false,
            echo_also: Vec::new(),
            log_requests: false,
            tls: None,
            oauth_token_max_offset: None,
            inconsistent_pages: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_time_zones_parse() {
        assert_eq!("GMT".parse::<UserTimeZone>(), Ok(UserTimeZone::gmt()));
        let la: UserTimeZone = "America/Los_Angeles=-08:00".parse().unwrap();
        assert_eq!(la.sid_key, "America/Los_Angeles");
        assert_eq!(la.offset.local_minus_utc(), -8 * 3600);
        assert!("Asia/Kolkata=+05:30".parse::<UserTimeZone>().is_ok());
        assert!("Europe/Paris".parse::<UserTimeZone>().is_err());
        assert!("X=8".parse::<UserTimeZone>().is_err());
    }
}
