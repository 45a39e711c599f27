//! What to do next: at most [`MAX_NEXT_ACTIONS`] things a person does, most urgent first,
//! computed from the report alone (the table ends with them; Markdown, JSON and the other
//! formats carry the same list).
//!
//! Precedence (docs/output.md, "Next actions"):
//! 1. `read-unread`: an incomplete report can call nothing done, so what could not be read
//!    comes first;
//! 2. `retrieve-project`: a live audit, a snapshot or a folder in no project has no
//!    project for `fix` to change ([`FixTarget`]): retrieve one before the `fix` commands
//!    listed (decided after the cap, so it comes only with a `fix` command);
//! 3. with the org setting already on (`enforced`): `check-failing-apps` for the apps that
//!    likely fail at their next authorization, else `enforced` (nothing left to turn on);
//! 4. step 1, the clients, slowest to change first: `contact-isv-publisher` (one per
//!    namespace), `contact-vendor` (apps defined in other orgs; then our apps whose client
//!    runs at an outside host, asking whoever runs it), `update-our-clients` (the rest);
//! 5. step 2: `require-pkce` on our apps whose client is known to send PKCE, with the
//!    exact `fix` command;
//! 6. step 3, only when nothing blocks and everything was read (`ready`):
//!    `turn-on-org-setting` with its `fix` command.
//!
//! More than [`MAX_NEXT_ACTIONS`] due: the first four, and a fifth (`more`) that says how
//! many more and where every step is listed.

use super::Report;
use crate::commands::{fix_refusal, FixTarget, ORG_PLACEHOLDER, RETRIEVE_PROJECT};
use crate::inventory::{App, Owner};
use crate::rules::{RuleId, Verdict};
use crate::vocabulary;
use serde::{Deserialize, Serialize};

/// Where the `more` action sends the reader: a report with its plan (Markdown, HTML)
/// says "the rollout plan below" instead.
pub const PLAN_ELSEWHERE: &str = "the rollout plan (--format markdown)";

/// The most next actions a report lists.
pub const MAX_NEXT_ACTIONS: usize = 5;

vocabulary! {
    /// What kind of thing a next action asks, in order of precedence.
    #[derive(PartialOrd, Ord)]
    pub enum NextActionKind {
        /// Make readable what could not be read, and audit again.
        ReadUnread = "read-unread",
        /// Retrieve the org's apps and settings into a project `fix` can change.
        RetrieveProject = "retrieve-project",
        /// The org already requires PKCE: these apps likely fail at their next
        /// authorization.
        CheckFailingApps = "check-failing-apps",
        /// The org already requires PKCE and nothing blocks: nothing left to turn on.
        Enforced = "enforced",
        /// Ask an ISV package's publisher for a PKCE-ready version (step 1).
        ContactIsvPublisher = "contact-isv-publisher",
        /// Confirm with the vendors of apps defined in other orgs (step 1).
        ContactVendor = "contact-vendor",
        /// Make our own apps' clients send PKCE (step 1).
        UpdateOurClients = "update-our-clients",
        /// Require PKCE on our apps whose client is known to send it (step 2).
        RequirePkce = "require-pkce",
        /// Turn on the org setting (step 3).
        TurnOnOrgSetting = "turn-on-org-setting",
        /// More actions are due than are listed.
        More = "more",
    }
}

/// One thing a person does next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextAction {
    pub kind: NextActionKind,
    /// Who acts, or whom it concerns; `None` for [`NextActionKind::More`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The action in one sentence (input text: the presenter makes it visible).
    pub text: String,
    /// The apps it covers.
    #[serde(default)]
    pub apps: Vec<String>,
    /// The ISV package's namespace, for `contact-isv-publisher`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Whom to write to, when the apps name someone (their contact e-mail).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// The exact command to run, when there is one (org-chosen names shell-quoted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// For [`NextActionKind::More`]: how many due actions are not listed. Presenters word
    /// the line from it (each points to where its own document lists every step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

impl NextAction {
    fn new(kind: NextActionKind, owner: Owner, text: String) -> Self {
        NextAction {
            kind,
            owner: Some(owner),
            text,
            apps: Vec::new(),
            namespace: None,
            contacts: Vec::new(),
            command: None,
            count: None,
        }
    }

    fn apps(mut self, apps: Vec<String>) -> Self {
        self.apps = apps;
        self
    }

    fn contacts<'a>(mut self, apps: impl IntoIterator<Item = &'a App>) -> Self {
        for e in apps.into_iter().filter_map(|a| a.contact_email.as_deref()) {
            if !self.contacts.iter().any(|c| c == e) {
                self.contacts.push(e.to_string());
            }
        }
        self
    }

    fn command(mut self, command: String) -> Self {
        self.command = Some(command);
        self
    }
}

/// `names` joined for a sentence, the rest counted past `max`.
fn named(names: &[String]) -> String {
    const MAX: usize = 6;
    if names.len() <= MAX {
        return names.join(", ");
    }
    format!("{} and {} more", names[..MAX].join(", "), names.len() - MAX)
}

