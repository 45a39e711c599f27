//! Directory input: an SFDX project, an mdapi-format folder, a snapshot written by
//! `pkce-audit fetch`, or any folder holding source-format metadata at any depth.
//!
//! Files are classified by `<folder>/<name>.<suffix>[-meta.xml]` using the type table in
//! `metadata`, parsed with the same parsers the live path uses, and handed to
//! `inventory::build`. A file that cannot be read becomes a `Problem`; the rest goes on.

use crate::inventory::{Collected, Loaded, PackageInfo, Problem};
use crate::metadata::{self, MetadataType, ALL_TYPES, OAUTH_OIDC_MEMBER};
use crate::snapshot;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Largest metadata file we read. Real ones are a few KB; a PEM-heavy one is ~20 KB.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {reason}")]
    NotADirectory { path: PathBuf, reason: String },
    /// A mistyped path in CI must fail, not pass as an audit of nothing.
    #[error("{path}: no Salesforce metadata here: no sfdx-project.json, no package.xml, no snapshot manifest, and no file named *.connectedApp[-meta.xml], *.eca[-meta.xml] (or another External Client App type) or OauthOidc.settings[-meta.xml] at any depth")]
    NothingToAudit { path: PathBuf },
}

/// How the folder was recognised; reported in the scope of the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    SfdxProject,
    Mdapi,
    Snapshot,
    Folder,
}

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
}

/// Classifies a file by its name alone, as Salesforce's own tooling does
/// (forcedotcom/source-deploy-retrieve resolves a source file by its suffix, whatever
/// folder it sits in): source format is `<name>.<suffix>-meta.xml`, mdapi format
/// `<name>.<suffix>`. Only the `OauthOidc` member of the settings is read.
pub fn classify(file_name: &str) -> Option<(MetadataType, String)> {
    let stem = file_name.strip_suffix("-meta.xml").unwrap_or(file_name);
    let info = ALL_TYPES.iter().find(|t| {
        stem.strip_suffix(t.suffix)
            .is_some_and(|s| s.ends_with('.') && s.len() > 1)
    })?;
    let name = &stem[..stem.len() - info.suffix.len() - 1];
    if info.ty == MetadataType::OauthOidcSettings && name != OAUTH_OIDC_MEMBER {
        return None;
    }
    Some((info.ty, name.to_string()))
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

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

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

/// Reads `sfdx-project.json`: package directories (inside the root) and namespace.
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

const NOT_REGULAR: &str = "is not a regular file (a FIFO, socket or device); not read";

fn read_project(root: &Path, d: &mut Discovery) -> Option<Vec<PathBuf>> {
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

fn forceignore(root: &Path, d: &mut Discovery) -> Option<Gitignore> {
    let file = root.join(".forceignore");
    match read_text(&file, MAX_FILE_BYTES) {
        Ok(Some(_)) => {}
        Ok(None) => return None,
        Err(reason) => {
            d.problems.push(
                Problem::new(format!("{reason}; nothing was excluded")).file(".forceignore", None),
            );
            return None;
        }
    }
    let mut b = GitignoreBuilder::new(root);
    if let Some(e) = b.add(&file) {
        d.problems.push(
            Problem::new(format!("some .forceignore lines could not be used: {e}"))
                .file(".forceignore", None),
        );
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

/// Folders no deployable metadata lives in: hidden ones (source-deploy-retrieve's
/// default ignore list has `**/.*`, src/resolve/forceIgnore.ts) and `node_modules`.
/// Skipping them keeps the walk fast in big repositories.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

/// Finds every metadata file pkce-audit reads below `root`.
pub fn discover(root: &Path) -> Result<Discovery, SourceError> {
    let root = root
        .canonicalize()
        .map_err(|e| SourceError::NotADirectory {
            path: root.to_path_buf(),
            reason: format!("cannot open: {e}"),
        })?;
    if !root.is_dir() {
        return Err(SourceError::NotADirectory {
            path: root,
            reason: "not a directory".into(),
        });
    }
    let mut d = Discovery::default();
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

/// An SFDX project deploys only its package directories, so metadata files elsewhere
/// in it are not read; they are named so that nothing is left out without a word.
fn note_outside_packages(
    root: &Path,
    dirs: &[PathBuf],
    seen: &HashMap<PathBuf, String>,
    d: &mut Discovery,
) {
    let outside: Vec<String> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && e.depth() > 0
                && (skipped_dir(&e.file_name().to_string_lossy())
                    || dirs.iter().any(|p| p == e.path())))
        })
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir() && classify(&e.file_name().to_string_lossy()).is_some())
        // Read already, through a link from a package directory.
        .filter(|e| !std::fs::canonicalize(e.path()).is_ok_and(|c| seen.contains_key(&c)))
        .map(|e| rel_path(root, e.path()))
        .collect();
    if !outside.is_empty() {
        d.notes.push(format!(
            "{} metadata file(s) outside the packageDirectories of sfdx-project.json were not read (Salesforce's tools do not deploy them){}",
            outside.len(),
            listed(": ", &outside, "")
        ));
    }
}

/// The first few paths of a list for a note, `before`/`after` around them; empty for
/// an empty list.
fn listed(before: &str, paths: &[String], after: &str) -> String {
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

/// Walks one package directory. Symbolic links are followed when they resolve inside
/// the audited root (walkdir detects loops); a link that leads outside it, or nowhere,
/// is a problem naming it, because what it points at could hold metadata we would
/// otherwise skip without a word. Only regular files are opened.
fn walk(
    root: &Path,
    start: &Path,
    ignore: Option<&Gitignore>,
    seen: &mut HashMap<PathBuf, String>,
    d: &mut Discovery,
) {
    let mut refused: Vec<Problem> = Vec::new();
    let mut skipped: Vec<PathBuf> = Vec::new();
    let entries = walkdir::WalkDir::new(start)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0
                && e.file_type().is_dir()
                && skipped_dir(&e.file_name().to_string_lossy())
            {
                skipped.push(e.path().to_path_buf());
                return false;
            }
            if !e.path_is_symlink() {
                return true;
            }
            let rel = rel_path(root, e.path());
            match std::fs::canonicalize(e.path()) {
                Ok(target) if target.starts_with(root) => true,
                Ok(target) => {
                    refused.push(
                        Problem::new(format!(
                            "is a symbolic link to {}, outside the audited folder; not followed",
                            target.display()
                        ))
                        .file(rel, None),
                    );
                    false
                }
                Err(err) => {
                    refused.push(
                        Problem::new(format!(
                            "is a symbolic link that cannot be followed ({err}); not read"
                        ))
                        .file(rel, None),
                    );
                    false
                }
            }
        });
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e.path().map(|p| rel_path(root, p)).unwrap_or_default();
                match e.loop_ancestor() {
                    Some(ancestor) => d.notes.push(format!(
                        "{rel}: symbolic link back to {}, which is already being read; not followed again",
                        rel_path(root, ancestor)
                    )),
                    // walkdir stats a link's target before filter_entry sees it.
                    None if e.path().is_some_and(Path::is_symlink) => d.problems.push(
                        Problem::new(
                            "is a symbolic link that cannot be followed (its target does not exist); not read",
                        )
                        .file(rel, None),
                    ),
                    None => d
                        .problems
                        .push(Problem::new(format!("cannot be read: {e}")).file(rel, None)),
                }
                continue;
            }
        };
        visit(root, &entry, ignore, seen, d);
    }
    d.problems.append(&mut refused);
    note_skipped(root, &skipped, d);
}

