//! Connections: which org to read and with what credentials.
//!
//! Three ways in (issue 3): the installed Salesforce CLI (`--target-org`), an instance
//! URL with an access token from the environment or a file, or an SFDX auth URL whose
//! refresh token is exchanged here. Tokens, refresh tokens and client secrets live in
//! [`Secret`] ([`crate::secrets`]), whose `Debug`/`Display` print `***`, so no format string can leak them.

use super::sf_cli::LoginHint;
use super::Error;
use crate::credentials::{self, token, Origin, Unread, Unusable};
use crate::secrets::Secret;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The OAuth access token (session id) sent to the org.
pub type AccessToken = Secret;

/// Where the access token of `--instance-url` comes from. Never the command line:
/// arguments are visible to every user of the machine.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// Already read, e.g. from `SF_ACCESS_TOKEN`.
    Value(Secret),
    /// A file holding the token (`-` is [`TokenSource::Stdin`]).
    File(PathBuf),
    Stdin,
}

/// The connection the user asked for. Its credentials are read, once and before any call,
/// by [`load`].
#[derive(Debug, Clone)]
pub enum Connection {
    /// An alias or username the Salesforce CLI (`sf`) is logged in to.
    TargetOrg(String),
    AccessToken {
        instance_url: String,
        token: TokenSource,
    },
    /// A file holding `force://<clientId>:<clientSecret>:<refreshToken>@<instance>` (`-`:
    /// standard input).
    AuthUrlFile(PathBuf),
}

/// The parts of an SFDX auth URL needed to get access tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token: Secret,
}

#[derive(Debug, Clone)]
pub enum Credentials {
    Token(AccessToken),
    /// Exchanged for an access token at `/services/oauth2/token` before the first call.
    Refresh(RefreshGrant),
}

/// A connection resolved to an instance and credentials, not yet used.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Validated origin, no trailing slash.
    pub instance_url: String,
    pub credentials: Credentials,
    /// What to do to log in again; ends session errors.
    pub login_hint: LoginHint,
}

/// Whether plain `http://` may reach `host` (as `Url::host_str` spells it): only a literal
/// loopback address (127.0.0.0/8, `[::1]`) or the name `localhost` itself. Stricter than
/// callback classification ([`pkce_audit_model::callback::is_loopback_host`], which follows RFC 6761
/// and takes `*.localhost`): a connection carries the token, and a name under `localhost`
/// is only loopback if every resolver on the way agrees.
pub fn is_loopback_connection_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(std::net::IpAddr::V6(v6)) => v6 == std::net::Ipv6Addr::LOCALHOST,
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// The URL as it may be shown: any `user:password@` replaced by `***@`.
fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    let start = raw.find("://").map_or(0, |i| i + 3);
    let authority_end = raw[start..]
        .find(['/', '?', '#'])
        .map_or(raw.len(), |i| start + i);
    match raw[start..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..start], &raw[start + at..]),
        None => raw.to_string(),
    }
}

/// Checks the URL of a connection (an instance URL from an option, the environment, an
/// auth URL or `sf`) and returns its origin: `https://` anywhere, `http://` only to a
/// loopback address ([`is_loopback_connection_host`]: the test org), nothing else.
pub fn validate_instance_url(raw: &str) -> Result<String, Error> {
    let bad = |reason: String| Error::InstanceUrl {
        url: redact_url(raw),
        reason,
    };
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(format!("not a URL ({e})")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("the URL has no host".into()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("credentials do not belong in the URL".into()));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_connection_host(host) => {}
        "http" => {
            return Err(bad(
                "http:// is accepted only for loopback addresses (127.0.0.0/8, [::1], and the name localhost itself); use https://"
                    .into(),
            ))
        }
        other => return Err(bad(format!("unsupported scheme {other}://; use https://"))),
    }
    Ok(url.origin().ascii_serialization())
}

