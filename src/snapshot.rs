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
    /// Usage evidence read with the metadata (per-app aggregates only); `None` for a
    /// fetch with `--no-usage`, and in snapshots written before evidence existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<crate::evidence::Evidence>,
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

/// Where `fetch --out` puts metadata, as an SFDX project's default package directory.
pub const PACKAGE_DIR: &str = "force-app";
const METADATA_DIR: &str = "force-app/main/default";
const PROJECT_FILE: &str = "sfdx-project.json";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} is not empty and is not an earlier pkce-audit snapshot (it has no {MANIFEST_FILE}); choose an empty or new folder", path.display())]
    NotASnapshot { path: std::path::PathBuf },
    #[error("{} exists and is not a folder", path.display())]
    NotAFolder { path: std::path::PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// A metadata file name from an org-supplied fullName: one path segment, nothing a file
/// system would read as a path or device, or refuse.
fn safe_file_stem(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name != "."
        && name != ".."
        && !name.chars().any(|c| {
            c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        })
}

/// A readMetadata record as a source-format file: the record's children under a
/// `<TypeName xmlns=...>` root, without `<fullName>` (the file name carries it) and
/// without secrets.
pub fn record_document(record: &crate::salesforce::FetchedRecord) -> String {
    use crate::xml::Element;
    fn convert(el: &Element, uses_xsi: &mut bool) -> Element {
        // Only xsi:nil and xsi:type carry meaning below the root; the parser keeps local
        // names, so the prefix is put back here.
        let attrs = el
            .attrs
            .iter()
            .filter(|(k, _)| k == "nil" || k == "type")
            .map(|(k, v)| {
                *uses_xsi = true;
                (format!("xsi:{k}"), v.clone())
            })
            .collect();
        Element {
            name: el.name.clone(),
            ns: el.ns.clone(),
            attrs,
            text: el.text.clone(),
            children: el
                .children
                .iter()
                .filter(|c| !crate::metadata::is_secret_element(c))
                .map(|c| convert(c, uses_xsi))
                .collect(),
            line: 0,
        }
    }
    let mut uses_xsi = false;
    let children = record
        .element
        .children
        .iter()
        .filter(|c| c.name != "fullName" && !crate::metadata::is_secret_element(c))
        .map(|c| convert(c, &mut uses_xsi))
        .collect();
    let mut attrs = vec![(
        "xmlns".to_string(),
        crate::salesforce::soap::METADATA_NS.to_string(),
    )];
    if uses_xsi {
        attrs.push(("xmlns:xsi".to_string(), XSI_NS.to_string()));
    }
    let root = Element {
        name: record.ty.name().to_string(),
        attrs,
        children,
        ..Default::default()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        crate::xml::write(&root)
    )
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What is at a snapshot's target folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    New,
    Empty,
    EarlierSnapshot,
}

/// Checks, without changing anything, that `dir` may receive a snapshot: new, empty, or
/// an earlier snapshot. Run it before fetching so a refusal costs no API calls.
pub fn check_target(dir: &Path) -> Result<Target, WriteError> {
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Target::New),
        Err(e) => return Err(io_err(dir)(e)),
        Ok(m) if !m.is_dir() => {
            return Err(WriteError::NotAFolder {
                path: dir.to_path_buf(),
            })
        }
        Ok(_) => {}
    }
    if std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .next()
        .is_none()
    {
        return Ok(Target::Empty);
    }
    if dir.join(MANIFEST_FILE).is_file() {
        Ok(Target::EarlierSnapshot)
    } else {
        Err(WriteError::NotASnapshot {
            path: dir.to_path_buf(),
        })
    }
}

/// Makes sure `dir` may be written, and removes an earlier snapshot's files (anything
/// else in the folder is left alone).
fn prepare(dir: &Path) -> Result<(), WriteError> {
    match check_target(dir)? {
        Target::New => return std::fs::create_dir_all(dir).map_err(io_err(dir)),
        Target::Empty => return Ok(()),
        Target::EarlierSnapshot => {}
    }
    // The manifest goes first: a snapshot half removed is no longer taken for a whole one.
    for name in [MANIFEST_FILE, PROJECT_FILE] {
        let p = dir.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(io_err(&p))?;
        }
    }
    let pkg = dir.join(PACKAGE_DIR);
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).map_err(io_err(&pkg))?;
    }
    Ok(())
}

fn write_file(root: &Path, rel: &str, text: &str) -> Result<(), WriteError> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    std::fs::write(&path, text).map_err(io_err(&path))
}

