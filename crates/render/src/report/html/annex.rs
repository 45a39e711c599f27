//! The record at the end of the audit's page: Salesforce's names for the controls each
//! rule is about, the evidence and how complete it was, and the waivers.

use super::severity_tone;
use crate::html::{Block, Section, Span, Table, Text, Tone};
use crate::report::Report;
use pkce_audit_model::evidence::SourceState;
use pkce_audit_model::rules::RuleId;
use std::collections::BTreeMap;

pub(super) fn controls(r: &Report) -> Section {
    let mut s = Section::new("controls", "Salesforce's controls and severities");
    let mut by_rule: BTreeMap<RuleId, usize> = BTreeMap::new();
    for f in &r.findings {
        *by_rule.entry(f.rule).or_default() += 1;
    }
    let rows: Vec<Vec<Text>> = by_rule
        .into_iter()
        .map(|(id, n)| {
            let sev = id.rule().severity;
            let controls = id.controls();
            vec![
                Text::code(id.as_str()),
                Text::badge(severity_tone(sev), sev.as_str()),
                Text::plain(n.to_string()),
                Text::plain(if controls.is_empty() {
                    "none".to_string()
                } else {
                    controls.join("; ")
                }),
            ]
        })
        .collect();
    if rows.is_empty() {
        s.para("No rule found anything.");
    } else {
        s.push(Block::Table(Table {
            caption: "The rules that found something, with Salesforce's names for their controls"
                .into(),
            head: vec!["Rule", "Severity", "Findings", "Salesforce control"],
            rows,
        }));
    }
    s
}

pub(super) fn evidence(r: &Report) -> Section {
    let mut s = Section::new("evidence", "Evidence and how complete it was");
    match &r.scope.evidence {
        None => s.para("No usage evidence: this audit read metadata only."),
        Some(e) => s.push(Block::Table(Table {
            caption: format!("Usage evidence, last {} days", e.window_days),
            head: vec!["Source", "State", "Rows", "How read"],
            rows: e
                .sources
                .iter()
                .map(|(source, state)| match state {
                    SourceState::Read {
                        rows,
                        partial,
                        method,
                        reason,
                    } => vec![
                        Text::plain(source.as_str()),
                        if *partial {
                            Text::badge(Tone::Warn, "partial").then(
                                reason
                                    .as_deref()
                                    .map_or(String::new(), |r| format!(": {r}")),
                            )
                        } else {
                            Text::badge(Tone::Good, "complete")
                        },
                        Text::plain(rows.to_string()),
                        Text::plain(method.clone().unwrap_or_default()),
                    ],
                    SourceState::Missing { reason, remedy } => vec![
                        Text::plain(source.as_str()),
                        Text::badge(Tone::Bad, "not readable")
                            .then(format!(": {reason}; {remedy}")),
                        Text::plain("-"),
                        Text::plain("-"),
                    ],
                })
                .collect(),
        })),
    };
    if r.incomplete.is_empty() && r.notes.is_empty() {
        s.para("Every input was read.");
    } else if r.incomplete.is_empty() {
        s.para("Every input was read, with the notes below on what the audit covered.");
    } else {
        s.push(Block::Subheading(format!(
            "Could not be read ({})",
            r.incomplete.len()
        )));
        s.push(Block::List(
            r.incomplete
                .iter()
                .map(|p| Text::plain(p.to_string()))
                .collect(),
        ));
    }
    // What the audit covered besides (a .forceignore applied or not), as JSON has it.
    if !r.notes.is_empty() {
        s.push(Block::Subheading(format!("Notes ({})", r.notes.len())));
        s.push(Block::List(
            r.notes.iter().map(|n| Text::plain(n.as_str())).collect(),
        ));
    }
    s
}

pub(super) fn waivers(r: &Report) -> Section {
    let mut s = Section::new("waivers", "Waivers");
    let Some(w) = r.scope.waiver_file() else {
        s.para("No waiver file was applied.");
        return s;
    };
    s.push(Block::Table(Table {
        caption: "The waiver file".into(),
        head: vec!["File", "Applied", "Expired", "Unused"],
        rows: vec![vec![
            Text::code(&w.file),
            Text::plain(w.applied.to_string()),
            Text::plain(w.expired.to_string()),
            Text::plain(w.unused.to_string()),
        ]],
    }));
    let waived: Vec<Text> = r
        .findings
        .iter()
        .filter_map(|f| {
            let w = f.waived.as_ref()?;
            Some(
                Text::code(f.app.as_deref().unwrap_or("org"))
                    .then(" ")
                    .then_span(Span::Code(f.rule.as_str().into()))
                    .then(format!(
                        ": waived until {} by {}: {}",
                        w.expires, w.approved_by, w.reason
                    )),
            )
        })
        .collect();
    if !waived.is_empty() {
        s.push(Block::Subheading("Waived findings".into()));
        s.push(Block::List(waived));
    }
    // Each expired or unused entry by name, with its expiry or why nothing matched (the
    // finding's message says both, with the entry's file and line).
    for (rule, heading) in [
        (RuleId::WaiverExpired, "Expired entries"),
        (RuleId::WaiverUnused, "Unused entries"),
    ] {
        let items: Vec<Text> = r
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| {
                Text::code(f.app.as_deref().unwrap_or("*"))
                    .then(" ")
                    .then_span(Span::Code(f.waiver_rule.map_or("?", |w| w.as_str()).into()))
                    .then(format!(": {}", f.message))
            })
            .collect();
        if !items.is_empty() {
            s.push(Block::Subheading(format!("{heading} ({})", items.len())));
            s.push(Block::List(items));
        }
    }
    s
}
