//! Where a SARIF result points.
//!
//! A folder audit names its files relative to the audited folder: every `artifactLocation`
//! has `"uriBaseId": "SRCROOT"` and a relative URI, and `run.originalUriBaseIds.SRCROOT` is
//! the folder's absolute `file:` URI, ending in `/` (SARIF 2.1.0 §3.4.4 and §3.14.14,
//! https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html). A waiver file outside
//! the audited folder has its own base, `WAIVERSROOT` (its folder), so no URI climbs out
//! of its base with `..` and none is absolute.
//!
//! A live org has no files: no `SRCROOT`, and results name the component in
//! `logicalLocations` only. Waiver findings still point into the waiver file.

use super::super::AuditScope;
use super::schema::{ArtifactLocation, LogicalKind, LogicalLocation};
use pkce_audit_model::inventory::AppKind;
use pkce_audit_model::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use pkce_audit_model::rules::{Finding, Scope};
use std::collections::BTreeMap;
use std::path::{Component, Path};
use url::Url;

pub const SRCROOT: &str = "SRCROOT";
pub const WAIVERSROOT: &str = "WAIVERSROOT";

/// The base URIs of one run.
pub struct Bases {
    /// The audited folder; `None` for a live org.
    src: Option<Url>,
    /// The waiver file, as (base id, URI relative to that base).
    waiver_file: Option<(&'static str, String)>,
    /// The waiver file's folder, when it is not inside the audited folder.
    waivers_dir: Option<Url>,
}

/// A folder's `file:` URI, ending in `/`.
fn folder_url(path: &Path) -> Option<Url> {
    Url::from_directory_path(path).ok()
}

/// `rel` (a path inside `base`, `/`-separated) as a percent-encoded relative URI; `None`
/// for a path that is absolute or climbs out with `..`.
fn relative(base: &Url, rel: &Path) -> Option<String> {
    let mut target = base.clone();
    {
        let mut segments = target.path_segments_mut().ok()?;
        segments.pop_if_empty();
        for c in rel.components() {
            match c {
                Component::Normal(part) => {
                    segments.push(part.to_str()?);
                }
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
            }
        }
    }
    base.make_relative(&target).filter(|r| !r.is_empty())
}

impl Bases {
    pub fn of(scope: &AuditScope) -> Bases {
        let src = scope.local.root.as_deref().and_then(folder_url);
        let mut bases = Bases {
            src,
            waiver_file: None,
            waivers_dir: None,
        };
        if let Some(file) = scope.local.waiver_file.as_deref() {
            let inside = scope
                .local
                .root
                .as_deref()
                .and_then(|root| file.strip_prefix(root).ok())
                .zip(bases.src.as_ref())
                .and_then(|(rel, src)| relative(src, rel));
            bases.waiver_file = match inside {
                Some(uri) => Some((SRCROOT, uri)),
                None => file.parent().and_then(folder_url).and_then(|dir| {
                    let uri = relative(&dir, Path::new(file.file_name()?))?;
                    bases.waivers_dir = Some(dir);
                    Some((WAIVERSROOT, uri))
                }),
            };
        }
        bases
    }

    /// `run.originalUriBaseIds`; `None` when the run has no file locations.
    pub fn original_uri_base_ids(&self) -> Option<BTreeMap<&'static str, ArtifactLocation>> {
        let map: BTreeMap<_, _> = [(SRCROOT, &self.src), (WAIVERSROOT, &self.waivers_dir)]
            .into_iter()
            .filter_map(|(id, url)| {
                let uri = url.as_ref()?.as_str().to_string();
                Some((
                    id,
                    ArtifactLocation {
                        uri,
                        uri_base_id: None,
                    },
                ))
            })
            .collect();
        (!map.is_empty()).then_some(map)
    }

    /// The artifact location of a file of the audited folder (`file` relative to it).
    pub fn in_source(&self, file: &str) -> Option<ArtifactLocation> {
        let uri = relative(self.src.as_ref()?, Path::new(file))?;
        Some(ArtifactLocation {
            uri,
            uri_base_id: Some(SRCROOT),
        })
    }

    /// Where a finding sits: a waiver finding in the waiver file, any other in the audited
    /// folder.
    pub fn of_finding(&self, f: &Finding) -> Option<ArtifactLocation> {
        let file = &f.location.as_ref()?.file;
        match f.rule.rule().scope {
            Scope::Waiver => self
                .waiver_file
                .as_ref()
                .map(|(base, uri)| ArtifactLocation {
                    uri: uri.clone(),
                    uri_base_id: Some(*base),
                }),
            Scope::Org | Scope::App => self.in_source(file),
        }
    }
}

