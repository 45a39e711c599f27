//! Reports read back by `diff`, as their own lenient types: a report written by another
//! version may name a rule, owner, app kind, scope kind or layout this version does not
//! know. Such a word is kept as written ([`Lenient::Unknown`]) and shown as read; a known
//! one is the model's closed enum ([`Lenient::Known`]). Only what the comparison uses is
//! read: a report's other parts (evidence details, summary, API usage) are ignored.

use crate::inventory::{AppKind, Location, OrgSettings, Owner};
use crate::report::{known_waivers, EnclosingProject, EvidenceScope, Tool, WaiverScope};
use crate::report::{Layout, ScopeKind};
use crate::rules::{RuleId, Severity, Verdict, Waived};
use crate::vocab::Word;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A word of a vocabulary as read back: known to this version, or kept as written.
/// Written back as the spelling either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Lenient<T> {
    Known(T),
    Unknown(String),
}

impl<T: Word> Lenient<T> {
    pub fn as_str(&self) -> &str {
        match self {
            Lenient::Known(w) => w.as_str(),
            Lenient::Unknown(s) => s,
        }
    }

    /// The known word, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Lenient::Known(w) => Some(w),
            Lenient::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(w: T) -> Self {
        Lenient::Known(w)
    }
}

impl<T: PartialEq> PartialEq<T> for Lenient<T> {
    fn eq(&self, other: &T) -> bool {
        matches!(self, Lenient::Known(w) if w == other)
    }
}

/// What a report without the word (a `scope.kind` left out) reads as: empty text.
impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient::Unknown(String::new())
    }
}

impl<T: Word> fmt::Display for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// In the order of the spellings, as the words of a report are listed.
impl<T: Word + Eq> Ord for Lenient<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl<T: Word + Eq> PartialOrd for Lenient<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Word> Serialize for Lenient<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, T: Word> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match T::known(&s) {
            Some(w) => Lenient::Known(w),
            None => Lenient::Unknown(s),
        })
    }
}

/// A report read back: what `diff` compares. The fields an older report lacks take
/// defaults (docs/output.md, "Reports from other versions").
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Report {
    #[serde(default)]
    pub schema_version: u32,
    #[serde(default = "Tool::unrecorded")]
    pub tool: Tool,
    pub scope: Scope,
    pub verdict: Option<Verdict>,
    #[serde(default)]
    pub verdict_reason: String,
    #[serde(default)]
    pub org_settings: Option<OrgSettings>,
    #[serde(default)]
    pub apps: Vec<App>,
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub incomplete: Vec<Problem>,
}

/// Something a report could not read, as [`inventory::Problem`](crate::inventory::Problem)
/// writes it; its `kind` is not read (a report written before it existed has none).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub component: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    pub reason: String,
    #[serde(default)]
    pub remedy: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Problem {
            component,
            file,
            line,
            reason,
            remedy,
        } = self;
        crate::inventory::write_problem(f, component, file, *line, reason, remedy)
    }
}

impl From<&crate::inventory::Problem> for Problem {
    fn from(p: &crate::inventory::Problem) -> Self {
        Problem {
            component: p.component.as_ref().map(ToString::to_string),
            file: p.file.clone(),
            line: p.line,
            reason: p.reason.clone(),
            remedy: p.written_remedy(),
        }
    }
}

impl Report {
    pub fn verdict(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::Incomplete)
    }
}

impl Scope {
    /// The waiver file applied, if the report names one.
    pub fn waiver_file(&self) -> Option<&WaiverScope> {
        self.waivers.as_ref().and_then(Option::as_ref)
    }
}

/// A report's `scope`, as [`AuditScope`](crate::report::AuditScope) writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scope {
    pub kind: Lenient<ScopeKind>,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<Lenient<Layout>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_sandbox: Option<bool>,
    pub generated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceScope>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "known_waivers"
    )]
    pub waivers: Option<Option<WaiverScope>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enclosing_project: Option<EnclosingProject>,
}

/// An app of a report: what identifies it, and what the diff shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct App {
    pub name: String,
    pub label: Option<String>,
    pub kind: Lenient<AppKind>,
    pub owner: Lenient<Owner>,
    pub namespace: Option<String>,
    pub pkce_required: Option<bool>,
    #[serde(default)]
    pub outside_scope_reason: Option<String>,
    #[serde(default)]
    pub files: Vec<String>,
}

/// A finding of a report, as [`rules::Finding`](crate::rules::Finding) writes it (without
/// `code_logins`, which the diff document does not list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Lenient<RuleId>,
    pub severity: Severity,
    #[serde(default)]
    pub blocker: bool,
    pub app: Option<String>,
    pub label: Option<String>,
    pub kind: Option<Lenient<AppKind>>,
    #[serde(default = "org_owner")]
    pub owner: Lenient<Owner>,
    pub namespace: Option<String>,
    pub pkce_required: Option<bool>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waived: Option<Waived>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub likely_failing: bool,
}

fn org_owner() -> Lenient<Owner> {
    Owner::Org.into()
}

impl Finding {
    /// As [`rules::Finding::is_active_blocker`](crate::rules::Finding::is_active_blocker).
    pub fn is_active_blocker(&self) -> bool {
        self.blocker && self.waived.is_none()
    }
}

impl From<&crate::rules::Finding> for Finding {
    fn from(f: &crate::rules::Finding) -> Self {
        Finding {
            rule: f.rule.into(),
            severity: f.severity,
            blocker: f.blocker,
            app: f.app.clone(),
            label: f.label.clone(),
            kind: f.kind.map(Lenient::Known),
            owner: f.owner.into(),
            namespace: f.namespace.clone(),
            pkce_required: f.pkce_required,
            message: f.message.clone(),
            remediation: f.remediation.clone(),
            location: f.location.clone(),
            waived: f.waived.clone(),
            likely_failing: f.likely_failing,
        }
    }
}

/// A report of this run, as `diff` would read it back (the fleet compares two orgs' runs
/// as `diff` compares two reports).
impl From<&crate::report::Report> for Report {
    fn from(r: &crate::report::Report) -> Self {
        let s = &r.scope;
        Report {
            schema_version: r.schema_version,
            tool: r.tool.clone(),
            scope: Scope {
                kind: s.kind.into(),
                source: s.source.clone(),
                layout: s.layout.map(Lenient::Known),
                org_id: s.org_id.clone(),
                instance_url: s.instance_url.clone(),
                api_version: s.api_version.clone(),
                is_sandbox: s.is_sandbox,
                generated_at: s.generated_at.clone(),
                evidence: s.evidence.clone(),
                waivers: s.waivers.clone(),
                enclosing_project: s.enclosing_project.clone(),
            },
            verdict: r.verdict,
            verdict_reason: r.verdict_reason.clone(),
            org_settings: r.org_settings.clone(),
            apps: r.apps.iter().map(App::from).collect(),
            findings: r.findings.iter().map(Finding::from).collect(),
            incomplete: r.incomplete.iter().map(Problem::from).collect(),
        }
    }
}

impl From<&crate::inventory::App> for App {
    fn from(a: &crate::inventory::App) -> Self {
        App {
            name: a.name.clone(),
            label: a.label.clone(),
            kind: a.kind.into(),
            owner: a.owner.into(),
            namespace: a.namespace.clone(),
            pkce_required: a.pkce_required,
            outside_scope_reason: a.outside_scope_reason.clone(),
            files: a.files.clone(),
        }
    }
}
