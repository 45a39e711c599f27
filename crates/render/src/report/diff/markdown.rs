//! The diff as GitHub-flavoured Markdown: both runs, then findings and apps by what
//! changed. Its cells escape Markdown punctuation with backslashes, so names and messages
//! render as written.

use super::{kind_short, owner_text};
use crate::report::cells::{blocker_word, pkce_cell, pkce_word};
use crate::report::text::{backstop, visible as v};
use pkce_audit_model::diff::{AppChanges, AppRef, ChangedFinding, Diff, Run};
use std::fmt::Write;

use crate::md::{code_cell as md_code, header as md_header, row as md_row, text as md_cell};

/// The last column: the full remediation for new findings, the change for still-open ones,
/// why the new run could not tell for ones not read.
#[derive(Clone, Copy)]
enum Extra {
    None,
    WhatToDo,
    Changed,
    NotRead,
}

fn md_findings(out: &mut String, title: &str, findings: &[ChangedFinding], extra: Extra) {
    let _ = writeln!(out, "\n### {title} ({})\n", findings.len());
    if findings.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let mut header = vec!["Severity", "Blocker", "App", "Rule", "Finding"];
    match extra {
        Extra::None => {}
        Extra::WhatToDo => header.push("What to do"),
        Extra::Changed => header.push("Changed"),
        Extra::NotRead => header.push("Why not read"),
    }
    md_header(out, &header);
    for c in findings {
        let f = &c.finding;
        let mut cells = vec![
            f.severity.as_str().to_string(),
            blocker_word(f).to_string(),
            f.app.as_deref().map_or("(org)".to_string(), md_code),
            md_code(f.rule.as_str()),
            md_cell(&f.message),
        ];
        match extra {
            Extra::None => {}
            Extra::WhatToDo => cells.push(md_cell(&f.remediation)),
            Extra::Changed | Extra::NotRead => cells.push(md_cell(c.note.as_deref().unwrap_or(""))),
        }
        md_row(out, &cells);
    }
}

fn md_apps(out: &mut String, title: &str, apps: &[AppRef]) {
    let apps: Vec<(&AppRef, Option<&str>)> = apps.iter().map(|a| (a, None)).collect();
    md_apps_why(out, title, &apps);
}

/// Apps, each with the reason it was not read when it has one (a column of its own then).
fn md_apps_why(out: &mut String, title: &str, apps: &[(&AppRef, Option<&str>)]) {
    let _ = writeln!(out, "\n### {title} ({})\n", apps.len());
    if apps.is_empty() {
        let _ = writeln!(out, "None.");
        return;
    }
    let why = apps.iter().any(|(_, n)| n.is_some());
    let mut header = vec!["App", "Label", "Kind", "Owner", "PKCE"];
    if why {
        header.push("Why not read");
    }
    md_header(out, &header);
    for (a, note) in apps {
        let mut cells = vec![
            md_code(&a.name),
            md_cell(a.label.as_deref().unwrap_or("")),
            md_cell(&kind_short(&a.kind)),
            md_cell(&v(&owner_text(&a.owner, a.namespace.as_deref()))),
            pkce_cell(a.in_pkce_scope(), a.pkce_required).to_string(),
        ];
        if why {
            cells.push(md_cell(note.unwrap_or("")));
        }
        md_row(out, &cells);
    }
}

/// GitHub-flavoured Markdown, for a pull request, an issue or a wiki page.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# PKCE readiness: what changed\n");
    runs(&mut out, d);
    verdict(&mut out, d);
    let f = &d.findings;
    let not_read = match f.not_read.len() {
        0 => String::new(),
        n => format!("{n} not read, "),
    };
    let _ = writeln!(
        out,
        "\n## Findings\n\n{} resolved, {not_read}{} new, {} still open.",
        f.resolved.len(),
        f.new.len(),
        f.still_open.len()
    );
    md_findings(&mut out, "Resolved", &f.resolved, Extra::None);
    if !f.not_read.is_empty() {
        let _ = writeln!(
            out,
            "\nThe new run could not read what these findings are about, so they are not known to be resolved."
        );
        md_findings(&mut out, "Not read", &f.not_read, Extra::NotRead);
    }
    md_findings(&mut out, "New", &f.new, Extra::WhatToDo);
    md_findings(&mut out, "Still open", &f.still_open, Extra::Changed);
    app_changes(&mut out, &d.apps);
    // Input text was made visible where it was written; this catches anything missed.
    backstop(out)
}

