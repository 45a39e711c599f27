//! The rollout plan's grouping, shared by the Markdown and HTML documents: which apps
//! each step of Salesforce's order names (clients first, apps second, the org toggle
//! last), by who acts on them.

use super::Report;
use pkce_audit_model::commands::{fix_refusal, FixTarget};
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::report::require_pkce_apps;
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

/// Whether the org setting is already on (verdict `enforced`, or `incomplete` with the
/// setting on): step 3 then has nothing to turn on.
pub(crate) fn org_requires_pkce(r: &Report) -> bool {
    r.verdict() == Verdict::Enforced || r.org_settings.as_ref().is_some_and(|o| o.is_pkce_required)
}

/// Step 3's state in the plan's words: the report's verdict, never recomputed, so the
/// plan cannot call the toggle ready while the banner says otherwise. Where the verdict
/// is `incomplete` the org setting may already be on: the words say which.
pub(crate) fn toggle_word(r: &Report) -> &'static str {
    let on = org_requires_pkce(r);
    match r.verdict() {
        Verdict::Ready => "ready to turn on",
        Verdict::Enforced => "already on",
        Verdict::NotReady => "not yet: blockers remain",
        Verdict::Incomplete if on => "already on, but the audit is incomplete",
        Verdict::Incomplete => "not yet: the audit is incomplete",
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

#[cfg(test)]
mod tests {
    use crate::report::{html::html, markdown::markdown};
    use pkce_audit_model::report::{EnclosingProject, Layout, ScopeKind};
    use pkce_audit_test_org::reports::of_fixture;

    /// The HTML page and the Markdown plan of callbacks-org audited as `scope` says.
    fn both(scope: impl Fn(&mut crate::report::Report)) -> [String; 2] {
        let mut r = of_fixture("callbacks-org");
        r.scope.source = "fixtures/callbacks-org".into();
        scope(&mut r);
        r.refresh();
        // The page's wrap points (`<wbr>`) are no characters: a pasted command has none.
        [html(&r).replace("<wbr>", ""), markdown(&r)]
    }

    #[test]
    fn the_plans_print_the_fix_commands_of_the_next_actions_where_fix_runs() {
        // A project: its folder; the app the next actions name is in step 2 too.
        for doc in both(|_| {}) {
            let command = "pkce-audit fix --source fixtures/callbacks-org --app Sf_Cli_Login";
            // The page's way back names it too, with --undo.
            let undo = doc.matches(&format!("{command} --undo")).count();
            assert_eq!(doc.matches(command).count() - undo, 2, "{doc}");
        }
        // A live audit, a snapshot (read-only evidence), a folder in no project: retrieve
        // first, then fix the retrieved project; no placeholder a shell reads as `<`.
        let live = |r: &mut crate::report::Report| r.scope.kind = ScopeKind::Org;
        let snapshot = |r: &mut crate::report::Report| r.scope.layout = Some(Layout::Snapshot);
        let loose = |r: &mut crate::report::Report| r.scope.layout = Some(Layout::Folder);
        for doc in [both(live), both(snapshot), both(loose)].concat() {
            for part in [
                "sf project generate --name pkce &amp;&amp; (cd pkce",
                "pkce-audit fix --source pkce --app Sf_Cli_Login",
                "pkce-audit fix --source pkce --org-setting --target-org YOUR_ORG_ALIAS",
            ] {
                let part = if doc.starts_with("<!DOCTYPE") {
                    part.to_string()
                } else {
                    part.replace("&amp;", "&")
                };
                assert!(doc.contains(&part), "{part} in:\n{doc}");
            }
            assert!(!doc.contains("fixtures/callbacks-org --"), "{doc}");
            assert!(!doc.contains("project&gt;") && !doc.contains("<project>"));
        }
        // A folder inside a project: the project's root.
        let inside = |r: &mut crate::report::Report| {
            r.scope.layout = Some(Layout::Folder);
            r.scope.source = "proj/force-app".into();
            r.scope.enclosing_project = Some(EnclosingProject {
                root: "/srv/proj".into(),
                ..Default::default()
            });
        };
        for doc in both(inside) {
            assert!(
                doc.contains("pkce-audit fix --source /srv/proj --app Sf_Cli_Login"),
                "{doc}"
            );
            assert!(doc.contains("pkce-audit fix --source /srv/proj --org-setting"));
            assert!(!doc.contains("--source proj/force-app"));
        }
    }

    #[test]
    fn an_app_fix_would_refuse_gets_why_not_a_command() {
        let rename = |r: &mut crate::report::Report| {
            let hostile = "Hl';touch x";
            for a in r.apps.iter_mut().filter(|a| a.name == "Sf_Cli_Login") {
                a.name = hostile.into();
            }
            for f in r.findings.iter_mut() {
                if f.app.as_deref() == Some("Sf_Cli_Login") {
                    f.app = Some(hostile.into());
                }
            }
        };
        for doc in both(rename) {
            assert!(!doc.contains("--app 'Hl"), "{doc}");
            assert!(doc.contains("fix cannot change it"), "{doc}");
            assert!(doc.contains("not a Salesforce API name"), "{doc}");
        }
    }
}