/// Writes what a fetch read as a snapshot: an SFDX project (`sfdx-project.json`,
/// `force-app/main/default/<folder>/<fullName>.<suffix>-meta.xml`) and the manifest,
/// written last. Secrets are not written. Returns the manifest.
pub fn write(dir: &Path, fetched: &crate::salesforce::Fetched) -> Result<Manifest, WriteError> {
    prepare(dir)?;
    let result = write_contents(dir, fetched);
    if result.is_err() {
        // Leave no half snapshot behind that a later audit would take for a whole one.
        let _ = std::fs::remove_dir_all(dir.join(PACKAGE_DIR));
        let _ = std::fs::remove_file(dir.join(PROJECT_FILE));
    }
    result
}

fn write_contents(
    dir: &Path,
    fetched: &crate::salesforce::Fetched,
) -> Result<Manifest, WriteError> {
    let mut problems = fetched.problems.clone();
    let mut files: HashMap<(MetadataType, &str), String> = HashMap::new();
    for r in &fetched.records {
        if !safe_file_stem(&r.full_name) {
            problems.push(
                Problem::new(
                    "its name cannot be used as a file name, so it is not in the snapshot",
                )
                .component(r.ty, &r.full_name),
            );
            continue;
        }
        let info = r.ty.info();
        let rel = format!(
            "{METADATA_DIR}/{}/{}.{}-meta.xml",
            info.folder, r.full_name, info.suffix
        );
        write_file(dir, &rel, &record_document(r))?;
        files.insert((r.ty, r.full_name.as_str()), rel);
    }
    let project = serde_json::json!({
        "packageDirectories": [{ "path": PACKAGE_DIR, "default": true }],
        "name": "pkce-audit-snapshot",
        "namespace": fetched.org_namespace.clone().unwrap_or_default(),
        "sourceApiVersion": fetched.api_version,
    });
    write_file(
        dir,
        PROJECT_FILE,
        &(serde_json::to_string_pretty(&project).expect("JSON values serialise") + "\n"),
    )?;

    let mut components: Vec<ManifestComponent> = fetched
        .listed
        .iter()
        .map(|l| ManifestComponent {
            ty: l.ty.name().to_string(),
            full_name: l.full_name.clone(),
            file: files.get(&(l.ty, l.full_name.as_str())).cloned(),
            package: l.package.clone(),
        })
        .collect();
    // Records nobody listed (the org settings, a name read back in another case).
    for r in &fetched.records {
        if !components
            .iter()
            .any(|c| c.ty == r.ty.name() && c.full_name == r.full_name)
        {
            components.push(ManifestComponent {
                ty: r.ty.name().to_string(),
                full_name: r.full_name.clone(),
                file: files.get(&(r.ty, r.full_name.as_str())).cloned(),
                package: r.package.clone(),
            });
        }
    }
    problems.sort();
    let manifest = Manifest {
        format: FORMAT,
        tool_version: crate::report::TOOL_VERSION.to_string(),
        fetched_at: fetched.fetched_at.clone(),
        org_id: fetched.org_id.clone(),
        instance_url: Some(fetched.instance_url.clone()),
        api_version: Some(fetched.api_version.clone()),
        org_namespace: fetched.org_namespace.clone(),
        components,
        problems,
        evidence: fetched.evidence.clone(),
    };
    write_file(
        dir,
        MANIFEST_FILE,
        &(serde_json::to_string_pretty(&manifest).expect("a manifest serialises") + "\n"),
    )?;
    Ok(manifest)
}

#[cfg(test)]
mod write_tests {
    use super::*;
    use crate::salesforce::{Fetched, FetchedRecord, ListedComponent};

