//! The audit's page (`audit --format html`): the report as a [`Page`], in the issue's
//! order: the verdict and what was read; what breaks and for whom; the rollout plan;
//! every app; the findings; the dates; Salesforce's controls; the evidence; the waivers;
//! a blank sign-off. The words are the other documents' ([`cells`](crate::report::cells)).

mod annex;
mod plan;
mod reversal;

pub use self::reversal::Reversal;
use crate::html::{
    sign_off, verdict_tone, Banner, Block, Chart, Page, Section, Span, Table, Text, Tone,
};
use crate::report::cells::{
    blocker_word, flows_text, kind_name, outside_client_rows, owner_text, partial_line, pkce_cell,
    scope_facts, usage_text, verdict_word, waived_failing_line, LIKELY_FAILING,
};
use crate::report::Report;
use pkce_audit_model::inventory::{App, Owner};
use pkce_audit_model::report::{NextAction, NextActionKind};
use pkce_audit_model::rules::{Finding, Severity};
use std::collections::BTreeMap;

pub(super) fn severity_tone(s: Severity) -> Tone {
    match s {
        Severity::Critical | Severity::High => Tone::Bad,
        Severity::Medium => Tone::Warn,
        Severity::Low | Severity::Info => Tone::Neutral,
    }
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
    let mut rows: Vec<(String, Vec<&str>, usize)> = groups
        .into_iter()
        .map(|((_, who), (apps, n))| (who, apps, n))
        .collect();
    // Our apps whose client runs at an outside host: its vendor acts too (as in Markdown).
    for (app, hosts, n) in outside_client_rows(r) {
        let who = format!("Clients at outside hosts to confirm ({})", hosts.join(", "));
        rows.push((who, vec![app], n));
    }
    rows
}

/// The most apps a row of *Blockers by owner* names: a summary a board reads at a glance.
/// The rest are counted and linked; the Apps and Findings tables name every one.
const OWNER_APPS: usize = 20;

/// An owner's apps as code, at most [`OWNER_APPS`], then how many more and where they are.
fn owner_apps(apps: &[&str]) -> Text {
    if apps.len() <= OWNER_APPS {
        return Text::codes(apps);
    }
    Text::codes(&apps[..OWNER_APPS])
        .then(format!(", and {} more: see ", apps.len() - OWNER_APPS))
        .then_span(Span::Anchor("apps", "Apps".into()))
        .then(" and ")
        .then_span(Span::Anchor("findings", "Findings".into()))
}

fn breaks(r: &Report) -> Section {
    let mut s = Section::new("breaks", "What breaks and for whom");
    let groups = owners(r);
    // On partial data nothing is called safe: say what was not read, and where.
    let partial = partial_line(r).map(|line| {
        Text::plain(format!("{line}: see "))
            .then_span(Span::Anchor("evidence", "what could not be read".into()))
            .then(".")
    });
    if groups.is_empty() {
        let open = r.open_items().len();
        let line = match partial {
            Some(t) => t,
            // An unknown PKCE setting, or a callback awaiting evidence: not yet safe either.
            None if open > 0 => Text::plain(format!(
                "No blocker found, but {open} item(s) are still open: see "
            ))
            .then_span(Span::Anchor("plan", "the rollout plan, step 3".into()))
            .then("."),
            None => Text::plain("No blocker: nothing breaks when PKCE is required."),
        };
        s.push(Block::Paragraph(line));
        return s;
    }
    s.blocks.extend(partial.map(Block::Paragraph));
    s.push(Block::Table(Table {
        caption: "Blockers by owner".into(),
        head: vec!["Who must act", "Apps", "Blocking findings"],
        rows: groups
            .iter()
            .map(|(who, apps, n)| {
                vec![
                    Text::plain(who.as_str()),
                    owner_apps(apps),
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

/// Each callback URL with its class, one a line, in the app's order; a report written
/// before URLs were classified has URLs only.
fn callbacks_cell(a: &App) -> Text {
    let pairs: Vec<(&str, &str)> = if a.callbacks.is_empty() {
        a.callback_urls
            .iter()
            .map(|u| ("class not recorded", u.as_str()))
            .collect()
    } else {
        a.callbacks
            .iter()
            .map(|c| (c.class.as_str(), c.url.as_str()))
            .collect()
    };
    if pairs.is_empty() {
        return Text::plain("none");
    }
    let mut t = Text::default();
    for (i, (class, url)) in pairs.into_iter().enumerate() {
        if i > 0 {
            t = t.then_span(Span::Break);
        }
        t = t
            .then(format!("{class}: "))
            .then_span(Span::Code(url.into()));
    }
    t
}

fn apps(r: &Report) -> Section {
    let mut s = Section::new("apps", "Apps");
    let rows = r
        .apps
        .iter()
        .map(|a| {
            let callbacks = callbacks_cell(a);
            let pkce = pkce_cell(a.in_pkce_scope(), a.pkce_required);
            let tone = match a.pkce_required {
                Some(true) => Tone::Good,
                _ if !a.in_pkce_scope() => Tone::Neutral,
                Some(false) => Tone::Bad,
                None => Tone::Warn,
            };
            vec![
                plan::app_cell(a),
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
            "Callbacks (class: URL)",
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
    // The model keeps them sorted by date (`deadlines::sorted`), undated last.
    s.push(Block::Table(Table {
        caption: "Dated events, sorted, with their sources (URLs shown as text)".into(),
        head: vec!["When", "What", "Applies to", "Source"],
        rows: r
            .deadlines
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

/// The `more` line on the page: every step is in this page's own rollout plan, not in
/// another format.
fn more_line(a: &NextAction) -> Text {
    let lead = match a.count {
        Some(n) => format!("{n} more action(s) after these: "),
        None => "More actions after these: ".into(),
    };
    Text::plain(lead)
        .then_span(Span::Anchor("plan", "the rollout plan".into()))
        .then(" below lists every step, and ")
        .then_span(Span::Anchor("breaks", "what breaks and for whom".into()))
        .then(" who acts on each.")
}

/// The report's next actions, most urgent first, each command as code to copy.
fn next_actions(r: &Report) -> Section {
    let mut s = Section::new("next", "Next actions");
    s.push(Block::Numbered(
        r.next_actions
            .iter()
            .map(|a| match (&a.kind, &a.command) {
                (NextActionKind::More, _) => more_line(a),
                (_, Some(c)) => Text::plain(a.text.as_str())
                    .then(" ")
                    .then_span(Span::Code(c.clone())),
                (_, None) => Text::plain(a.text.as_str()),
            })
            .collect(),
    ));
    s
}

/// The report as a page.
pub fn page(r: &Report) -> Page {
    let word = verdict_word(r.verdict());
    let sections = vec![
        scope(r),
        next_actions(r),
        breaks(r),
        plan::section(r),
        apps(r),
        findings(r),
        dates(r),
        annex::controls(r),
        annex::evidence(r),
        annex::waivers(r),
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
    crate::html::write(&page(r))
}

#[cfg(test)]
mod tests;
