//! `pkce-audit fix`: Salesforce's step 2 (require PKCE on each app) and step 3 (the org
//! setting) as source changes to an SFDX project or an mdapi folder.
//!
//! [`Project::open`] reads the folder with the audit's own walk, parsers and inventory;
//! [`Project::plan_apps`] and [`Project::plan_org_setting`] compute every edit in memory
//! (each verified by parsing it back, see [`edit`]) and name every refusal; [`apply`]
//! writes the files and the step's deploy manifest only when nothing was refused.
//! [`render`] turns a plan into the text and JSON the command prints.

pub mod diff;
pub mod edit;
pub mod manifest;
pub mod order;
mod project;
pub mod render;
mod resolve;
mod write;

pub use project::Project;
pub use write::apply;

use crate::inventory::AppKind;
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::source::{Layout, SourceError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("{path}: not an SFDX project (no readable sfdx-project.json) or an mdapi folder (no package.xml); fix edits only a project that deploys")]
    NotAProject { path: PathBuf },
    #[error("{path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: changed since fix read it; nothing was written, run fix again")]
    Changed { path: PathBuf },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("refused: {0} refusal(s); nothing was written")]
    Refused(usize),
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

    /// The manifest written when `--manifest` does not name one, under the project root.
    pub fn default_manifest(self) -> &'static str {
        match self {
            Step::Apps => "manifest/pkce-step2-apps.xml",
            Step::OrgSetting => "manifest/pkce-step3-org.xml",
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
    /// The file did not exist: it holds only this field.
    Created,
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

/// An app (or the org settings) that already requires PKCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub subject: Subject,
    pub file: String,
}

/// Why `fix` will not change something, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub subject: String,
    pub reason: String,
}

/// Step 3 written despite an audit that is not clear, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub reason: String,
    /// What the audit still says, one line each.
    pub open: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub step: Step,
    pub root: PathBuf,
    pub layout: Layout,
    pub api_version: String,
    pub changes: Vec<Change>,
    pub unchanged: Vec<Unchanged>,
    pub refusals: Vec<Refusal>,
    pub forced: Option<Forced>,
}

impl Plan {
    fn new(project: &Project, step: Step) -> Self {
        Plan {
            step,
            root: project.root.clone(),
            layout: project.layout.clone(),
            api_version: project.api_version.clone(),
            changes: Vec::new(),
            unchanged: Vec::new(),
            refusals: Vec::new(),
            forced: None,
        }
    }

    fn refuse(&mut self, subject: &str, reason: impl Into<String>) {
        self.refusals.push(Refusal {
            subject: subject.to_string(),
            reason: reason.into(),
        });
    }

    /// The manifest text for the changes (`None` when nothing changes).
    pub fn manifest(&self) -> Option<String> {
        if self.changes.is_empty() {
            return None;
        }
        let components: Vec<(&str, String)> = self
            .changes
            .iter()
            .map(|c| manifest::entry(c.component.0, &c.component.1))
            .collect();
        let comment = self.forced.as_ref().map(|f| {
            format!(
                "Step {} forced past an audit that is not clear ({}); reason: {}",
                self.step.number(),
                f.open.len(),
                f.reason
            )
        });
        Some(manifest::package_xml(
            &components,
            &self.api_version,
            comment.as_deref(),
        ))
    }

    /// The manifest path: `given`, else the step's default under the project root.
    pub fn manifest_path(&self, given: Option<&Path>) -> PathBuf {
        given.map_or_else(
            || self.root.join(self.step.default_manifest()),
            Path::to_path_buf,
        )
    }
}

#[cfg(test)]
mod tests;