/// Every action due, in precedence order, before the cap.
fn due(r: &Report) -> Vec<NextAction> {
    let mut out = Vec::new();
    let app = |name: &str| r.apps.iter().find(|a| a.name == name);
    let unknown = r.unknown_pkce_apps();
    if !unknown.is_empty() || !r.incomplete.is_empty() {
        let mut what = Vec::new();
        if !unknown.is_empty() {
            what.push(format!("the PKCE setting of {}", named(&unknown)));
        }
        if !r.incomplete.is_empty() {
            what.push(format!(
                "the {} item(s) listed under \"Could not be read\"",
                r.incomplete.len()
            ));
        }
        out.push(
            NextAction::new(
                NextActionKind::ReadUnread,
                Owner::Org,
                format!(
                    "Make readable {}, then run the audit again: nothing can be called ready before.",
                    what.join(" and ")
                ),
            )
            .apps(unknown),
        );
    }
    let target = r.scope.fix_target();
    let verdict = r.verdict();
    let sends = require_pkce_apps(r);
    let step3_due = verdict == Verdict::Ready;
    if verdict == Verdict::Enforced {
        let failing: Vec<String> = names(r.findings.iter().filter(|f| f.likely_failing));
        if failing.is_empty() {
            out.push(NextAction::new(
                NextActionKind::Enforced,
                Owner::Org,
                "Nothing to turn on: the org already requires PKCE, and no app is known to fail."
                    .into(),
            ));
        } else {
            out.push(
                NextAction::new(
                    NextActionKind::CheckFailingApps,
                    Owner::Org,
                    format!(
                        "The org already requires PKCE: check {} app(s) that likely fail at their next authorization ({}), and make their clients send PKCE.",
                        failing.len(),
                        named(&failing)
                    ),
                )
                .apps(failing),
            );
        }
    }
    for isv in &r.summary.isv_actions {
        let apps: Vec<&App> = isv.apps.iter().filter_map(|n| app(n)).collect();
        let package = apps
            .iter()
            .find_map(|a| a.package.as_ref())
            .map(|p| format!(" (package {} {})", p.name, p.version))
            .unwrap_or_default();
        let mut a = NextAction::new(
            NextActionKind::ContactIsvPublisher,
            Owner::Isv,
            String::new(),
        )
        .apps(isv.apps.clone())
        .contacts(apps.iter().copied());
        let whom = match a.contacts.as_slice() {
            [] => "the publisher (no contact e-mail on its apps)".to_string(),
            c => format!("the publisher at {}", c.join(", ")),
        };
        a.text = format!(
            "Ask {whom} for a version of namespace {}{package} that requires and sends PKCE, then upgrade: {}.",
            isv.namespace,
            named(&isv.apps)
        );
        a.namespace = Some(isv.namespace.clone());
        out.push(a);
    }
    if !r.summary.vendor_apps.is_empty() {
        let vendors = &r.summary.vendor_apps;
        out.push(
            NextAction::new(
                NextActionKind::ContactVendor,
                Owner::External,
                format!(
                    "Confirm with the vendors of {} app(s) defined in other orgs that their clients send PKCE, or test them in a sandbox with the org setting on: {}.",
                    vendors.len(),
                    named(vendors)
                ),
            )
            .apps(vendors.clone()),
        );
    }
    // Our apps whose client runs at an outside host: whoever runs it there updates it.
    let outside = r.outside_clients();
    if !outside.is_empty() {
        let apps: Vec<String> = outside.iter().map(|(a, _)| a.to_string()).collect();
        let a = NextAction::new(
            NextActionKind::ContactVendor,
            Owner::External,
            String::new(),
        )
        .apps(apps.clone())
        .contacts(apps.iter().filter_map(|n| app(n)));
        let whom = match a.contacts.as_slice() {
            [] => String::new(),
            c => format!(" (contacts: {})", c.join(", ")),
        };
        let at: Vec<String> = outside
            .iter()
            .map(|(a, hosts)| format!("{a} (at {})", hosts.join(" and ")))
            .collect();
        let text = format!(
            "Ask the vendors that run the clients of {} app(s) of ours at outside hosts to make them send PKCE{whom}: {}.",
            at.len(),
            named(&at)
        );
        out.push(NextAction { text, ..a });
    }
    let ours: Vec<String> = r
        .summary
        .org_apps_to_fix
        .iter()
        .filter(|n| !r.summary.outside_clients.contains(n))
        .cloned()
        .collect();
    if !ours.is_empty() {
        let ours = &ours;
        let a = NextAction::new(NextActionKind::UpdateOurClients, Owner::Org, String::new())
            .apps(ours.clone())
            .contacts(ours.iter().filter_map(|n| app(n)));
        let contact = match a.contacts.as_slice() {
            [] => String::new(),
            c => format!(" (contacts: {})", c.join(", ")),
        };
        let text = format!(
            "Update and redeploy the clients of {} app(s) of ours so they send PKCE{contact}: {}.",
            ours.len(),
            named(ours)
        );
        out.push(NextAction { text, ..a });
    }
    if !sends.is_empty() {
        let apps: Vec<String> = sends.iter().map(|a| a.name.clone()).collect();
        let fixable: Vec<&str> = sends
            .iter()
            .filter(|a| fix_refusal(a).is_none())
            .map(|a| a.name.as_str())
            .collect();
        let refused: Vec<String> = sends
            .iter()
            .filter(|a| fix_refusal(a).is_some())
            .map(|a| a.name.clone())
            .collect();
        let setup = if refused.is_empty() {
            String::new()
        } else {
            format!(
                " fix cannot change {}: require PKCE on it in Setup (the rollout plan says why).",
                named(&refused)
            )
        };
        let a = NextAction::new(
            NextActionKind::RequirePkce,
            Owner::Org,
            format!(
                "Require PKCE (step 2) on {} app(s) whose client is known to send it, once everyone runs the release named in its finding: {}.{setup}",
                apps.len(),
                named(&apps)
            ),
        )
        .apps(apps);
        out.push(if fixable.is_empty() {
            a
        } else {
            a.command(target.apps_command(fixable))
        });
    }
    if step3_due {
        out.push(
            NextAction::new(
                NextActionKind::TurnOnOrgSetting,
                Owner::Org,
                "Nothing blocks: require PKCE org-wide (step 3), check the deploy, then deploy it."
                    .into(),
            )
            .command(target.org_setting_command()),
        );
    }
    out
}

