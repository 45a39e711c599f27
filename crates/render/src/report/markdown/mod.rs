//! The rollout plan (`--format markdown`): a document a change-review board can approve
//! as it stands, in the order Salesforce prescribes: clients first, apps second, the org
//! toggle last. GitHub-flavoured Markdown; task lists render as checkboxes.

mod plan;

use super::cells::{
    flows_text, kind_name, outside_client_rows, owner_text, partial_line, pkce_cell, scope_facts,
    usage_text, verdict_word, waived_failing_line, LIKELY_FAILING,
};
use super::Report;
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::report::NextActionKind;
use pkce_audit_model::rules::Severity;
use std::fmt::Write;

// Input text in tables and prose alike, and identifiers as code: the one escaper.
use crate::md::{code, code_cell, inline, text as cell};

fn app_title(app: &App) -> String {
    let mut t = code(&app.name);
    if let Some(l) = app.label.as_deref().filter(|l| *l != app.name) {
        let _ = write!(t, " ({})", inline(l));
    }
    t
}

fn scope(out: &mut String, r: &Report) {
    let _ = writeln!(out, "| | |\n|---|---|");
    for (what, value) in scope_facts(r) {
        let _ = writeln!(out, "| {what} | {} |", cell(&value));
    }
}

fn summary(out: &mut String, r: &Report) {
    let sum = &r.summary;
    let _ = writeln!(out, "## Summary by owner\n");
    let _ = writeln!(
        out,
        "| Owner | Must act on | Blocking findings |\n|---|---|---|"
    );
    let org_blockers = r
        .findings
        .iter()
        .filter(|f| f.needs_action() && f.owner == Owner::Org)
        .count();
    let org_apps = if sum.org_apps_to_fix.is_empty() {
        "nothing".to_string()
    } else {
        sum.org_apps_to_fix
            .iter()
            .map(|a| code_cell(a))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "| Our org | {org_apps} | {org_blockers} |");
    for a in &sum.isv_actions {
        let n = r
            .findings
            .iter()
            .filter(|f| f.needs_action() && f.namespace.as_deref() == Some(a.namespace.as_str()))
            .count();
        let apps = a
            .apps
            .iter()
            .map(|x| code_cell(x))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| ISV namespace {} | {apps} | {n} |",
            code_cell(&a.namespace)
        );
    }
    for (app, hosts, n) in outside_client_rows(r) {
        let at = hosts
            .iter()
            .map(|h| code_cell(h))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| Clients at outside hosts to confirm ({at}) | {} | {n} |",
            code_cell(app)
        );
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{} {s}", sum.by_severity.get(s).copied().unwrap_or(0)))
        .collect();
    let _ = writeln!(
        out,
        "\nFindings: {} — {} blocker(s){}.\n",
        counts.join(", "),
        sum.blockers,
        if sum.waived > 0 {
            format!(", {} waived", sum.waived)
        } else {
            String::new()
        }
    );
    if let Some(line) = partial_line(r) {
        let _ = writeln!(
            out,
            "{line} (see [Could not be read](#could-not-be-read)).\n"
        );
    }
    if sum.waived_failing > 0 {
        let _ = writeln!(
            out,
            "{}\n",
            inline(&waived_failing_line(sum.waived_failing))
        );
    }
}

fn appendix(out: &mut String, r: &Report) {
    if !r.incomplete.is_empty() {
        let _ = writeln!(out, "## Could not be read\n");
        for p in &r.incomplete {
            let _ = writeln!(out, "- {}", inline(&p.to_string()));
        }
        let _ = writeln!(out);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for n in &r.notes {
            let _ = writeln!(out, "- {}", inline(n));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "## Appendix: all findings\n");
    if r.findings.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let _ = writeln!(out, "| Severity | Blocker | Rule | App | Owner | Finding | What to do |\n|---|---|---|---|---|---|---|");
    for f in &r.findings {
        let owner = owner_text(&f.owner, f.namespace.as_deref());
        let mut blocker = match (&f.waived, f.blocker) {
            (Some(w), _) => format!(
                "waived until {} by {}: {}",
                w.expires, w.approved_by, w.reason
            ),
            (None, true) => "yes".into(),
            (None, false) => "no".into(),
        };
        if f.likely_failing {
            blocker.push_str("; ");
            blocker.push_str(LIKELY_FAILING);
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            f.severity,
            cell(&blocker),
            code_cell(f.rule.as_str()),
            f.app
                .as_deref()
                .map(code_cell)
                .unwrap_or_else(|| "org".into()),
            cell(&owner),
            cell(&f.message),
            cell(&f.remediation)
        );
    }
}

pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# PKCE readiness: {}\n", verdict_word(r.verdict()));
    scope(&mut out, r);
    let _ = writeln!(
        out,
        "\n## Verdict\n\n**{}** — {}\n",
        verdict_word(r.verdict()),
        inline(&r.verdict_reason)
    );
    next_actions(&mut out, r);
    summary(&mut out, r);

    plan::rollout(&mut out, r);
    apps(&mut out, r);
    appendix(&mut out, r);
    // Input text was made visible where it was written; this catches anything missed.
    super::text::backstop(out)
}

/// The report's next actions, numbered, each command in a code span to copy.
fn next_actions(out: &mut String, r: &Report) {
    if r.next_actions.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Next actions\n");
    for (i, a) in r.next_actions.iter().enumerate() {
        // The plan is in this report: the `more` line points below, not at another format.
        let text = match (a.kind, a.count) {
            (NextActionKind::More, Some(n)) => format!(
                "{n} more action(s) after these: the rollout plan below lists every step, and the summary by owner who acts on each."
            ),
            _ => a.text.clone(),
        };
        let _ = write!(out, "{}. {}", i + 1, inline(&text));
        if let Some(c) = &a.command {
            let _ = write!(out, "\n   {}", code(c));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
}

/// Every app, with usage when the audit had evidence.
fn apps(out: &mut String, r: &Report) {
    // Usage only with evidence: folder plans keep their columns.
    let with_usage = r.scope.evidence.is_some();
    if with_usage {
        let _ = writeln!(
            out,
            "## Apps\n\n| App | Kind | Owner | PKCE | Flows | Usage |\n|---|---|---|---|---|---|"
        );
    } else {
        let _ = writeln!(
            out,
            "## Apps\n\n| App | Kind | Owner | PKCE | Flows |\n|---|---|---|---|---|"
        );
    }
    for app in &r.apps {
        let owner = owner_text(&app.owner, app.namespace.as_deref());
        let _ = write!(
            out,
            "| {} | {} | {} | {} | {} |",
            code_cell(&app.name),
            cell(kind_name(&app.kind)),
            cell(&owner),
            pkce_cell(app.in_pkce_scope(), app.pkce_required),
            cell(&flows_text(app))
        );
        if with_usage {
            let _ = write!(out, " {} |", cell(&usage_text(app)));
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out);
}
