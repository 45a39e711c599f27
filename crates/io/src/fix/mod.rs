//! `pkce-audit fix`: Salesforce's step 2 (require PKCE on each app) and step 3 (the org
//! setting) as source changes to an SFDX project or an mdapi folder.
//!
//! [`Project::open`] reads the folder with the audit's own walk, parsers and inventory;
//! [`Project::plan_apps`] and [`Project::plan_org_setting`] compute every edit and the
//! step's deploy manifest in memory (each edit verified by parsing it back, see [`edit`]),
//! or return every refusal; a [`Plan`] therefore holds no refusal. [`apply`] writes all
//! of it or nothing. [`render`] turns a plan into the text and JSON the command prints.

pub mod api_name;
pub mod diff;
pub mod edit;
pub mod manifest;
pub mod order;
pub mod org;
mod project;
mod resolve;
mod write;

pub use project::Project;
pub use write::apply;

use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{Layout, SourceError};
use pkce_audit_model::errors::{Coded, ErrorCode};
use pkce_audit_model::inventory::AppKind;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{path}: not an SFDX project (no readable sfdx-project.json) or an mdapi folder (no package.xml); fix edits only a project that deploys")]
    NotAProject { path: PathBuf },
    #[error("{path}: a pkce-audit snapshot (read-only evidence of an org, not a deployable project); run fix on the SFDX project or mdapi folder the org deploys from")]
    Snapshot { path: PathBuf },
    /// `--manifest` (or the default path) names something fix must not write: a usage error.
    #[error("manifest {path}: {reason}; nothing was written")]
    Manifest { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: changed since fix read it; nothing was written, run fix again")]
    Changed { path: PathBuf },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    /// Every refusal of the run; nothing was written.
    #[error("{}", refusal_line(.0))]
    Refused(Vec<Refusal>),
    /// A write the safe-write rules refused when it was made (the plan's check passed,
    /// then the folder changed); nothing was written.
    #[error("{0}")]
    Unsafe(crate::safe_write::WriteError),
}

impl Coded for FixError {
    fn code(&self) -> ErrorCode {
        match self {
            FixError::Source(e) => e.code(),
            FixError::NotAProject { .. } => ErrorCode::FixNotAProject,
            FixError::Snapshot { .. } => ErrorCode::FixSnapshot,
            FixError::Manifest { .. } => ErrorCode::FixManifest,
            FixError::Read { .. } => ErrorCode::FixRead,
            FixError::Changed { .. } => ErrorCode::FixChanged,
            FixError::Write { .. } => ErrorCode::FixWrite,
            FixError::Refused(_) => ErrorCode::FixRefused,
            FixError::Unsafe(e) if e.is_refusal() => ErrorCode::FixWriteRefused,
            FixError::Unsafe(_) => ErrorCode::FixWrite,
        }
    }
}

/// The joiner of refusals on one line: the reasons themselves hold `;` (lists, Salesforce
/// wording), so a `;` would not tell two refusals apart.
pub const REFUSAL_JOINER: &str = " | ";

/// Every refusal on one line, `SUBJECT: reason`, joined with [`REFUSAL_JOINER`].
pub fn refusal_line(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| format!("{}: {}", r.subject, r.reason))
        .collect::<Vec<_>>()
        .join(REFUSAL_JOINER)
}

/// Salesforce's rollout steps that `fix` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Step 2: require PKCE on each app once its client sends it.
    Apps,
    /// Step 3: require PKCE org-wide.
    OrgSetting,
}

impl Step {
    pub fn number(self) -> u8 {
        match self {
            Step::Apps => 2,
            Step::OrgSetting => 3,
        }
    }

    /// The manifest's file name when `--manifest` does not name one: under
    /// `manifest/` of an SFDX project, next to (never inside) an mdapi folder.
    pub fn default_manifest(self) -> &'static str {
        match self {
            Step::Apps => "pkce-step2-apps.xml",
            Step::OrgSetting => "pkce-step3-org.xml",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Apps => "require PKCE on each app",
            Step::OrgSetting => "require PKCE org-wide (OAuth and OpenID Connect Settings)",
        }
    }
}

/// What a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    App { name: String, kind: AppKind },
    OrgSettings,
}

impl Subject {
    pub fn name(&self) -> &str {
        match self {
            Subject::App { name, .. } => name,
            Subject::OrgSettings => OAUTH_OIDC_MEMBER,
        }
    }
}

/// What happened to `isPkceRequired` in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Changed {
        from: String,
    },
    Inserted,
    /// The file did not exist: it holds this field and `others` fields of the org.
    Created {
        others: usize,
    },
    /// `isPkceRequired` was already true; `fields` flows the org blocks were written
    /// into the file explicitly, so the deploy does not re-allow them.
    Pinned {
        fields: usize,
    },
}

/// One file to write.
#[derive(Debug, Clone)]
pub struct Change {
    pub subject: Subject,
    /// The component the manifest lists.
    pub component: (MetadataType, String),
    /// Relative to the project root, `/` separated.
    pub file: String,
    pub path: PathBuf,
    /// `None` for a file this change creates.
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
    pub edit: Edit,
    pub line: u32,
}

