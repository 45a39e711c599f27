//! What `fix` prints: per app what changed and the test to run after deploying, the
//! manifest and the deploy command; under `--dry-run` the unified diff (the plan's patch); under `--json`
//! one document with the same facts.

use crate::report::text::{escaped, visible};
use pkce_audit_model::fix::{
    Change, Direction, Edit, Member, Plan, SettingsField, Step, Subject, Unchanged,
};
use pkce_audit_model::inventory::AppKind;
use pkce_audit_model::report::Layout;
use serde::Serialize;

/// What the run did, or would do. A refusal is not one: the plan then does not exist,
/// and the command fails with the refusals as its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Changed,
    WouldChange,
    NothingToChange,
}

pub fn outcome(plan: &Plan, dry_run: bool) -> Outcome {
    match (plan.writes_anything(), dry_run) {
        (false, _) => Outcome::NothingToChange,
        (true, true) => Outcome::WouldChange,
        (true, false) => Outcome::Changed,
    }
}

/// The test after deploying (breakage strings: docs/breakage.md). After a rollback the
/// client must work again, and nothing may count on it sending PKCE.
fn test_after(subject: &Subject, direction: Direction) -> String {
    match (subject, direction) {
        (Subject::App { name, .. }, Direction::Undo) => format!(
            "log in once through the client of {name}: the login must complete again. PKCE is no longer required on it, so do not expect its client to send PKCE until its fix is verified"
        ),
        (Subject::OrgSettings, Direction::Undo) => "log in once through a client that failed: the login must complete again, unless its app requires PKCE itself (isPkceRequired on the app stays as it is). Do not expect clients to send PKCE until their fixes are verified".to_string(),
        (Subject::App { name, .. }, Direction::Require) => format!(
            "restart the client of {name} so it starts a new authorization, then log in once through it: the login must complete (a client that does not send PKCE fails at the redirect; public reports show error=invalid_request, \"missing required code challenge\")"
        ),
        (Subject::OrgSettings, Direction::Require) => "restart each client in PKCE scope and log in once through it: every login must complete; a client that does not send PKCE now fails for every app in the org".to_string(),
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
            kind: AppKind::External,
            ..
        } => "app",
        Subject::OrgSettings => "org OAuth and OpenID Connect settings",
    }
}

fn edit_words(e: &Edit, direction: Direction) -> String {
    match e {
        Edit::Changed { from } => format!(
            "isPkceRequired changed from {from} to {}",
            direction.value()
        ),
        Edit::Inserted => "isPkceRequired inserted as true".into(),
        Edit::Created { others: 0 } => "file created, holding only isPkceRequired true".into(),
        Edit::Created { others } => {
            format!("file created with isPkceRequired true and the org's {others} other field(s)")
        }
        Edit::Pinned { fields } => format!(
            "isPkceRequired already true; {fields} flow(s) the org blocks written into the file"
        ),
    }
}

fn shown_manifest(plan: &Plan) -> String {
    plan.manifest
        .in_project
        .clone()
        .unwrap_or_else(|| plan.manifest.path.display().to_string())
}

use pkce_audit_model::commands::option;
pub use pkce_audit_model::commands::ORG_PLACEHOLDER;
use pkce_audit_model::text::shell_word;

/// The org's alias as `-o` named it, when it did.
fn known_org(plan: &Plan) -> Option<&str> {
    plan.org.as_ref().and_then(|o| o.target_org.as_deref())
}

/// The org the printed commands name: the one `-o` named, else [`ORG_PLACEHOLDER`].
fn target_org(plan: &Plan) -> String {
    known_org(plan).map_or_else(
        || ORG_PLACEHOLDER.to_string(),
        |o| shell_word(o).into_owned(),
    )
}

/// The command that deploys this step alone, run from the project root; `None` for an
/// mdapi folder, which has none (see [`MDAPI_DEPLOY`]), and for an empty manifest.
pub fn deploy_command(plan: &Plan) -> Option<String> {
    match plan.layout {
        Layout::Mdapi => None,
        // A rollback whose files never named isPkceRequired has nothing to deploy.
        _ if plan.manifest.members.is_empty() => None,
        _ => Some(format!(
            "sf project deploy start {} --target-org {}",
            option("--manifest", &shown_manifest(plan)),
            target_org(plan)
        )),
    }
}

/// Step 3's check before its deploy: the same deploy with `--dry-run`: "Validate deploy
/// and run Apex tests but don't save to the org" (the `sf project deploy start`
/// reference). `None` for step 2, for a rollback (the plain deploy, quickly) and for an
/// mdapi folder.
pub fn check_command(plan: &Plan) -> Option<String> {
    match (plan.step, plan.direction) {
        (Step::Apps, _) | (_, Direction::Undo) => None,
        (Step::OrgSetting, Direction::Require) => deploy_command(plan).map(|_| {
            format!(
                "sf project deploy start --dry-run {} --target-org {}",
                option("--manifest", &shown_manifest(plan)),
                target_org(plan)
            )
        }),
    }
}

