//! The report model: one value every output format presents, and that `diff` reads back.
//!
//! Its JSON is a contract (docs/output.md), versioned by [`SCHEMA_VERSION`]. Reports read
//! back may come from another version of the tool: `diff` reads them into its own lenient
//! types ([`diff::read`](crate::diff::read)), which keep words this version does not know.

use crate::commands::FixTarget;
use crate::evidence::{known_sources, Sources};
use crate::inventory::{App, OrgSettings, Problem};
use crate::rules::{Finding, Severity, Verdict};
use crate::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const TOOL_NAME: &str = "pkce-audit";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The project's home (Cargo.toml `homepage`): SARIF's `informationUri`, and where the
/// rules' documentation is linked from.
pub const HOMEPAGE: &str = env!("CARGO_PKG_HOMEPAGE");

/// The section of docs/rules.md, at the project's home, that documents rule `id`: each rule
/// has a `` ## `id` `` heading, whose GitHub anchor is the id itself.
pub fn rule_help_uri(id: &str) -> String {
    format!("{HOMEPAGE}/blob/main/docs/rules.md#{id}")
}

/// The version of the report's JSON shape this tool writes. Reports without
/// `schema_version` are version 0: written before the field existed, read all the same.
/// Raise it when a field changes meaning or goes away (adding one does not need it), and
/// teach [`read`](super::read) the old shape.
pub const SCHEMA_VERSION: u32 = 1;

vocabulary! {
    /// What was audited: a folder, or a live org.
    #[derive(Default)]
    pub enum ScopeKind {
        /// Also what a report without `scope.kind` is taken for.
        #[default]
        Folder = "folder",
        Org = "org",
    }
}

/// What was audited. Every field has a default, so a report from an older version loads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditScope {
    pub kind: ScopeKind,
    /// The folder path, or the org's instance URL.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// The org's instance URL: a live org's (also its `source`), or the one a snapshot was
    /// fetched from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Whether the org says it is a sandbox (`Organization.IsSandbox`), for a live org;
    /// `None` for a folder or when the org did not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_sandbox: Option<bool>,
    /// RFC 3339 time the metadata was read: the audit's, or the snapshot's fetch.
    pub generated_at: String,
    /// Which usage evidence sources were read, and how; `None` without evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceScope>,
    /// The waiver file applied: `Some(None)` (`null`) when none was (none found, or
    /// `--no-waivers`). `None`, left out of the JSON, only in a report read back that does
    /// not say: written before the field existed, or in a shape this version cannot read.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "known_waivers"
    )]
    pub waivers: Option<Option<WaiverScope>>,
    /// Where the audited files are on this machine: SARIF's base URIs. Not in the JSON (a
    /// path of one machine says nothing to the next reader); a report read back has none.
    #[serde(skip)]
    pub local: LocalPaths,
    /// The SFDX project an audited folder lies inside, when the folder is not its root:
    /// which of the project's `.forceignore` and namespace were not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enclosing_project: Option<EnclosingProject>,
}

/// The canonical paths behind a run's file locations, for formats that link to files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalPaths {
    /// The audited folder; `None` for a live org.
    pub root: Option<std::path::PathBuf>,
    /// The waiver file applied, if any.
    pub waiver_file: Option<std::path::PathBuf>,
}

impl AuditScope {
    /// A folder written by `pkce-audit fetch`.
    pub fn is_snapshot(&self) -> bool {
        self.layout == Some(Layout::Snapshot)
    }

    /// Which org the metadata came from, and when it was read, for the headers: "Snapshot of
    /// org 00D… at https://…, fetched 2026-…" for a snapshot, "Org 00D…, read 2026-…" for a
    /// live org; `None` for any other folder. Input text: the caller makes it visible.
    pub fn origin(&self) -> Option<String> {
        let id = self.org_id.as_deref();
        if self.is_snapshot() {
            return Some(format!(
                "Snapshot of org {} at {}, fetched {}",
                id.unwrap_or("(id not recorded)"),
                self.instance_url
                    .as_deref()
                    .unwrap_or("(instance not recorded)"),
                self.generated_at
            ));
        }
        match self.kind {
            ScopeKind::Org => id.map(|id| format!("Org {id}, read {}", self.generated_at)),
            ScopeKind::Folder => None,
        }
    }

    /// Where `fix` runs for this audit: the audited SFDX project or mdapi folder, the SFDX
    /// project the audited folder lies inside, else (a live org, a snapshot, which `fix`
    /// refuses as read-only evidence, or a folder in no project) a project retrieved first.
    pub fn fix_target(&self) -> FixTarget {
        match (self.kind, self.layout) {
            (ScopeKind::Org, _) | (ScopeKind::Folder, Some(Layout::Snapshot)) => {
                FixTarget::Retrieve
            }
            (ScopeKind::Folder, Some(Layout::SfdxProject | Layout::Mdapi)) => {
                FixTarget::Project(self.source.clone())
            }
            (ScopeKind::Folder, Some(Layout::Folder) | None) => match &self.enclosing_project {
                Some(p) => FixTarget::Project(p.root.clone()),
                None => FixTarget::Retrieve,
            },
        }
    }

