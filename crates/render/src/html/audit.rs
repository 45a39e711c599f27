//! The audit's page (`audit --format html`): the report as a [`Page`], in the issue's
//! order: the verdict and what was read; what breaks and for whom; the rollout plan;
//! every app; the findings; the dates; Salesforce's controls; the evidence; the waivers;
//! a blank sign-off. The words are the other documents' ([`cells`](crate::report::cells)).

use super::{plan, Banner, Block, Chart, Page, Section, Table, Text, Tone};
use crate::report::cells::{
    blocker_word, flows_text, kind_name, owner_text, pkce_cell, scope_facts, usage_text,
    verdict_word, waived_failing_line, LIKELY_FAILING,
};
use crate::report::Report;
use pkce_audit_model::evidence::SourceState;
use pkce_audit_model::inventory::Owner;
use pkce_audit_model::rules::{Finding, RuleId, Severity, Verdict};
use std::collections::BTreeMap;

/// The verdict's colour; its word is always written beside it.
pub fn verdict_tone(v: Verdict) -> Tone {
    match v {
        Verdict::Ready => Tone::Good,
        Verdict::NotReady => Tone::Bad,
        Verdict::Incomplete => Tone::Warn,
        Verdict::Enforced => Tone::Neutral,
    }
}

fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Critical | Severity::High => Tone::Bad,
        Severity::Medium => Tone::Warn,
        Severity::Low | Severity::Info => Tone::Neutral,
    }
}

/// The fields of the sign-off block, each a line to write on.
pub(crate) const SIGN_OFF: &[&str] = &["Change number", "Approver", "Date", "Decision"];

pub fn sign_off() -> Section {
    let mut s = Section::new("signoff", "Sign-off");
    s.para("For the change-review board: fill in by hand or in a copy of this page.");
    s.push(Block::SignOff(SIGN_OFF.to_vec()));
    s
}

fn scope(r: &Report) -> Section {
    let mut s = Section::new("audited", "What was audited");
    s.push(Block::Table(Table {
        caption: "The org or folder, when it was read, and the waivers file".into(),
        head: vec!["What", "Value"],
        rows: scope_facts(r)
            .into_iter()
            .map(|(what, value)| vec![Text::plain(what), Text::plain(value)])
            .collect(),
    }));
    s
}

/// Who must act on the blockers: our org, each ISV namespace, the vendors, Salesforce.
fn owners(r: &Report) -> Vec<(String, Vec<&str>, usize)> {
    let mut groups: BTreeMap<(u8, String), (Vec<&str>, usize)> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| f.needs_action()) {
        let key = match (&f.owner, f.namespace.as_deref()) {
            (Owner::Org, _) => (0, "Our org".to_string()),
            (Owner::Isv, ns) => (1, format!("ISV package {}", ns.unwrap_or("(no namespace)"))),
            (Owner::External, _) => (2, "Vendors (apps defined in other orgs)".to_string()),
            (Owner::Salesforce, _) => (3, "Salesforce".to_string()),
        };
        let g = groups.entry(key).or_default();
        g.1 += 1;
        if let Some(app) = f.app.as_deref().filter(|a| !g.0.contains(a)) {
            g.0.push(app);
        }
    }
    groups
        .into_iter()
        .map(|((_, who), (apps, n))| (who, apps, n))
        .collect()
}

fn breaks(r: &Report) -> Section {
    let mut s = Section::new("breaks", "What breaks and for whom");
    let groups = owners(r);
    if groups.is_empty() {
        s.para("No blocker: nothing breaks when PKCE is required.");
        return s;
    }
    s.push(Block::Table(Table {
        caption: "Blockers by owner".into(),
        head: vec!["Who must act", "Apps", "Blocking findings"],
        rows: groups
            .iter()
            .map(|(who, apps, n)| {
                vec![
                    Text::plain(who.as_str()),
                    Text::codes(apps),
                    Text::plain(n.to_string()),
                ]
            })
            .collect(),
    }));
    s.push(Block::Chart(Chart {
        title: "Blocking findings by owner".into(),
        bars: groups.iter().map(|(who, _, n)| (who.clone(), *n)).collect(),
    }));
    if r.summary.waived_failing > 0 {
        s.para(waived_failing_line(r.summary.waived_failing));
    }
    s
}