/// What to say when the auth URL file holds the CLI's redaction notice instead of a URL.
pub const REDACTED_AUTH_URL: &str = "the auth URL is redacted (`sf org display --verbose` no longer shows it); save the output of `sf org auth show-sfdx-auth-url --json --target-org <alias>` and pass that file";

/// How to make an auth URL file, for hints and help.
pub const AUTH_URL_HOWTO: &str =
    "`sf org auth show-sfdx-auth-url --json --target-org <alias> > org.authurl`";

/// Parses an SFDX auth URL. The file may also hold the JSON of
/// `sf org auth show-sfdx-auth-url --json` or, from older CLIs, `sf org display --verbose
/// --json` (their `sfdxAuthUrl`). Errors never echo the input.
pub fn parse_auth_url(text: &str) -> Result<(String, RefreshGrant), Error> {
    let text = text.trim();
    let from_json = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| {
            v.pointer("/result/sfdxAuthUrl")
                .or_else(|| v.get("sfdxAuthUrl"))
                .and_then(|u| u.as_str())
                .map(str::to_string)
        });
    let url = from_json.as_deref().unwrap_or(text);
    // Recent CLIs (plugin-org 5.11.1 and later, "remove secrets from org display") print
    // `[REDACTED] Use 'sf org auth show-sfdx-auth-url' to view` in place of the URL.
    if url.trim_start().starts_with("[REDACTED]") || url.contains("show-sfdx-auth-url") {
        return Err(Error::AuthUrl(REDACTED_AUTH_URL.into()));
    }
    let bad = || {
        Error::AuthUrl(
        "not an SFDX auth URL (expected force://<clientId>:<clientSecret>:<refreshToken>@<instance>)"
            .into(),
    )
    };
    let rest = url.strip_prefix("force://").ok_or_else(bad)?;
    // The instance may carry its own scheme (`@http://127.0.0.1:8080`), so split at the
    // first `@`: client ids, secrets and refresh tokens never contain one.
    let (creds, instance) = rest.split_once('@').ok_or_else(bad)?;
    let mut parts = creds.splitn(3, ':');
    let (Some(client_id), Some(secret), Some(refresh)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if client_id.is_empty() || refresh.is_empty() || instance.is_empty() {
        return Err(bad());
    }
    for (part, value) in [
        ("client id", client_id),
        ("client secret", secret),
        ("refresh token", refresh),
    ] {
        if let Some(reason) = crate::credentials::malformed(value) {
            return Err(Error::AuthUrl(format!(
                "the {part} of the auth URL is malformed: {reason}"
            )));
        }
    }
    let instance = instance.trim_end_matches('/');
    let with_scheme = if instance.contains("://") {
        instance.to_string()
    } else {
        let host = instance
            .rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty())
            .map_or(instance, |(h, _)| h);
        let scheme = if is_loopback_connection_host(host) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{instance}")
    };
    let instance_url = validate_instance_url(&with_scheme)?;
    Ok((
        instance_url,
        RefreshGrant {
            client_id: client_id.to_string(),
            client_secret: Secret::new(secret),
            refresh_token: Secret::new(refresh),
        },
    ))
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A connection whose credentials are read and checked ([`load`]),
/// before any call is made.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// The Salesforce CLI holds the credentials: asked when the run starts.
    Sf(String),
    Ready(Resolved),
}

/// The instance and credentials of a loaded connection; only `sf` is run here.
pub async fn resolve(loaded: &Prepared) -> Result<Resolved, Error> {
    match loaded {
        Prepared::Sf(alias) => super::sf_cli::resolve(alias).await,
        Prepared::Ready(resolved) => Ok(resolved.clone()),
    }
}

/// What a credential file holds, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    AccessToken,
    AuthUrl,
}

impl Holds {
    pub fn what(self) -> &'static str {
        match self {
            Holds::AccessToken => "access token",
            Holds::AuthUrl => "auth URL",
        }
    }
}

