//! The files that say what a folder is: `sfdx-project.json` and `.forceignore`, read with
//! the careful reading of [`crate::bounded`].

use super::{Discovery, EnclosingProject};
use crate::bounded::{read_text, MAX_FILE_BYTES};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use pkce_audit_model::errors::io_reason;
use pkce_audit_model::inventory::Problem;
use std::path::{Path, PathBuf};

/// The parts of `sfdx-project.json` that matter here.
#[derive(Debug, serde::Deserialize)]
pub struct SfdxProject {
    #[serde(rename = "packageDirectories", default)]
    pub package_directories: Vec<PackageDirectory>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// The API version the project's source is written for (`fix` puts it in the
    /// manifests it writes). Any JSON value: a field only `fix` reads must not make the
    /// whole file unreadable to an audit.
    #[serde(rename = "sourceApiVersion", default)]
    pub source_api_version: Option<serde_json::Value>,
}

#[derive(Debug, serde::Deserialize)]
pub struct PackageDirectory {
    pub path: String,
    /// `true` on the directory new source goes to (`sf` puts retrieved metadata there).
    /// Any JSON value, for the same reason as `sourceApiVersion`.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
}

impl SfdxProject {
    /// `sourceApiVersion` as text, whether written as a string or a number.
    pub fn api_version(&self) -> Option<String> {
        match self.source_api_version.as_ref()? {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(format!("{:.1}", n.as_f64()?)),
            _ => None,
        }
    }
}

impl PackageDirectory {
    pub fn is_default(&self) -> bool {
        self.default == Some(serde_json::Value::Bool(true))
    }
}

/// Parses `sfdx-project.json` text (outside input: fuzzed).
pub fn parse_project(text: &str) -> Result<SfdxProject, serde_json::Error> {
    serde_json::from_str(text)
}

/// The nearest folder above `root` (canonical) that holds `sfdx-project.json`, up to the
/// filesystem root; `None` when `root` holds one itself or none does.
pub(super) fn enclosing_project(root: &Path) -> Option<EnclosingProject> {
    if root.join("sfdx-project.json").exists() {
        return None;
    }
    let project = root
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("sfdx-project.json").is_file())?;
    // Only the namespace is wanted; a file that cannot be read has none to miss.
    let namespace = read_text(&project.join("sfdx-project.json"), MAX_FILE_BYTES)
        .ok()
        .flatten()
        .and_then(|text| parse_project(&text).ok())
        .and_then(|p| p.namespace)
        .filter(|ns| !ns.is_empty());
    Some(EnclosingProject {
        root: project.display().to_string(),
        missed_forceignore: project.join(".forceignore").exists(),
        missed_namespace: namespace,
    })
}

/// Reads `sfdx-project.json`: package directories (inside the root) and namespace.
pub(super) fn read_project(root: &Path, d: &mut Discovery) -> Option<Vec<PathBuf>> {
    let file = root.join("sfdx-project.json");
    let text = match read_text(&file, MAX_FILE_BYTES) {
        Ok(text) => text?,
        Err(reason) => {
            d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!("{reason}; the whole folder was searched instead"),
                )
                .file("sfdx-project.json", None),
            );
            return None;
        }
    };
    let project = match parse_project(&text) {
        Ok(p) => p,
        Err(e) => {
            d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!(
                    "not a valid sfdx-project.json ({e}); the whole folder was searched instead"
                ),
                )
                .file("sfdx-project.json", Some(e.line() as u32)),
            );
            return None;
        }
    };
    d.org_namespace = project.namespace.filter(|ns| !ns.is_empty());
    let mut dirs = Vec::new();
    for p in project.package_directories {
        let dir = root.join(&p.path);
        match dir.canonicalize() {
            Ok(c) if c.starts_with(root) && c.is_dir() => dirs.push(c),
            Ok(_) => d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!(
                        "package directory '{}' is outside the project or not a folder; skipped",
                        p.path
                    ),
                )
                .file("sfdx-project.json", None),
            ),
            Err(e) => d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Unreadable,
                    format!(
                        "package directory '{}' cannot be read: {}",
                        p.path,
                        io_reason(&e)
                    ),
                )
                .file("sfdx-project.json", None),
            ),
        }
    }
    if dirs.is_empty() {
        d.problems.push(
            Problem::new(
                pkce_audit_model::inventory::ProblemKind::ProjectFile,
                "no readable packageDirectories; the whole folder was searched instead",
            )
            .file("sfdx-project.json", None),
        );
        return None;
    }
    Some(dirs)
}

/// The `.forceignore` line that excludes the file `path` (below the canonical `root`) or
/// one of its folders, as `line N: PATTERN`; `None` when nothing excludes it.
pub fn forceignore_line(root: &Path, path: &Path) -> Option<String> {
    // The matcher asserts the path is below its root.
    path.strip_prefix(root).ok()?;
    let file = root.join(".forceignore");
    let text = read_text(&file, MAX_FILE_BYTES).ok()??;
    let mut b = GitignoreBuilder::new(root);
    for line in text.lines() {
        // A line that cannot be used was already named by the walk.
        let _ = b.add_line(Some(file.clone()), line);
    }
    let g = b.build().ok()?;
    let glob = match g.matched_path_or_any_parents(path, false) {
        ignore::Match::Ignore(glob) => glob,
        _ => return None,
    };
    // The matcher keeps the pattern as written, trailing blanks cut; the last such line
    // is the one that decides.
    let n = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end() == glob.original())
        .last()
        .map(|(n, _)| n)
        .map_or_else(String::new, |n| format!("line {}: ", n + 1));
    Some(format!("{n}{}", glob.original()))
}

pub(super) fn forceignore(root: &Path, d: &mut Discovery) -> Option<Gitignore> {
    let file = root.join(".forceignore");
    // Read once, carefully; the builder gets the lines, not the path, so the file is not
    // opened a second time (it could have become a FIFO in between).
    let text = match read_text(&file, MAX_FILE_BYTES) {
        Ok(Some(text)) => text,
        Ok(None) => return None,
        Err(reason) => {
            d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!("{reason}; nothing was excluded"),
                )
                .file(".forceignore", None),
            );
            return None;
        }
    };
    let mut b = GitignoreBuilder::new(root);
    for (n, line) in text.lines().enumerate() {
        if let Err(e) = b.add_line(Some(file.clone()), line) {
            d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!("this .forceignore line could not be used: {e}"),
                )
                .file(".forceignore", Some(n as u32 + 1)),
            );
        }
    }
    match b.build() {
        Ok(g) => Some(g),
        Err(e) => {
            d.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!("unusable .forceignore: {e}"),
                )
                .file(".forceignore", None),
            );
            None
        }
    }
}
