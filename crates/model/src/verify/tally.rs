//! LoginHistory groups summed per app label and window.

use super::{class_of, Bucket, Part, StatusClass, Time};
use crate::flow::{self, Flow, LoginFlow};
use std::collections::{BTreeMap, BTreeSet};

/// One window's OAuth logins of one app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// Successful logins of a code flow (web server, hybrid web server, Authorization
    /// Code and Credentials).
    pub code_flow: u64,
    pub first_code_flow: Option<Time>,
    pub last_code_flow: Option<Time>,
    /// Successful refresh-token logins: tokens from an earlier authorization still in use.
    pub refresh: u64,
    /// Successful logins of other flows without an authorization code (JWT bearer, client
    /// credentials, username-password, user-agent, token exchange).
    pub no_code: u64,
    /// Successful OAuth logins whose flow LoginHistory does not record (no sub-type, or
    /// one Salesforce does not document).
    pub flow_unknown: u64,
    /// Failed logins that concern the app.
    pub app_failures: u64,
    /// The users' own failures (a wrong password and the like).
    pub user_failures: u64,
}

impl Window {
    pub fn oauth_logins(&self) -> u64 {
        [self.refresh, self.no_code, self.flow_unknown]
            .iter()
            .fold(self.code_flow, |a, b| a.saturating_add(*b))
    }
}

/// One status's logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    pub count: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
}

impl Seen {
    fn add(&mut self, count: u64, first: Option<Time>, last: Option<Time>) {
        self.count = self.count.saturating_add(count);
        self.first = match (self.first, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(last);
    }
}

/// An app's logins in one window: the sums and each failure status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub window: Window,
    /// Failure statuses (a user's own excepted) with their logins.
    pub failures: BTreeMap<String, (StatusClass, Seen)>,
}

/// What a login's sub-type says of its flow.
enum Kind {
    Code,
    Refresh,
    NoCode,
    Unrecorded,
}

fn kind(login_type: Option<&str>, sub_type: Option<&str>) -> Option<Kind> {
    if !flow::is_oauth_login(login_type, sub_type) {
        return None;
    }
    let f = flow::flow_of_sub_type(sub_type.unwrap_or(""))?;
    Some(match &f {
        f if f.uses_authorization_code() => Kind::Code,
        LoginFlow::Flow(Flow::RefreshToken) => Kind::Refresh,
        f if f.carries_no_code() => Kind::NoCode,
        LoginFlow::Flow(_) | LoginFlow::UndocumentedSubType(_) => Kind::Unrecorded,
    })
}

/// A label as LoginHistory and the metadata are compared: spaces of any kind trimmed and
/// collapsed, letters in lower case. A server that writes a label another way still
/// names the app; two labels alike this way cannot be told apart.
pub fn label_key(label: &str) -> String {
    label
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The status a failure is counted under: the decoder's spelling when it knows the text
/// (so case and spaces do not make an old failure look new), else the text trimmed.
fn status_key(status: Option<&str>) -> String {
    let s = status.unwrap_or_default().trim();
    crate::login_status::entry_for(s).map_or_else(|| s.to_string(), |e| e.status.to_string())
}

/// The logins of the app labelled `label` (compared by [`label_key`]) in `parts`. A
/// failure counts whatever its login type: a status that says PKCE is the app's even on a
/// row that does not say OAuth. Successes count by their flow, OAuth ones only.
pub fn tally(parts: &[Part], label: &str) -> Tally {
    let key = label_key(label);
    let mut t = Tally::default();
    let mut code = Seen::default();
    for g in parts
        .iter()
        .flat_map(|p| &p.groups)
        .filter(|g| g.application.as_deref().map(label_key).as_ref() == Some(&key))
    {
        let w = &mut t.window;
        match class_of(g.status.as_deref()) {
            StatusClass::Success => match kind(g.login_type.as_deref(), g.sub_type.as_deref()) {
                Some(Kind::Code) => {
                    w.code_flow = w.code_flow.saturating_add(g.count);
                    code.add(g.count, g.first, g.last);
                }
                Some(Kind::Refresh) => w.refresh = w.refresh.saturating_add(g.count),
                Some(Kind::NoCode) => w.no_code = w.no_code.saturating_add(g.count),
                Some(Kind::Unrecorded) => w.flow_unknown = w.flow_unknown.saturating_add(g.count),
                None => {}
            },
            StatusClass::User => w.user_failures = w.user_failures.saturating_add(g.count),
            class @ (StatusClass::Pkce | StatusClass::AppOauth | StatusClass::Unrecognized) => {
                w.app_failures = w.app_failures.saturating_add(g.count);
                t.failures
                    .entry(status_key(g.status.as_deref()))
                    .or_insert((class, Seen::default()))
                    .1
                    .add(g.count, g.first, g.last);
            }
        }
    }
    t.window.first_code_flow = code.first;
    t.window.last_code_flow = code.last;
    t
}

/// The successful code-flow logins of `label` in one part, as a rhythm bucket.
pub fn bucket(part: &Part, label: &str) -> Bucket {
    let t = tally(std::slice::from_ref(part), label);
    Bucket {
        span: part.span,
        count: t.window.code_flow,
        first: t.window.first_code_flow,
        last: t.window.last_code_flow,
    }
}

/// The labels with code-flow logins (or failures that say PKCE) in `parts`.
pub fn code_flow_labels(parts: &[Part]) -> BTreeSet<String> {
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    for g in parts.iter().flat_map(|p| &p.groups).filter(|g| {
        matches!(
            kind(g.login_type.as_deref(), g.sub_type.as_deref()),
            Some(Kind::Code)
        ) || class_of(g.status.as_deref()) == StatusClass::Pkce
    }) {
        if let Some(a) = g
            .application
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            by_key.entry(label_key(a)).or_insert_with(|| a.to_string());
        }
    }
    by_key.into_values().collect()
}
