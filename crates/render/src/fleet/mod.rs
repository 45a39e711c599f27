//! Presenting a [`FleetReport`]: table, JSON, Markdown or CSV. The words (verdicts, PKCE
//! settings) are the audit's own ([`cells`](crate::report::cells)); what is said about a
//! rehearsal is decided once here, and each format escapes it its way.

mod csv;
mod html;
mod markdown;
mod table;

pub use self::csv::csv;
pub use self::html::html;
pub use self::markdown::markdown;
pub use self::table::table;

use crate::report::cells::{pkce_word, verdict_word};
use pkce_audit_model::fleet::model::{Blockers, FleetOrg, FleetReport, Rehearsal, RehearsedKind};
use pkce_audit_model::rules::Severity;
use pkce_audit_model::vocab::choices;

/// The columns of the orgs' table, in the Markdown report and on the page alike (the page
/// must carry the Markdown's facts).
const ORG_COLUMNS: [&str; 7] = [
    "Org",
    "Role",
    "Verdict",
    "Blockers",
    "Who must act",
    "API calls",
    "Report",
];

choices! {
    /// Output formats of `fleet`.
    pub enum Format("fleet format") {
        Table = "table",
        Json = "json",
        Markdown = "markdown",
        Csv = "csv",
        Html = "html",
    }
}

/// Renders the fleet report; `width` applies to the table.
pub fn render(r: &FleetReport, format: Format, width: u16) -> String {
    match format {
        Format::Table => table(r, width),
        Format::Json => json(r),
        Format::Markdown => markdown(r),
        Format::Csv => csv(r),
        Format::Html => html(r),
    }
}

/// Exact text, with the characters a terminal would act on escaped, as in `audit --json`.
pub fn json(r: &FleetReport) -> String {
    crate::json::document(r)
}

