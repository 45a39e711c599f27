//! The diff as a table: both runs, the verdict, then findings and apps by what changed.

use super::{kind_short, owner_text};
use crate::report::cells::{fold_by_rule, pkce_cell, pkce_word, push_finding, verdict_word};
use crate::report::layout::{Entry, Grid, PROSE};
use crate::report::text::{backstop, visible as v};
use crate::report::{wrap_hanging, wrap_prose, TOOL_NAME};
use pkce_audit_model::diff::read::Finding;
use pkce_audit_model::diff::{AppChanges, AppRef, ChangedFinding, Diff, Run};
use pkce_audit_model::rules::Severity;
use std::fmt::Write;

/// One line per run: what was audited, when, and by which version.
fn scope_line(r: &Run) -> String {
    let s = &r.scope;
    let mut line = format!("{} {}", v(s.kind.as_str()), v(&s.source));
    if let Some(l) = &s.layout {
        let _ = write!(line, " ({})", v(l.as_str()));
    }
    if let Some(id) = &s.org_id {
        let _ = write!(line, " · org {}", v(id));
    }
    if !s.generated_at.is_empty() {
        let _ = write!(line, " · read {}", v(&s.generated_at));
    }
    if let Some(version) = &r.tool_version {
        let _ = write!(line, " · {TOOL_NAME} {}", v(version));
    }
    line
}

/// Writes `text` in lines of at most `width` columns (display width), breaking at spaces;
/// continuation lines get `indent`.
fn write_wrapped(out: &mut String, text: &str, width: u16, indent: &str) {
    wrap_hanging(out, text, usize::from(width).max(20), indent.len());
}

/// Info findings with nothing to say about them fold into one line per rule, as in the
/// audit table: a board reads the blockers, not every legacy Connected App.
fn folds(c: &ChangedFinding) -> bool {
    let f = &c.finding;
    f.severity == Severity::Info && !f.blocker && f.waived.is_none() && c.note.is_none()
}

/// One section of findings; each one's note is shown after `note_label` ("Changed", "Not
/// read").
fn findings_section(
    out: &mut String,
    title: &str,
    findings: &[ChangedFinding],
    note_label: &str,
    width: u16,
) {
    if findings.is_empty() {
        let _ = writeln!(out, "{title}: none");
        return;
    }
    let _ = writeln!(out, "{title} ({})", findings.len());
    let (info, shown): (Vec<&ChangedFinding>, Vec<&ChangedFinding>) =
        findings.iter().partition(|f| folds(f));
    if !shown.is_empty() {
        let mut grid = Grid::new(&["Severity", "App / rule", "Finding"]).floor(2, PROSE);
        for c in &shown {
            let mut what = vec![v(&c.finding.message).into_owned()];
            if let Some(n) = &c.note {
                what.push(format!("{note_label}: {}", v(n)));
            }
            push_finding(&mut grid, &c.finding, what);
        }
        out.push_str(&grid.render(width.into()));
    }
    let info: Vec<&Finding> = info.iter().map(|c| &c.finding).collect();
    for (rule, apps) in fold_by_rule(&info) {
        let names: Vec<_> = apps.iter().map(|a| v(a)).collect();
        let line = format!("  info {} ({}): {}", v(rule), apps.len(), names.join(", "));
        write_wrapped(out, &line, width, "    ");
    }
}

fn apps_section(out: &mut String, title: &str, apps: &[AppRef], width: u16) {
    let apps: Vec<(&AppRef, Option<&str>)> = apps.iter().map(|a| (a, None)).collect();
    apps_grid(out, title, &apps, width);
}

/// Apps, each with the reason it was not read when it has one (a column of its own then).
fn apps_grid(out: &mut String, title: &str, apps: &[(&AppRef, Option<&str>)], width: u16) {
    if apps.is_empty() {
        let _ = writeln!(out, "{title}: none");
        return;
    }
    let _ = writeln!(out, "{title} ({})", apps.len());
    let why = apps.iter().any(|(_, n)| n.is_some());
    let mut header = vec!["App", "Kind", "Owner", "PKCE"];
    if why {
        header.push("Why not read");
    }
    let mut grid = Grid::new(&header);
    if why {
        grid = grid.floor(4, PROSE);
    }
    for (a, note) in apps {
        let (name, kind) = (v(&a.name), kind_short(&a.kind));
        let owner = owner_text(&a.owner, a.namespace.as_deref());
        let owner = v(&owner);
        let pkce = pkce_cell(a.in_pkce_scope(), a.pkce_required);
        let head = format!("{name} — {kind} · {owner} · PKCE: {pkce}");
        let mut cells = [&*name, &*kind, &*owner, pkce].map(String::from).to_vec();
        let mut entry = Entry::line(head);
        if why {
            let note = v(note.unwrap_or("")).into_owned();
            entry.lines.push(format!("Not read: {note}").into());
            cells.push(note);
        }
        grid.push(cells, entry);
    }
    out.push_str(&grid.render(width.into()));
}

