//! What `fix` prints: per app what changed and the test to run after deploying, the
//! manifest and the deploy command; under `--dry-run` the unified diff; under `--json`
//! one document with the same facts.

use super::{diff, Change, Edit, Plan, Step, Subject};
use crate::inventory::AppKind;
use crate::report::text::{json_escape_invisible, visible};
use crate::source::Layout;
use serde::Serialize;
use std::path::Path;

/// What the run did, or would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Changed,
    WouldChange,
    NothingToChange,
    Refused,
}

pub fn outcome(plan: &Plan, dry_run: bool) -> Outcome {
    match (plan.refusals.is_empty(), plan.changes.is_empty(), dry_run) {
        (false, _, _) => Outcome::Refused,
        (true, true, _) => Outcome::NothingToChange,
        (true, false, true) => Outcome::WouldChange,
        (true, false, false) => Outcome::Changed,
    }
}

/// The test after deploying (breakage strings: docs/breakage.md).
fn test_after(subject: &Subject) -> String {
    match subject {
        Subject::App { name, .. } => format!(
            "restart the client of {name} so it starts a new authorization, then log in once through it: the login must complete (a client that does not send PKCE fails at the redirect; public reports show error=invalid_request, \"missing required code challenge\")"
        ),
        Subject::OrgSettings => "restart each client in PKCE scope and log in once through it: every login must complete; a client that does not send PKCE now fails for every app in the org".to_string(),
    }
}

fn kind_word(subject: &Subject) -> &'static str {
    match subject {
        Subject::App {
            kind: AppKind::ConnectedApp,
            ..
        } => "Connected App",
        Subject::App {
            kind: AppKind::ExternalClientApp,
            ..
        } => "External Client App, global OAuth settings",
        Subject::App {
            kind: AppKind::External | AppKind::Other(_),
            ..
        } => "app",
        Subject::OrgSettings => "org OAuth and OpenID Connect settings",
    }
}

fn edit_words(e: &Edit) -> String {
    match e {
        Edit::Changed { from } => format!("isPkceRequired changed from {from} to true"),
        Edit::Inserted => "isPkceRequired inserted as true".into(),
        Edit::Created => "file created, holding only isPkceRequired true".into(),
    }
}

/// The manifest path as the deploy command from the project root names it.
fn shown_manifest(plan: &Plan, manifest: &Path) -> String {
    manifest
        .strip_prefix(&plan.root)
        .unwrap_or(manifest)
        .display()
        .to_string()
}

/// The command that deploys this step alone, run from the project root.
pub fn deploy_command(plan: &Plan, manifest: &Path) -> String {
    match plan.layout {
        Layout::Mdapi => format!(
            "sf project deploy start --metadata-dir {} --target-org <alias> (an mdapi folder deploys what its package.xml lists: check that it names the components of {}; the manifest is for review)",
            plan.root.display(),
            shown_manifest(plan, manifest)
        ),
        _ => format!(
            "sf project deploy start --manifest {} --target-org <alias>",
            shown_manifest(plan, manifest)
        ),
    }
}

/// The diff of every file the plan writes, the manifest included.
pub fn patch(plan: &Plan, manifest: &Path) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        out.push_str(&diff::unified(&c.file, c.before.as_deref(), &c.after));
    }
    if let Some(text) = plan.manifest() {
        let before = std::fs::read(manifest).ok();
        out.push_str(&diff::unified(
            &shown_manifest(plan, manifest),
            before.as_deref(),
            text.as_bytes(),
        ));
    }
    // Each line shown, never applied: a hostile character is escaped; a CRLF line keeps
    // its CR, which a terminal does not act on before the LF.
    out.split_inclusive('\n')
        .map(|l| {
            let (body, end) = match l.strip_suffix("\r\n") {
                Some(b) => (b, "\r\n"),
                None => l.strip_suffix('\n').map_or((l, ""), |b| (b, "\n")),
            };
            format!("{}{end}", visible(body))
        })
        .collect()
}