fn apps(r: &Report) -> Section {
    let mut s = Section::new("apps", "Apps");
    let rows = r
        .apps
        .iter()
        .map(|a| {
            let mut classes: Vec<&str> = a.callbacks.iter().map(|c| c.class.as_str()).collect();
            classes.dedup();
            let callbacks = if a.callback_urls.is_empty() {
                Text::plain("none")
            } else {
                Text::plain(format!("{}: ", classes.join(", ")))
                    .then_span(super::Span::Code(a.callback_urls.join(" ")))
            };
            let pkce = pkce_cell(a.in_pkce_scope(), a.pkce_required);
            let tone = match a.pkce_required {
                Some(true) => Tone::Good,
                _ if !a.in_pkce_scope() => Tone::Neutral,
                Some(false) => Tone::Bad,
                None => Tone::Warn,
            };
            vec![
                Text::code(&a.name).then(
                    a.label
                        .as_deref()
                        .map_or(String::new(), |l| format!(" ({l})")),
                ),
                Text::plain(kind_name(&a.kind)),
                Text::plain(owner_text(&a.owner, a.namespace.as_deref())),
                Text::badge(tone, pkce),
                Text::plain(flows_text(a)),
                callbacks,
                Text::plain(usage_text(a)),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        caption: format!("Every app ({})", r.apps.len()),
        head: vec![
            "App",
            "Kind",
            "Owner",
            "PKCE",
            "Flows",
            "Callbacks (class: URLs)",
            "Usage",
        ],
        rows,
    }));
    s
}

fn weight(f: &Finding) -> Text {
    let word = blocker_word(f);
    let mut t = match word {
        "" => Text::plain("no"),
        "BLOCKER" | "WAIVED, FAILING" => Text::badge(Tone::Bad, word),
        _ => Text::badge(Tone::Neutral, word),
    };
    if let Some(w) = &f.waived {
        t = t.then(format!(
            " until {} by {}: {}",
            w.expires, w.approved_by, w.reason
        ));
    }
    if f.likely_failing {
        t = t.then(format!("; {LIKELY_FAILING}"));
    }
    t
}

fn findings(r: &Report) -> Section {
    let mut s = Section::new("findings", "Findings and what to do");
    if r.findings.is_empty() {
        s.para("None.");
        return s;
    }
    let rows = r
        .findings
        .iter()
        .map(|f| {
            vec![
                Text::code(f.app.as_deref().unwrap_or("org")),
                Text::badge(severity_tone(f.severity), f.severity.as_str()),
                weight(f),
                Text::code(f.rule.as_str()),
                Text::plain(owner_text(&f.owner, f.namespace.as_deref())),
                Text::plain(f.message.as_str()),
                Text::plain(f.remediation.as_str()),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        caption: format!("All findings ({})", r.findings.len()),
        head: vec![
            "App",
            "Severity",
            "Blocker",
            "Rule",
            "Owner",
            "Finding",
            "What to do",
        ],
        rows,
    }));
    s
}

fn dates(r: &Report) -> Section {
    let mut s = Section::new("dates", "Dates that matter");
    let mut ds: Vec<_> = r.deadlines.iter().collect();
    // By date; events a source names only by release after the dated ones.
    ds.sort_by(|a, b| {
        (a.date.is_none(), &a.date, &a.release).cmp(&(b.date.is_none(), &b.date, &b.release))
    });
    s.push(Block::Table(Table {
        caption: "Dated events, sorted, with their sources (URLs shown as text)".into(),
        head: vec!["When", "What", "Applies to", "Source"],
        rows: ds
            .iter()
            .map(|d| {
                vec![
                    Text::plain(d.when()),
                    Text::plain(format!("{}: {}", d.title, d.what)),
                    Text::plain(d.applies_to.as_str()),
                    Text::plain(d.source.as_str()),
                ]
            })
            .collect(),
    }));
    s
}

fn controls(r: &Report) -> Section {
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

fn evidence(r: &Report) -> Section {
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
    if r.incomplete.is_empty() {
        s.para("Every input was read.");
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
    s
}

fn waivers(r: &Report) -> Section {
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
                    .then_span(super::Span::Code(f.rule.as_str().into()))
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
    s
}

/// The report as a page.
pub fn page(r: &Report) -> Page {
    let word = verdict_word(r.verdict());
    let sections = vec![
        scope(r),
        // NEXT ACTIONS: the lead fills this spot from `report.next_actions` when merging
        // (a section "Next actions", most urgent first), right after the verdict and scope.
        breaks(r),
        plan::section(r),
        apps(r),
        findings(r),
        dates(r),
        controls(r),
        evidence(r),
        waivers(r),
        sign_off(),
    ];
    Page {
        title: format!("PKCE readiness: {word}"),
        banner: Banner {
            tone: verdict_tone(r.verdict()),
            word: word.into(),
            reason: r.verdict_reason.clone(),
        },
        sections,
        footer: format!("Written by {} {}.", r.tool.name, r.tool.version),
    }
}

/// `audit --format html`.
pub fn html(r: &Report) -> String {
    super::write(&page(r))
}
