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
        self.code_flow + self.refresh + self.no_code + self.flow_unknown
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
        self.count += count;
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

/// The OAuth logins of the app labelled `label` in `parts`.
pub fn tally(parts: &[Part], label: &str) -> Tally {
    let mut t = Tally::default();
    let mut code = Seen::default();
    for g in parts
        .iter()
        .flat_map(|p| &p.groups)
        .filter(|g| g.application.as_deref().map(str::trim) == Some(label))
    {
        let Some(kind) = kind(g.login_type.as_deref(), g.sub_type.as_deref()) else {
            continue;
        };
        let w = &mut t.window;
        match class_of(g.status.as_deref()) {
            StatusClass::Success => match kind {
                Kind::Code => {
                    w.code_flow += g.count;
                    code.add(g.count, g.first, g.last);
                }
                Kind::Refresh => w.refresh += g.count,
                Kind::NoCode => w.no_code += g.count,
                Kind::Unrecorded => w.flow_unknown += g.count,
            },
            StatusClass::User => w.user_failures += g.count,
            class @ (StatusClass::Pkce | StatusClass::AppOauth | StatusClass::Unrecognized) => {
                w.app_failures += g.count;
                let status = g.status.as_deref().unwrap_or_default().trim().to_string();
                t.failures
                    .entry(status)
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
    parts
        .iter()
        .flat_map(|p| &p.groups)
        .filter(|g| {
            matches!(
                kind(g.login_type.as_deref(), g.sub_type.as_deref()),
                Some(Kind::Code)
            ) || class_of(g.status.as_deref()) == StatusClass::Pkce
        })
        .filter_map(|g| g.application.as_deref().map(str::trim))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}