/// One entry of the walk: read, or named in a note or problem, never dropped unsaid.
fn visit(
    root: &Path,
    entry: &walkdir::DirEntry,
    ignore: Option<&Gitignore>,
    seen: &mut HashMap<PathBuf, String>,
    d: &mut Discovery,
) {
    let path = entry.path();
    let file_type = entry.file_type();
    let name = entry.file_name().to_string_lossy();
    let rel = rel_path(root, path);
    let classified = classify(&name);
    if let Some(g) = ignore {
        if g.matched_path_or_any_parents(path, file_type.is_dir())
            .is_ignore()
        {
            if !file_type.is_dir() {
                d.ignored += 1;
                if classified.is_some() {
                    d.ignored_metadata.push(rel);
                }
            }
            return;
        }
    }
    if file_type.is_dir() {
        if entry.depth() > 0 && (classified.is_some() || near_miss(&name).is_some()) {
            d.notes.push(format!(
                "{rel}: a folder named like a metadata file; not read"
            ));
        }
        return;
    }
    let Some((ty, full_name)) = classified else {
        if let Some(ty) = near_miss(&name) {
            d.notes.push(format!(
                "{rel}: named like a {ty} file, but Salesforce's tools read only the exact name (.{}-meta.xml or .{}); not read",
                ty.info().suffix,
                ty.info().suffix
            ));
        }
        return;
    };
    // source-deploy-retrieve ignores hidden files (`**/.*`).
    if name.starts_with('.') {
        d.notes.push(format!(
            "{rel}: a hidden file, which Salesforce's tools ignore; not read"
        ));
        return;
    }
    // A snapshot may have had to give a file a portable name; the manifest keeps the
    // true one.
    let full_name = snapshot::full_name_of_file(d.manifest.as_ref(), ty, &rel, full_name);
    if !file_type.is_file() {
        d.problems.push(
            Problem::new(NOT_REGULAR)
                .component(ty, &full_name)
                .file(rel, None),
        );
        return;
    }
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(first) = seen.get(&canonical) {
        d.notes.push(format!(
            "{rel}: the same file as {first} (through a symbolic link or nested package directory); read once"
        ));
        return;
    }
    seen.insert(canonical, rel.clone());
    d.files.push(SourceFile {
        path: path.to_path_buf(),
        rel,
        ty,
        full_name,
    });
}

