//! The listings of the catalogues and checks: `pkce-audit rules`, `rules <ID>`, `clients`
//! and `doctor` in text.

use crate::report::layout::{Entry, Grid, PROSE};
use crate::report::{wrap_paragraphs, wrap_prose};
use pkce_audit_model::clients::catalogue;
use pkce_audit_model::clients::Client;
use pkce_audit_model::doctor::{Check, Doctor};
use pkce_audit_model::rules::{Rule, RULES};
use serde::Serialize;
use std::fmt::Write;

/// The version of the `rules --json` and `clients --json` documents (docs/output.md).
pub const LISTING_SCHEMA_VERSION: u32 = 1;

/// `rules --json`: every rule, in report order, with the document's version.
#[derive(Serialize)]
pub struct RulesDocument<'a> {
    pub schema_version: u32,
    pub rules: &'a [Rule],
}

/// `rules <ID> --json`: one rule, its fields beside the document's version.
#[derive(Serialize)]
pub struct RuleDocument<'a> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub rule: &'a Rule,
}

/// `clients --json`: the catalogue of known clients, with the document's version.
#[derive(Serialize)]
pub struct ClientsDocument<'a> {
    pub schema_version: u32,
    pub clients: &'a [Client],
}

impl RulesDocument<'static> {
    pub fn all() -> Self {
        RulesDocument {
            schema_version: LISTING_SCHEMA_VERSION,
            rules: RULES,
        }
    }
}

impl<'a> RuleDocument<'a> {
    pub fn of(rule: &'a Rule) -> Self {
        RuleDocument {
            schema_version: LISTING_SCHEMA_VERSION,
            rule,
        }
    }
}

impl ClientsDocument<'static> {
    pub fn all() -> Self {
        ClientsDocument {
            schema_version: LISTING_SCHEMA_VERSION,
            clients: catalogue(),
        }
    }
}

/// `pkce-audit clients` within `width` columns: a table when it fits, else one entry per
/// client (its id, owner, PKCE behaviour and first release, then its name).
pub fn clients(width: usize) -> String {
    let mut grid = Grid::new(&["Id", "Owner", "PKCE", "Since", "Name"])
        .floor(3, PROSE)
        .floor(4, PROSE);
    for c in catalogue() {
        let since = c.since_version.as_deref().unwrap_or("-");
        let name = format!(
            "{}{}",
            c.name,
            if c.unconfirmed { " (UNCONFIRMED)" } else { "" }
        );
        let mut head = format!("{} · {} · {}", c.id, c.owner, c.pkce.as_str());
        if let Some(v) = &c.since_version {
            head.push_str(&format!(" since {v}"));
        }
        let cells = [
            c.id.as_str(),
            c.owner.as_str(),
            c.pkce.as_str(),
            since,
            &name,
        ];
        grid.push(
            cells.map(String::from).to_vec(),
            Entry::new(head, vec![name.as_str().into()]),
        );
    }
    grid.render(width)
}

/// The widths of the listing's id, severity and blocker columns.
const RULE_COLUMNS: [usize; 3] = [38, 8, 8];
/// The narrowest summary column; below it each summary goes under its rule.
const MIN_SUMMARY: usize = 30;

/// `pkce-audit rules`: the rules in report order, within `width` columns. Wide enough
/// (`usize::MAX` for scripts: one line per rule), bare columns, each summary wrapped in
/// its own; narrower, the rule is one line (`id (severity, blocker)`) and its summary the
/// lines below, indented.
pub fn rules(width: usize) -> String {
    let [id, severity, blocker] = RULE_COLUMNS;
    let mut grid = Grid::bare(4)
        .fixed(0, id)
        .fixed(1, severity)
        .fixed(2, blocker)
        .floor(3, MIN_SUMMARY);
    for r in RULES {
        let cells = vec![
            r.id.as_str(),
            r.severity.as_str(),
            if r.blocker { "blocker" } else { "-" },
            r.summary,
        ];
        let blocker = if r.blocker { ", blocker" } else { "" };
        // An id stays whole; its severity goes to the next line when it must.
        let head = format!("{} ({}{blocker})", r.id, r.severity);
        grid.push(
            cells,
            Entry::new(head, vec![format!("  {}", r.summary).into()]),
        );
    }
    grid.render(width)
}

/// `pkce-audit rules <ID>`: everything the catalog says about one rule, wrapped to
/// `width` columns.
pub fn rule(rule: &Rule, width: usize) -> String {
    let controls: String = rule
        .id
        .controls()
        .iter()
        .map(|c| format!("\n  - {c}"))
        .collect();
    let controls = if controls.is_empty() {
        String::new()
    } else {
        format!("\nSalesforce security controls:{controls}\n")
    };
    wrap_paragraphs(
        &format!(
            "{}\n  severity: {}\n  blocker: {}\n\n{}\n\n{}\n\nWhat to do: {}\n{controls}",
            rule.id,
            rule.severity,
            if rule.blocker { "yes" } else { "no" },
            rule.summary,
            rule.explanation,
            rule.remediation
        ),
        width,
    )
}

/// The version of the `doctor --json` document (docs/output.md).
pub const DOCTOR_SCHEMA_VERSION: u32 = 1;

/// `doctor --json`: the checks, with the document's version first.
pub fn doctor_json(d: &Doctor) -> String {
    crate::json::document(&crate::json::Versioned::new(DOCTOR_SCHEMA_VERSION, d))
}

/// The sources, then what to grant for each one that is not readable, within `width`
/// columns: a table when its columns can each hold their longest word (a metadata
/// type name is never broken), else one entry per source.
pub fn doctor(d: &Doctor, width: usize) -> String {
    let mut out = format!(
        "pkce-audit doctor · {} · API {}\n",
        d.instance_url, d.api_version
    );
    // Status never wraps; an error in Detail is never squeezed to a word per line.
    let mut grid = Grid::new(&["Source", "Status", "Checked with", "Detail"])
        .floor(1, usize::MAX)
        .floor(3, PROSE);
    for c in &d.checks {
        let status = if c.readable {
            "readable"
        } else {
            "NOT READABLE"
        };
        let detail = c.detail.as_deref().unwrap_or("");
        let line = [status, c.probe.as_str(), detail]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        let cells = [c.source.as_str(), status, c.probe.as_str(), detail].map(String::from);
        grid.push(
            cells.to_vec(),
            Entry::new(c.source.as_str(), vec![line.into()]),
        );
    }
    out.push_str(&grid.render(width));
    let missing: Vec<&Check> = d.checks.iter().filter(|c| !c.readable).collect();
    if missing.is_empty() {
        let _ = writeln!(out, "Everything an audit reads is readable.");
    } else {
        let _ = writeln!(
            out,
            "{} source(s) not readable; to read them, grant:",
            missing.len()
        );
        for c in missing {
            let _ = writeln!(
                out,
                "  - {}: {}",
                c.source,
                c.remedy
                    .as_deref()
                    .unwrap_or("access to it (see the error above)")
            );
        }
    }
    wrap_prose(&out, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_listing_and_explanations_come_from_the_catalog() {
        let listing = rules(usize::MAX);
        assert_eq!(listing.lines().count(), RULES.len());
        for (line, r) in listing.lines().zip(RULES) {
            assert!(
                line.starts_with(r.id.as_str()) && line.ends_with(r.summary),
                "{line}"
            );
            let text = rule(r, usize::MAX);
            assert!(text.starts_with(&format!("{}\n", r.id)) && text.contains(r.explanation));
        }
    }
}
