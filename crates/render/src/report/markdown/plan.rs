//! The rollout plan, in the order Salesforce prescribes: clients first (ours, the ISVs',
//! the vendors'), then the PKCE switch on each of our apps, then the org toggle; and the
//! flows to block once nothing uses them.

use super::{app_title, cell, code, inline};
use crate::md;
use crate::report::cells::{flows_text, kind_name};
use crate::report::plan::{app_blockers, org_requires_pkce, step2_command, toggle_word, Plan};
use crate::report::Report;
use pkce_audit_model::commands::{FixTarget, ORG_PLACEHOLDER};
use pkce_audit_model::evidence::{EvidenceSource, SourceState};
use pkce_audit_model::inventory::App;
use pkce_audit_model::rules::{self, BlockableFlow, Finding};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The three steps and the flows to block.
pub(super) fn rollout(out: &mut String, r: &Report) {
    let plan = Plan::of(r);
    let target = r.scope.fix_target();
    let _ = writeln!(out, "## Rollout plan\n");
    if let Some(command) = target.retrieve_first() {
        let _ = writeln!(
            out,
            "This audit has no project fix can change: retrieve one first (replace {ORG_PLACEHOLDER} with the org's alias): {}\n",
            code(&command)
        );
    }
    step1(out, r, &plan);
    step2(out, &target, &plan.switch, &plan.done);
    step3(out, r, &target);
    failure_signs(out);
    flow_blocking(out, r);
    deadlines(out, r);
}

/// How a client that sends no PKCE fails, so a support team recognises it.
fn failure_signs(out: &mut String) {
    let _ = writeln!(out, "### When and how a client breaks\n");
    let _ = writeln!(
        out,
        "Turning the org setting on does not revoke tokens already issued. A client that sends no `code_challenge` fails at its **next authorization**: a new login, a re-consent, or when its refresh token expires or idles out. Signs to watch for after the change:\n"
    );
    let _ = writeln!(
        out,
        "- the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string);\n- `OAUTH_APPROVAL_ERROR_GENERIC` on the approval page (reported with PKCE, but it has other causes too);\n- native apps: a bare \"An internal server error has occurred\" after *Allow*, with no redirect back (one report, unconfirmed by Salesforce).\n"
    );
}

/// The dated events, with both sources where they disagree.
fn deadlines(out: &mut String, r: &Report) {
    if r.deadlines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Dates that matter\n");
    let _ = writeln!(
        out,
        "| When | What | Applies to | Source |\n|---|---|---|---|"
    );
    for d in &r.deadlines {
        let conflict = if d.conflicts_with.is_empty() {
            String::new()
        } else {
            let others: Vec<String> = d
                .conflicts_with
                .iter()
                .filter_map(|id| r.deadlines.iter().find(|o| &o.id == id))
                .map(|o| format!("{} ({})", cell(&o.when()), md::url(&o.source)))
                .collect();
            format!(
                " **Sources disagree:** also given as {}.",
                others.join("; ")
            )
        };
        let _ = writeln!(
            out,
            "| {} | {}: {}{} | {} | {} |",
            cell(&d.when()),
            cell(&d.title),
            cell(&d.what),
            conflict,
            cell(&d.applies_to),
            md::url(&d.source)
        );
    }
    let _ = writeln!(out);
}

fn step1(out: &mut String, r: &Report, plan: &Plan) {
    let _ = writeln!(
        out,
        "### Step 1 — Update and redeploy client apps so they send `code_challenge`\n"
    );
    let _ = writeln!(
        out,
        "Every client of these apps must send `code_challenge` (S256) on the authorization request and `code_verifier` on the token request. Confidential clients keep sending their secret too.\n"
    );
    our_clients(out, r, &plan.ours);
    isv_clients(out, &plan.isv);
    vendor_clients(out, r, &plan.vendors);
    salesforce_clients(out, &plan.salesforce);
}

