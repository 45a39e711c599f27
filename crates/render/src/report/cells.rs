//! The words every renderer shares: how a verdict, a PKCE setting, an owner, an app kind,
//! a flow and a finding's severity are written in a table cell or a line of a document.
//! The audit and the diff renderers call these, so each is decided once.
//!
//! Texts from a report (names, namespaces, spellings this version does not know) come back
//! as read; each renderer escapes them for its format.

use super::layout::{Entry, Grid};
use super::style::{Style, Styled};
use super::text::visible as v;
use super::Report;
use pkce_audit_model::diff::read;
use pkce_audit_model::flow::Flow;
use pkce_audit_model::inventory::{App, AppKind, Owner};
use pkce_audit_model::rules::{Finding, Severity, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "READY",
        Verdict::NotReady => "NOT READY",
        Verdict::Incomplete => "INCOMPLETE",
        Verdict::Enforced => "ENFORCED",
    }
}

/// An app's PKCE setting in one word.
pub fn pkce_word(required: Option<bool>) -> &'static str {
    match required {
        Some(true) => "required",
        Some(false) => "NO",
        None => "unknown",
    }
}

/// [`pkce_word`], or `n/a` for an app outside PKCE scope.
pub fn pkce_cell(in_pkce_scope: bool, required: Option<bool>) -> &'static str {
    if in_pkce_scope {
        pkce_word(required)
    } else {
        "n/a"
    }
}

/// Flow names shortened so the apps table fits 100 columns.
pub fn short_flow(f: &Flow) -> &'static str {
    match f {
        Flow::AuthorizationCode => "auth-code",
        Flow::CodeCredentials => "code-creds",
        Flow::ClientCredentials => "client-creds",
        Flow::JwtBearer => "jwt",
        Flow::TokenExchange => "token-exch",
        Flow::RefreshToken => "refresh",
        Flow::UsernamePassword => "user-pwd",
        Flow::SoapLogin => "soap",
        Flow::Device | Flow::Saml | Flow::Canvas | Flow::UserAgent | Flow::Unknown => f.as_str(),
    }
}

/// An app's flows, shortened and [`visible`](super::text::visible).
pub fn flows_cell(app: &App) -> String {
    match &app.flows {
        None => "unknown".into(),
        Some(f) if f.is_empty() => "-".into(),
        Some(f) => f
            .iter()
            .map(|f| v(short_flow(f)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// "isv (acmecpq)" for a packaged app whose namespace is known, else the owner.
pub fn owner_text(owner: &Owner, namespace: Option<&str>) -> String {
    match (owner, namespace) {
        (Owner::Isv, Some(ns)) => format!("isv ({ns})"),
        (Owner::Isv | Owner::Org | Owner::External | Owner::Salesforce, _) => {
            owner.as_str().to_string()
        }
    }
}

/// The app kind in a few letters, for the audit table.
pub fn kind_abbrev(kind: &AppKind) -> &'static str {
    match kind {
        AppKind::ConnectedApp => "CA",
        AppKind::ExternalClientApp => "ECA",
        AppKind::External => "EXT",
    }
}

/// What the tables show of a finding: one of this run, or one of a report read back by
/// `diff` (whose rule may be one this version does not know).
pub trait Shown {
    fn severity(&self) -> Severity;
    /// `blocker`, waived, likely failing.
    fn weight(&self) -> (bool, bool, bool);
    fn rule_text(&self) -> &str;
    fn app(&self) -> Option<&str>;
}

/// The two findings have the same fields under the same names.
macro_rules! shown {
    ($($ty:ty),+) => {$(
        impl Shown for $ty {
            fn severity(&self) -> Severity {
                self.severity
            }
            fn weight(&self) -> (bool, bool, bool) {
                (self.blocker, self.waived.is_some(), self.likely_failing)
            }
            fn rule_text(&self) -> &str {
                self.rule.as_str()
            }
            fn app(&self) -> Option<&str> {
                self.app.as_deref()
            }
        }
    )+};
}

shown!(Finding, read::Finding);

/// `waived`, `BLOCKER`, or nothing: what a finding weighs on the verdict; `WAIVED,
/// FAILING` for a waived blocker where the org already requires PKCE.
pub fn blocker_word(f: &impl Shown) -> &'static str {
    let (blocker, waived, likely_failing) = f.weight();
    match (blocker, waived) {
        (true, true) if likely_failing => "WAIVED, FAILING",
        (_, true) => "waived",
        (true, false) => "BLOCKER",
        (false, false) => "",
    }
}

/// What every format says of a blocker in an org that already requires PKCE.
pub const LIKELY_FAILING: &str =
    "the org already requires PKCE, so this app likely fails at its next authorization";

/// The summary's line on waived blockers that likely fail (a waiver defers nothing once
/// PKCE is required).
/// The summary by owner's rows for our apps whose client runs at an outside host: each
/// app, its hosts, and its findings someone must act on.
pub fn outside_client_rows(r: &Report) -> Vec<(&str, &[String], usize)> {
    r.outside_clients()
        .into_iter()
        .map(|(app, hosts)| {
            let n = r
                .findings
                .iter()
                .filter(|f| f.needs_action() && f.app.as_deref() == Some(app))
                .count();
            (app, hosts, n)
        })
        .collect()
}

/// What the summary by owner says when some input could not be read: "nothing breaks"
/// would be a claim on partial data. `None` when everything was read.
pub fn partial_line(r: &Report) -> Option<String> {
    let n = r.incomplete.len();
    if n == 0 {
        return None;
    }
    Some(if r.findings.iter().any(|f| f.needs_action()) {
        format!("{n} item(s) could not be read: more may break than is listed here")
    } else {
        format!("No blocker in what was read; {n} item(s) could not be read")
    })
}

pub fn waived_failing_line(n: usize) -> String {
    format!(
        "{n} waived blocker(s) likely fail at their next authorization: the org already requires PKCE, so a waiver defers nothing; their owners are listed above."
    )
}

/// The words of [`blocker_word`], BLOCKER in its colour.
pub fn blocker_styled(f: &impl Shown) -> Styled {
    match blocker_word(f) {
        "BLOCKER" => Styled::of("BLOCKER", Style::Blocker),
        word => word.into(),
    }
}

/// A finding as a row of a findings table: "high\nBLOCKER", "App\nrule-id" (the rule
/// alone for org findings) and the lines of `what`; as a list entry, "high BLOCKER · App ·
/// rule-id" with `what` under it. The severity and BLOCKER carry their colour. Input text
/// is made visible here; `what` already is.
pub fn push_finding(grid: &mut Grid, f: &impl Shown, what: Vec<String>) {
    let severity = Styled::of(f.severity().as_str(), Style::Severity(f.severity()));
    let weight = blocker_styled(f);
    let rule = v(f.rule_text());
    let app = f.app().map(v);
    let (mut sev_cell, mut head) = (severity.clone(), severity);
    if weight != Styled::default() {
        sev_cell.push_str("\n");
        sev_cell.append(weight.clone());
        head.push_str(" ");
        head.append(weight);
    }
    let what_rule = match &app {
        Some(app) => {
            head.push_str(&format!(" · {app} · {rule}"));
            format!("{app}\n{rule}")
        }
        None => {
            head.push_str(&format!(" · {rule}"));
            rule.into_owned()
        }
    };
    let cells = vec![sev_cell, what_rule.into(), what.join("\n").into()];
    grid.push(
        cells,
        Entry::new(head, what.into_iter().map(Into::into).collect()),
    );
}

/// Findings folded into one line per rule, in the order of the rule ids: rule -> apps
/// (`org` for org-level ones).
pub fn fold_by_rule<'a, F: Shown>(findings: &[&'a F]) -> BTreeMap<&'a str, Vec<&'a str>> {
    let mut by_rule: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in findings {
        by_rule
            .entry(f.rule_text())
            .or_default()
            .push(f.app().unwrap_or("org"));
    }
    by_rule
}

