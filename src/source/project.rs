//! The files that say what a folder is: `sfdx-project.json`, `.forceignore`, and the
//! careful reading every such small file gets.

use super::{Discovery, MAX_FILE_BYTES};
use crate::inventory::Problem;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};

/// The parts of `sfdx-project.json` that matter here.
#[derive(Debug, serde::Deserialize)]
pub struct SfdxProject {
    #[serde(rename = "packageDirectories", default)]
    pub package_directories: Vec<PackageDirectory>,
    #[serde(default)]
    pub namespace: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct PackageDirectory {
    pub path: String,
}

/// Parses `sfdx-project.json` text (outside input: fuzzed).
pub fn parse_project(text: &str) -> Result<SfdxProject, serde_json::Error> {
    serde_json::from_str(text)
}

/// [`read_text`] of a file that must exist: its absence is an error too.
pub fn read_required_text(path: &Path, max: u64) -> Result<String, String> {
    read_text(path, max).and_then(|t| t.ok_or_else(|| "it does not exist".to_string()))
}

/// Reads a small text file the audit depends on (`sfdx-project.json`, `.forceignore`, a
/// snapshot manifest, a waiver file): `None` when it does not exist; an error naming
/// the reason when it is not a regular file (a FIFO would block forever), is larger
/// than `max`, or is not UTF-8. Never silently treated as absent.
pub fn read_text(path: &Path, max: u64) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symbolic link is not "no file".
            return match std::fs::symlink_metadata(path) {
                Ok(_) => Err("is a symbolic link whose target does not exist".into()),
                Err(_) => Ok(None),
            };
        }
        Err(e) => return Err(format!("cannot be read: {}", io_reason(&e))),
    };
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a folder, not a file".into()
        } else {
            NOT_REGULAR.into()
        });
    }
    if meta.len() > max {
        return Err(format!(
            "is {} bytes, over the {max} byte limit",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {}", io_reason(&e)))?;
    String::from_utf8(bytes).map(Some).map_err(|e| {
        format!(
            "is not UTF-8 (invalid byte at {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// An I/O error's own words, without the "(os error N)" tail a chain printer repeats.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

pub(super) const NOT_REGULAR: &str = "is not a regular file (a FIFO, socket or device); not read";

/// Reads `sfdx-project.json`: package directories (inside the root) and namespace.
pub(super) fn read_project(root: &Path, d: &mut Discovery) -> Option<Vec<PathBuf>> {
    let file = root.join("sfdx-project.json");
    let text = match read_text(&file, MAX_FILE_BYTES) {
        Ok(text) => text?,
        Err(reason) => {
            d.problems.push(
                Problem::new(format!("{reason}; the whole folder was searched instead"))
                    .file("sfdx-project.json", None),
            );
            return None;
        }
    };
    let project = match parse_project(&text) {
        Ok(p) => p,
        Err(e) => {
            d.problems.push(
                Problem::new(format!(
                    "not a valid sfdx-project.json ({e}); the whole folder was searched instead"
                ))
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
                Problem::new(format!(
                    "package directory '{}' is outside the project or not a folder; skipped",
                    p.path
                ))
                .file("sfdx-project.json", None),
            ),
            Err(e) => d.problems.push(
                Problem::new(format!(
                    "package directory '{}' cannot be read: {e}",
                    p.path
                ))
                .file("sfdx-project.json", None),
            ),
        }
    }
    if dirs.is_empty() {
        d.problems.push(
            Problem::new("no readable packageDirectories; the whole folder was searched instead")
                .file("sfdx-project.json", None),
        );
        return None;
    }
    Some(dirs)
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
                Problem::new(format!("{reason}; nothing was excluded")).file(".forceignore", None),
            );
            return None;
        }
    };
    let mut b = GitignoreBuilder::new(root);
    for (n, line) in text.lines().enumerate() {
        if let Err(e) = b.add_line(Some(file.clone()), line) {
            d.problems.push(
                Problem::new(format!("this .forceignore line could not be used: {e}"))
                    .file(".forceignore", Some(n as u32 + 1)),
            );
        }
    }
    match b.build() {
        Ok(g) => Some(g),
        Err(e) => {
            d.problems.push(
                Problem::new(format!("unusable .forceignore: {e}")).file(".forceignore", None),
            );
            None
        }
    }
}
