//! The fleet as one HTML page (`fleet --format html`): the fleet's verdict, each org's
//! verdict and who must act, the apps and packages several orgs share, each rehearsal's
//! comparison, and a blank sign-off. Built as a [`Page`] and written by the one writer.

use super::{
    blocking_apps, differences, faithful_word, listed, org_verdict, sameness, who_must_act,
};
use crate::html::{self, Banner, Block, Chart, Page, Section, Table, Text, Tone};
use crate::report::cells::verdict_word;
use pkce_audit_model::fleet::model::{FleetReport, Rehearsal};

/// Items joined by commas, or `-` when there are none (as the Markdown writes them).
fn dashed(items: &[impl AsRef<str>]) -> String {
    listed(items, str::to_string)
}

fn orgs(r: &FleetReport) -> Section {
    let mut s = Section::new("orgs", "Orgs");
    let rows = r
        .orgs
        .iter()
        .map(|o| {
            let role = match (&o.role, &o.rehearses) {
                (Some(role), Some(p)) => {
                    Text::plain(format!("{role} of ")).then_span(html::Span::Code(p.clone()))
                }
                (Some(role), None) => Text::plain(role.to_string()),
                (None, _) => Text::plain("-"),
            };
            let mut verdict = Text::badge(html::verdict_tone(o.verdict), org_verdict(o, r.fail_on));
            if !o.verdict_reason.is_empty() {
                verdict = verdict.then(format!(" {}", o.verdict_reason));
            }
            if let Some(e) = &o.error {
                verdict = verdict.then(format!(" Could not be audited: {e}"));
            }
            let act = who_must_act(&o.blockers);
            vec![
                Text::code(&o.name),
                role,
                verdict,
                Text::plain(if o.error.is_some() {
                    "-".into()
                } else {
                    o.blockers.findings.to_string()
                }),
                Text::plain(dashed(&act)),
                Text::plain(o.api_calls.map_or("-".into(), |n| n.to_string())),
                Text::plain(o.report.clone().unwrap_or_else(|| "-".into())),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        caption: format!("Each org's verdict ({} org(s))", r.orgs.len()),
        head: super::ORG_COLUMNS.to_vec(),
        rows,
    }));
    // An org that could not be audited has no count: a bar of 0 would claim it is clean.
    let (audited, failed): (Vec<_>, Vec<_>) = r.orgs.iter().partition(|o| o.error.is_none());
    if !audited.is_empty() {
        s.push(Block::Chart(Chart {
            title: "Blocking findings by org".into(),
            bars: audited
                .iter()
                .map(|o| (o.name.clone(), o.blockers.findings))
                .collect(),
        }));
    }
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|o| o.name.as_str()).collect();
        s.para(
            Text::plain("Not charted, because they could not be audited (no count of blockers): ")
                .then_span(html::Span::Code(names.join(", ")))
                .then("."),
        );
    }
    let mismatched: Vec<Text> = r
        .orgs
        .iter()
        .filter_map(|o| Some(Text::code(&o.name).then(format!(": {}", o.role_mismatch()?))))
        .collect();
    if !mismatched.is_empty() {
        s.push(Block::Subheading("Role check".into()));
        s.push(Block::List(mismatched));
    }
    s
}

/// Every blocking app of every org, by who must act: the only place the page names an
/// app that blocks in one org alone.
fn blocking(r: &FleetReport) -> Section {
    let mut s = Section::new("blocking", "Each org's blocking apps");
    let rows: Vec<Vec<Text>> = blocking_apps(r)
        .into_iter()
        .map(|(org, who, apps)| vec![Text::code(org), Text::plain(who), Text::codes(&apps)])
        .collect();
    if rows.is_empty() {
        s.para("None.");
        return s;
    }
    s.push(Block::Table(Table {
        caption: "The apps that block, per org, and who must act".into(),
        head: vec!["Org", "Who must act", "Apps"],
        rows,
    }));
    s
}

