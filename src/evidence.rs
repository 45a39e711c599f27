//! Usage evidence: what metadata cannot say.
//!
//! - `InstalledSubscriberPackage` turns a namespace into a package name and version;
//! - `ConnectedApplication` lists every connected app known to the org, including apps
//!   users authorized that were created elsewhere (vendors, Salesforce's own tools);
//! - `OauthToken` and `LoginHistory` say which apps are used, by how many users, and with
//!   which OAuth flow.
//!
//! Only per-app aggregates are kept (counts, dates, flows): user ids never leave the
//! fetcher, and usernames only with `--show-users`. A snapshot stores this value as is.

use crate::inventory::Flow;
use crate::vocab::{order_by_text, vocabulary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The evidence sources, by the object each reads: the spellings of [`EvidenceSource`],
/// kept as text for the readers that still key their maps by name.
pub const INSTALLED_PACKAGES: &str = "InstalledSubscriberPackage";
pub const CONNECTED_APPLICATION: &str = "ConnectedApplication";
pub const OAUTH_TOKEN: &str = "OauthToken";
pub const LOGIN_HISTORY: &str = "LoginHistory";
pub const SOURCES: [&str; 4] = [
    INSTALLED_PACKAGES,
    CONNECTED_APPLICATION,
    OAUTH_TOKEN,
    LOGIN_HISTORY,
];

vocabulary! {
    /// A usage evidence source, named by the object it reads.
    pub enum EvidenceSource {
        InstalledPackages = "InstalledSubscriberPackage",
        ConnectedApplication = "ConnectedApplication",
        OauthToken = "OauthToken",
        LoginHistory = "LoginHistory",
    }
}

order_by_text!(EvidenceSource);

impl EvidenceSource {
    /// The permission or setting that makes the source readable, for messages and `doctor`.
    pub fn remedy(&self) -> &'static str {
        match self {
            EvidenceSource::InstalledPackages => {
                "the Tooling API and 'View Setup and Configuration'"
            }
            EvidenceSource::ConnectedApplication => {
                "'View Setup and Configuration' (and API access to the ConnectedApplication object)"
            }
            EvidenceSource::OauthToken => {
                "'Customize Application' (users without it see only their own tokens)"
            }
            EvidenceSource::LoginHistory => "'Manage Users' or 'Monitor Login History'",
            EvidenceSource::Other(_) => "API access",
        }
    }
}

/// [`EvidenceSource::remedy`] of a source given by name.
pub fn remedy(source: &str) -> &'static str {
    EvidenceSource::from(source).remedy()
}

/// The documented OauthToken cap: 500 rows per page, 2,500 in all.
pub const OAUTH_TOKEN_CAP: u64 = 2500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SourceState {
    Read {
        rows: u64,
        /// The source stopped before every row was seen (a documented cap, a row budget).
        #[serde(default)]
        partial: bool,
        /// How it was read when there is a choice (`aggregate`, `rows`).
        #[serde(skip_serializing_if = "Option::is_none", default)]
        method: Option<String>,
    },
    Missing {
        reason: String,
        remedy: String,
    },
}