/// The text output.
pub fn text(plan: &Plan, manifest: &Path, dry_run: bool) -> String {
    let mut out = format!(
        "pkce-audit fix · step {}: {} · {} ({})\n",
        plan.step.number(),
        plan.step.title(),
        visible(&plan.root.display().to_string()),
        plan.layout.as_str()
    );
    if !plan.refusals.is_empty() {
        out.push_str("Refused; nothing was written:\n");
        for r in &plan.refusals {
            out.push_str(&format!(
                "  {}: {}\n",
                visible(&r.subject),
                visible(&r.reason)
            ));
        }
        return out;
    }
    for c in &plan.changes {
        out.push_str(&change_line(c));
        out.push_str(&format!(
            "  Test after deploying: {}\n",
            visible(&test_after(&c.subject))
        ));
    }
    for u in &plan.unchanged {
        out.push_str(&format!(
            "{} ({}): already requires PKCE ({}); nothing to change\n",
            visible(u.subject.name()),
            kind_word(&u.subject),
            visible(&u.file)
        ));
    }
    if let Some(f) = &plan.forced {
        out.push_str(&format!(
            "Forced past an audit that is not clear, because: {}\n  Still open: {}\n",
            visible(&f.reason),
            visible(&f.open.join("; "))
        ));
    }
    let shown = visible(&shown_manifest(plan, manifest)).into_owned();
    match outcome(plan, dry_run) {
        Outcome::NothingToChange => {
            out.push_str("Nothing to change; no file (and no manifest) was written.\n");
        }
        Outcome::WouldChange => {
            out.push_str(&format!(
                "Dry run: nothing written. The manifest would be {shown}; the diff follows.\n"
            ));
            out.push_str(&format!(
                "Deploy this step alone, from the project folder: {}\n\n",
                visible(&deploy_command(plan, manifest))
            ));
            out.push_str(&patch(plan, manifest));
        }
        Outcome::Changed => {
            out.push_str(&format!(
                "Manifest written: {shown} ({} component(s))\n",
                plan.changes.len()
            ));
            out.push_str(&format!(
                "Deploy this step alone, from the project folder: {}\n",
                visible(&deploy_command(plan, manifest))
            ));
        }
        Outcome::Refused => unreachable!("refusals returned above"),
    }
    out
}

fn change_line(c: &Change) -> String {
    format!(
        "{} ({}): {} at {}:{}\n",
        visible(c.subject.name()),
        kind_word(&c.subject),
        edit_words(&c.edit),
        visible(&c.file),
        c.line
    )
}

#[derive(Serialize)]
struct JsonChange<'a> {
    subject: &'a str,
    kind: String,
    r#type: &'static str,
    member: String,
    file: &'a str,
    line: u32,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    test_after_deploy: String,
}

#[derive(Serialize)]
struct JsonManifest {
    path: String,
    written: bool,
    api_version: String,
    deploy: String,
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    step: Step,
    source: String,
    layout: &'a str,
    dry_run: bool,
    outcome: Outcome,
    changes: Vec<JsonChange<'a>>,
    unchanged: Vec<serde_json::Value>,
    refusals: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forced: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest: Option<JsonManifest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// The `--json` document.
pub fn json(plan: &Plan, manifest: &Path, dry_run: bool) -> String {
    let outcome = outcome(plan, dry_run);
    let changes = plan
        .changes
        .iter()
        .map(|c| {
            let (ty, member) = super::manifest::entry(c.component.0, &c.component.1);
            let (action, from) = match &c.edit {
                Edit::Changed { from } => ("changed", Some(from.as_str())),
                Edit::Inserted => ("inserted", None),
                Edit::Created => ("created", None),
            };
            JsonChange {
                subject: c.subject.name(),
                kind: match &c.subject {
                    Subject::App { kind, .. } => kind.as_str().to_string(),
                    Subject::OrgSettings => "org-settings".to_string(),
                },
                r#type: ty,
                member,
                file: &c.file,
                line: c.line,
                action,
                from,
                test_after_deploy: test_after(&c.subject),
            }
        })
        .collect();
    let doc = JsonPlan {
        step: plan.step,
        source: plan.root.display().to_string(),
        layout: plan.layout.as_str(),
        dry_run,
        outcome,
        changes,
        unchanged: plan
            .unchanged
            .iter()
            .map(|u| serde_json::json!({"subject": u.subject.name(), "file": u.file}))
            .collect(),
        refusals: plan
            .refusals
            .iter()
            .map(|r| serde_json::json!({"subject": r.subject, "reason": r.reason}))
            .collect(),
        forced: plan
            .forced
            .as_ref()
            .map(|f| serde_json::json!({"reason": f.reason, "open": f.open})),
        manifest: matches!(outcome, Outcome::Changed | Outcome::WouldChange).then(|| {
            JsonManifest {
                path: shown_manifest(plan, manifest),
                written: outcome == Outcome::Changed,
                api_version: plan.api_version.clone(),
                deploy: deploy_command(plan, manifest),
            }
        }),
        diff: (outcome == Outcome::WouldChange).then(|| patch(plan, manifest)),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("the plan serialises");
    s.push('\n');
    json_escape_invisible(s)
}
