//! The report: one value that every output format presents.
//!
//! Findings are data; the presenters only format them. [`exit_code`] is the single place
//! that turns a report into a process exit status.

pub mod cells;
mod csv;
mod markdown;
mod sarif;
mod table;
pub mod text;

pub use self::csv::{csv, csv_apps, neutralise};
pub use self::markdown::markdown;
pub use self::sarif::{fingerprint, sarif};
pub use self::table::{evidence_line, table, wrap_prose};
pub(crate) use self::table::{keep_words, new_table};

use crate::evidence::{EvidenceSource, SourceState};
use crate::inventory::Owner;
use crate::inventory::{App, Inventory, OrgSettings, Problem};
use crate::rules::{self, Finding, Severity, Verdict};
use crate::waivers::{self, WaiverSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const TOOL_NAME: &str = "pkce-audit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What was audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditScope {
    /// `folder` or `org`.
    pub kind: String,
    /// The folder path, or the org's instance URL.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub api_version: Option<String>,
    /// RFC 3339 time the metadata was read.
    pub generated_at: String,
    /// Which usage evidence sources were read, and how; `None` without evidence.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<EvidenceScope>,
    /// The waiver file applied; `null` when none was (none found, or `--no-waivers`).
    /// Reports written before this field existed read as `None`.
    #[serde(default)]
    pub waivers: Option<WaiverScope>,
}

/// The waiver file a report applied, and how its entries fared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverScope {
    /// The path as given (`--waivers`) or found (`<source>/pkce-audit.toml`, `pkce-audit.toml`).
    pub file: String,
    /// Entries in force that match at least one finding.
    pub applied: usize,
    /// Entries past their expiry date (each a `waiver-expired` finding).
    pub expired: usize,
    /// Entries in force that match no finding (each a `waiver-unused` finding).
    pub unused: usize,
}

impl WaiverScope {
    /// "pkce-audit.toml (2 applied, 1 expired, 0 unused)", or "none" — for the table and
    /// the Markdown plan.
    pub fn describe(scope: Option<&WaiverScope>) -> String {
        match scope {
            Some(w) => format!(
                "{} ({} applied, {} expired, {} unused)",
                w.file, w.applied, w.expired, w.unused
            ),
            None => "none".into(),
        }
    }
}

/// The usage evidence behind a report: its window and the state of each source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceScope {
    pub window_days: u32,
    pub sources: BTreeMap<EvidenceSource, SourceState>,
}

impl From<&crate::evidence::Evidence> for EvidenceScope {
    fn from(e: &crate::evidence::Evidence) -> Self {
        EvidenceScope {
            window_days: e.window_days,
            sources: e
                .sources
                .iter()
                .map(|(name, state)| (EvidenceSource::from(name.as_str()), state.clone()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: TOOL_NAME.into(),
            version: TOOL_VERSION.into(),
        }
    }
}

/// One ISV namespace that must act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsvAction {
    pub namespace: String,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub apps: usize,
    pub apps_in_pkce_scope: usize,
    pub blockers: usize,
    pub waived: usize,
    /// Findings per severity, unwaived only.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Org-owned apps with at least one unwaived blocker: our team's work list.
    pub org_apps_to_fix: Vec<String>,
    /// Namespaces whose publishers must ship a PKCE-ready version.
    pub isv_actions: Vec<IsvAction>,
    /// Apps defined in other orgs whose vendors must confirm PKCE.
    #[serde(default)]
    pub vendor_apps: Vec<String>,
}

/// API traffic of a live audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    /// Calls made, by kind (`listMetadata`, `readMetadata`, `query`, ...).
    pub calls: BTreeMap<String, u64>,
    pub retries: u64,
    /// From the last `Sforce-Limit-Info` header: `api-usage=used/limit`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_api_used: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_api_limit: Option<u64>,
}

impl ApiUsage {
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub tool: Tool,
    pub scope: AuditScope,
    pub verdict: Option<Verdict>,
    pub verdict_reason: String,
    pub org_settings: Option<OrgSettings>,
    pub apps: Vec<App>,
    pub findings: Vec<Finding>,
    /// What could not be read; any entry keeps the verdict from being `ready`.
    pub incomplete: Vec<Problem>,
    #[serde(default)]
    pub notes: Vec<String>,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub api: Option<ApiUsage>,
}

impl Report {
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::Incomplete)
    }

    /// Recomputes verdict and summary after findings change (waivers, evidence).
    pub fn refresh(&mut self) {
        rules::sort_findings(&mut self.findings);
        let (v, why) = rules::verdict(
            self.org_settings
                .as_ref()
                .is_some_and(|s| s.is_pkce_required),
            self.incomplete.len(),
            &self.findings,
        );
        self.verdict = Some(v);
        self.verdict_reason = why;
        self.summary = summarise(&self.apps, &self.findings);
    }
}

