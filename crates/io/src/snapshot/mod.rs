//! Snapshots: what `pkce-audit fetch` wrote, re-read by `audit --source`.
//!
//! A snapshot is an SFDX project (so the ordinary directory reader parses it) plus a
//! manifest holding what the files cannot: where it came from, each component's
//! package facts from `listMetadata`, and what could not be read and why.
//!
//! File names are portable: a snapshot unpacks the same on Windows, macOS and Linux. A
//! fullName that would not make such a file name (a Windows device name such as `CON`, a
//! trailing dot, a character Windows refuses, anything outside ASCII letters, digits,
//! `_`, `-` and `.`, or a name that differs from another only in case) gets a safe,
//! unique file name ([`portable_stems`]); the manifest records the file of every
//! component, and the file itself carries `<fullName>`, so reading back recovers the
//! true name ([`full_name_of_file`]).

use crate::metadata::MetadataType;
use crate::names::MANIFEST_FILE;
use pkce_audit_model::inventory::{PackageInfo, Problem};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManifestComponent {
    #[serde(rename = "type")]
    pub ty: String,
    pub full_name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    #[serde(flatten)]
    pub package: PackageInfo,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub tool_version: String,
    pub fetched_at: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instance_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_namespace: Option<String>,
    #[serde(default)]
    pub components: Vec<ManifestComponent>,
    /// What could not be read during the fetch; re-reported by every audit of it.
    #[serde(default)]
    pub problems: Vec<Problem>,
    /// Remarks from the fetch (records nobody asked for, …); re-reported likewise.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Usage evidence read with the metadata (per-app aggregates only); `None` for a
    /// fetch with `--no-usage`, and in snapshots written before evidence existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<pkce_audit_model::evidence::Evidence>,
}

impl Manifest {
    /// Package facts by (type, fullName). A component whose file was given another name
    /// is found under that file's name too, for a reader that names it by its file.
    pub fn package_map(&self) -> HashMap<(MetadataType, String), PackageInfo> {
        let mut map = HashMap::new();
        for c in &self.components {
            let Some(ty) = MetadataType::from_name(&c.ty) else {
                continue;
            };
            if let Some((_, stem)) = c.file.as_deref().and_then(name_in_file) {
                if stem != c.full_name {
                    map.insert((ty, stem), c.package.clone());
                }
            }
            map.insert((ty, c.full_name.clone()), c.package.clone());
        }
        map
    }

    /// The fullName of the component the snapshot holds in `rel` (a path relative to
    /// the snapshot, `/`-separated), as the manifest records it.
    pub fn full_name_of(&self, ty: MetadataType, rel: &str) -> Option<&str> {
        self.components
            .iter()
            .find(|c| c.file.as_deref() == Some(rel) && c.ty == ty.name())
            .map(|c| c.full_name.as_str())
    }

    /// The fetch already recorded why the org settings are missing.
    pub fn settings_unreadable(&self) -> bool {
        self.problems.iter().any(|p| {
            p.component
                .as_ref()
                .is_some_and(|c| c.is_of_type(MetadataType::OauthOidcSettings))
        })
    }
}

/// Reads the manifest when the folder has one; a broken one is a problem, not fatal.
pub fn read_manifest(root: &Path, problems: &mut Vec<Problem>) -> Option<Manifest> {
    let path = root.join(MANIFEST_FILE);
    let text = match crate::bounded::read_text(&path, crate::bounded::MAX_DOCUMENT_BYTES) {
        Ok(text) => text?,
        Err(reason) => {
            problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::ProjectFile,
                    format!(
                        "{reason}; package ownership and evidence from the fetch are not applied"
                    ),
                )
                .file(MANIFEST_FILE, None),
            );
            return None;
        }
    };
    match serde_json::from_str::<Manifest>(&text) {
        Ok(m) if m.format == FORMAT => Some(m),
        Ok(m) => {
            problems.push(
                Problem::new(pkce_audit_model::inventory::ProblemKind::ProjectFile, format!(
                    "snapshot format {} is not supported (expected {FORMAT}); package ownership from the fetch is not applied",
                    m.format
                ))
                .file(MANIFEST_FILE, None),
            );
            None
        }
        Err(e) => {
            problems.push(
                Problem::new(pkce_audit_model::inventory::ProblemKind::ProjectFile, format!(
                    "not a valid snapshot manifest ({e}); package ownership from the fetch is not applied"
                ))
                .file(MANIFEST_FILE, Some(e.line() as u32)),
            );
            None
        }
    }
}

/// Where `fetch --out` puts metadata, as an SFDX project's default package directory.
/// The (type, name) a reader derives from a snapshot file's path.
fn name_in_file(rel: &str) -> Option<(MetadataType, String)> {
    crate::metadata::classify(rel.rsplit('/').next()?)
}

/// The fullName of a snapshot file, for the folder reader. `from_file_name` is what the
/// reader derived from the file's name; when the writer had to give the file another
/// name, the manifest maps it back to the true fullName. Old manifests, and files the
/// manifest does not list, keep `from_file_name`.
///
/// The writer renames only with a `%XX` escape or a `~N` suffix, characters it never
/// leaves in a name it keeps, so other files are not looked up.
pub fn full_name_of_file(
    manifest: Option<&Manifest>,
    ty: MetadataType,
    rel: &str,
    from_file_name: String,
) -> String {
    if !from_file_name.contains(['%', '~']) {
        return from_file_name;
    }
    manifest
        .and_then(|m| m.full_name_of(ty, rel))
        .map(str::to_string)
        .unwrap_or(from_file_name)
}

mod names;
mod write;

pub use names::{is_portable_name_of, portable_stems};
pub use write::{check_target, record_document, write, Target, WriteError, PACKAGE_DIR};

#[cfg(test)]
pub(crate) mod tests;