/// The metadata component a finding is about, for `logicalLocations`: the app (`module`),
/// the org's OAuth settings (`resource`), or nothing for a waiver finding about no app.
/// `fullyQualifiedName` is `Type Name`, as `incomplete[].component` spells it.
pub fn logical(f: &Finding) -> Option<LogicalLocation> {
    let Some(app) = &f.app else {
        return match f.rule.rule().scope {
            Scope::Org => Some(LogicalLocation {
                fully_qualified_name: Some(format!(
                    "{} {OAUTH_OIDC_MEMBER}",
                    MetadataType::OauthOidcSettings
                )),
                kind: Some(LogicalKind::Resource),
                name: Some(OAUTH_OIDC_MEMBER.into()),
            }),
            Scope::App | Scope::Waiver => None,
        };
    };
    let ty = match f.kind.as_ref() {
        Some(AppKind::ConnectedApp) => Some(MetadataType::ConnectedApp),
        Some(AppKind::ExternalClientApp) => Some(MetadataType::ExternalClientApplication),
        Some(AppKind::External) | None => None,
    };
    Some(LogicalLocation {
        fully_qualified_name: ty.map(|ty| format!("{ty} {app}")),
        kind: Some(LogicalKind::Module),
        name: Some(app.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        std::env::temp_dir().join("pkce audit").join("proj#1")
    }

    fn scope(waiver_file: Option<PathBuf>) -> AuditScope {
        AuditScope {
            local: super::super::super::LocalPaths {
                root: Some(root()),
                waiver_file,
            },
            ..Default::default()
        }
    }

    #[test]
    fn uris_are_relative_to_the_audited_folder_and_never_leave_it() {
        let b = Bases::of(&scope(None));
        let ids = b.original_uri_base_ids().unwrap();
        let src = ids[SRCROOT].uri.as_str();
        assert!(
            src.starts_with("file:///") && src.ends_with("/proj%231/"),
            "{src}"
        );
        assert!(src.contains("pkce%20audit"), "{src}");
        let at = |f: &str| b.in_source(f).map(|l| l.uri);
        assert_eq!(at("force-app/a.xml").as_deref(), Some("force-app/a.xml"));
        assert_eq!(at("./x/a b.xml").as_deref(), Some("x/a%20b.xml"));
        // A snapshot's escaped file name keeps its `%` as a character of the name.
        assert_eq!(
            at("Cr%C3%A9dit.xml").as_deref(),
            Some("Cr%25C3%25A9dit.xml")
        );
        assert_eq!(at("x/../../etc/passwd"), None);
        assert_eq!(at("/etc/passwd"), None);
        assert_eq!(b.in_source("a.xml").unwrap().uri_base_id, Some(SRCROOT));
        // Resolved against SRCROOT, a URI names the file again.
        let url = Url::parse(src)
            .unwrap()
            .join(&at("x/a b.xml").unwrap())
            .unwrap();
        assert_eq!(url.to_file_path().unwrap(), root().join("x/a b.xml"));
    }

    #[test]
    fn a_live_org_has_no_base_and_no_file_locations() {
        let b = Bases::of(&AuditScope::default());
        assert_eq!(b.original_uri_base_ids(), None);
        assert_eq!(b.in_source("connectedApps/A.connectedApp"), None);
    }

    #[test]
    fn the_waiver_file_is_under_srcroot_when_inside_it_else_its_own_base() {
        let mut f = Finding::bare("waiver-unused", None);
        f.location = Some(pkce_audit_model::inventory::Location {
            file: "proj/pkce-audit.toml".into(),
            line: 3,
        });
        let inside = Bases::of(&scope(Some(root().join("pkce-audit.toml"))));
        assert_eq!(
            inside.of_finding(&f).unwrap(),
            ArtifactLocation {
                uri: "pkce-audit.toml".into(),
                uri_base_id: Some(SRCROOT)
            }
        );
        assert_eq!(inside.original_uri_base_ids().unwrap().len(), 1);
        let outside = Bases::of(&scope(Some(std::env::temp_dir().join("w.toml"))));
        assert_eq!(
            outside.of_finding(&f).unwrap(),
            ArtifactLocation {
                uri: "w.toml".into(),
                uri_base_id: Some(WAIVERSROOT)
            }
        );
        let ids = outside.original_uri_base_ids().unwrap();
        assert!(ids[WAIVERSROOT].uri.ends_with('/'));
    }
}
