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
    /// Remarks from the fetch (records nobody asked for, …); re-reported likewise.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
    /// Usage evidence read with the metadata (per-app aggregates only); `None` for a
    /// fetch with `--no-usage`, and in snapshots written before evidence existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub evidence: Option<crate::evidence::Evidence>,
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
    let text = match crate::source::read_text(&path, crate::source::MAX_FILE_BYTES * 16) {
        Ok(text) => text?,
        Err(reason) => {
            problems.push(
                Problem::new(format!(
                    "{reason}; package ownership and evidence from the fetch are not applied"
                ))
                .file(MANIFEST_FILE, None),
            );
            return None;
        }
    };
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

/// The (type, name) a reader derives from a snapshot file's path.
fn name_in_file(rel: &str) -> Option<(MetadataType, String)> {
    crate::source::classify(rel.rsplit('/').next()?)
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

/// Whether `file_stem` is the name the writer gives a component called `full_name`
/// ([`portable_stem`], perhaps with a `~N` suffix against a case clash): then a file's
/// own `<fullName>` legitimately differs from its name, even without the manifest.
pub fn is_portable_name_of(file_stem: &str, full_name: &str) -> bool {
    let portable = portable_stem(full_name);
    file_stem == portable
        || file_stem
            .strip_prefix(portable.as_str())
            .and_then(|rest| rest.strip_prefix('~'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Windows device names: a file whose name before its first dot is one of these (in any
/// case, with trailing spaces or dots) cannot be created there.
fn is_windows_device(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or("");
    let base = base.trim_end_matches([' ', '.']).to_ascii_uppercase();
    match base.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        b => {
            (b.starts_with("COM") || b.starts_with("LPT"))
                && b.len() == 4
                && b.as_bytes()[3].is_ascii_digit()
        }
    }
}

/// Longest stem written; with a `~N` suffix and the type's suffix the file name stays
/// far below the 255 bytes file systems allow.
const MAX_STEM: usize = 120;

/// A file name stem for `name` that every file system takes as it is: ASCII letters,
/// digits, `_`, `-` and `.` are kept, every other character is written `%XX` per UTF-8
/// byte; a leading or trailing dot and the last character of a Windows device name are
/// escaped too. Ordinary Salesforce API names come back unchanged.
fn portable_stem(name: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let escape = |out: &mut String, c: char| {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            out.push_str(&format!("%{b:02X}"));
        }
    };
    let mut out = String::with_capacity(name.len());
    let last = name.chars().count().saturating_sub(1);
    for (i, c) in name.chars().enumerate() {
        if !keep(c) || (c == '.' && (i == 0 || i == last)) {
            escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    if is_windows_device(&out) {
        // `CON` -> `CO%4E`: the name before the first dot is no longer a device.
        let base_len = out.find('.').unwrap_or(out.len());
        let c = out[..base_len]
            .chars()
            .last()
            .expect("a device name is not empty");
        let mut fixed = out[..base_len - c.len_utf8()].to_string();
        escape(&mut fixed, c);
        fixed.push_str(&out[base_len..]);
        out = fixed;
    }
    if out.len() > MAX_STEM {
        let mut cut = MAX_STEM;
        // Not inside a `%XX`.
        while cut > 0 && out[..cut].rfind('%').is_some_and(|p| p + 3 > cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// File name stems for the records of a fetch: portable ([`portable_stem`]) and unique
/// within each type's folder regardless of case, as on Windows and macOS. Names that
/// need no change keep their name (the first in byte order, when two differ only in
/// case); the others get their portable stem, with `~2`, `~3` … when it is taken.
/// Deterministic: the same names always get the same files.
pub fn portable_stems<'a>(
    names: impl IntoIterator<Item = (MetadataType, &'a str)>,
) -> HashMap<(MetadataType, &'a str), String> {
    let mut names: Vec<(MetadataType, &str)> = names.into_iter().collect();
    names.sort();
    names.dedup();
    let mut taken: std::collections::HashSet<(MetadataType, String)> = Default::default();
    let mut out = HashMap::new();
    let mut later = Vec::new();
    // Names kept as they are claim their file first.
    for (ty, name) in names {
        let stem = portable_stem(name);
        if stem == name && taken.insert((ty, stem.to_ascii_lowercase())) {
            out.insert((ty, name), stem);
        } else {
            later.push((ty, name, stem));
        }
    }
    for (ty, name, stem) in later {
        let mut candidate = stem.clone();
        let mut n = 1;
        while !taken.insert((ty, candidate.to_ascii_lowercase())) {
            n += 1;
            candidate = format!("{stem}~{n}");
        }
        out.insert((ty, name), candidate);
    }
    out
}

/// A readMetadata record as a source-format file: the record's children under a
/// `<TypeName xmlns=...>` root, without `<fullName>` (the file name carries it) and
/// without secrets.
pub fn record_document(record: &crate::salesforce::FetchedRecord) -> String {
    record_document_named(record, false)
}

/// [`record_document`], keeping `<fullName>` first when the file name cannot carry it.
fn record_document_named(record: &crate::salesforce::FetchedRecord, full_name: bool) -> String {
    use crate::xml::Element;
    fn convert(el: &Element, uses_xsi: &mut bool) -> Element {
        // Only xsi:nil and xsi:type carry meaning below the root; the parser keys them
        // `xsi:…` whatever prefix the answer used, and the root declares that prefix.
        let attrs = el
            .attrs
            .iter()
            .filter(|(k, _)| k == "xsi:nil" || k == "xsi:type")
            .map(|(k, v)| {
                *uses_xsi = true;
                (k.clone(), v.clone())
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
    let mut children: Vec<Element> = record
        .element
        .children
        .iter()
        .filter(|c| c.name != "fullName" && !crate::metadata::is_secret_element(c))
        .map(|c| convert(c, &mut uses_xsi))
        .collect();
    if full_name {
        children.insert(
            0,
            Element {
                name: "fullName".into(),
                text: record.full_name.clone(),
                ..Default::default()
            },
        );
    }
    let mut attrs = vec![("xmlns".to_string(), crate::xml::METADATA_NS.to_string())];
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
    let stems = portable_stems(
        fetched
            .records
            .iter()
            .filter(|r| !r.full_name.is_empty())
            .map(|r| (r.ty, r.full_name.as_str())),
    );
    for r in &fetched.records {
        let Some(stem) = stems.get(&(r.ty, r.full_name.as_str())) else {
            problems.push(
                Problem::new("it has no name, so it is not in the snapshot")
                    .component(r.ty, &r.full_name),
            );
            continue;
        };
        let info = r.ty.info();
        let rel = format!(
            "{METADATA_DIR}/{}/{stem}.{}-meta.xml",
            info.folder, info.suffix
        );
        write_file(dir, &rel, &record_document_named(r, *stem != r.full_name))?;
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
        notes: fetched.notes.clone(),
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
    fn file_names_are_portable() {
        for ordinary in [
            "My_App",
            "ns__App",
            "App_glbloauth",
            "OauthOidc",
            "a.b-c",
            "x1",
        ] {
            assert_eq!(portable_stem(ordinary), ordinary);
        }
        for (name, stem) in [
            ("CON", "CO%4E"),
            ("con", "co%6E"),
            ("Aux.", "Aux%2E"),
            ("NUL.txt", "NU%4C.txt"),
            ("com1", "com%31"),
            ("LPT9.x.y", "LPT%39.x.y"),
            ("COM10", "COM10"),
            ("CONSOLE", "CONSOLE"),
            ("App ", "App%20"),
            ("a:b", "a%3Ab"),
            ("<>:\"/\\|?*", "%3C%3E%3A%22%2F%5C%7C%3F%2A"),
            ("a\u{1b}b\tc", "a%1Bb%09c"),
            ("../evil", "%2E.%2Fevil"),
            (".hidden", "%2Ehidden"),
            ("Crédit", "Cr%C3%A9dit"),
            ("50%~", "50%25%7E"),
        ] {
            assert_eq!(portable_stem(name), stem, "{name}");
            assert!(!is_windows_device(stem), "{stem}");
        }
        assert!(
            is_windows_device("nul") && is_windows_device("Com3.x") && is_windows_device("AUX .")
        );
        let long = "é".repeat(100);
        let stem = portable_stem(&long);
        assert!(stem.len() <= MAX_STEM && stem.len() > 100, "{stem}");
        assert!(stem.ends_with("%A9"), "no escape is cut: {stem}");
    }

    #[test]
    fn file_names_are_unique_regardless_of_case() {
        let ca = MetadataType::ConnectedApp;
        let eca = MetadataType::ExternalClientApplication;
        let names = [
            (ca, "App"),
            (ca, "APP"),
            (ca, "app"),
            (ca, "CON"),
            (ca, "CO%4E"),
            (ca, "Aux."),
            (ca, "Aux%2E"),
            (eca, "App"),
        ];
        let stems = portable_stems(names);
        // Names that need no change keep them: the first in byte order wins a case clash.
        assert_eq!(stems[&(ca, "APP")], "APP");
        assert_eq!(stems[&(ca, "App")], "App~2");
        assert_eq!(stems[&(ca, "app")], "app~3");
        assert_eq!(stems[&(eca, "App")], "App", "another folder");
        assert_eq!(stems[&(ca, "CON")], "CO%4E");
        assert_eq!(stems[&(ca, "CO%4E")], "CO%254E");
        assert_eq!(stems[&(ca, "Aux.")], "Aux%2E");
        let mut seen = std::collections::HashSet::new();
        for ((ty, _), stem) in &stems {
            assert!(
                seen.insert((*ty, stem.to_ascii_lowercase())),
                "{stem} twice"
            );
        }
        // The same input, the same files.
        assert_eq!(portable_stems(names.iter().rev().copied()), stems);
    }

    #[test]
    fn renamed_files_read_back_under_their_true_names_with_and_without_the_mapping() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snap");
        let mut fetched = Fetched {
            instance_url: "https://acme.my.salesforce.com".into(),
            api_version: "66.0".into(),
            ..Default::default()
        };
        let app = |name: &str| {
            record(
                MetadataType::ConnectedApp,
                name,
                &format!("<records><fullName>{name}</fullName><label>L</label><oauthConfig><callbackUrl>https://x.example.com</callbackUrl></oauthConfig></records>"),
            )
        };
        for name in ["CON", "Aux.", "App", "APP", "acme__x:y"] {
            fetched.records.push(app(name));
        }
        fetched.listed.push(ListedComponent {
            ty: MetadataType::ConnectedApp,
            full_name: "acme__x:y".into(),
            package: PackageInfo {
                namespace_prefix: Some("acme".into()),
                manageable_state: Some("installed".into()),
            },
        });
        let m = write(&dir, &fetched).unwrap();
        let file_of = |name: &str| {
            m.components
                .iter()
                .find(|c| c.full_name == name)
                .and_then(|c| c.file.clone())
                .unwrap()
        };
        assert!(file_of("CON").ends_with("/CO%4E.connectedApp-meta.xml"));
        assert!(file_of("Aux.").ends_with("/Aux%2E.connectedApp-meta.xml"));
        assert!(file_of("APP").ends_with("/APP.connectedApp-meta.xml"));
        assert!(file_of("App").ends_with("/App~2.connectedApp-meta.xml"));
        assert!(file_of("acme__x:y").ends_with("/acme__x%3Ay.connectedApp-meta.xml"));
        // Kept names carry no <fullName>; renamed ones do.
        let text = |name: &str| std::fs::read_to_string(dir.join(file_of(name))).unwrap();
        assert!(!text("APP").contains("fullName"));
        assert!(text("App").contains("<fullName>App</fullName>"));
        // The mapping a folder reader asks for.
        let ca = MetadataType::ConnectedApp;
        assert_eq!(
            full_name_of_file(Some(&m), ca, &file_of("CON"), "CO%4E".into()),
            "CON"
        );
        assert_eq!(
            full_name_of_file(Some(&m), ca, &file_of("App"), "App~2".into()),
            "App"
        );
        assert_eq!(
            full_name_of_file(None, ca, "x/App~2.connectedApp-meta.xml", "App~2".into()),
            "App~2"
        );
        assert_eq!(
            full_name_of_file(Some(&m), ca, "elsewhere/APP", "APP".into()),
            "APP"
        );
        let read_back = |dir: &Path| {
            let (collected, _) = crate::source::collect(dir).unwrap();
            let mut names: Vec<(String, Option<String>)> = collected
                .components
                .iter()
                .map(|l| {
                    (
                        l.component.full_name.clone(),
                        l.package.manageable_state.clone(),
                    )
                })
                .collect();
            names.sort();
            names
        };
        let want = vec![
            ("APP".to_string(), None),
            ("App".to_string(), None),
            ("Aux.".to_string(), None),
            ("CON".to_string(), None),
            ("acme__x:y".to_string(), Some("installed".to_string())),
        ];
        assert_eq!(read_back(&dir), want);
        // A manifest without the file mapping (older, or edited) still reads.
        let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap();
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        for c in old["components"].as_array_mut().unwrap() {
            c.as_object_mut().unwrap().remove("file");
        }
        std::fs::write(dir.join(MANIFEST_FILE), old.to_string()).unwrap();
        let mut problems = Vec::new();
        let m = read_manifest(&dir, &mut problems).unwrap();
        assert!(problems.is_empty() && m.components.iter().all(|c| c.file.is_none()));
        assert_eq!(
            full_name_of_file(
                Some(&m),
                ca,
                "x/App~2.connectedApp-meta.xml",
                "App~2".into()
            ),
            "App~2"
        );
        let names: Vec<String> = read_back(&dir).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["APP", "App", "Aux.", "CON", "acme__x:y"]);
    }

    #[test]
    fn record_documents_drop_full_name_and_secrets_and_keep_nil() {
        let r = record(
            MetadataType::ExtlClntAppGlobalOauthSettings,
            "App_glbloauth",
            "<records xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"ExtlClntAppGlobalOauthSettings\"><fullName>App_glbloauth</fullName><callbackUrl>https://a.example.com/cb\nhttps://b.example.com/cb</callbackUrl><consumerSecret>FAKESECRET</consumerSecret><externalClientApplication>App</externalClientApplication><isConsumerSecretOptional>false</isConsumerSecretOptional><isPkceRequired>true</isPkceRequired><isTokenExchangeEnabled xsi:nil=\"true\"/><shouldRotateConsumerSecret>false</shouldRotateConsumerSecret></records>",
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
        assert!(
            doc.contains("<isTokenExchangeEnabled xsi:nil=\"true\"/>"),
            "{doc}"
        );
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
        // A name that is a path stays one file, inside its folder, under a safe name.
        assert!(!tmp.path().join("evil.connectedApp-meta.xml").exists());
        assert!(!dir
            .join("force-app/main/default/evil.connectedApp-meta.xml")
            .exists());
        assert!(dir
            .join("force-app/main/default/connectedApps/%2E.%2Fevil.connectedApp-meta.xml")
            .is_file());
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        let (collected, d) = crate::source::collect(&dir).unwrap();
        assert_eq!(d.layout, Some(crate::source::Layout::Snapshot));
        assert_eq!(collected.components.len(), 3);
        assert!(collected
            .components
            .iter()
            .any(|l| l.component.full_name == "../evil"));
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