impl SourceState {
    pub fn is_read(&self) -> bool {
        matches!(self, SourceState::Read { .. })
    }
    pub fn is_complete(&self) -> bool {
        matches!(self, SourceState::Read { partial: false, .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstalledPackage {
    pub namespace: Option<String>,
    pub name: String,
    pub version: String,
}

/// OauthToken rows of one app (its label), summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub app: String,
    pub tokens: u64,
    pub users: u64,
    pub use_count: u64,
    /// Tokens whose LastUsedDate falls in the window.
    pub used_in_window: u64,
    pub last_used: Option<String>,
}

/// LoginHistory rows of one app and login sub-type, summed over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginUsage {
    pub app: String,
    pub sub_type: String,
    pub count: u64,
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub window_days: u32,
    pub sources: BTreeMap<String, SourceState>,
    #[serde(default)]
    pub packages: Vec<InstalledPackage>,
    /// Names of every connected app the org knows (ConnectedApplication.Name).
    #[serde(default)]
    pub connected_applications: Vec<String>,
    #[serde(default)]
    pub tokens: Vec<TokenUsage>,
    #[serde(default)]
    pub logins: Vec<LoginUsage>,
    /// App label -> usernames; only with `--show-users`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub users: Option<BTreeMap<String, Vec<String>>>,
}

impl Evidence {
    pub fn source(&self, source: &EvidenceSource) -> Option<&SourceState> {
        self.sources.get(source.as_str())
    }
    pub fn is_read(&self, source: &EvidenceSource) -> bool {
        self.source(source).is_some_and(SourceState::is_read)
    }
}

/// The OAuth flow a LoginHistory `LoginSubType` stands for. Unknown sub-types keep their
/// own name, so nothing Salesforce adds is silently dropped.
pub fn flow_of_sub_type(sub_type: &str) -> Flow {
    let s = sub_type.trim();
    match s {
        "OauthWebServer" | "OauthHybridWebServer" => Flow::AuthorizationCode,
        "OauthUsernamePassword" => Flow::UsernamePassword,
        "OauthClientCredentials" => Flow::ClientCredentials,
        "OauthHybridUserAgent" => Flow::UserAgent,
        "OauthHybridRefreshToken" => Flow::RefreshToken,
        "OauthHybridTokenExchange" => Flow::TokenExchange,
        "OauthJwtBearer" | "OauthJWTBearer" => Flow::JwtBearer,
        "OauthDevice" | "OauthDeviceFlow" => Flow::Device,
        _ if s.starts_with("OauthUserAgent") => Flow::UserAgent,
        _ if s.starts_with("OauthRefreshToken") => Flow::RefreshToken,
        _ if s.starts_with("OauthTokenExchange") => Flow::TokenExchange,
        _ => Flow::from(s),
    }
}

/// One flow seen for an app in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowUse {
    pub flow: Flow,
    pub logins: u64,
    pub last_seen: Option<String>,
}

/// What usage evidence says about one app. `None` fields: that source was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub window_days: u32,
    pub tokens: Option<u64>,
    pub users: Option<u64>,
    pub use_count: Option<u64>,
    pub tokens_used_in_window: Option<u64>,
    pub last_used: Option<String>,
    /// Logins per flow in the window, most used first.
    pub flows: Option<Vec<FlowUse>>,
    /// A source behind these figures stopped early: absence of use proves nothing.
    pub partial: bool,
}

impl Usage {
    pub fn logins_with(&self, flow: &Flow) -> Option<&FlowUse> {
        self.flows.as_ref()?.iter().find(|f| &f.flow == flow)
    }

    /// Seen running an authorization code flow in the window.
    pub fn used_authorization_code(&self) -> bool {
        self.logins_with(&Flow::AuthorizationCode)
            .is_some_and(|f| f.logins > 0)
    }

    /// Seen in the window, and only with flows that never carry an authorization code.
    /// Needs complete login history: a partial one could have missed a code flow.
    pub fn only_non_code_flows(&self) -> bool {
        match &self.flows {
            Some(f) if !self.partial && !f.is_empty() => f.iter().all(|u| u.flow.carries_no_code()),
            _ => false,
        }
    }

    /// No token use and no login in the window, with both sources complete.
    pub fn dormant(&self) -> bool {
        !self.partial
            && self.tokens_used_in_window == Some(0)
            && self.flows.as_ref().is_some_and(|f| f.is_empty())
    }

    /// "used 42 times by 3 users, last 2026-11-02; web server flow 40 logins" — for messages.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(t), Some(u)) = (self.tokens, self.users) {
            let mut s = format!("{t} token(s) held by {u} user(s)");
            if let Some(c) = self.use_count {
                s.push_str(&format!(", used {c} time(s)"));
            }
            if let Some(l) = &self.last_used {
                s.push_str(&format!(", last used {l}"));
            }
            parts.push(s);
        }
        match &self.flows {
            Some(f) if f.is_empty() => parts.push(format!(
                "no OAuth login in the last {} days",
                self.window_days
            )),
            Some(f) => parts.push(format!(
                "logins in the last {} days: {}",
                self.window_days,
                f.iter()
                    .map(|u| match &u.last_seen {
                        Some(d) => format!("{} {} (last {d})", u.flow, u.logins),
                        None => format!("{} {}", u.flow, u.logins),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => {}
        }
        if self.partial {
            parts.push("usage is partial".into());
        }
        if parts.is_empty() {
            "usage unknown".into()
        } else {
            parts.join("; ")
        }
    }
}

fn max_date(a: Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if *b > a { b.clone() } else { a }),
        (a, b) => a.or_else(|| b.clone()),
    }
}