    /// The waiver file applied, if the report names one.
    pub fn waiver_file(&self) -> Option<&WaiverScope> {
        self.waivers.as_ref().and_then(Option::as_ref)
    }
}

/// Present (a file or `null`) is known; a shape this version cannot read is not.
pub(crate) fn known_waivers<'de, D>(d: D) -> Result<Option<Option<WaiverScope>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(if v.is_null() {
        Some(None)
    } else {
        serde_json::from_value(v).ok().map(Some)
    })
}

/// The waiver file a report applied, and how its entries fared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
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
    #[serde(deserialize_with = "known_sources")]
    pub sources: Sources,
}

impl From<&crate::evidence::Evidence> for EvidenceScope {
    fn from(e: &crate::evidence::Evidence) -> Self {
        EvidenceScope {
            window_days: e.window_days,
            sources: e
                .sources
                .iter()
                .map(|(source, state)| (*source, state.clone()))
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

impl Tool {
    /// A report read back that does not say which version wrote it.
    pub(crate) fn unrecorded() -> Self {
        Tool {
            name: TOOL_NAME.into(),
            version: String::new(),
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
    /// Waived blockers in an org that already requires PKCE: their apps likely fail at
    /// their next authorization, so they are also in the lists below.
    #[serde(default)]
    pub waived_failing: usize,
    /// Findings per severity, unwaived only.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Org-owned apps with at least one unwaived blocker (or, where the org already
    /// requires PKCE, a waived one): our team's work list.
    pub org_apps_to_fix: Vec<String>,
    /// Namespaces whose publishers must ship a PKCE-ready version.
    pub isv_actions: Vec<IsvAction>,
    /// Apps defined in other orgs whose vendors must confirm PKCE.
    #[serde(default)]
    pub vendor_apps: Vec<String>,
    /// Our apps to fix (also in `org_apps_to_fix`) whose client runs at a host outside
    /// the org's own domains: clients at outside hosts to confirm.
    #[serde(default)]
    pub outside_clients: Vec<String>,
}

// API traffic is the input side's to count; the report holds it.
pub use crate::calls::{ApiUsage, CallCounts, CallKind};

/// The report: what was audited, the verdict, the apps and their findings. The fields an
/// older report may lack take defaults (docs/output.md, "Reports from other versions").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] when written by this version; 0 for a report written before the
    /// field existed.
    #[serde(default)]
    pub schema_version: u32,
    #[serde(default = "Tool::unrecorded")]
    pub tool: Tool,
    pub scope: AuditScope,
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub verdict_reason: String,
    #[serde(default)]
    pub org_settings: Option<OrgSettings>,
    #[serde(default)]
    pub apps: Vec<App>,
    pub findings: Vec<Finding>,
    /// What could not be read; any entry keeps the verdict from being `ready`.
    #[serde(default)]
    pub incomplete: Vec<Problem>,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub summary: Summary,
    /// What to do next, most urgent first ([`next_actions`](super::next_actions)); empty
    /// in a report from an older version.
    #[serde(default)]
    pub next_actions: Vec<super::NextAction>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub api: Option<ApiUsage>,
    /// Dated events with their sources (data/deadlines.toml); both entries where sources
    /// disagree. Empty in a report from an older version.
    #[serde(default)]
    pub deadlines: Vec<crate::deadlines::Deadline>,
}

vocabulary! {
    /// How the folder was recognised; reported in the scope of the audit.
    pub enum Layout {
        SfdxProject = "sfdx-project",
        Mdapi = "mdapi",
        /// A folder written by `pkce-audit fetch`: its manifest says which org, when.
        Snapshot = "snapshot",
        Folder = "folder",
    }
}

/// The SFDX project a folder lies inside, when the folder is not the project's root: the
/// project's `.forceignore` and namespace belong to the root, so an audit of the folder
/// alone does not apply them. A note, never a problem: what the folder holds was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EnclosingProject {
    /// The project root (canonical), to audit instead.
    pub root: String,
    /// The project has a `.forceignore`, which was not applied.
    pub missed_forceignore: bool,
    /// The project's namespace (`sfdx-project.json`), which was not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missed_namespace: Option<String>,
}

impl std::fmt::Display for EnclosingProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root = &self.root;
        write!(f, "the audited folder is inside the SFDX project {root}")?;
        let namespace = self
            .missed_namespace
            .as_ref()
            .map(|ns| format!("its namespace '{ns}' (sfdx-project.json)"));
        match (self.missed_forceignore, namespace) {
            (true, Some(ns)) => write!(f, ": its .forceignore and {ns} were not applied")?,
            (true, None) => write!(f, ": its .forceignore was not applied")?,
            (false, Some(ns)) => write!(f, ": {ns} was not applied")?,
            (false, None) => write!(f, " (it has no .forceignore and no namespace to apply)")?,
        }
        let advice = crate::advice::Advice::AuditProjectRoot { root: root.clone() };
        write!(f, "; {advice}")
    }
}
