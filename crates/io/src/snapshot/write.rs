//! Writing a snapshot: the SFDX project, one file per record, and the manifest.

use super::names::portable_stems;
use super::*;
use crate::safe_write::Root;
use pkce_audit_model::errors::{Coded, ErrorCode};

pub const PACKAGE_DIR: &str = "force-app";
pub(super) const METADATA_DIR: &str = "force-app/main/default";
pub(super) const PROJECT_FILE: &str = "sfdx-project.json";
pub(super) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} is not empty and is not an earlier pkce-audit snapshot (it has no {MANIFEST_FILE}); choose an empty or new folder", path.display())]
    NotASnapshot { path: std::path::PathBuf },
    #[error("{} exists and is not a folder", path.display())]
    NotAFolder { path: std::path::PathBuf },
    /// The cause is text, not a `source` (see `pkce_audit_model::errors`).
    #[error("cannot write {}: {reason}", path.display())]
    Io {
        path: std::path::PathBuf,
        reason: String,
    },
    /// A write the safe-write rules refuse (a link in the snapshot folder, …), or one
    /// that failed; said as the rules say it.
    #[error("{0}")]
    Unsafe(crate::safe_write::WriteError),
}

impl Coded for WriteError {
    fn code(&self) -> ErrorCode {
        match self {
            WriteError::NotASnapshot { .. } => ErrorCode::SnapshotNotASnapshot,
            WriteError::NotAFolder { .. } => ErrorCode::SnapshotNotAFolder,
            WriteError::Io { .. } => ErrorCode::SnapshotWrite,
            WriteError::Unsafe(e) => e.code(),
        }
    }
}

/// A readMetadata record as a source-format file: the record's children under a
/// `<TypeName xmlns=...>` root, without `<fullName>` (the file name carries it) and
/// without secrets.
pub fn record_document(record: &crate::salesforce::FetchedRecord) -> String {
    record_document_named(record, false)
}

/// [`record_document`], keeping `<fullName>` first when the file name cannot carry it.
pub(super) fn record_document_named(
    record: &crate::salesforce::FetchedRecord,
    full_name: bool,
) -> String {
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
            ..Default::default()
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

pub(super) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Io {
        path: path.to_path_buf(),
        reason: pkce_audit_model::errors::io_reason(&e),
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
/// an earlier snapshot whose files may be replaced (none of them, nor anything in its
/// `force-app`, a link). Run it before fetching so a refusal costs no API calls.
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
    let root = Root::new(dir);
    // What was there is read through no link either: a manifest that is a link is not
    // an earlier snapshot of this tool.
    root.check(Path::new(MANIFEST_FILE))
        .map_err(WriteError::Unsafe)?;
    if !dir.join(MANIFEST_FILE).is_file() {
        return Err(WriteError::NotASnapshot {
            path: dir.to_path_buf(),
        });
    }
    root.check(Path::new(PROJECT_FILE))
        .and_then(|_| root.check_tree(Path::new(PACKAGE_DIR)))
        .map_err(WriteError::Unsafe)?;
    Ok(Target::EarlierSnapshot)
}

/// Makes sure `dir` may be written, and removes an earlier snapshot's files (anything
/// else in the folder is left alone); nothing is removed through a link.
pub(super) fn prepare(dir: &Path) -> Result<(), WriteError> {
    match check_target(dir)? {
        Target::New => return Root::new(dir).create().map_err(WriteError::Unsafe),
        Target::Empty => return Ok(()),
        Target::EarlierSnapshot => {}
    }
    let root = Root::new(dir);
    // The manifest goes first: a snapshot half removed is no longer taken for a whole one.
    for name in [MANIFEST_FILE, PROJECT_FILE] {
        root.remove_file(Path::new(name))
            .map_err(WriteError::Unsafe)?;
    }
    root.remove_tree(Path::new(PACKAGE_DIR))
        .map_err(WriteError::Unsafe)
}

/// Writes one file of the snapshot, confined to its folder and scrubbed of every secret of
/// the run: a record or a problem may quote what a server echoed.
pub(super) fn write_file(root: &Path, rel: &str, text: &str) -> Result<(), WriteError> {
    let text = crate::secrets::scrub(text);
    Root::new(root)
        .write(Path::new(rel), text.as_bytes())
        .map_err(WriteError::Unsafe)
}

/// Writes what a fetch read as a snapshot: an SFDX project (`sfdx-project.json`,
/// `force-app/main/default/<folder>/<fullName>.<suffix>-meta.xml`) and the manifest,
/// written last. Secrets are not written. Returns the manifest.
pub fn write(dir: &Path, fetched: &crate::salesforce::Fetched) -> Result<Manifest, WriteError> {
    prepare(dir)?;
    let result = write_contents(dir, fetched);
    if result.is_err() {
        // Leave no half snapshot behind that a later audit would take for a whole one.
        let root = Root::new(dir);
        let _ = root.remove_tree(Path::new(PACKAGE_DIR));
        let _ = root.remove_file(Path::new(PROJECT_FILE));
    }
    result
}

pub(super) fn write_contents(
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
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Refused,
                    "it has no name, so it is not in the snapshot",
                )
                .component(r.ty, &r.full_name),
            );
            continue;
        };
        // A file name is an output too: a name that holds a secret (a server echoing a
        // token as a component name) is not written, and is named, scrubbed, instead.
        if crate::secrets::scrub(stem) != stem.as_str() {
            problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Refused,
                    "its name holds a credential, so it is not in the snapshot",
                )
                .component(r.ty, &crate::secrets::scrub(&r.full_name)),
            );
            continue;
        }
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
        tool_version: pkce_audit_model::report::TOOL_VERSION.to_string(),
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