/// An app (or the org settings) that already requires PKCE. The manifest still lists it:
/// it is part of the step asked for, and may not be deployed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub subject: Subject,
    pub component: (MetadataType, String),
    pub file: String,
}

/// Why `fix` will not change something, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub subject: String,
    pub reason: String,
}

/// Step 3 written despite open items, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub reason: String,
    /// Every open item, one line each: what the audit still says, and each settings field
    /// whose value in the file differs from the org's.
    pub open: Vec<String>,
}

/// A blocker a waiver took out of step 3's gate: named in the output and the manifest's
/// comment, so a waiver never clears the gate without a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaivedBlocker {
    pub rule: String,
    pub app: Option<String>,
    /// The waiver's reason, approver and expiry, as the waiver file gives them.
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

impl WaivedBlocker {
    /// `rule on App (waived: reason; approved by X; expires D)`.
    pub fn describe(&self) -> String {
        let on = self
            .app
            .as_deref()
            .map_or_else(String::new, |a| format!(" on {a}"));
        format!(
            "{}{on} (waived: {}; approved by {}; expires {})",
            self.rule, self.reason, self.approved_by, self.expires
        )
    }
}

/// The blockers waivers took out of step 3's gate, and the waiver file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaivedBlockers {
    pub file: String,
    pub blockers: Vec<WaivedBlocker>,
}

/// A field of the org settings file other than `isPkceRequired`. A deploy sets every field
/// the file names, so each is listed with the value it will set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsField {
    pub name: String,
    /// The value the deploy sets, as the file holds it.
    pub value: String,
    /// The org's current value; `None` when the org was not read, or did not name the
    /// field.
    pub org: Option<String>,
    /// Written by this run with the org's value: a settings file step 3 creates, or a
    /// flow the org blocks that the file did not name.
    pub from_org: bool,
}

/// The org step 3 read, and what it took from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUsed {
    pub instance_url: String,
    /// As the user named it (`-o`), for the printed commands.
    pub target_org: Option<String>,
    /// What counted as read from the org (`Type Name`), besides the settings compared.
    pub taken: Vec<String>,
    /// The org's own `isPkceRequired`: the one that counts, whatever the file says.
    pub pkce_required: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub step: Step,
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    pub changes: Vec<Change>,
    pub unchanged: Vec<Unchanged>,
    pub forced: Option<Forced>,
    /// Step 3: the blockers waivers took out of the gate.
    pub waived: Option<WaivedBlockers>,
    /// Step 3: the settings file's other fields, each with the value the deploy sets.
    pub settings: Vec<SettingsField>,
    /// Step 3 with a connection: the org read.
    pub org: Option<OrgUsed>,
    /// The step's deploy manifest as the run leaves it.
    pub manifest: manifest::StepManifest,
}

impl Plan {
    /// Whether the run writes anything: a changed file, or a manifest that differs.
    pub fn writes_anything(&self) -> bool {
        !self.changes.is_empty() || self.manifest.written()
    }
}

/// A plan being made: its changes so far and every refusal.
struct Draft {
    step: Step,
    changes: Vec<Change>,
    unchanged: Vec<Unchanged>,
    refusals: Vec<Refusal>,
    forced: Option<Forced>,
    waived: Option<WaivedBlockers>,
    settings: Vec<SettingsField>,
    org: Option<OrgUsed>,
}

impl Draft {
    fn new(step: Step) -> Self {
        Draft {
            step,
            changes: Vec::new(),
            unchanged: Vec::new(),
            refusals: Vec::new(),
            forced: None,
            waived: None,
            settings: Vec::new(),
            org: None,
        }
    }

    fn refuse(&mut self, subject: &str, reason: impl Into<String>) {
        self.refusals.push(Refusal {
            subject: subject.to_string(),
            reason: reason.into(),
        });
    }

    /// The plan, with its manifest at `given` (else the step's default), or every refusal.
    /// Every file it would write is checked here, so a dry run names the same refusals.
    fn finish(mut self, project: &Project, given: Option<&Path>) -> Result<Plan, FixError> {
        let root = crate::safe_write::Root::new(&project.root);
        let unsafe_writes: Vec<(String, String)> = self
            .changes
            .iter()
            .filter_map(|c| {
                let e = root
                    .relative(&c.path)
                    .and_then(|rel| root.check(&rel))
                    .err()?;
                Some((c.subject.name().to_string(), project.write_refusal(c, e)))
            })
            .collect();
        for (subject, reason) in unsafe_writes {
            self.refuse(&subject, reason);
        }
        if !self.refusals.is_empty() {
            return Err(FixError::Refused(self.refusals));
        }
        let manifest = manifest::StepManifest::plan(
            project,
            self.step,
            &self.changes,
            &self.unchanged,
            self.forced.as_ref(),
            self.waived.as_ref(),
            given,
        )?;
        Ok(Plan {
            step: self.step,
            root: project.root.clone(),
            layout: project.layout.clone(),
            api_version: project.api_version.clone(),
            changes: self.changes,
            unchanged: self.unchanged,
            forced: self.forced,
            waived: self.waived,
            settings: self.settings,
            org: self.org,
            manifest,
        })
    }
}

#[cfg(test)]
mod tests;