/// Full flow names, for documents that are read, not scanned.
pub fn flows_text(app: &App) -> String {
    match &app.flows {
        None => "unknown".into(),
        Some(f) if f.is_empty() => "none".into(),
        Some(f) => f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
    }
}

/// The app kind in words, as read (the caller escapes it).
pub fn kind_name(k: &AppKind) -> &'static str {
    match k {
        AppKind::ConnectedApp => "Connected App",
        AppKind::ExternalClientApp => "External Client App",
        AppKind::External => "app defined in another org",
    }
}

/// A few words of usage for the apps table, and usernames with `--show-users`.
pub fn usage_text(app: &App) -> String {
    let mut text = match &app.usage {
        None => "unknown".to_string(),
        Some(u) if u.dormant() => format!("dormant (no use in {} days)", u.window_days),
        Some(u) => u.describe(),
    };
    if let Some(users) = app.users.as_ref().filter(|u| !u.is_empty()) {
        let shown: Vec<&str> = users.iter().take(5).map(String::as_str).collect();
        let _ = write!(text, "; users: {}", shown.join(", "));
        if users.len() > 5 {
            let _ = write!(text, " (+{} more)", users.len() - 5);
        }
    }
    text
}

/// What was audited, as the documents' header table shows it: (what, value) pairs, the
/// values as read (each format escapes them).
pub fn scope_facts(r: &super::Report) -> Vec<(&'static str, String)> {
    let s = &r.scope;
    let mut facts = vec![(
        match s.kind {
            super::ScopeKind::Org => "Org",
            super::ScopeKind::Folder => "Folder",
        },
        s.source.clone(),
    )];
    if let Some(l) = &s.layout {
        facts.push(("Layout", l.as_str().to_string()));
    }
    if let Some(id) = &s.org_id {
        facts.push(("Org ID", id.clone()));
    }
    // A live org's URL is its source; a snapshot names the org it was fetched from.
    if let Some(url) = s.instance_url.as_deref().filter(|_| s.is_snapshot()) {
        facts.push(("Instance URL", url.to_string()));
    }
    if let Some(v) = &s.api_version {
        facts.push(("API version", v.clone()));
    }
    let read_at = if s.is_snapshot() {
        "Fetched at"
    } else {
        "Metadata read at"
    };
    facts.push((read_at, s.generated_at.clone()));
    if let Some(e) = &s.evidence {
        facts.push((
            "Usage evidence",
            format!(
                "last {} days: {}",
                e.window_days,
                super::table::evidence_sources(e)
            ),
        ));
    }
    facts.push(("Waivers", super::WaiverScope::describe(s.waiver_file())));
    facts.push(("Tool", format!("{} {}", r.tool.name, r.tool.version)));
    facts.push((
        "Apps",
        format!(
            "{} ({} in PKCE scope)",
            r.summary.apps, r.summary.apps_in_pkce_scope
        ),
    ));
    facts
}