/// Items each shown by `show`, joined by commas; `-` when there are none (the same in
/// every fleet format).
fn listed<S: AsRef<str>>(items: &[S], show: impl Fn(&str) -> String) -> String {
    if items.is_empty() {
        return "-".into();
    }
    items
        .iter()
        .map(|i| show(i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who must act on an org's blockers, one part per owner: "our org 6 (2 at outside
/// hosts)", "ISV acmecpq 1", "vendors 2". Raw text: each format escapes it.
fn who_must_act(b: &Blockers) -> Vec<String> {
    let mut parts = Vec::new();
    if !b.org.is_empty() {
        let outside = match b.outside.len() {
            0 => String::new(),
            n => format!(" ({n} at outside hosts)"),
        };
        parts.push(format!("our org {}{outside}", b.org.len()));
    }
    for i in &b.isv {
        parts.push(format!("ISV {} {}", i.namespace, i.apps.len()));
    }
    if !b.vendor.is_empty() {
        parts.push(format!("vendors {}", b.vendor.len()));
    }
    parts
}

/// Each org's blocking apps by who must act, one group per owner, in the order of
/// [`who_must_act`]: (org, who, apps). Raw text: each format escapes it. An org with no
/// blocker, or one that could not be audited, has no group.
fn blocking_apps(r: &FleetReport) -> Vec<(&str, String, Vec<&str>)> {
    fn names(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let mut rows = Vec::new();
    for o in &r.orgs {
        let b = &o.blockers;
        if !b.org.is_empty() {
            rows.push((o.name.as_str(), "our org".into(), names(&b.org)));
        }
        if !b.outside.is_empty() {
            rows.push((
                o.name.as_str(),
                "our org: clients at outside hosts, to confirm with whoever runs them".into(),
                names(&b.outside),
            ));
        }
        for i in &b.isv {
            rows.push((
                o.name.as_str(),
                format!("ISV {}", i.namespace),
                names(&i.apps),
            ));
        }
        if !b.vendor.is_empty() {
            rows.push((o.name.as_str(), "vendors".into(), names(&b.vendor)));
        }
    }
    rows
}

/// An org's verdict, and `--fail-on` when it matched there (the fleet then fails
/// whatever the org's verdict): "READY (--fail-on info)".
fn org_verdict(o: &FleetOrg, fail_on: Option<Severity>) -> String {
    let word = verdict_word(o.verdict);
    match fail_on.filter(|_| o.fail_on_matched) {
        Some(min) => format!("{word} (--fail-on {min})"),
        None => word.to_string(),
    }
}

/// A rehearsal's outcome in a word or two.
fn faithful_word(r: &Rehearsal) -> &'static str {
    match r.faithful {
        Some(true) => "FAITHFUL",
        Some(false) => "NOT FAITHFUL",
        None if r.compared.is_empty() => "NOT COMPARED",
        // Compared, but what was not read may hide a difference.
        None => "UNKNOWN (not read completely)",
    }
}

/// For a faithful rehearsal, what was found the same: only what was compared ("Same
/// verdict, apps, PKCE settings and blockers."; the notes say what was not).
fn sameness(r: &Rehearsal) -> Option<String> {
    if r.faithful != Some(true) || r.compared.is_empty() {
        return None;
    }
    let words: Vec<&str> = r.compared.iter().map(|a| a.words()).collect();
    let list = match words.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    Some(format!("Same {list}."))
}

fn setting_word(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

fn blocker_text(rule: &str, app: Option<&str>) -> String {
    match app {
        Some(a) => format!("{rule} on {a}"),
        None => format!("{rule} (org)"),
    }
}

/// One kind of difference in a rehearsal: raw text, escaped by each format.
struct Section {
    title: &'static str,
    items: Vec<String>,
    /// A list whose length a reader wants ("Apps only in production (3)").
    counted: bool,
}

impl Section {
    /// "Apps only in production (3)", "Verdict differs".
    fn heading(&self) -> String {
        if self.counted {
            format!("{} ({})", self.title, self.items.len())
        } else {
            self.title.to_string()
        }
    }
}

/// The PKCE change a sandbox rehearses, one item per app or setting, then production's
/// verdict with the change made.
fn rehearsed_items(r: &Rehearsal) -> Vec<String> {
    let mut items: Vec<String> = r
        .rehearsed
        .iter()
        .map(|c| {
            let what = match c.change {
                RehearsedKind::App => format!(
                    "{}: production {}, sandbox {}",
                    c.name,
                    pkce_word(c.production),
                    pkce_word(c.sandbox)
                ),
                RehearsedKind::OrgSetting => format!(
                    "org setting {}: production {}, sandbox {}",
                    c.name,
                    setting_word(c.production),
                    setting_word(c.sandbox)
                ),
            };
            let resolves: Vec<&str> = c
                .production_blockers
                .iter()
                .map(|b| b.rule.as_str())
                .collect();
            if resolves.is_empty() {
                what
            } else {
                format!("{what} (resolves production's {})", resolves.join(", "))
            }
        })
        .collect();
    if let Some(after) = r.production_verdict_after_change {
        items.push(format!(
            "production with the change: {}",
            verdict_word(after)
        ));
    }
    items
}

/// What a rehearsal lists: the PKCE change it rehearses, what differs, and what either
/// org could not read; empty sections are left out.
fn differences(r: &Rehearsal) -> Vec<Section> {
    let word = verdict_word;
    let mut out = Vec::new();
    if !r.rehearsed.is_empty() {
        out.push(Section {
            title: "Rehearsed PKCE change",
            items: rehearsed_items(r),
            counted: false,
        });
    }
    if r.compared_production_verdict() != r.sandbox_verdict {
        let production = match r.production_verdict_after_change {
            Some(after) => format!(
                "{} ({} with the rehearsed change)",
                word(r.production_verdict),
                word(after)
            ),
            None => word(r.production_verdict).to_string(),
        };
        out.push(Section {
            title: "Verdict differs",
            items: vec![format!(
                "production {production}, sandbox {}",
                word(r.sandbox_verdict)
            )],
            counted: false,
        });
    }
    let names =
        |apps: &[pkce_audit_model::diff::AppRef]| apps.iter().map(|a| a.name.clone()).collect();
    let sections: [(&str, Vec<String>); 6] = [
        ("Apps only in production", names(&r.only_in_production)),
        ("Apps only in the sandbox", names(&r.only_in_sandbox)),
        (
            "PKCE setting differs",
            r.pkce_differs
                .iter()
                .map(|d| {
                    format!(
                        "{}: production {}, sandbox {}",
                        d.name,
                        pkce_word(d.production),
                        pkce_word(d.sandbox)
                    )
                })
                .collect(),
        ),
        (
            "Org settings differ",
            r.org_settings
                .iter()
                .map(|d| {
                    format!(
                        "{}: production {}, sandbox {}",
                        d.setting,
                        setting_word(d.production),
                        setting_word(d.sandbox)
                    )
                })
                .collect(),
        ),
        (
            "Blockers only in production",
            r.blockers_only_in_production
                .iter()
                .map(|b| blocker_text(b.rule.as_str(), b.app.as_deref()))
                .collect(),
        ),
        (
            "Blockers only in the sandbox",
            r.blockers_only_in_sandbox
                .iter()
                .map(|b| blocker_text(b.rule.as_str(), b.app.as_deref()))
                .collect(),
        ),
    ];
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "not installed".into());
    let packages = (
        "Packages differ",
        r.packages
            .iter()
            .map(|p| {
                format!(
                    "{}: production {}, sandbox {}",
                    p.namespace,
                    version(&p.production),
                    version(&p.sandbox)
                )
            })
            .collect(),
    );
    let unread = (
        "Not read",
        r.unread
            .iter()
            .map(|u| format!("{}: {}", u.org, u.item))
            .collect(),
    );
    out.extend(
        sections
            .into_iter()
            .chain([packages, unread])
            .filter(|(_, items)| !items.is_empty())
            .map(|(title, items)| Section {
                title,
                items,
                counted: true,
            }),
    );
    out
}

#[cfg(test)]
mod tests;