fn summarise(apps: &[App], findings: &[Finding]) -> Summary {
    use std::collections::BTreeSet;
    let mut s = Summary {
        apps: apps.len(),
        apps_in_pkce_scope: apps.iter().filter(|a| a.in_pkce_scope()).count(),
        ..Default::default()
    };
    for sev in Severity::ALL {
        s.by_severity.insert(sev, 0);
    }
    // Sets keep this linear-logarithmic however many apps block.
    let mut org: BTreeSet<&str> = BTreeSet::new();
    let mut vendors: BTreeSet<&str> = BTreeSet::new();
    let mut isv: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for f in findings {
        if f.waived.is_some() {
            s.waived += 1;
            continue;
        }
        *s.by_severity.entry(f.severity).or_default() += 1;
        if !f.blocker {
            continue;
        }
        s.blockers += 1;
        let Some(app) = f.app.as_deref() else {
            continue;
        };
        match &f.owner {
            Owner::Org => {
                org.insert(app);
            }
            Owner::External => {
                vendors.insert(app);
            }
            // Only in a report read back from another version: nobody's list.
            Owner::Other(_) => {}
            Owner::Isv => {
                let ns = f
                    .namespace
                    .clone()
                    .unwrap_or_else(|| "(no namespace)".into());
                isv.entry(ns).or_default().insert(app);
            }
        }
    }
    s.org_apps_to_fix = org.into_iter().map(String::from).collect();
    s.vendor_apps = vendors.into_iter().map(String::from).collect();
    s.isv_actions = isv
        .into_iter()
        .map(|(namespace, apps)| IsvAction {
            namespace,
            apps: apps.into_iter().map(String::from).collect(),
        })
        .collect();
    s
}

/// Builds the report for an inventory: evaluates the rules and the verdict.
pub fn build(inv: &Inventory, mut scope: AuditScope) -> Report {
    if scope.evidence.is_none() {
        scope.evidence = inv.evidence.as_ref().map(EvidenceScope::from);
    }
    let mut report = Report {
        tool: Tool::default(),
        scope,
        verdict: None,
        verdict_reason: String::new(),
        org_settings: inv.org_settings.clone(),
        apps: inv.apps.clone(),
        findings: rules::evaluate(inv),
        incomplete: inv.problems.clone(),
        notes: inv.notes.clone(),
        summary: Summary::default(),
        api: None,
    };
    report.refresh();
    report
}

impl Report {
    /// Applies a run's waivers as of `today`, records the file in `scope.waivers` and the
    /// notes on how it was chosen, then re-judges the verdict.
    pub fn apply_waivers(&mut self, set: &WaiverSet, today: chrono::NaiveDate) {
        let counts = waivers::apply(&mut self.findings, &set.waivers, &self.apps, today);
        self.scope.waivers = set.file.as_ref().map(|f| WaiverScope {
            file: f.display().to_string(),
            applied: counts.applied,
            expired: counts.expired,
            unused: counts.unused,
        });
        self.notes.extend(set.notes.iter().cloned());
        self.refresh();
    }
}

/// Exit statuses, documented in the README. 2 (usage or fatal error) is the binary's.
pub const EXIT_OK: i32 = 0;
pub const EXIT_NOT_READY: i32 = 1;
pub const EXIT_INCOMPLETE: i32 = 3;

/// The one place a report becomes an exit status. `fail_on` turns any unwaived finding
/// at or above that severity into a failure as well.
pub fn exit_code(report: &Report, fail_on: Option<Severity>) -> i32 {
    let failed_threshold = fail_on.is_some_and(|min| {
        report
            .findings
            .iter()
            .any(|f| f.waived.is_none() && f.severity >= min)
    });
    match report.verdict() {
        _ if failed_threshold => EXIT_NOT_READY,
        Verdict::Ready | Verdict::Enforced => EXIT_OK,
        Verdict::NotReady => EXIT_NOT_READY,
        Verdict::Incomplete => EXIT_INCOMPLETE,
    }
}

/// Output formats of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// The rollout plan for a change-review board.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

/// What one CSV row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CsvRows {
    #[default]
    Findings,
    Apps,
}

#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub width: u16,
    pub csv_rows: CsvRows,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            width: 100,
            csv_rows: CsvRows::Findings,
        }
    }
}

/// Exact text, with the characters a terminal would act on escaped (see
/// [`text::json_escape_invisible`]).
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a report always serialises");
    s.push('\n');
    text::json_escape_invisible(s)
}

/// Renders the report in a format.
pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Table => table(report, opts.width),
        Format::Csv => match opts.csv_rows {
            CsvRows::Findings => csv(report),
            CsvRows::Apps => csv_apps(report),
        },
        Format::Json => json(report),
        Format::Markdown => markdown(report),
        Format::Sarif => sarif(report),
    }
}

#[cfg(test)]
mod tests;