fn shared(r: &FleetReport) -> Section {
    let mut s = Section::new("shared", "Apps blocking in several orgs");
    if r.shared_blockers.is_empty() {
        s.para("None.");
        return s;
    }
    let rows = r
        .shared_blockers
        .iter()
        .map(|b| {
            let owners: Vec<&str> = b.owners.iter().map(|o| o.as_str()).collect();
            let rules: Vec<&str> = b.rules.iter().map(|r| r.as_str()).collect();
            vec![
                Text::codes(&b.names),
                Text::plain(dashed(&b.labels)),
                Text::plain(dashed(&owners)),
                Text::plain(format!("{}: {}", b.orgs.len(), b.orgs.join(", "))),
                Text::codes(&rules),
            ]
        })
        .collect();
    s.push(Block::Table(Table {
        caption: "The same app blocking in more than one org".into(),
        head: vec!["App", "Label", "Owner", "Blocks in", "Rules"],
        rows,
    }));
    s
}

fn packages(r: &FleetReport) -> Section {
    let mut s = Section::new("packages", "ISV packages");
    if r.packages.is_empty() {
        s.para("None.");
        return s;
    }
    let rows = r
        .packages
        .iter()
        .flat_map(|p| {
            p.installs.iter().map(move |i| {
                vec![
                    Text::code(&p.namespace),
                    Text::plain(dashed(&p.names)),
                    Text::code(&i.org),
                    Text::plain(i.version.clone().unwrap_or_else(|| "unknown".into())),
                    Text::codes(&i.blocking_apps),
                ]
            })
        })
        .collect();
    s.push(Block::Table(Table {
        caption: "Installed packages, per org".into(),
        head: vec!["Namespace", "Package", "Org", "Version", "Blocking apps"],
        rows,
    }));
    s
}

fn rehearsal(h: &Rehearsal) -> Vec<Block> {
    let tone = match h.faithful {
        Some(true) => Tone::Good,
        Some(false) => Tone::Bad,
        None => Tone::Warn,
    };
    let mut blocks = vec![
        Block::Subheading(format!("{} rehearses {}", h.sandbox, h.production)),
        Block::Paragraph(
            Text::badge(tone, faithful_word(h))
                .then(sameness(h).map_or(String::new(), |s| format!(" {s}"))),
        ),
    ];
    let rows: Vec<Vec<Text>> = differences(h)
        .iter()
        .map(|d| vec![Text::plain(d.heading()), Text::plain(d.items.join("; "))])
        .chain(
            h.notes
                .iter()
                .map(|n| vec![Text::plain("Note"), Text::plain(n.as_str())]),
        )
        .collect();
    if !rows.is_empty() {
        blocks.push(Block::Table(Table {
            caption: format!("{} compared with {}", h.sandbox, h.production),
            head: vec!["What", "Details"],
            rows,
        }));
    }
    blocks
}

fn rehearsals(r: &FleetReport) -> Section {
    let mut s = Section::new("rehearsals", "Rehearsals");
    if r.rehearsals.is_empty() {
        s.para("None: no sandbox names the org it rehearses.");
    }
    for h in &r.rehearsals {
        s.blocks.extend(rehearsal(h));
    }
    s
}

fn summary(r: &FleetReport) -> Section {
    let mut s = Section::new("fleet", "The fleet");
    s.push(Block::Table(Table {
        caption: "What was audited".into(),
        head: vec!["What", "Value"],
        rows: vec![
            vec![Text::plain("Fleet file"), Text::code(&r.file)],
            vec![
                Text::plain("Audited at"),
                Text::plain(r.generated_at.as_str()),
            ],
            vec![Text::plain("Orgs"), Text::plain(r.orgs.len().to_string())],
            vec![
                Text::plain("Tool"),
                Text::plain(format!("{} {}", r.tool.name, r.tool.version)),
            ],
        ],
    }));
    s
}

pub fn page(r: &FleetReport) -> Page {
    let word = verdict_word(r.verdict);
    Page {
        title: format!("PKCE readiness of {} org(s): {word}", r.orgs.len()),
        banner: Banner {
            tone: html::verdict_tone(r.verdict),
            word: word.into(),
            reason: r.verdict_reason.clone(),
        },
        sections: vec![
            summary(r),
            orgs(r),
            blocking(r),
            shared(r),
            packages(r),
            rehearsals(r),
            html::sign_off(),
        ],
        footer: format!("Written by {} {}.", r.tool.name, r.tool.version),
    }
}

/// `fleet --format html`.
pub fn html(r: &FleetReport) -> String {
    html::write(&page(r))
}
