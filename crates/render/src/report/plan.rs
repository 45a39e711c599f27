//! The rollout plan's grouping, shared by the Markdown and HTML documents: which apps
//! each step of Salesforce's order names (clients first, apps second, the org toggle
//! last), by who acts on them.

use super::Report;
use pkce_audit_model::commands::{fix_refusal, FixTarget};
use pkce_audit_model::report::require_pkce_apps;
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::rules::Finding;
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
    /// Our apps to switch in step 2: [`Plan::ours`], then the apps whose client is known
    /// to send PKCE (the next actions' list, [`require_pkce_apps`]).
    pub switch: Vec<&'a App>,
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
            switch: Vec::new(),
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
        plan.switch = plan.ours.clone();
        for app in require_pkce_apps(r) {
            if !plan.switch.iter().any(|a| std::ptr::eq(*a, app)) {
                plan.switch.push(app);
            }
        }
        plan
    }
}

/// How step 2 changes `app`: `fix`'s command where the report has a project for it
/// ([`FixTarget`]), or why `fix` cannot change it.
pub(crate) fn step2_command(target: &FixTarget, app: &App) -> Result<String, String> {
    match fix_refusal(app) {
        Some(why) => Err(why),
        None => Ok(target.apps_command([app.name.as_str()])),
    }
}