/// Why no command is printed for an mdapi folder. `sf project deploy start --manifest`
/// needs a source-format project, and `--metadata-dir` deploys "the root directory or
/// ZIP file that contains the metadata formatted files you want to deploy", everything
/// its package.xml lists
/// (https://developer.salesforce.com/docs/platform/salesforce-cli-reference/guide/cli_reference_project_deploy_start.md).
pub const MDAPI_DEPLOY: &str = "an mdapi folder has no single-step deploy: sf project deploy start --metadata-dir deploys everything the folder's package.xml lists, and --manifest works only in an SFDX project. To deploy this step alone, copy the files the step manifest lists into an empty folder, with the manifest as its package.xml, and deploy that folder with --metadata-dir";

fn manifest_words(plan: &Plan) -> String {
    let m = &plan.manifest;
    let mut s = format!(
        "{} ({} component(s)",
        visible(&shown_manifest(plan)),
        m.members.len()
    );
    if !m.kept.is_empty() {
        let kept: Vec<String> = m
            .kept
            .iter()
            .map(|(t, n)| format!("{} {}", escaped(t), escaped(n)))
            .collect();
        s.push_str(&format!(
            ", {} kept from an earlier run and not deployed yet as far as fix knows: {}",
            kept.len(),
            kept.join(", ")
        ));
    }
    s.push(')');
    s
}

fn deploy_line(plan: &Plan) -> String {
    let what = match plan.direction {
        Direction::Require => "this step",
        Direction::Undo => "this rollback",
    };
    let placeholder = match (known_org(plan), deploy_command(plan)) {
        (None, Some(_)) => format!(
            "  (replace {ORG_PLACEHOLDER} with the alias or username of the org to deploy to)\n"
        ),
        _ => String::new(),
    };
    let commands = match (check_command(plan), deploy_command(plan)) {
        (Some(check), Some(cmd)) => format!(
            "Check, then deploy {what} alone, from the project folder:\n  $ {}\n  $ {}\n",
            visible(&check),
            visible(&cmd)
        ),
        (None, Some(cmd)) => format!(
            "Deploy {what} alone, from the project folder:\n  $ {}\n",
            visible(&cmd)
        ),
        (_, None) => format!("Deploy: {MDAPI_DEPLOY}.\n"),
    };
    commands + &placeholder
}

/// Where a settings field's value comes from, and how it stands against the org's.
fn field_note(f: &SettingsField, org_read: bool, direction: Direction) -> String {
    if direction == Direction::Undo {
        // A rollback reads no org.
        return "as in the file".into();
    }
    match (&f.org, f.from_org, org_read) {
        (_, true, _) => "written from the org's value".into(),
        (Some(o), false, _) if *o == f.value => "as in the file; the org has the same".into(),
        (Some(o), false, _) => format!("as in the file; the org has {}", visible(o)),
        (None, false, true) => "as in the file; the org did not name it".into(),
        (None, false, false) => "as in the file; the org was not read (-o compares it)".into(),
    }
}

/// Step 3's other settings fields, one line each with the value the deploy sets.
fn settings_lines(plan: &Plan) -> String {
    if plan.settings.is_empty() {
        return String::new();
    }
    let mut out =
        "A deploy sets every field of the settings file, not only isPkceRequired:\n".to_string();
    for f in &plan.settings {
        out.push_str(&format!(
            "  {} = {} ({})\n",
            visible(&f.name),
            visible(&f.value),
            field_note(f, plan.org.is_some(), plan.direction)
        ));
    }
    out
}

/// What step 3 read from the org, in one line.
fn org_line(plan: &Plan) -> String {
    let Some(o) = &plan.org else {
        return String::new();
    };
    let taken = if o.taken.is_empty() {
        String::new()
    } else {
        format!(
            "; counted as read for the audit, as the project does not hold them: {}",
            visible(&o.taken.join(", "))
        )
    };
    let mut out = format!(
        "Read from the org {}: its OAuth and OpenID Connect settings, compared with the project{taken}\n",
        visible(&o.instance_url)
    );
    // The file may already require PKCE; the org's own setting is the one that counts.
    if o.pkce_required == Some(false) {
        out.push_str("The org itself does not require PKCE yet (its isPkceRequired is false): deploying this step turns it on.\n");
    }
    out
}

/// The blockers waivers took out of step 3's gate, one line each, with the waiver file.
fn waived_lines(plan: &Plan) -> String {
    let Some(w) = &plan.waived else {
        return String::new();
    };
    let mut out = format!(
        "Waived, so not counted by the gate ({} blocker(s), waiver file {}):\n",
        w.blockers.len(),
        escaped(&w.file)
    );
    for b in &w.blockers {
        out.push_str(&format!("  {}\n", visible(&b.describe())));
    }
    out
}