/// Both runs side by side.
fn runs(out: &mut String, d: &Diff) {
    md_header(out, &["", "Old", "New"]);
    let both = |label: &str, f: &dyn Fn(&Run) -> String| -> String {
        format!("| {label} | {} | {} |\n", f(&d.old), f(&d.new))
    };
    out.push_str(&both("Audited", &|r| {
        format!(
            "{} {}",
            md_cell(r.scope.kind.as_str()),
            md_code(&r.scope.source)
        )
    }));
    if d.old.scope.org_id.is_some() || d.new.scope.org_id.is_some() {
        out.push_str(&both("Org ID", &|r| {
            r.scope.org_id.as_deref().map_or(String::new(), md_code)
        }));
    }
    out.push_str(&both("Read at", &|r| md_cell(&r.scope.generated_at)));
    if [&d.old, &d.new]
        .iter()
        .any(|r| r.scope.waivers.as_ref().is_some_and(|w| w.is_some()))
    {
        out.push_str(&both("Waiver file", &|r| {
            r.waiver_file().map_or("?".into(), md_cell)
        }));
    }
    out.push_str(&both("Verdict", &|r| format!("**{}**", r.verdict)));
    // Blockers of the old run the new one could not read are neither counted nor resolved.
    let unknown = match d.not_read_blockers() {
        0 => String::new(),
        n => format!(", {n} not read (not known resolved)"),
    };
    let _ = writeln!(
        out,
        "| Unwaived blockers | {} | {}{unknown} |",
        d.old.blockers, d.new.blockers
    );
    out.push_str(&both("Tool version", &|r| {
        md_cell(r.tool_version.as_deref().unwrap_or("?"))
    }));
    out.push('\n');
}

/// The verdict, the waiver file and the new blockers.
fn verdict(out: &mut String, d: &Diff) {
    if d.verdict_changed {
        let _ = writeln!(
            out,
            "Verdict changed: **{} → {}**. {}",
            d.old.verdict,
            d.new.verdict,
            md_cell(&d.new.verdict_reason)
        );
    } else {
        let _ = writeln!(
            out,
            "Verdict unchanged: **{}**. {}",
            d.new.verdict,
            md_cell(&d.new.verdict_reason)
        );
    }
    if let Some((a, b)) = d.waiver_file_change() {
        let _ = writeln!(
            out,
            "\nWaiver file changed: {} → {}.",
            md_cell(a),
            md_cell(b)
        );
    }
    let _ = writeln!(out, "\nNew blockers: **{}**.", d.new_blockers);
    if d.is_unchanged() {
        let _ = writeln!(
            out,
            "\nNo change: the same {} finding(s), the same apps, the same verdict.",
            d.findings.still_open.len()
        );
    }
}

/// Apps added, removed, and whose PKCE setting changed.
fn app_changes(out: &mut String, a: &AppChanges) {
    let not_read = match a.not_read.len() {
        0 => String::new(),
        n => format!("{n} not read, "),
    };
    let _ = writeln!(
        out,
        "\n## Apps\n\n{} added, {} removed, {not_read}{} with a changed PKCE setting.",
        a.added.len(),
        a.removed.len(),
        a.pkce_changed.len()
    );
    md_apps(out, "Added", &a.added);
    md_apps(out, "Removed", &a.removed);
    if !a.not_read.is_empty() {
        let _ = writeln!(
            out,
            "\nThe new run could not read these apps, so they are not known to be removed."
        );
        let unread: Vec<_> = a
            .not_read
            .iter()
            .map(|n| (&n.app, Some(n.note.as_str())))
            .collect();
        md_apps_why(out, "Apps not read", &unread);
    }
    let _ = writeln!(
        out,
        "\n### PKCE setting changed ({})\n",
        a.pkce_changed.len()
    );
    if a.pkce_changed.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        md_header(out, &["App", "Kind", "Old", "New"]);
        for c in &a.pkce_changed {
            md_row(
                out,
                &[
                    md_code(&c.name),
                    md_cell(&kind_short(&c.kind)),
                    pkce_word(c.old).to_string(),
                    pkce_word(c.new).to_string(),
                ],
            );
        }
    }
}
