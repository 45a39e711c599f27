//! `pkce-audit fix`: Salesforce's step 2 (require PKCE on each app) and step 3 (the org
//! setting) as source changes to an SFDX project or an mdapi folder.
//!
//! [`Project::open`] reads the folder with the audit's own walk, parsers and inventory;
//! [`Project::plan_apps`] and [`Project::plan_org_setting`] compute every edit and the
//! step's deploy manifest in memory (each edit verified by parsing it back, see [`edit`]),
//! or return every refusal; a [`Plan`] therefore holds no refusal. With
//! [`Direction::Undo`] the same plans set `isPkceRequired` to `false` (`fix --undo`, the
//! way back, never gated by the audit). [`apply`] writes all
//! of it or nothing. pkce-audit-render turns a plan (a `pkce_audit_model::fix` value) into
//! the text and JSON the command prints.

pub mod api_name;
pub mod diff;
pub mod edit;
pub mod manifest;
pub mod order;
pub mod org;
mod org_setting;
mod project;
mod resolve;
mod write;

pub use project::Project;
pub use write::apply;

use crate::source::SourceError;
use pkce_audit_model::advice::Advice;
use pkce_audit_model::errors::{Coded, ErrorCode};
pub use pkce_audit_model::fix::{
    Change, Direction, Edit, Forced, OrgUsed, Plan, SettingsField, Step, Subject, Unchanged,
    WaivedBlocker, WaivedBlockers,
};
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

/// Why `fix` will not change something, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub subject: String,
    pub reason: String,
}

/// A plan being made: its changes so far and every refusal.
struct Draft {
    step: Step,
    direction: Direction,
    changes: Vec<Change>,
    unchanged: Vec<Unchanged>,
    refusals: Vec<Refusal>,
    forced: Option<Forced>,
    waived: Option<WaivedBlockers>,
    settings: Vec<SettingsField>,
    org: Option<OrgUsed>,
}

impl Draft {
    fn new(step: Step, direction: Direction) -> Self {
        Draft {
            step,
            direction,
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
        let manifest = manifest::plan(
            project,
            self.step,
            self.direction,
            &self.changes,
            &self.unchanged,
            self.forced.as_ref(),
            self.waived.as_ref(),
            given,
        )?;
        let patch = diff::patch(&self.changes, &manifest);
        Ok(Plan {
            step: self.step,
            direction: self.direction,
            root: project.root.clone(),
            layout: project.layout,
            api_version: project.api_version.clone(),
            changes: self.changes,
            unchanged: self.unchanged,
            forced: self.forced,
            waived: self.waived,
            settings: self.settings,
            org: self.org,
            patch,
            manifest,
        })
    }
}

#[cfg(test)]
mod tests;
