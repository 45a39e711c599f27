//! Snapshots: what `pkce-audit fetch` wrote, re-read by `audit --source`.
//!
//! A snapshot is an SFDX project (so the ordinary directory reader parses it) plus a
//! manifest holding what the files cannot: where it came from, each component's
//! package facts from `listMetadata`, and what could not be read and why.

use crate::inventory::{PackageInfo, Problem};
use crate::metadata::MetadataType;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const MANIFEST_FILE: &str = "pkce-audit-snapshot.json";
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
}

impl Manifest {
    pub fn package_map(&self) -> HashMap<(MetadataType, String), PackageInfo> {
        self.components
            .iter()
            .filter_map(|c| {
                Some((
                    (MetadataType::from_name(&c.ty)?, c.full_name.clone()),
                    c.package.clone(),
                ))
            })
            .collect()
    }

    /// The fetch already recorded why the org settings are missing.
    pub fn settings_unreadable(&self) -> bool {
        let prefix = MetadataType::OauthOidcSettings.name();
        self.problems.iter().any(|p| {
            p.component
                .as_deref()
                .is_some_and(|c| c.starts_with(prefix))
        })
    }
}

/// Reads the manifest when the folder has one; a broken one is a problem, not fatal.
pub fn read_manifest(root: &Path, problems: &mut Vec<Problem>) -> Option<Manifest> {
    let path = root.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).ok()?;
    match serde_json::from_str::<Manifest>(&text) {
        Ok(m) if m.format == FORMAT => Some(m),
        Ok(m) => {
            problems.push(
                Problem::new(format!(
                    "snapshot format {} is not supported (expected {FORMAT}); package ownership from the fetch is not applied",
                    m.format
                ))
                .file(MANIFEST_FILE, None),
            );
            None
        }
        Err(e) => {
            problems.push(
                Problem::new(format!(
                    "not a valid snapshot manifest ({e}); package ownership from the fetch is not applied"
                ))
                .file(MANIFEST_FILE, Some(e.line() as u32)),
            );
            None
        }
    }
}