fn our_clients(out: &mut String, r: &Report, ours: &[&App]) {
    let _ = writeln!(out, "#### Our apps\n");
    if ours.is_empty() {
        let _ = writeln!(out, "Nothing to redeploy.\n");
    }
    for app in ours {
        let contact = app
            .contact_email
            .as_deref()
            .map(|e| format!(" — contact {}", inline(e)))
            .unwrap_or_else(|| " — no contact email on the app".into());
        let why: Vec<String> = app_blockers(r, &app.name)
            .iter()
            .map(|f| code(f.rule.as_str()))
            .collect();
        let why = if why.is_empty() {
            "PKCE setting unknown (read its global OAuth settings or check it in Setup)".to_string()
        } else {
            why.join(", ")
        };
        let _ = writeln!(
            out,
            "- [ ] {} — {}{contact}. Flows: {}. Findings: {why}.",
            app_title(app),
            inline(kind_name(&app.kind)),
            inline(&flows_text(app))
        );
    }
}

fn isv_clients(out: &mut String, isv: &BTreeMap<String, Vec<&App>>) {
    let _ = writeln!(out, "\n#### ISV packages\n");
    if isv.is_empty() {
        let _ = writeln!(out, "No installed package needs a new version.\n");
    }
    for (ns, apps) in isv {
        let names = apps
            .iter()
            .map(|a| app_title(a))
            .collect::<Vec<_>>()
            .join(", ");
        let package = apps
            .iter()
            .find_map(|a| a.package.as_ref())
            .map(|p| format!("package {} version {}", inline(&p.name), inline(&p.version)))
            .unwrap_or_else(|| {
                "package name and version not known (a live audit reads them from the installed packages)".into()
            });
        let _ = writeln!(
            out,
            "- [ ] Namespace {} — {package} — apps: {names}. Ask the publisher for a version that requires and sends PKCE, and upgrade.",
            code(ns)
        );
    }
}

fn vendor_clients(out: &mut String, r: &Report, vendors: &[&App]) {
    let _ = writeln!(out, "\n#### Outside vendors\n");
    let has_evidence = r.apps.iter().any(|a| a.usage.is_some());
    if vendors.is_empty() && has_evidence {
        let _ = writeln!(out, "No app defined in another org blocks.\n");
    } else if vendors.is_empty() {
        let _ = writeln!(
            out,
            "Apps that users authorized but that are defined in other orgs are not in metadata, and this audit had no usage evidence to find them: confirm with the vendors you know of, or test in a sandbox with the org setting on.\n"
        );
    }
    for app in vendors {
        let usage = app
            .usage
            .as_ref()
            .map_or_else(|| "usage unknown".to_string(), |u| u.describe());
        let _ = writeln!(
            out,
            "- [ ] {} — defined in another org; {}. Confirm with the vendor that its client sends PKCE, or test it in a sandbox with the org setting on.",
            app_title(app),
            inline(&usage)
        );
    }
    if !vendors.is_empty() {
        let _ = writeln!(out);
    }
}

/// Apps Salesforce creates and runs: nobody in the org can change their client.
fn salesforce_clients(out: &mut String, apps: &[&App]) {
    if apps.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n#### Salesforce's own apps\n");
    for app in apps {
        let _ = writeln!(
            out,
            "- [ ] {} — created and run by Salesforce (owner `salesforce`). Test it in a sandbox with PKCE required; if it fails, open a case with Salesforce. Do not change its client.",
            app_title(app)
        );
    }
    let _ = writeln!(out);
}

fn step2(out: &mut String, target: &FixTarget, switch: &[&App], done: &[&App]) {
    let _ = writeln!(out, "### Step 2 — Require PKCE on each of our apps\n");
    let _ = writeln!(
        out,
        "Only after the app's clients send PKCE (step 1). Test each change in a sandbox first, and restart the client after the change so it starts new authorization flows.\n"
    );
    if switch.is_empty() {
        let _ = writeln!(out, "No app of ours needs the change.\n");
    }
    for app in switch {
        let how = match step2_command(target, app) {
            Ok(command) => format!("; or: {}", code(&command)),
            Err(why) => format!("; fix cannot change it: {}", inline(&why)),
        };
        let _ = writeln!(
            out,
            "- [ ] {}: {}{how}",
            app_title(app),
            inline(&rules::setup_path(app))
        );
    }
    for app in done {
        let _ = writeln!(out, "- [x] {} already requires PKCE.", app_title(app));
    }
    let _ = writeln!(out);
}