/// The usage of every app name seen in the evidence, keyed by that name (a label).
pub fn usage_by_name(e: &Evidence) -> BTreeMap<String, Usage> {
    let tokens_read = e.is_read(&EvidenceSource::OauthToken);
    let logins_read = e.is_read(&EvidenceSource::LoginHistory);
    let blank = || unseen_usage(e).expect("called only when a usage source was read");
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    if tokens_read {
        for t in &e.tokens {
            let u = out.entry(t.app.clone()).or_insert_with(blank);
            u.tokens = Some(u.tokens.unwrap_or(0) + t.tokens);
            u.users = Some(u.users.unwrap_or(0) + t.users);
            u.use_count = Some(u.use_count.unwrap_or(0) + t.use_count);
            u.tokens_used_in_window = Some(u.tokens_used_in_window.unwrap_or(0) + t.used_in_window);
            u.last_used = max_date(u.last_used.take(), &t.last_used);
        }
    }
    if logins_read {
        for l in &e.logins {
            let u = out.entry(l.app.clone()).or_insert_with(blank);
            let flows = u.flows.get_or_insert_with(Vec::new);
            let flow = flow_of_sub_type(&l.sub_type);
            match flows.iter_mut().find(|f| f.flow == flow) {
                Some(f) => {
                    f.logins += l.count;
                    f.last_seen = max_date(f.last_seen.take(), &l.last_seen);
                }
                None => flows.push(FlowUse {
                    flow,
                    logins: l.count,
                    last_seen: l.last_seen.clone(),
                }),
            }
        }
        for u in out.values_mut() {
            if let Some(f) = &mut u.flows {
                f.sort_by(|a, b| b.logins.cmp(&a.logins).then(a.flow.cmp(&b.flow)));
            }
        }
    }
    out
}