/// The text output, without the diff (the binary prints [`patch`] after it, never
/// wrapped).
pub fn text(plan: &Plan, dry_run: bool) -> String {
    let which = match plan.direction {
        Direction::Require => String::new(),
        Direction::Undo => "rollback of ".into(),
    };
    let mut out = format!(
        "pkce-audit fix · {which}step {}: {} · {} ({})\n",
        plan.step.number(),
        plan.step.title(plan.direction),
        escaped(&plan.root.display().to_string()),
        plan.layout.as_str()
    );
    for c in &plan.changes {
        out.push_str(&change_line(c, plan.direction));
        out.push_str(&format!(
            "  Test after deploying: {}\n",
            visible(&test_after(&c.subject, plan.direction))
        ));
    }
    if plan.direction == Direction::Undo && !plan.changes.is_empty() {
        out.push_str(SET_NOT_REMOVED);
        out.push('\n');
    }
    for u in &plan.unchanged {
        out.push_str(&format!(
            "{} ({}): {}\n",
            escaped(u.subject.name()),
            kind_word(&u.subject),
            unchanged_words(u, plan.direction)
        ));
    }
    out.push_str(&settings_lines(plan));
    out.push_str(&org_line(plan));
    out.push_str(&waived_lines(plan));
    if let Some(f) = &plan.forced {
        out.push_str(&format!(
            "Forced past {} open item(s), because: {}\n  Still open: {}\n",
            f.open.len(),
            visible(&f.reason),
            visible(&f.open.join("; "))
        ));
    }
    let manifest = manifest_words(plan);
    let written = plan.manifest.written();
    match outcome(plan, dry_run) {
        Outcome::NothingToChange if plan.manifest.members.is_empty() => {
            out.push_str("Nothing to change; no file was written, and no rollback manifest: no file names isPkceRequired.\n");
        }
        Outcome::NothingToChange => {
            out.push_str(&format!(
                "Nothing to change; no file was written. The manifest {manifest} already lists the step.\n"
            ));
        }
        Outcome::WouldChange => {
            let verb = if written { "would be" } else { "stays" };
            out.push_str(&format!(
                "Dry run: nothing written. The manifest {verb} {manifest}.\n"
            ));
            out.push_str(&deploy_line(plan));
            out.push_str(if written && plan.manifest.in_project.is_none() {
                "The diff follows (without the manifest, which lies outside the project folder).\n\n"
            } else {
                "The diff follows.\n\n"
            });
        }
        Outcome::Changed => {
            let verb = if written { "written" } else { "unchanged" };
            out.push_str(&format!("Manifest {verb}: {manifest}\n"));
            out.push_str(&deploy_line(plan));
        }
    }
    out
}

/// Why a rollback sets `false` rather than removing the element (docs/fix.md).
pub const SET_NOT_REMOVED: &str = "isPkceRequired is set to false, not removed: the deployed value must be false, and a file without it would leave the org's value as it is.";

/// Why a file is left as it is.
fn unchanged_words(u: &Unchanged, direction: Direction) -> String {
    let file = escaped(&u.file);
    match (direction, u.named) {
        (Direction::Require, _) => {
            format!("already requires PKCE ({file}); nothing to change in the file")
        }
        (Direction::Undo, true) => format!(
            "isPkceRequired already false ({file}); nothing to change in the file, and the rollback manifest lists it"
        ),
        (Direction::Undo, false) => format!(
            "{file} does not name isPkceRequired; nothing to change, and not in the rollback manifest: deploying it would leave the org's value as it is"
        ),
    }
}

fn change_line(c: &Change, direction: Direction) -> String {
    format!(
        "{} ({}): {} at {}:{}\n",
        escaped(c.subject.name()),
        kind_word(&c.subject),
        edit_words(&c.edit, direction),
        escaped(&c.file),
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
struct JsonMember<'a> {
    r#type: &'a str,
    member: &'a str,
}

#[derive(Serialize)]
struct JsonManifest<'a> {
    path: String,
    written: bool,
    api_version: String,
    members: Vec<JsonMember<'a>>,
    kept: Vec<JsonMember<'a>>,
    /// `None` for an mdapi folder; `deploy_note` says why.
    deploy: Option<String>,
    /// Step 3: the same deploy with `--dry-run`, to run first.
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy_check: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy_note: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    /// [`FIX_SCHEMA_VERSION`].
    schema_version: u32,
    step: Step,
    /// `require` (the step) or `undo` (its rollback).
    direction: Direction,
    source: String,
    layout: &'a str,
    dry_run: bool,
    outcome: Outcome,
    changes: Vec<JsonChange<'a>>,
    unchanged: Vec<JsonUnchanged<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forced: Option<JsonForced<'a>>,
    /// Step 3: the settings file's other fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    settings_fields: Option<Vec<JsonSettingsField<'a>>>,
    /// Step 3 with a connection: the org read.
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<JsonOrg<'a>>,
    /// Step 3: the blockers waivers took out of the gate, and the waiver file.
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<JsonWaived<'a>>,
    manifest: JsonManifest<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

// The nested objects below were first written with `json!`, whose objects (serde_json
// without `preserve_order`) sort their keys: their fields are declared in that order so
// the document stays byte-identical. `None` is written as `null`, as it was.

#[derive(Serialize)]
struct JsonUnchanged<'a> {
    file: &'a str,
    /// Whether the file names `isPkceRequired` (false only for a rollback: not listed).
    named: bool,
    subject: &'a str,
}