/// Hidden folders are not searched (Salesforce's tools ignore them), but metadata in
/// one is named. `.git` and `node_modules` are passed over without a look: their size
/// would cost every audit, and no deployable metadata lives there.
fn note_skipped(root: &Path, skipped: &[PathBuf], d: &mut Discovery) {
    for dir in skipped {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        if name == ".git" || name == "node_modules" {
            continue;
        }
        let found = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .filter(|e| classify(&e.file_name().to_string_lossy()).is_some())
            .count();
        if found > 0 {
            d.notes.push(format!(
                "{}: {found} metadata file(s) in a hidden folder, which Salesforce's tools ignore; not read",
                rel_path(root, dir)
            ));
        }
    }
}

/// Reads and parses one file into a component, or the problem that stops it.
pub fn load_file(f: &SourceFile, package: PackageInfo) -> Result<Loaded, Problem> {
    let problem = |reason: String, line: Option<u32>| {
        Problem::new(reason)
            .component(f.ty, &f.full_name)
            .file(f.rel.clone(), line)
    };
    let meta =
        std::fs::metadata(&f.path).map_err(|e| problem(format!("cannot be read: {e}"), None))?;
    // Opening a FIFO blocks until a writer comes; a device never ends.
    if !meta.is_file() {
        return Err(problem(NOT_REGULAR.into(), None));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(problem(
            format!(
                "is {} bytes, over the {} byte limit for a metadata file",
                meta.len(),
                MAX_FILE_BYTES
            ),
            None,
        ));
    }
    let bytes =
        std::fs::read(&f.path).map_err(|e| problem(format!("cannot be read: {e}"), None))?;
    let mut root = crate::xml::parse(&bytes).map_err(|e| problem(e.message, Some(e.line)))?;
    // A consumer secret committed by mistake goes no further than this function.
    metadata::strip_secrets(&mut root);
    let component = metadata::parse_component(&root, Some(f.ty), &f.full_name)
        .map_err(|e| problem(e.kind.to_string(), Some(e.line)))?;
    // The name decides duplicates and joins: a `<fullName>` that disagrees with the
    // file's name would let a stale copy pass as another component.
    if component.full_name != f.full_name
        && !snapshot::is_portable_name_of(&f.full_name, &component.full_name)
    {
        return Err(problem(
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
                Problem::new("listed in the snapshot manifest, but its file is missing; not read")
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
            Err(p) => collected.problems.push(p),
        }
    }
    if let Some(m) = &d.manifest {
        account_for_manifest(m, &d, &mut collected);
        collected.problems.extend(m.problems.iter().cloned());
        collected.notes.extend(m.notes.iter().cloned());
        collected.evidence = m.evidence.clone();
        if m.evidence.is_none() {
            collected.no_evidence_reason = Some("the snapshot was fetched without it".into());
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
            Problem::new(
                "org OAuth settings not found (settings/OauthOidc.settings-meta.xml); org-level rules were not checked",
            )
            .component(MetadataType::OauthOidcSettings, OAUTH_OIDC_MEMBER),
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_source_and_mdapi_names_by_suffix() {
        assert_eq!(
            classify("My_App.connectedApp-meta.xml"),
            Some((MetadataType::ConnectedApp, "My_App".into()))
        );
        assert_eq!(
            classify("ns__App.connectedApp"),
            Some((MetadataType::ConnectedApp, "ns__App".into()))
        );
        assert_eq!(
            classify("X_defaultPolicy.ecaOauthPlcy-meta.xml"),
            Some((
                MetadataType::ExtlClntAppOauthConfigurablePolicies,
                "X_defaultPolicy".into()
            ))
        );
        assert_eq!(
            classify("OauthOidc.settings-meta.xml"),
            Some((MetadataType::OauthOidcSettings, "OauthOidc".into()))
        );
        assert_eq!(classify("Security.settings-meta.xml"), None);
        assert_eq!(classify(".connectedApp-meta.xml"), None);
        assert_eq!(classify("A.ecaglbloauth-meta.xml"), None);
    }

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