/// The usage of an app nobody saw, when the sources were read: proves dormancy.
pub fn unseen_usage(e: &Evidence) -> Option<Usage> {
    let tokens_read = e.is_read(&EvidenceSource::OauthToken);
    let logins_read = e.is_read(&EvidenceSource::LoginHistory);
    if !tokens_read && !logins_read {
        return None;
    }
    let partial = [EvidenceSource::OauthToken, EvidenceSource::LoginHistory]
        .iter()
        .any(|s| matches!(e.source(s), Some(SourceState::Read { partial: true, .. })));
    Some(Usage {
        window_days: e.window_days,
        tokens: tokens_read.then_some(0),
        users: tokens_read.then_some(0),
        use_count: tokens_read.then_some(0),
        tokens_used_in_window: tokens_read.then_some(0),
        last_used: None,
        flows: logins_read.then(Vec::new),
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rows: u64) -> SourceState {
        SourceState::Read {
            rows,
            partial: false,
            method: None,
        }
    }

    #[test]
    fn source_names_are_the_spellings_of_the_typed_sources() {
        let typed: Vec<&str> = EvidenceSource::KNOWN
            .iter()
            .map(EvidenceSource::as_str)
            .collect();
        assert_eq!(typed, SOURCES);
        for s in SOURCES {
            assert_eq!(remedy(s), EvidenceSource::from(s).remedy());
        }
    }

    #[test]
    fn sub_types_map_to_flows_and_unknown_ones_keep_their_name() {
        for (s, f) in [
            ("OauthWebServer", "authorization-code"),
            ("OauthHybridWebServer", "authorization-code"),
            ("OauthUserAgent", "user-agent"),
            ("OauthUserAgentIdToken", "user-agent"),
            ("OauthHybridUserAgent", "user-agent"),
            ("OauthUsernamePassword", "username-password"),
            ("OauthClientCredentials", "client-credentials"),
            ("OauthRefreshToken", "refresh-token"),
            ("OauthHybridRefreshToken", "refresh-token"),
            ("OauthTokenExchange", "token-exchange"),
            ("OauthHybridTokenExchange", "token-exchange"),
            ("OauthOtpLogin", "OauthOtpLogin"),
        ] {
            assert_eq!(flow_of_sub_type(s), Flow::from(f), "{s}");
            assert_eq!(flow_of_sub_type(s).as_str(), f, "{s}");
        }
    }

    #[test]
    fn usage_sums_per_app_and_judges_code_use_and_dormancy() {
        let e = Evidence {
            window_days: 90,
            sources: [
                (OAUTH_TOKEN.to_string(), read(3)),
                (LOGIN_HISTORY.to_string(), read(3)),
            ]
            .into(),
            tokens: vec![
                TokenUsage {
                    app: "Portal".into(),
                    tokens: 2,
                    users: 2,
                    use_count: 40,
                    used_in_window: 2,
                    last_used: Some("2026-11-01".into()),
                },
                TokenUsage {
                    app: "Sync".into(),
                    tokens: 1,
                    users: 1,
                    use_count: 9,
                    used_in_window: 1,
                    last_used: Some("2026-10-01".into()),
                },
            ],
            logins: vec![
                LoginUsage {
                    app: "Portal".into(),
                    sub_type: "OauthWebServer".into(),
                    count: 30,
                    last_seen: Some("2026-11-01".into()),
                },
                LoginUsage {
                    app: "Portal".into(),
                    sub_type: "OauthHybridWebServer".into(),
                    count: 5,
                    last_seen: Some("2026-11-02".into()),
                },
                LoginUsage {
                    app: "Sync".into(),
                    sub_type: "OauthRefreshToken".into(),
                    count: 12,
                    last_seen: None,
                },
                LoginUsage {
                    app: "Sync".into(),
                    sub_type: "OauthClientCredentials".into(),
                    count: 3,
                    last_seen: None,
                },
            ],
            ..Default::default()
        };
        let u = usage_by_name(&e);
        let portal = &u["Portal"];
        assert!(portal.used_authorization_code());
        let code = portal.logins_with(&Flow::AuthorizationCode).unwrap();
        assert_eq!(
            (code.logins, code.last_seen.as_deref()),
            (35, Some("2026-11-02"))
        );
        assert!(!portal.only_non_code_flows() && !portal.dormant());
        assert!(u["Sync"].only_non_code_flows());
        assert_eq!(
            u["Sync"].flows.as_ref().unwrap()[0].flow,
            Flow::RefreshToken
        );
        let unseen = unseen_usage(&e).unwrap();
        assert!(unseen.dormant());
        assert!(
            portal
                .describe()
                .contains("authorization-code 35 (last 2026-11-02)"),
            "{}",
            portal.describe()
        );
    }

    #[test]
    fn partial_or_missing_sources_never_prove_anything() {
        let mut e = Evidence {
            window_days: 90,
            sources: [(
                OAUTH_TOKEN.to_string(),
                SourceState::Read {
                    rows: 2500,
                    partial: true,
                    method: None,
                },
            )]
            .into(),
            ..Default::default()
        };
        let unseen = unseen_usage(&e).unwrap();
        assert!(!unseen.dormant(), "capped tokens and no login history");
        assert!(unseen.flows.is_none());
        e.sources.clear();
        assert!(unseen_usage(&e).is_none());
        e.sources.insert(
            LOGIN_HISTORY.into(),
            SourceState::Read {
                rows: 10_000,
                partial: true,
                method: Some("rows".into()),
            },
        );
        e.logins.push(LoginUsage {
            app: "A".into(),
            sub_type: "OauthClientCredentials".into(),
            count: 1,
            last_seen: None,
        });
        assert!(
            !usage_by_name(&e)["A"].only_non_code_flows(),
            "a row budget may have cut a code flow"
        );
    }
}