#[derive(Serialize)]
struct JsonForced<'a> {
    open: &'a [String],
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSettingsField<'a> {
    field: &'a str,
    from_org: bool,
    org: Option<&'a str>,
    value: &'a str,
}

#[derive(Serialize)]
struct JsonOrg<'a> {
    instance_url: &'a str,
    is_pkce_required: Option<bool>,
    taken: &'a [String],
    target_org: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonWaived<'a> {
    blockers: Vec<JsonWaivedBlocker<'a>>,
    waiver_file: &'a str,
}

#[derive(Serialize)]
struct JsonWaivedBlocker<'a> {
    app: Option<&'a str>,
    approved_by: &'a str,
    expires: &'a str,
    reason: &'a str,
    rule: &'a str,
}

fn json_members(list: &[Member]) -> Vec<JsonMember<'_>> {
    list.iter()
        .map(|(t, m)| JsonMember {
            r#type: t,
            member: m,
        })
        .collect()
}

/// The version of the `fix --json` document (docs/output.md).
pub const FIX_SCHEMA_VERSION: u32 = 1;

/// The `--json` document. Its `diff` is the exact patch (JSON escapes what must be).
pub fn json(plan: &Plan, dry_run: bool) -> String {
    let outcome = outcome(plan, dry_run);
    let changes = plan
        .changes
        .iter()
        .map(|c| {
            let (ty, member) = pkce_audit_model::fix::entry(c.component.0, &c.component.1);
            let (action, from) = match &c.edit {
                Edit::Changed { from } => ("changed", Some(from.as_str())),
                Edit::Inserted => ("inserted", None),
                Edit::Created { .. } => ("created", None),
                Edit::Pinned { .. } => ("pinned", None),
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
                test_after_deploy: test_after(&c.subject, plan.direction),
            }
        })
        .collect();
    let deploy = deploy_command(plan);
    let doc = JsonPlan {
        schema_version: FIX_SCHEMA_VERSION,
        step: plan.step,
        direction: plan.direction,
        source: plan.root.display().to_string(),
        layout: plan.layout.as_str(),
        dry_run,
        outcome,
        changes,
        unchanged: plan
            .unchanged
            .iter()
            .map(|u| JsonUnchanged {
                file: &u.file,
                named: u.named,
                subject: u.subject.name(),
            })
            .collect(),
        forced: plan.forced.as_ref().map(|f| JsonForced {
            open: &f.open,
            reason: &f.reason,
        }),
        settings_fields: (plan.step == Step::OrgSetting).then(|| {
            plan.settings
                .iter()
                .map(|f| JsonSettingsField {
                    field: &f.name,
                    from_org: f.from_org,
                    org: f.org.as_deref(),
                    value: &f.value,
                })
                .collect()
        }),
        org: plan.org.as_ref().map(|o| JsonOrg {
            instance_url: &o.instance_url,
            is_pkce_required: o.pkce_required,
            taken: &o.taken,
            target_org: o.target_org.as_deref(),
        }),
        waived: plan.waived.as_ref().map(|w| JsonWaived {
            blockers: w
                .blockers
                .iter()
                .map(|b| JsonWaivedBlocker {
                    app: b.app.as_deref(),
                    approved_by: &b.approved_by,
                    expires: &b.expires,
                    reason: &b.reason,
                    rule: &b.rule,
                })
                .collect(),
            waiver_file: &w.file,
        }),
        manifest: JsonManifest {
            path: shown_manifest(plan),
            written: outcome == Outcome::Changed && plan.manifest.written(),
            api_version: plan.api_version.clone(),
            members: json_members(&plan.manifest.members),
            kept: json_members(&plan.manifest.kept),
            deploy_note: (plan.layout == Layout::Mdapi).then_some(MDAPI_DEPLOY),
            deploy,
            deploy_check: check_command(plan),
        },
        diff: (outcome == Outcome::WouldChange).then(|| plan.patch.clone()),
    };
    crate::json::document(&doc)
}
