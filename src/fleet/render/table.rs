//! The fleet as text for a terminal: the verdict, one row per org, then what only several
//! orgs show: shared blockers, packages, rehearsals.

use super::{differences, faithful_word, org_verdict, sameness, who_must_act};
use crate::fleet::model::FleetReport;
use crate::report::cells::verdict_word;
use crate::report::text::{backstop, visible as v};
use crate::report::{joined, keep_words, new_table, wrap_prose, TOOL_NAME};
use comfy_table::Cell;
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
    let mut t = new_table(width, &header);
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
        t.add_row(row.into_iter().map(Cell::new));
    }
    // Names and paths stay whole where the width allows.
    let longest = |f: &dyn Fn(&crate::fleet::model::FleetOrg) -> usize| {
        r.orgs.iter().map(f).max().unwrap_or(0)
    };
    let name = longest(&|o| o.name.chars().count()).max("production".len());
    keep_words(&mut t, 0, name, 24);
    keep_words(&mut t, 1, "INCOMPLETE".len(), 10);
    keep_words(&mut t, 2, "Blockers".len(), 8);
    let act = longest(&|o| {
        let parts = who_must_act(&o.blockers);
        parts.iter().map(|p| p.chars().count()).max().unwrap_or(0)
    });
    keep_words(&mut t, 3, act, 20);
    if with_reports {
        let len = longest(&|o| o.report.as_deref().map_or(0, |p| p.chars().count()));
        keep_words(&mut t, header.len() - 1, len, 28);
    }
    let _ = writeln!(out, "\nOrgs ({})\n{t}", r.orgs.len());
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
    let mut t = new_table(width, &["App", "Label", "Owner", "Blocks in", "Rules"]);
    let lines = |l: &[&str]| l.iter().map(|x| v(x)).collect::<Vec<_>>().join("\n");
    let longest = |f: &dyn Fn(&crate::fleet::model::SharedBlocker) -> usize| {
        r.shared_blockers.iter().map(f).max().unwrap_or(0)
    };
    let words = |l: &[String]| l.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    keep_words(&mut t, 0, longest(&|s| words(&s.names)), 28);
    let rule_len = |s: &crate::fleet::model::SharedBlocker| {
        s.rules.iter().map(|r| r.as_str().len()).max().unwrap_or(0)
    };
    keep_words(&mut t, 4, longest(&rule_len), 34);
    for s in &r.shared_blockers {
        let owners: Vec<&str> = s.owners.iter().map(|o| o.as_str()).collect();
        let rules: Vec<&str> = s.rules.iter().map(|r| r.as_str()).collect();
        let orgs: Vec<&str> = s.orgs.iter().map(String::as_str).collect();
        t.add_row(vec![
            Cell::new(joined(&s.names)),
            Cell::new(joined(&s.labels)),
            Cell::new(joined(&owners)),
            Cell::new(lines(&orgs)),
            Cell::new(lines(&rules)),
        ]);
    }
    let _ = writeln!(out, "{t}");
}

fn packages(out: &mut String, r: &FleetReport, width: u16) {
    if r.packages.is_empty() {
        let _ = writeln!(out, "\nISV packages: none");
        return;
    }
    let _ = writeln!(out, "\nISV packages ({})", r.packages.len());
    let mut t = new_table(
        width,
        &["Namespace", "Package", "Org", "Version", "Blocking apps"],
    );
    for p in &r.packages {
        for (i, inst) in p.installs.iter().enumerate() {
            let (ns, name) = if i == 0 {
                (v(&p.namespace).into_owned(), joined(&p.names))
            } else {
                (String::new(), String::new())
            };
            t.add_row(vec![
                Cell::new(ns),
                Cell::new(name),
                Cell::new(v(&inst.org)),
                Cell::new(inst.version.as_deref().map_or("unknown".into(), v)),
                Cell::new(if inst.blocking_apps.is_empty() {
                    "-".into()
                } else {
                    joined(&inst.blocking_apps)
                }),
            ]);
        }
    }
    let _ = writeln!(out, "{t}");
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
