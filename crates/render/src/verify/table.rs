//! The verification as text for a terminal: the verdict and the windows, one row per app,
//! then the failures, the way back with its commands, and what was not read.

use super::{
    after_cell, before_cell, class_text, meaning, name_and_label, next_cell, not_read, scope_text,
    time_or_dash, verdict_reason, verdict_word, way_back, why_text, windows, CELLS_KEY, NOTES,
};
use crate::report::layout::{Entry, Grid, PROSE};
use crate::report::style::{Style, Styled};
use crate::report::text::{backstop, visible as v};
use crate::report::{wrap_prose, TOOL_NAME};
use pkce_audit_model::verify::Verification;
use std::fmt::Write;

pub fn table(r: &Verification, width: u16) -> String {
    styled(r, width).text()
}

/// [`table`] with the verdict word in its colour.
pub fn styled(r: &Verification, width: u16) -> Styled {
    let width = usize::from(width);
    let mut out = Styled::from(format!("{TOOL_NAME} verify · {}\n", v(&scope_text(r))));
    out.push_str("Verdict: ");
    out.push(verdict_word(r.verdict), Style::Outcome(r.verdict));
    let _ = writeln!(out, " — {}", verdict_reason(r));
    let _ = writeln!(out, "Windows: {}", windows(r));
    out.push_str("\n");
    out.append(Styled::from(apps(r, width)));
    let mut rest = String::new();
    failures(&mut rest, r);
    ways_back(&mut rest, r);
    unread_and_notes(&mut rest, r);
    out.push_str(&rest);
    let out = out.relaid(&wrap_prose(&out.text(), width));
    // Input text was made visible where it was written; this catches anything missed.
    out.map(backstop)
}

fn apps(r: &Verification, width: usize) -> String {
    if r.apps.is_empty() {
        return "No app in scope.\n".into();
    }
    let header = ["App", "State", "Since the change", "Baseline", "Next"];
    let mut t = Grid::new(&header).floor(1, PROSE).floor(4, PROSE);
    for a in &r.apps {
        let (name, label) = name_and_label(a);
        let name = v(&name).into_owned();
        let label = label.map(|l| v(&l).into_owned());
        let why = v(&why_text(&a.why)).into_owned();
        let next = v(&next_cell(&a.next)).into_owned();
        let after = after_cell(a);
        let before = before_cell(a);
        let cells = vec![
            match &label {
                Some(l) => format!("{name}\n{l}"),
                None => name.clone(),
            },
            format!("{}\n{why}", a.state),
            after.join("\n").trim_end().to_string(),
            before.join("\n").trim_end().to_string(),
            next.clone(),
        ];
        let head = match &label {
            Some(l) => format!("{name} ({l}) — {}", a.state),
            None => format!("{name} — {}", a.state),
        };
        let entry = Entry::new(
            head,
            vec![
                why.into(),
                format!("Since the change: {}", joined(&after)).into(),
                format!("Baseline: {}", joined(&before)).into(),
                format!("Next: {next}").into(),
            ],
        );
        t.push(cells, entry);
    }
    format!("{CELLS_KEY}\n{}", t.render(width))
}

fn failures(out: &mut String, r: &Verification) {
    let failing: Vec<_> = r.apps.iter().filter(|a| !a.failures.is_empty()).collect();
    if failing.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFailures since the change");
    for a in failing {
        let _ = writeln!(out, "  {}", v(&a.name));
        for f in &a.failures {
            let _ = writeln!(
                out,
                "    {}: {} (first {}, last {}): {}",
                v(&f.status),
                f.count,
                time_or_dash(f.first),
                time_or_dash(f.last),
                class_text(f.class, f.before)
            );
            if let Some((meaning, code)) = meaning(&f.status) {
                let _ = writeln!(out, "    {code}: {meaning}");
            }
        }
    }
}

fn ways_back(out: &mut String, r: &Verification) {
    let (says, commands) = way_back(r);
    if says.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWay back");
    for (s, source) in &says {
        let _ = writeln!(out, "  - {}", v(s));
        if let Some(url) = source {
            let _ = writeln!(out, "    Source: {url}");
        }
    }
    if !commands.is_empty() {
        let _ = writeln!(
            out,
            "  From the folder to hold the project, against the org checked:"
        );
        for c in &commands {
            let _ = writeln!(out, "  $ {}", v(c));
        }
    }
}

fn unread_and_notes(out: &mut String, r: &Verification) {
    let unread = not_read(r);
    if !unread.is_empty() {
        let _ = writeln!(out, "\nNot read");
        for s in &unread {
            let _ = writeln!(out, "  - {}", v(s));
        }
    }
    let _ = writeln!(out, "\nNotes");
    for n in NOTES {
        let _ = writeln!(out, "  - {n}");
    }
}

/// A cell's lines in a list entry, the empty ones left out.
fn joined(lines: &[String; 2]) -> String {
    let lines: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join(", ")
}
