//! The report: one value that every output format presents.
//!
//! Findings are data; the presenters only format them, and the binary alone turns a
//! report into an exit status ([`fails_on`] is the fact it needs from here).

mod model;
mod next;

pub use model::*;
pub use next::{
    next_actions, require_pkce_apps, NextAction, NextActionKind, MAX_NEXT_ACTIONS, PLAN_ELSEWHERE,
};

use crate::inventory::{App, Inventory, Owner};
use crate::rules::{self, Finding, Severity, Verdict};
use crate::waivers::{self, WaiverSet};
use std::collections::BTreeMap;

impl Report {
    /// Each app of `summary.outside_clients` with the hosts its client runs at.
    pub fn outside_clients(&self) -> Vec<(&str, &[String])> {
        self.summary
            .outside_clients
            .iter()
            .filter_map(|name| {
                let app = self.apps.iter().find(|a| &a.name == name)?;
                Some((name.as_str(), app.outside_client.as_ref()?.hosts.as_slice()))
            })
            .collect()
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::Incomplete)
    }

    /// What stands between this report and `ready`, one line each ([`rules::open_items`]).
    pub fn open_items(&self) -> Vec<String> {
        rules::open_items(&self.findings, &self.incomplete)
    }

    /// Recomputes verdict and summary after findings change (waivers, evidence).
    pub fn refresh(&mut self) {
        rules::sort_findings(&mut self.findings);
        let enforced = self
            .org_settings
            .as_ref()
            .is_some_and(|s| s.is_pkce_required);
        for f in &mut self.findings {
            f.likely_failing = enforced && f.blocker;
        }
        let (v, why) = rules::verdict(enforced, self.incomplete.len(), &self.findings);
        self.verdict = Some(v);
        self.verdict_reason = why;
        self.summary = summarise(&self.apps, &self.findings);
        self.next_actions = next_actions(self);
    }
}

fn summarise(apps: &[App], findings: &[Finding]) -> Summary {
    use std::collections::BTreeSet;
    let mut s = Summary {
        apps: apps.len(),
        apps_in_pkce_scope: apps.iter().filter(|a| a.in_pkce_scope()).count(),
        ..Default::default()
    };
    for sev in Severity::ALL {
        s.by_severity.insert(sev, 0);
    }
    // Sets keep this linear-logarithmic however many apps block.
    let mut org: BTreeSet<&str> = BTreeSet::new();
    let mut vendors: BTreeSet<&str> = BTreeSet::new();
    let mut isv: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for f in findings {
        if f.waived.is_some() {
            s.waived += 1;
            // Where the org already requires PKCE, a waived blocker's app likely fails at
            // its next authorization: its owner is still named.
            if !f.waived_but_failing() {
                continue;
            }
            s.waived_failing += 1;
        } else {
            *s.by_severity.entry(f.severity).or_default() += 1;
            if !f.blocker {
                continue;
            }
            s.blockers += 1;
        }
        let Some(app) = f.app.as_deref() else {
            continue;
        };
        match &f.owner {
            Owner::Org => {
                org.insert(app);
            }
            // Salesforce's own clients are confirmed with Salesforce, as a vendor's are.
            Owner::External | Owner::Salesforce => {
                vendors.insert(app);
            }
            Owner::Isv => {
                let ns = f
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "(no namespace)".into());
                isv.entry(ns).or_default().insert(app);
            }
        }
    }
    // Among our apps to fix, those whose client runs at an outside host: the admin
    // confirms with whoever runs it (the hosts are in `apps[].outside_client`).
    s.outside_clients = apps
        .iter()
        .filter(|a| a.outside_client.is_some() && org.contains(a.name.as_str()))
        .map(|a| a.name.clone())
        .collect();
    s.org_apps_to_fix = org.into_iter().map(String::from).collect();
    s.vendor_apps = vendors.into_iter().map(String::from).collect();
    s.isv_actions = isv
        .into_iter()
        .map(|(namespace, apps)| IsvAction {
            namespace,
            apps: apps.into_iter().map(String::from).collect(),
        })
        .collect();
    s
}

/// Builds the report for an inventory: evaluates the rules and the verdict.
pub fn build(inv: &Inventory, mut scope: AuditScope) -> Report {
    if scope.evidence.is_none() {
        scope.evidence = inv.evidence.as_ref().map(EvidenceScope::from);
    }
    if scope.waivers.is_none() {
        scope.waivers = Some(None);
    }
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        scope,
        verdict: None,
        verdict_reason: String::new(),
        org_settings: inv.org_settings.clone(),
        apps: inv.apps.clone(),
        findings: rules::evaluate(inv),
        incomplete: inv.problems.clone(),
        notes: inv.notes.clone(),
        summary: Summary::default(),
        next_actions: Vec::new(),
        api: None,
        deadlines: crate::deadlines::sorted(),
    };
    report.refresh();
    report
}

impl Report {
    /// What this run did not read, one line each: every app whose PKCE setting is unknown
    /// (waived or not: a waiver cannot make it read), then every unread item. Empty only
    /// when the audit read everything it was given. The lines are worded as the verdict's
    /// open items are.
    /// The apps whose PKCE setting could not be read (`app-pkce-unknown`), in order.
    pub fn unknown_pkce_apps(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| f.rule == rules::RuleId::AppPkceUnknown)
            .filter_map(|f| f.app.clone())
            .collect()
    }

    pub fn unread_items(&self) -> Vec<String> {
        let unknown = self
            .findings
            .iter()
            .filter(|f| f.rule == rules::RuleId::AppPkceUnknown)
            .map(|f| match &f.app {
                Some(app) => format!("unknown PKCE setting on {app}"),
                None => "unknown PKCE setting".to_string(),
            });
        unknown
            .chain(self.incomplete.iter().map(|p| format!("not read: {p}")))
            .collect()
    }

    /// Applies a run's waivers as of `today`, records the file in `scope.waivers` and the
    /// notes on how it was chosen, then re-judges the verdict.
    pub fn apply_waivers(&mut self, set: &WaiverSet, today: chrono::NaiveDate) {
        let counts = waivers::apply(&mut self.findings, &set.waivers, &self.apps, today);
        self.scope.waivers = Some(set.file.as_ref().map(|f| WaiverScope {
            file: f.display().to_string(),
            applied: counts.applied,
            expired: counts.expired,
            unused: counts.unused,
        }));
        self.scope.local.waiver_file = set.canonical.clone();
        self.notes.extend(set.notes.iter().cloned());
        self.refresh();
    }
}

/// Whether `report` has an unwaived finding at or above `min` (`--fail-on`); the binary
/// turns it into an exit status.
pub fn fails_on(report: &Report, min: Severity) -> bool {
    report
        .findings
        .iter()
        .any(|f| f.waived.is_none() && f.severity >= min)
}