    fn record(ty: MetadataType, name: &str, xml: &str) -> FetchedRecord {
        FetchedRecord {
            ty,
            full_name: name.into(),
            package: PackageInfo::default(),
            element: crate::xml::parse(xml.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn record_documents_drop_full_name_and_secrets_and_keep_nil() {
        let r = record(
            MetadataType::ExtlClntAppGlobalOauthSettings,
            "App_glbloauth",
            "<records xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"ExtlClntAppGlobalOauthSettings\"><fullName>App_glbloauth</fullName><callbackUrl>https://a.example.com/cb\nhttps://b.example.com/cb</callbackUrl><consumerSecret>FAKESECRET</consumerSecret><externalClientApplication>App</externalClientApplication><isConsumerSecretOptional>false</isConsumerSecretOptional><isPkceRequired xsi:nil=\"true\"/><shouldRotateConsumerSecret>false</shouldRotateConsumerSecret></records>",
        );
        let doc = record_document(&r);
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExtlClntAppGlobalOauthSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi="), "{doc}");
        assert!(
            !doc.contains("FAKESECRET") && !doc.contains("consumerSecret>"),
            "{doc}"
        );
        assert!(!doc.contains("fullName"), "{doc}");
        assert!(
            doc.contains(
                "<callbackUrl>https://a.example.com/cb\nhttps://b.example.com/cb</callbackUrl>"
            ),
            "{doc}"
        );
        assert!(doc.contains("<isPkceRequired xsi:nil=\"true\"/>"), "{doc}");
        assert!(doc.contains("<isConsumerSecretOptional>false</isConsumerSecretOptional>"));
        assert!(doc.contains("<shouldRotateConsumerSecret>false</shouldRotateConsumerSecret>"));
        // The file parses as the record did.
        let el = crate::xml::parse(doc.as_bytes()).unwrap();
        let c = crate::metadata::parse_component(&el, Some(r.ty), "App_glbloauth").unwrap();
        assert_eq!(c.parent.as_deref(), Some("App"));
    }

    #[test]
    fn evidence_is_stored_and_read_back_and_old_manifests_still_read() {
        use crate::evidence::{Evidence, SourceState, TokenUsage, OAUTH_TOKEN};
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snap");
        let evidence = Evidence {
            window_days: 30,
            sources: [(
                OAUTH_TOKEN.to_string(),
                SourceState::Read {
                    rows: 1,
                    partial: false,
                    method: None,
                },
            )]
            .into(),
            tokens: vec![TokenUsage {
                app: "Portal".into(),
                tokens: 1,
                users: 1,
                use_count: 3,
                used_in_window: 1,
                last_used: Some("2026-01-01".into()),
            }],
            ..Default::default()
        };
        let fetched = Fetched {
            instance_url: "https://acme.my.salesforce.com".into(),
            api_version: "66.0".into(),
            evidence: Some(evidence.clone()),
            ..Default::default()
        };
        let m = write(&dir, &fetched).unwrap();
        assert_eq!(m.evidence.as_ref(), Some(&evidence));
        let (collected, _) = crate::source::collect(&dir).unwrap();
        assert_eq!(collected.evidence, Some(evidence));
        // A manifest from before evidence existed reads, without evidence, and says why.
        let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        old.as_object_mut().unwrap().remove("evidence");
        std::fs::write(dir.join(MANIFEST_FILE), old.to_string()).unwrap();
        let (collected, d) = crate::source::collect(&dir).unwrap();
        assert!(d.manifest.is_some() && collected.evidence.is_none());
        assert!(collected.no_evidence_reason.is_some());
    }

    #[test]
    fn writes_a_project_that_reads_back_and_refuses_foreign_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snap");
        let mut fetched = Fetched {
            instance_url: "https://acme.my.salesforce.com".into(),
            api_version: "66.0".into(),
            org_id: Some("00D000000000001".into()),
            org_namespace: None,
            fetched_at: "2026-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        fetched.listed.push(ListedComponent {
            ty: MetadataType::ConnectedApp,
            full_name: "ns__App".into(),
            package: PackageInfo {
                namespace_prefix: Some("ns".into()),
                manageable_state: Some("installed".into()),
            },
        });
        fetched.records.push(record(MetadataType::ConnectedApp, "ns__App", "<records><fullName>ns__App</fullName><label>App</label><oauthConfig><callbackUrl>https://x.example.com</callbackUrl></oauthConfig></records>"));
        fetched.records.push(record(MetadataType::OauthOidcSettings, "OauthOidc", "<records><fullName>OauthOidc</fullName><isPkceRequired>false</isPkceRequired></records>"));
        fetched
            .records
            .push(record(MetadataType::ConnectedApp, "../evil", "<records/>"));
        let m = write(&dir, &fetched).unwrap();
        assert!(dir
            .join("force-app/main/default/connectedApps/ns__App.connectedApp-meta.xml")
            .is_file());
        assert!(dir
            .join("force-app/main/default/settings/OauthOidc.settings-meta.xml")
            .is_file());
        assert!(!tmp.path().join("evil.connectedApp-meta.xml").exists());
        assert_eq!(m.problems.len(), 1, "{:?}", m.problems);
        let (collected, d) = crate::source::collect(&dir).unwrap();
        assert_eq!(d.layout, Some(crate::source::Layout::Snapshot));
        assert_eq!(collected.components.len(), 2);
        let app = collected
            .components
            .iter()
            .find(|l| l.component.full_name == "ns__App")
            .unwrap();
        assert_eq!(app.package.manageable_state.as_deref(), Some("installed"));
        // Writing again over an earlier snapshot is fine; over anything else it is not.
        write(&dir, &fetched).unwrap();
        let other = tmp.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "x").unwrap();
        let e = write(&other, &fetched).unwrap_err();
        assert!(
            e.to_string().contains("not an earlier pkce-audit snapshot"),
            "{e}"
        );
        assert!(matches!(
            write(&other.join("notes.txt"), &fetched),
            Err(WriteError::NotAFolder { .. })
        ));
    }
}