/// The distinct apps of `findings`, in order.
fn names<'a>(findings: impl Iterator<Item = &'a crate::rules::Finding>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings {
        if let Some(a) = f.app.as_deref().filter(|a| !out.iter().any(|o| o == a)) {
            out.push(a.to_string());
        }
    }
    out
}

/// Our apps whose client is known to send PKCE but that do not require it yet: the apps
/// step 2 can switch now. The one list the next actions and the rollout plans name.
pub fn require_pkce_apps(r: &Report) -> Vec<&App> {
    r.apps
        .iter()
        .filter(|a| a.owner == Owner::Org && a.in_pkce_scope() && a.pkce_required == Some(false))
        .filter(|a| {
            r.findings.iter().any(|f| {
                f.app.as_deref() == Some(a.name.as_str())
                    && matches!(
                        f.rule,
                        RuleId::KnownClientSendsPkce | RuleId::AppCallbackSfCliOnly
                    )
            })
        })
        .collect()
}

/// The action that retrieves a project for the `fix` commands, when `target` has none.
fn retrieve(target: &FixTarget) -> Option<NextAction> {
    let command = target.retrieve_first()?;
    Some(
        NextAction::new(
            NextActionKind::RetrieveProject,
            Owner::Org,
            format!(
                "Retrieve the org's apps and settings into an SFDX project ({RETRIEVE_PROJECT}), which the fix commands below change (replace {ORG_PLACEHOLDER} with the org's alias)."
            ),
        )
        .command(command),
    )
}

/// Whether `a` prints a `fix` command, which needs a project.
fn runs_fix(a: &NextAction) -> bool {
    a.command.is_some()
        && matches!(
            a.kind,
            NextActionKind::RequirePkce | NextActionKind::TurnOnOrgSetting
        )
}

/// `kept` with the retrieve action in its place (after what could not be read), when one
/// of them runs `fix` and the report has no project.
fn with_retrieve(mut kept: Vec<NextAction>, r: &Report) -> Vec<NextAction> {
    if let Some(first) = retrieve(&r.scope.fix_target()).filter(|_| kept.iter().any(runs_fix)) {
        let at = usize::from(
            kept.first()
                .is_some_and(|a| a.kind == NextActionKind::ReadUnread),
        );
        kept.insert(at, first);
    }
    kept
}

/// The next actions of `r`: at most [`MAX_NEXT_ACTIONS`], most urgent first; when more
/// are due, the last says how many more and where they are. The retrieve action is
/// decided after the cap: it comes with the `fix` commands that survive it, or not at all.
pub fn next_actions(r: &Report) -> Vec<NextAction> {
    let all = due(r);
    let whole = with_retrieve(all.clone(), r);
    if whole.len() <= MAX_NEXT_ACTIONS {
        return whole;
    }
    // Room for the last line (`more`), and for the retrieve action if what is kept needs it.
    let mut kept = with_retrieve(all[..MAX_NEXT_ACTIONS - 1].to_vec(), r);
    if kept.len() >= MAX_NEXT_ACTIONS {
        kept = with_retrieve(all[..MAX_NEXT_ACTIONS - 2].to_vec(), r);
    }
    let more = whole.len() - kept.len();
    kept.push(NextAction {
        kind: NextActionKind::More,
        owner: None,
        text: format!(
            "{more} more action(s) after these: {PLAN_ELSEWHERE} lists every step, and the summary by owner who acts on each."
        ),
        apps: Vec::new(),
        namespace: None,
        contacts: Vec::new(),
        command: None,
        count: Some(more),
    });
    kept
}

#[cfg(test)]
#[path = "next_tests.rs"]
mod tests;
