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

use crate::flow::{flow_of_sub_type, Flow, LoginFlow};
use crate::vocab::{order_by_text, vocabulary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub fn remedy(self) -> &'static str {
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
        }
    }
}

/// The state of each source, as a report or snapshot stores it. A source this version does
/// not know (a newer version's) is left out when read: nothing here could use it, and
/// `diff` does not show a report's evidence.
pub type Sources = BTreeMap<EvidenceSource, SourceState>;

/// Reads [`Sources`], leaving out the sources this version does not know.
pub fn known_sources<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Sources, D::Error> {
    let all = BTreeMap::<String, SourceState>::deserialize(d)?;
    Ok(all
        .into_iter()
        .filter_map(|(name, state)| Some((EvidenceSource::known(&name)?, state)))
        .collect())
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
        /// Why it is partial when the server's answer cannot be trusted to be whole (its
        /// query pages contradict themselves); `None` for a documented cap or the row
        /// budget. A source partial for a reason is an unread item.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        reason: Option<String>,
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

/// LoginHistory OAuth logins of one app and login sub-type, summed over the window.
///
/// `sub_type` is empty for OAuth logins (an OAuth `LoginType`) that carry no sub-type: the
/// flow is then *unknown* (see [`flow_of_sub_type`]). `count` is the successful logins and
/// `last_seen` the last of them; `failed` the logins whose `Status` is not `Success`, which
/// are shown but never taken as use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginUsage {
    pub app: String,
    pub sub_type: String,
    pub count: u64,
    pub last_seen: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub window_days: u32,
    #[serde(deserialize_with = "known_sources")]
    pub sources: Sources,
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
        self.sources.get(source)
    }
    pub fn is_read(&self, source: &EvidenceSource) -> bool {
        self.source(source).is_some_and(SourceState::is_read)
    }
}

/// One flow seen for an app in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowUse {
    pub flow: LoginFlow,
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
    /// OAuth logins in the window that failed (`Status` not `Success`): shown, never taken
    /// as use. `None` when LoginHistory was not read.
    #[serde(default)]
    pub failed_logins: Option<u64>,
    /// A source behind these figures stopped early: absence of use proves nothing.
    pub partial: bool,
}

impl Usage {
    pub fn logins_with(&self, flow: &Flow) -> Option<&FlowUse> {
        self.flows
            .as_ref()?
            .iter()
            .find(|f| f.flow.known() == Some(*flow))
    }

    /// Seen running a flow that carries an authorization code in the window: the web
    /// server flows or the Authorization Code and Credentials family.
    pub fn used_authorization_code(&self) -> bool {
        self.flows
            .iter()
            .flatten()
            .any(|f| f.flow.uses_authorization_code() && f.logins > 0)
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
        if let Some(n) = self.failed_logins.filter(|n| *n > 0) {
            parts.push(format!("{n} failed login(s) (not counted as use)"));
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
            // A documented non-OAuth sub-type (a stored snapshot may hold one): not a use.
            let Some(flow) = flow_of_sub_type(&l.sub_type) else {
                continue;
            };
            if l.count == 0 && l.failed == 0 {
                continue;
            }
            let u = out.entry(l.app.clone()).or_insert_with(blank);
            u.failed_logins = Some(u.failed_logins.unwrap_or(0) + l.failed);
            if l.count == 0 {
                continue;
            }
            let flows = u.flows.get_or_insert_with(Vec::new);
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
        failed_logins: logins_read.then_some(0),
        partial,
    })
}

#[cfg(test)]
mod tests;