/// The default, human format, laid out for `width` columns (100 when not a terminal).
pub fn table(d: &Diff, width: u16) -> String {
    let mut out = String::new();
    header(&mut out, d, width);
    if d.is_unchanged() {
        let text = format!(
            "No change: the same {} finding(s), the same apps, the same verdict.",
            d.findings.still_open.len()
        );
        out.push('\n');
        write_wrapped(&mut out, &text, width, "");
        return backstop(out);
    }
    let f = &d.findings;
    let _ = write!(
        out,
        "\nFindings: {} resolved · {} new · {} still open",
        f.resolved.len(),
        f.new.len(),
        f.still_open.len()
    );
    if f.not_read.is_empty() {
        out.push('\n');
    } else {
        let _ = writeln!(out, " · {} not read", f.not_read.len());
    }
    findings_section(&mut out, "Resolved", &f.resolved, "Changed", width);
    if !f.not_read.is_empty() {
        // Never counted as resolved: the new run could not see them.
        findings_section(
            &mut out,
            "Not read (the new run could not read what these are about; not known resolved)",
            &f.not_read,
            "Not read",
            width,
        );
    }
    findings_section(&mut out, "New", &f.new, "Changed", width);
    findings_section(&mut out, "Still open", &f.still_open, "Changed", width);
    apps_sections(&mut out, &d.apps, width);
    // The count lines fit too; input text was made visible where it was written, and
    // the backstop catches anything missed.
    backstop(wrap_prose(&out, width.into()))
}

/// Both runs, the verdict, the blockers and the waiver file.
fn header(out: &mut String, d: &Diff, width: u16) {
    let _ = writeln!(out, "{TOOL_NAME} diff");
    write_wrapped(out, &format!("Old: {}", scope_line(&d.old)), width, "     ");
    write_wrapped(out, &format!("New: {}", scope_line(&d.new)), width, "     ");
    let (o, n) = (verdict_word(d.old.verdict), verdict_word(d.new.verdict));
    let verdict = if d.verdict_changed {
        format!("Verdict: {o} → {n} — {}", v(&d.new.verdict_reason))
    } else {
        format!("Verdict: {n} (unchanged) — {}", v(&d.new.verdict_reason))
    };
    write_wrapped(out, &verdict, width, "  ");
    // Blockers of the old run the new one could not read are neither counted nor resolved.
    let unknown = match d.not_read_blockers() {
        0 => String::new(),
        n => format!(", {n} not read (not known resolved)"),
    };
    let _ = writeln!(
        out,
        "Unwaived blockers: {} → {}{unknown} · new blockers: {}",
        d.old.blockers, d.new.blockers, d.new_blockers
    );
    if let Some((a, b)) = d.waiver_file_change() {
        write_wrapped(out, &format!("Waiver file changed: {a} → {b}"), width, "  ");
    }
}

/// Apps added, removed, and whose PKCE setting changed.
fn apps_sections(out: &mut String, a: &AppChanges, width: u16) {
    let not_read = match a.not_read.len() {
        0 => String::new(),
        n => format!(" · {n} not read"),
    };
    let _ = writeln!(
        out,
        "\nApps: {} added · {} removed{not_read} · {} PKCE setting changed",
        a.added.len(),
        a.removed.len(),
        a.pkce_changed.len()
    );
    apps_section(out, "Added", &a.added, width);
    apps_section(out, "Removed", &a.removed, width);
    if !a.not_read.is_empty() {
        // Never counted as removed: the new run could not see them.
        let unread: Vec<_> = a
            .not_read
            .iter()
            .map(|n| (&n.app, Some(n.note.as_str())))
            .collect();
        apps_grid(
            out,
            "Not read (the new run could not read these apps; not known removed)",
            &unread,
            width,
        );
    }
    if a.pkce_changed.is_empty() {
        let _ = writeln!(out, "PKCE setting changed: none");
    } else {
        let _ = writeln!(out, "PKCE setting changed ({})", a.pkce_changed.len());
        let mut grid = Grid::new(&["App", "Kind", "Old", "New"]);
        for c in &a.pkce_changed {
            let (name, kind) = (v(&c.name), kind_short(&c.kind));
            let (old, new) = (pkce_word(c.old), pkce_word(c.new));
            let head = format!("{name} — {kind} · PKCE: {old} → {new}");
            let cells = [&*name, &*kind, old, new].map(String::from).to_vec();
            grid.push(cells, Entry::line(head));
        }
        out.push_str(&grid.render(width.into()));
    }
}
