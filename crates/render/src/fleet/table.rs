//! The fleet as text for a terminal: the verdict, one row per org, then what only several
//! orgs show: shared blockers, packages, rehearsals.

use super::{differences, faithful_word, org_verdict, sameness, who_must_act};
use crate::report::cells::verdict_word;
use crate::report::layout::{Entry, Grid};
use crate::report::text::{backstop, visible as v};
use crate::report::{joined, wrap_prose, TOOL_NAME};
use pkce_audit_model::fleet::model::FleetReport;
use std::fmt::Write;

pub fn table(r: &FleetReport, width: u16) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{TOOL_NAME} {} · fleet {} · {} org(s) · {}",
        v(&r.tool.version),
        v(&r.file),
        r.orgs.len(),
        v(&r.generated_at)
    );
    let _ = writeln!(
        out,
        "Verdict: {} — {}",
        verdict_word(r.verdict),
        v(&r.verdict_reason)
    );
    orgs(&mut out, r, width);
    shared(&mut out, r, width);
    packages(&mut out, r, width);
    rehearsals(&mut out, r);
    // Input text was made visible where it was written; this catches anything missed.
    backstop(wrap_prose(&out, usize::from(width)))
}

fn orgs(out: &mut String, r: &FleetReport, width: u16) {
    let with_reports = r.orgs.iter().any(|o| o.report.is_some());
    let mut header = vec![
        "Org / role",
        "Verdict",
        "Blockers",
        "Who must act",
        "API calls",
    ];
    if with_reports {
        header.push("Report");
    }
    let mut t = Grid::new(&header);
    for o in &r.orgs {
        // Which org a sandbox rehearses is under Rehearsals.
        let name = match o.role {
            Some(role) => format!("{}\n{role}", v(&o.name)),
            None => v(&o.name).into_owned(),
        };
        let act = who_must_act(&o.blockers);
        let mut row = vec![
            name,
            org_verdict(o, r.fail_on),
            if o.error.is_some() {
                "-".into()
            } else {
                o.blockers.findings.to_string()
            },
            if act.is_empty() {
                "-".into()
            } else {
                act.iter().map(|a| v(a)).collect::<Vec<_>>().join("\n")
            },
            o.api_calls.map_or("-".into(), |n| n.to_string()),
        ];
        if with_reports {
            row.push(
                o.report
                    .as_deref()
                    .map_or("-".into(), |p| v(p).into_owned()),
            );
        }
        let entry = entry_of(&header, &row);
        t.push(row, entry);
    }
    let _ = write!(
        out,
        "\nOrgs ({})\n{}",
        r.orgs.len(),
        t.render(usize::from(width))
    );
    for o in &r.orgs {
        if let Some(m) = o.role_mismatch() {
            let _ = writeln!(out, "Role check: {}: {}", v(&o.name), v(&m));
        }
    }
    for o in r.orgs.iter().filter(|o| o.error.is_some()) {
        let _ = writeln!(
            out,
            "Could not be audited: {}: {}",
            v(&o.name),
            v(o.error.as_deref().unwrap_or_default())
        );
    }
    for o in r.orgs.iter().filter(|o| o.error.is_none() && o.unread > 0) {
        let _ = writeln!(
            out,
            "{}: {} item(s) could not be read; its report lists them.",
            v(&o.name),
            o.unread
        );
    }
}

fn shared(out: &mut String, r: &FleetReport, width: u16) {
    if r.shared_blockers.is_empty() {
        let _ = writeln!(out, "\nApps blocking in several orgs: none");
        return;
    }
    let _ = writeln!(
        out,
        "\nApps blocking in several orgs ({})",
        r.shared_blockers.len()
    );
    let header = ["App", "Label", "Owner", "Blocks in", "Rules"];
    let mut t = Grid::new(&header);
    let lines = |l: &[&str]| l.iter().map(|x| v(x)).collect::<Vec<_>>().join("\n");
    for s in &r.shared_blockers {
        let owners: Vec<&str> = s.owners.iter().map(|o| o.as_str()).collect();
        let rules: Vec<&str> = s.rules.iter().map(|r| r.as_str()).collect();
        let orgs: Vec<&str> = s.orgs.iter().map(String::as_str).collect();
        let row = vec![
            joined(&s.names),
            joined(&s.labels),
            joined(&owners),
            lines(&orgs),
            lines(&rules),
        ];
        let entry = entry_of(&header, &row);
        t.push(row, entry);
    }
    out.push_str(&t.render(usize::from(width)));
}

fn packages(out: &mut String, r: &FleetReport, width: u16) {
    if r.packages.is_empty() {
        let _ = writeln!(out, "\nISV packages: none");
        return;
    }
    let _ = writeln!(out, "\nISV packages ({})", r.packages.len());
    let header = ["Namespace", "Package", "Org", "Version", "Blocking apps"];
    let mut t = Grid::new(&header);
    for p in &r.packages {
        for (i, inst) in p.installs.iter().enumerate() {
            let (ns, name) = if i == 0 {
                (v(&p.namespace).into_owned(), joined(&p.names))
            } else {
                (String::new(), String::new())
            };
            let row = vec![
                ns,
                name,
                v(&inst.org).into_owned(),
                inst.version
                    .as_deref()
                    .map_or("unknown".into(), |x| v(x).into_owned()),
                if inst.blocking_apps.is_empty() {
                    "-".into()
                } else {
                    joined(&inst.blocking_apps)
                },
            ];
            // In the list every install names its package.
            let mut whole = row.clone();
            whole[0] = v(&p.namespace).into_owned();
            whole[1] = joined(&p.names);
            let entry = entry_of(&header, &whole);
            t.push(row, entry);
        }
    }
    out.push_str(&t.render(usize::from(width)));
}

fn rehearsals(out: &mut String, r: &FleetReport) {
    if r.rehearsals.is_empty() {
        let _ = writeln!(
            out,
            "\nRehearsals: none (no sandbox names the org it rehearses)"
        );
        return;
    }
    let _ = writeln!(out, "\nRehearsals ({})", r.rehearsals.len());
    for h in &r.rehearsals {
        let _ = writeln!(
            out,
            "{} rehearses {}: {}",
            v(&h.sandbox),
            v(&h.production),
            faithful_word(h)
        );
        let diffs = differences(h);
        if let Some(same) = sameness(h) {
            let _ = writeln!(out, "  {same}");
        }
        // Items may hold commas of their own ("production false, sandbox true").
        for d in diffs {
            let items: Vec<String> = d.items.iter().map(|i| v(i).into_owned()).collect();
            let _ = writeln!(out, "  {}: {}", d.heading(), items.join("; "));
        }
        for n in &h.notes {
            let _ = writeln!(out, "  Note: {}", v(n));
        }
    }
}

/// A row as a list entry: its first cell as the head, the others as "Header: value".
fn entry_of(header: &[&str], cells: &[String]) -> Entry {
    let flat = |c: &str| c.lines().collect::<Vec<_>>().join(", ");
    Entry::new(
        cells[0].lines().collect::<Vec<_>>().join(" · "),
        header
            .iter()
            .zip(cells)
            .skip(1)
            .filter(|(_, c)| !c.is_empty() && c.as_str() != "-")
            .map(|(h, c)| format!("{h}: {}", flat(c)).into())
            .collect(),
    )
}
