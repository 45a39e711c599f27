//! The rollout plan's grouping, shared by the Markdown and HTML documents: which apps
//! each step of Salesforce's order names (clients first, apps second, the org toggle
//! last), by who acts on them.

use super::Report;
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::rules::{Finding, Verdict};
use std::collections::BTreeMap;

/// The app's blockers someone must act on (waived ones too where PKCE is enforced).
pub(crate) fn app_blockers<'a>(r: &'a Report, app: &str) -> Vec<&'a Finding> {
    r.findings
        .iter()
        .filter(|f| f.app.as_deref() == Some(app) && f.needs_action())
        .collect()
}

/// The apps of each step, by who acts on them.
pub(crate) struct Plan<'a> {
    /// Our apps that need client work and the PKCE switch: blockers or an unknown setting.
    pub ours: Vec<&'a App>,
    /// Our apps that already require PKCE.
    pub done: Vec<&'a App>,
    /// Blocking packaged apps, by namespace.
    pub isv: BTreeMap<String, Vec<&'a App>>,
    /// Blocking apps defined in other orgs.
    pub vendors: Vec<&'a App>,
    /// Apps Salesforce creates and runs that do not require PKCE.
    pub salesforce: Vec<&'a App>,
}

impl<'a> Plan<'a> {
    pub fn of(r: &'a Report) -> Self {
        let mut plan = Plan {
            ours: Vec::new(),
            done: Vec::new(),
            isv: BTreeMap::new(),
            vendors: Vec::new(),
            salesforce: Vec::new(),
        };
        for app in r.apps.iter().filter(|a| a.in_pkce_scope()) {
            let blocks = !app_blockers(r, &app.name).is_empty();
            match &app.owner {
                Owner::Org if app.pkce_required == Some(true) => plan.done.push(app),
                Owner::Org if blocks || app.pkce_required.is_none() => plan.ours.push(app),
                Owner::Org => {}
                Owner::External if blocks => plan.vendors.push(app),
                Owner::Isv if blocks => plan
                    .isv
                    .entry(app.namespace.clone().unwrap_or_else(|| "(none)".into()))
                    .or_default()
                    .push(app),
                Owner::Salesforce if app.pkce_required != Some(true) => plan.salesforce.push(app),
                Owner::External | Owner::Isv | Owner::Salesforce => {}
            }
        }
        plan
    }
}

/// Step 3's state in the plan's words: the report's verdict, never recomputed, so the
/// plan cannot call the toggle ready while the banner says otherwise. Where the verdict
/// is `incomplete` the org setting may already be on: the words say which.
pub(crate) fn toggle_word(r: &Report) -> &'static str {
    let on = r.org_settings.as_ref().is_some_and(|o| o.is_pkce_required);
    match r.verdict() {
        Verdict::Ready => "ready to turn on",
        Verdict::Enforced => "already on",
        Verdict::NotReady => "not yet: blockers remain",
        Verdict::Incomplete if on => "already on, but the audit is incomplete",
        Verdict::Incomplete => "not yet: the audit is incomplete",
    }
}