/// One line per finding: its app (or the org), its rule, "waived" when it is, and what
/// was found; then a blank line.
fn finding_list(out: &mut String, findings: &[&Finding]) {
    for f in findings {
        let waived = if f.waived.is_some() {
            " — waived"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "- {} — {}{waived} ({})",
            f.app.as_deref().map(code).unwrap_or_else(|| "org".into()),
            code(f.rule.as_str()),
            inline(&f.message)
        );
    }
    let _ = writeln!(out);
}

fn step3(out: &mut String, r: &Report, target: &FixTarget) {
    let _ = writeln!(
        out,
        "### Step 3 — Turn on *Require PKCE for Supported Authorization Flows*\n"
    );
    let enforced = org_requires_pkce(r);
    let status = format!(
        "Status: **{}** — {}\n",
        toggle_word(r),
        inline(&r.verdict_reason)
    );
    if enforced {
        let _ = writeln!(out, "- [x] Already on in this org.\n");
        let _ = writeln!(out, "{status}");
        // Waived or not, a blocker here is an app that likely fails at its next
        // authorization: the waiver defers nothing once the setting is on.
        let failing: Vec<&Finding> = r.findings.iter().filter(|f| f.likely_failing).collect();
        if !failing.is_empty() {
            let _ = writeln!(
                out,
                "Apps that likely fail at their next authorization ({}):\n",
                failing.len()
            );
            finding_list(out, &failing);
        }
        return;
    }
    let _ = writeln!(
        out,
        "- [ ] Only when steps 1 and 2 are done: Setup > OAuth and OpenID Connect Settings > *Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows*; or: {}\n",
        code(&target.org_setting_command())
    );
    let blockers: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.is_active_blocker())
        .collect();
    let _ = writeln!(out, "{status}");
    if !blockers.is_empty() {
        let _ = writeln!(out, "Blockers that remain today ({}):\n", blockers.len());
        finding_list(out, &blockers);
    }
    if !r.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "Not everything could be read ({} item(s), listed below): the org cannot be declared ready until they are.\n",
            r.incomplete.len()
        );
    }
}

fn flow_blocking(out: &mut String, r: &Report) {
    let _ = writeln!(out, "## Block the insecure flows\n");
    let Some(o) = &r.org_settings else {
        let _ = writeln!(out, "The org OAuth settings were not read: check *Allow OAuth Username-Password Flows* and *Allow OAuth User-Agent Flows* in Setup.\n");
        return;
    };
    for b in &rules::BLOCKABLE_FLOWS {
        let name = &b.flow;
        if o.blocks(name) == Some(true) {
            let _ = writeln!(out, "- [x] The {name} flow is already blocked.");
            continue;
        }
        let _ = writeln!(
            out,
            "- [ ] Block the {name} flow (turn off *{}*). {}",
            b.setting,
            flow_users(r, b)
        );
    }
    let _ = writeln!(out);
}

/// Which apps blocking a flow would break: the apps login history saw using it.
fn flow_users(r: &Report, b: &BlockableFlow) -> String {
    let unseen = "Apps it would break: not visible in metadata (no per-app switch exists for this flow); login history shows which apps still use it.";
    let Some(e) = &r.scope.evidence else {
        return unseen.into();
    };
    let days = e.window_days;
    let partial = match e.sources.get(&EvidenceSource::LoginHistory) {
        Some(SourceState::Read { partial, .. }) => *partial,
        _ => return format!("{unseen} Login history could not be read in this audit."),
    };
    let apps: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == b.rule)
        .filter_map(|f| {
            let app = r
                .apps
                .iter()
                .find(|a| Some(a.name.as_str()) == f.app.as_deref())?;
            let seen = app.usage.as_ref()?.logins_with(&b.flow)?;
            let last = seen
                .last_seen
                .as_deref()
                .map(|d| format!(", last {}", inline(d)))
                .unwrap_or_default();
            Some(format!(
                "{} ({} login(s){last})",
                app_title(app),
                seen.logins
            ))
        })
        .collect();
    let caveat = if partial {
        " Login history was cut short (row budget), so other apps may use it too."
    } else {
        ""
    };
    if apps.is_empty() {
        format!("No app logged in with it in the last {days} days.{caveat}")
    } else {
        format!(
            "Apps it would break (logins in the last {days} days): {}. Move them first.{caveat}",
            apps.join(", ")
        )
    }
}
