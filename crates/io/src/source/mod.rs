//! Directory input: an SFDX project, an mdapi-format folder, a snapshot written by
//! `pkce-audit fetch`, or any folder holding source-format metadata at any depth.
//!
//! Files are classified by `<folder>/<name>.<suffix>[-meta.xml]` using the type table in
//! `metadata`, parsed with the same parsers the live path uses, and handed to
//! `inventory::build`. A file that cannot be read becomes a `Problem`; the rest goes on.

use crate::metadata::{self, MetadataType, OAUTH_OIDC_MEMBER};
use crate::snapshot;
use pkce_audit_model::errors::{Coded, ErrorCode};
use pkce_audit_model::inventory::{Collected, Loaded, PackageInfo, Problem, ProblemKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The problem of a folder without org OAuth settings (`fix --org-setting` creates them).
pub const SETTINGS_NOT_FOUND: &str = "org OAuth settings not found (settings/OauthOidc.settings-meta.xml); org-level rules were not checked";

/// The problem of a project that holds no metadata at all: an audit of it cannot say the
/// org is ready, whatever else is read (`fix --org-setting` reads the settings from the org).
pub const NO_METADATA: &str = "the folder holds no metadata file pkce-audit reads (no Connected App, no External Client App, no OauthOidc settings), so nothing shows which OAuth apps the org has";

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {reason}")]
    NotADirectory { path: PathBuf, reason: String },
    /// A mistyped path in CI must fail, not pass as an audit of nothing.
    #[error("{path}: {NOTHING_TO_AUDIT}")]
    NothingToAudit { path: PathBuf },
}

const NOTHING_TO_AUDIT: &str = "no Salesforce metadata here: no sfdx-project.json, no package.xml, no snapshot manifest, and no file named *.connectedApp[-meta.xml], *.eca[-meta.xml] (or another External Client App type) or OauthOidc.settings[-meta.xml] at any depth";

impl SourceError {
    /// What is wrong with the folder, without its path: for a caller that names the
    /// folder its own way (`fleet` names the key it comes from).
    pub fn reason(&self) -> &str {
        match self {
            SourceError::NotADirectory { reason, .. } => reason,
            SourceError::NothingToAudit { .. } => NOTHING_TO_AUDIT,
        }
    }
}

impl Coded for SourceError {
    fn code(&self) -> ErrorCode {
        match self {
            SourceError::NotADirectory { .. } => ErrorCode::SourceUnreadable,
            SourceError::NothingToAudit { .. } => ErrorCode::SourceNothingToAudit,
        }
    }
}

pub use pkce_audit_model::report::{EnclosingProject, Layout};