/// [`credentials::read`], a refusal named by what the credential holds and where it is.
fn read(path: &Path, holds: Holds, origin: Origin, timeout: Duration) -> Result<String, Error> {
    credentials::read(path, origin, timeout).map_err(|why| unread(path, holds, why))
}

/// The error of a credential at `path` (`-`: standard input) that was not read.
fn unread(path: &Path, holds: Holds, why: Unread) -> Error {
    let (path, what) = (path.to_path_buf(), holds.what().to_string());
    match why {
        Unread::Refused(reason) => Error::CredentialFile { path, what, reason },
        Unread::Stalled(stalled) => Error::CredentialStalled {
            path,
            what,
            stalled,
        },
    }
}

/// Reads and checks the credentials `conn` names, without any network call: a token file,
/// standard input or an auth-URL file is read ([`credentials::read`]), a token or an auth URL checked,
/// the instance URL checked ([`validate_instance_url`]). A `--target-org` is left to
/// `sf`, when the run starts.
pub fn load(conn: &Connection, origin: Origin, timeout: Duration) -> Result<Prepared, Error> {
    match conn {
        Connection::TargetOrg(alias) => Ok(Prepared::Sf(alias.clone())),
        Connection::AccessToken {
            instance_url,
            token: source,
        } => {
            let instance_url = validate_instance_url(instance_url)?;
            let (text, path) = match source {
                TokenSource::Value(t) => (t.expose().to_string(), None),
                TokenSource::File(p) => (
                    read(p, Holds::AccessToken, origin, timeout)?,
                    Some(p.as_path()),
                ),
                TokenSource::Stdin => {
                    let p = Path::new("-");
                    (read(p, Holds::AccessToken, origin, timeout)?, Some(p))
                }
            };
            let token = token(&text).map_err(|why| match (path, why) {
                (Some(p), why) => Error::CredentialFile {
                    path: p.to_path_buf(),
                    what: Holds::AccessToken.what().into(),
                    reason: match why {
                        Unusable::Empty => "is empty".into(),
                        Unusable::Malformed(why) => {
                            format!("holds a malformed access token: {why}")
                        }
                    },
                },
                (None, Unusable::Empty) => Error::Credential("the access token is empty".into()),
                (None, Unusable::Malformed(why)) => {
                    Error::Credential(format!("the access token is malformed: {why}"))
                }
            })?;
            Ok(Prepared::Ready(Resolved {
                instance_url,
                credentials: Credentials::Token(token),
                login_hint: LoginHint::AccessToken,
            }))
        }
        Connection::AuthUrlFile(path) => {
            let text = read(path, Holds::AuthUrl, origin, timeout)?;
            let (instance_url, grant) = parse_auth_url(&text)?;
            Ok(Prepared::Ready(Resolved {
                instance_url,
                credentials: Credentials::Refresh(grant),
                login_hint: LoginHint::AuthUrl,
            }))
        }
    }
}

/// [`load`] from async code: on the blocking pool, never on the runtime's workers.
pub async fn load_async(
    conn: &Connection,
    origin: Origin,
    timeout: Duration,
) -> Result<Prepared, Error> {
    let conn = conn.clone();
    tokio::task::spawn_blocking(move || load(&conn, origin, timeout))
        .await
        .unwrap_or_else(|e| {
            Err(Error::Runtime(format!(
                "reading the credentials stopped unexpectedly: {e}"
            )))
        })
}

/// What to say when the access token given with `--instance-url` is rejected.
pub const ACCESS_TOKEN_HINT: &str =
    "get a new access token (e.g. `sf org auth show-access-token --target-org <alias>`)";

/// What to say when the refresh token of an auth URL is refused.
pub fn auth_url_hint() -> String {
    format!("create a new auth URL file ({AUTH_URL_HOWTO})")
}

#[cfg(test)]
mod tests;
