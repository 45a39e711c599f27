//! The names of the files a folder's audit reads: metadata files (by their exact name,
//! [`crate::metadata::classify`], or one a person would take for one, [`near_miss`]) and
//! the project's, an mdapi folder's, a snapshot's and the waivers' files
//! ([`PROJECT_FILES`]). Below both the folder reader ([`crate::source`]) and the writers
//! ([`crate::safe_write`], [`crate::snapshot`]): a write must know what a read would take.

use crate::metadata::{classify, MetadataType, ALL_TYPES, OAUTH_OIDC_MEMBER};

/// The manifest of a snapshot written by `pkce-audit fetch` ([`crate::snapshot`]).
pub const MANIFEST_FILE: &str = "pkce-audit-snapshot.json";

/// The files a folder's audit reads by their name alone, besides metadata files: the
/// project's, an mdapi folder's, a snapshot's, the waiver file.
pub const PROJECT_FILES: &[&str] = &[
    "sfdx-project.json",
    ".forceignore",
    "package.xml",
    MANIFEST_FILE,
    "pkce-audit.toml",
];

/// Whether the audit of a folder reads a file of this name (wherever it lies below the
/// folder): a metadata file, or one of [`PROJECT_FILES`]. No write of the same run may
/// go there.
pub fn read_by_name(file_name: &str) -> bool {
    classify(file_name).is_some()
        || near_miss(file_name).is_some()
        || PROJECT_FILES.contains(&file_name)
}

/// A name that Salesforce's tools would not read but a person would take for one of
/// our metadata files: the suffix (or the settings member) differs only in case.
pub fn near_miss(file_name: &str) -> Option<MetadataType> {
    if classify(file_name).is_some() {
        return None;
    }
    // A stray space around the name (`X.connectedApp-meta.xml `).
    if let Some((ty, _)) = classify(file_name.trim()) {
        return Some(ty);
    }
    let lower = file_name.to_ascii_lowercase();
    let stem = lower.strip_suffix("-meta.xml").unwrap_or(&lower);
    ALL_TYPES.iter().find_map(|t| {
        let name = stem.strip_suffix(&t.suffix.to_ascii_lowercase())?;
        let name = name.strip_suffix('.').filter(|n| !n.is_empty())?;
        (t.ty != MetadataType::OauthOidcSettings || name == OAUTH_OIDC_MEMBER.to_ascii_lowercase())
            .then_some(t.ty)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_differ_only_in_case() {
        assert_eq!(
            near_miss("X.ConnectedApp-meta.xml"),
            Some(MetadataType::ConnectedApp)
        );
        assert_eq!(
            near_miss("X.connectedapp"),
            Some(MetadataType::ConnectedApp)
        );
        assert_eq!(
            near_miss("oauthoidc.settings-meta.xml"),
            Some(MetadataType::OauthOidcSettings)
        );
        assert_eq!(near_miss("X.connectedApp-meta.xml"), None, "an exact name");
        assert_eq!(near_miss("Security.settings-meta.xml"), None);
        assert_eq!(near_miss("README.md"), None);
    }
}