/// A metadata file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Relative to the source root, with `/` separators.
    pub rel: String,
    pub ty: MetadataType,
    pub full_name: String,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The folder audited, canonical: what file locations are relative to.
    pub root: PathBuf,
    pub files: Vec<SourceFile>,
    pub problems: Vec<Problem>,
    /// Things met that look like metadata but are not read, and links followed twice.
    pub notes: Vec<String>,
    /// Metadata files `.forceignore` excluded, by path.
    pub ignored_metadata: Vec<String>,
    pub org_namespace: Option<String>,
    pub layout: Option<Layout>,
    pub ignored: usize,
    pub manifest: Option<snapshot::Manifest>,
    /// The SFDX project the folder lies inside, when it is not the project's root.
    pub enclosing_project: Option<EnclosingProject>,
}

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The first few paths of a list for a note, `before`/`after` around them; empty for
/// an empty list.
pub(crate) fn listed(before: &str, paths: &[String], after: &str) -> String {
    const SHOWN: usize = 5;
    if paths.is_empty() {
        return String::new();
    }
    let more = paths.len().saturating_sub(SHOWN);
    format!(
        "{before}{}{}{after}",
        paths[..paths.len().min(SHOWN)].join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// Finds every metadata file pkce-audit reads below `root`.
pub fn discover(root: &Path) -> Result<Discovery, SourceError> {
    let root = root
        .canonicalize()
        .map_err(|e| SourceError::NotADirectory {
            path: root.to_path_buf(),
            reason: format!("cannot open: {}", pkce_audit_model::errors::io_reason(&e)),
        })?;
    if !root.is_dir() {
        return Err(SourceError::NotADirectory {
            path: root,
            reason: "not a directory".into(),
        });
    }
    let mut d = Discovery {
        root: root.clone(),
        enclosing_project: enclosing_project(&root),
        ..Discovery::default()
    };
    d.manifest = snapshot::read_manifest(&root, &mut d.problems);
    let package_dirs = read_project(&root, &mut d);
    d.layout = Some(if d.manifest.is_some() {
        Layout::Snapshot
    } else if package_dirs.is_some() {
        Layout::SfdxProject
    } else if root.join("package.xml").is_file() {
        Layout::Mdapi
    } else {
        Layout::Folder
    });
    if let Some(m) = &d.manifest {
        if d.org_namespace.is_none() {
            d.org_namespace = m.org_namespace.clone().filter(|ns| !ns.is_empty());
        }
    }
    let ignore = forceignore(&root, &mut d);
    // Every file is read once, however many paths (links, nested package directories)
    // lead to it.
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    match &package_dirs {
        Some(dirs) => {
            for start in dirs {
                walk(&root, start, ignore.as_ref(), &mut seen, &mut d);
            }
            note_outside_packages(&root, dirs, &seen, &mut d);
        }
        None => walk(&root, &root, ignore.as_ref(), &mut seen, &mut d),
    }
    let has_project =
        root.join("sfdx-project.json").is_file() || root.join("package.xml").is_file();
    if d.manifest.is_none()
        && !has_project
        && d.files.is_empty()
        && d.ignored_metadata.is_empty()
        && d.problems.is_empty()
        && d.notes.is_empty()
    {
        return Err(SourceError::NothingToAudit { path: root });
    }
    Ok(d)
}

/// Reads and parses one file into a component, or the problem that stops it (boxed: a
/// problem is large, and most files load).
pub fn load_file(f: &SourceFile, package: PackageInfo) -> Result<Loaded, Box<Problem>> {
    let problem = |kind: ProblemKind, reason: String, line: Option<u32>| {
        Box::new(
            Problem::new(kind, reason)
                .component(f.ty, &f.full_name)
                .file(f.rel.clone(), line),
        )
    };
    let unreadable = |e: std::io::Error| {
        problem(
            ProblemKind::Unreadable,
            format!(
                "cannot be read: {}",
                pkce_audit_model::errors::io_reason(&e)
            ),
            None,
        )
    };
    let meta = std::fs::metadata(&f.path).map_err(unreadable)?;
    // Opening a FIFO blocks until a writer comes; a device never ends.
    if !meta.is_file() {
        return Err(problem(ProblemKind::Refused, NOT_REGULAR.into(), None));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(problem(
            ProblemKind::Refused,
            format!(
                "is {} bytes, over the {} byte limit for a metadata file",
                meta.len(),
                MAX_FILE_BYTES
            ),
            None,
        ));
    }
    let bytes = std::fs::read(&f.path).map_err(unreadable)?;
    let mut root = crate::xml::parse(&bytes)
        .map_err(|e| problem(ProblemKind::Unreadable, e.message, Some(e.line)))?;
    // A consumer secret committed by mistake goes no further than this function.
    metadata::strip_secrets(&mut root);
    let component = metadata::parse_component(&root, Some(f.ty), &f.full_name)
        .map_err(|e| problem(ProblemKind::Unreadable, e.kind.to_string(), Some(e.line)))?;
    // The name decides duplicates and joins: a `<fullName>` that disagrees with the
    // file's name would let a stale copy pass as another component.
    if component.full_name != f.full_name
        && !snapshot::is_portable_name_of(&f.full_name, &component.full_name)
    {
        return Err(problem(
            ProblemKind::Refused,
            format!(
                "its <fullName> {:?} differs from the name its file gives it; which one Salesforce would use is ambiguous",
                component.full_name
            ),
            Some(component.line),
        ));
    }
    Ok(Loaded {
        component,
        file: Some(f.rel.clone()),
        package,
    })
}

/// A snapshot lists every component its fetch wrote: a listed file that is gone (a
/// partial copy, a `.gitignore`) is a problem, and a file the fetch did not write is
/// read but named.
fn account_for_manifest(m: &snapshot::Manifest, d: &Discovery, collected: &mut Collected) {
    let found: std::collections::HashSet<&str> = d
        .files
        .iter()
        .map(|f| f.rel.as_str())
        .chain(d.ignored_metadata.iter().map(String::as_str))
        .chain(d.problems.iter().filter_map(|p| p.file.as_deref()))
        .collect();
    let written: std::collections::HashSet<&str> = m
        .components
        .iter()
        .filter_map(|c| c.file.as_deref())
        .collect();
    for c in &m.components {
        let (Some(file), Some(ty)) = (&c.file, MetadataType::from_name(&c.ty)) else {
            continue;
        };
        if !found.contains(file.as_str()) {
            collected.problems.push(
                Problem::new(
                    ProblemKind::Missing,
                    "listed in the snapshot manifest, but its file is missing; not read",
                )
                .component(ty, &c.full_name)
                .file(file.clone(), None),
            );
        }
    }
    let extra: Vec<String> = d
        .files
        .iter()
        .filter(|f| !written.contains(f.rel.as_str()))
        .map(|f| f.rel.clone())
        .collect();
    if !extra.is_empty() {
        collected.notes.push(format!(
            "{} file(s) not written by the fetch (not in the snapshot manifest) were read{}",
            extra.len(),
            listed(": ", &extra, "")
        ));
    }
}

/// Reads a whole folder into the parts the inventory is built from.
pub fn collect(root: &Path) -> Result<(Collected, Discovery), SourceError> {
    let mut d = discover(root)?;
    let packages: HashMap<(MetadataType, String), PackageInfo> = d
        .manifest
        .as_ref()
        .map(|m| m.package_map())
        .unwrap_or_default();
    let mut collected = Collected {
        org_namespace: d.org_namespace.clone(),
        ..Default::default()
    };
    for f in &d.files {
        let package = packages
            .get(&(f.ty, f.full_name.clone()))
            .cloned()
            .unwrap_or_default();
        match load_file(f, package) {
            Ok(l) => collected.components.push(l),
            Err(p) => collected.problems.push(*p),
        }
    }
    if let Some(m) = &d.manifest {
        account_for_manifest(m, &d, &mut collected);
        collected.problems.extend(m.problems.iter().cloned());
        collected.notes.extend(m.notes.iter().cloned());
        collected.evidence = m.evidence.clone();
        if m.evidence.is_none() {
            collected.no_evidence_reason =
                Some(pkce_audit_model::inventory::NoEvidence::SnapshotWithout);
        }
    }
    collected.problems.append(&mut d.problems);
    let has_settings = d
        .files
        .iter()
        .any(|f| f.ty == MetadataType::OauthOidcSettings)
        || d.manifest.as_ref().is_some_and(|m| m.settings_unreadable());
    if !has_settings {
        collected.problems.push(
            Problem::new(ProblemKind::SettingsNotFound, SETTINGS_NOT_FOUND)
                .component(MetadataType::OauthOidcSettings, OAUTH_OIDC_MEMBER),
        );
    }
    // A snapshot is the org's own account of itself; a project with no file says nothing.
    if d.manifest.is_none() && d.files.is_empty() {
        collected
            .problems
            .push(Problem::new(ProblemKind::NoMetadata, NO_METADATA));
    }
    collected.notes.append(&mut d.notes);
    if d.ignored > 0 {
        collected.notes.push(format!(
            "{} file(s) excluded by .forceignore{}",
            d.ignored,
            listed(" (metadata: ", &d.ignored_metadata, ")")
        ));
    }
    Ok((collected, d))
}

mod project;
mod walk;

use crate::bounded::NOT_REGULAR;
pub use crate::bounded::{read_required_text, read_text, MAX_DOCUMENT_BYTES, MAX_FILE_BYTES};
pub use crate::metadata::classify;
pub use project::forceignore_line;
use project::{enclosing_project, forceignore, read_project};
pub use project::{parse_project, PackageDirectory, SfdxProject};
use walk::{note_outside_packages, walk};

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;
