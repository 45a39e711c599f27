//! The verdict: whether the org can require PKCE, and why, in one sentence.

use super::{Finding, RuleId};
use crate::inventory::{Inventory, Problem};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    NotReady,
    Incomplete,
    Enforced,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
            Verdict::Incomplete => "incomplete",
            Verdict::Enforced => "enforced",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict and why, in one sentence. `org_enforced`: the org toggle is on;
/// `unreadable`: how many things could not be read.
pub fn verdict(org_enforced: bool, unreadable: usize, findings: &[Finding]) -> (Verdict, String) {
    let blockers: Vec<&Finding> = findings.iter().filter(|f| blocks(f)).collect();
    // `enforced`, like `ready`, is a claim about everything the audit was given.
    if org_enforced && unreadable > 0 {
        return (
            Verdict::Incomplete,
            format!(
                "The org already requires PKCE for supported authorization flows, but {unreadable} item(s) could not be read, so apps that may already be failing cannot be ruled out."
            ),
        );
    }
    if org_enforced {
        let mut tail = String::new();
        if !blockers.is_empty() {
            tail += &format!(
                " {} blocking finding(s) show apps that may already be failing.",
                blockers.len()
            );
        }
        // A waiver accepts a risk; with the setting on, the risk is here.
        let waived: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.blocker && f.waived.is_some())
            .collect();
        if !waived.is_empty() {
            let apps: std::collections::BTreeSet<_> =
                waived.iter().filter_map(|f| f.app.as_deref()).collect();
            tail += &format!(
                " {} waived blocking finding(s) on {} app(s) likely fail at their next authorization: a waiver defers nothing once PKCE is required.",
                waived.len(),
                apps.len()
            );
        }
        return (
            Verdict::Enforced,
            format!("The org already requires PKCE for supported authorization flows.{tail}"),
        );
    }
    if !blockers.is_empty() {
        let apps: std::collections::BTreeSet<_> =
            blockers.iter().filter_map(|f| f.app.as_deref()).collect();
        return (
            Verdict::NotReady,
            format!(
                "{} blocking finding(s) on {} app(s) must be resolved before PKCE is required org-wide.",
                blockers.len(),
                apps.len()
            ),
        );
    }
    // Waived or not: a waiver accepts a risk, it cannot make an unread setting read.
    let unknown = findings.iter().filter(|f| leaves_unknown(f)).count();
    let unseen = findings
        .iter()
        .filter(|f| f.awaits_usage_evidence())
        .count();
    if unreadable > 0 || unknown > 0 || unseen > 0 {
        let mut parts = Vec::new();
        if unreadable > 0 {
            parts.push(format!("{unreadable} item(s) could not be read"));
        }
        if unknown > 0 {
            parts.push(format!("{unknown} app(s) have an unknown PKCE setting"));
        }
        if unseen > 0 {
            parts.push(format!(
                "{unseen} app(s) with Salesforce's success page as callback have no login history to show who receives codes there"
            ));
        }
        return (
            Verdict::Incomplete,
            format!(
                "No blocker found, but {}: the org cannot be declared ready.",
                parts.join(" and ")
            ),
        );
    }
    (
        Verdict::Ready,
        "No blocker found and everything was read: the org setting can be turned on.".into(),
    )
}

/// A finding that keeps the org from `ready`: an unwaived blocker.
fn blocks(f: &Finding) -> bool {
    f.is_active_blocker()
}

/// A finding that leaves the verdict `incomplete`, waived or not: a PKCE setting unknown.
fn leaves_unknown(f: &Finding) -> bool {
    f.rule == RuleId::AppPkceUnknown
}

/// What stands between the audit and `ready`, one line each, by the tests [`verdict`]
/// applies: every unwaived blocker, every app whose PKCE setting is unknown, and every
/// item that could not be read. Empty exactly when the verdict (org setting off) is
/// `ready`.
pub fn open_items(findings: &[Finding], unread: &[Problem]) -> Vec<String> {
    let on = |f: &Finding| match &f.app {
        Some(app) => format!(" on {app}"),
        None => String::new(),
    };
    let mut open: Vec<String> = findings
        .iter()
        .filter(|f| blocks(f))
        .map(|f| format!("blocker {}{}", f.rule, on(f)))
        .collect();
    open.extend(
        findings
            .iter()
            .filter(|f| leaves_unknown(f) && !blocks(f))
            .map(|f| format!("unknown PKCE setting{}", on(f))),
    );
    open.extend(
        findings
            .iter()
            .filter(|f| f.awaits_usage_evidence() && !blocks(f))
            .map(|f| format!("no usage evidence for the success-page callback{}", on(f))),
    );
    open.extend(unread.iter().map(|p| format!("not read: {p}")));
    open
}

/// The verdict for an inventory and its findings.
pub fn verdict_of(inv: &Inventory, findings: &[Finding]) -> (Verdict, String) {
    verdict(
        inv.org_settings
            .as_ref()
            .is_some_and(|s| s.is_pkce_required),
        inv.problems.len(),
        findings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list explains the verdict: empty exactly when the org, its setting off, is ready.
    #[test]
    fn open_items_are_empty_exactly_when_ready() {
        let blocker = Finding::bare("app-pkce-not-required", Some("A"));
        let unknown = Finding::bare("app-pkce-unknown", Some("E"));
        let unseen = Finding::bare("app-callback-success-page", Some("S"));
        let info = Finding::bare("dormant-app", Some("B"));
        let unread = Problem::new(crate::inventory::ProblemKind::Unreadable, "cannot be read")
            .component(crate::metadata::MetadataType::ConnectedApp, "C");
        let cases: [(&[Finding], &[Problem], &[&str]); 5] = [
            (
                std::slice::from_ref(&unseen),
                &[],
                &["no usage evidence for the success-page callback on S"],
            ),
            (std::slice::from_ref(&info), &[], &[]),
            (
                &[blocker.clone(), info.clone()],
                &[],
                &["blocker app-pkce-not-required on A"],
            ),
            (
                std::slice::from_ref(&unknown),
                &[],
                &["unknown PKCE setting on E"],
            ),
            (
                &[],
                std::slice::from_ref(&unread),
                &["not read: ConnectedApp C: cannot be read"],
            ),
        ];
        for (findings, problems, expected) in cases {
            let (v, _) = verdict(false, problems.len(), findings);
            assert_eq!(open_items(findings, problems), expected, "{v}");
            assert_eq!(v == Verdict::Ready, expected.is_empty(), "{expected:?}");
        }
    }
}
