//! The walk of a folder: every entry read, followed, or named.

use super::{classify, listed, rel_path, Discovery, SourceFile};
use crate::bounded::NOT_REGULAR;
use crate::names::near_miss;
use crate::snapshot;
use ignore::gitignore::Gitignore;
use pkce_audit_model::inventory::Problem;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Folders no deployable metadata lives in: hidden ones (source-deploy-retrieve's
/// default ignore list has `**/.*`, src/resolve/forceIgnore.ts) and `node_modules`.
/// Skipping them keeps the walk fast in big repositories.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

/// An SFDX project deploys only its package directories, so metadata files elsewhere
/// in it are not read; they are named so that nothing is left out without a word.
pub(super) fn note_outside_packages(
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

/// Walks one package directory. Symbolic links are followed when they resolve inside
/// the audited root (walkdir detects loops); a link that leads outside it, or nowhere,
/// is a problem naming it, because what it points at could hold metadata we would
/// otherwise skip without a word. Only regular files are opened.
pub(super) fn walk(
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
                        Problem::new(
                            pkce_audit_model::inventory::ProblemKind::Refused,
                            format!(
                            "is a symbolic link to {}, outside the audited folder; not followed",
                            target.display()
                        ),
                        )
                        .file(rel, None),
                    );
                    false
                }
                Err(err) => {
                    refused.push(
                        Problem::new(
                            pkce_audit_model::inventory::ProblemKind::Unreadable,
                            format!(
                                "is a symbolic link that cannot be followed ({}); not read",
                                pkce_audit_model::errors::io_reason(&err)
                            ),
                        )
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
                        Problem::new(pkce_audit_model::inventory::ProblemKind::Unreadable, format!(
                            "is a symbolic link that cannot be followed ({}); not read",
                            match e.io_error() {
                                Some(io) if io.kind() != std::io::ErrorKind::NotFound => {
                                    pkce_audit_model::errors::io_reason(io)
                                }
                                _ => "its target does not exist".into(),
                            }
                        ))
                        .file(rel, None),
                    ),
                    // walkdir's own text names the path again; the I/O cause is enough.
                    None => d.problems.push(
                        Problem::new(pkce_audit_model::inventory::ProblemKind::Unreadable, format!(
                            "cannot be read: {}",
                            e.io_error()
                                .map(pkce_audit_model::errors::io_reason)
                                .unwrap_or_else(|| e.to_string())
                        ))
                        .file(rel, None),
                    ),
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
        if entry.depth() == 0 {
            return;
        }
        match classified {
            // A component may be meant here (an unpacked file, a bad merge, a hostile
            // repository): nothing can be read as it, so it is an unread item.
            Some((ty, full_name)) => d.problems.push(
                Problem::new(pkce_audit_model::inventory::ProblemKind::Refused, format!(
                    "a folder named like a {ty} metadata file (.{}-meta.xml); nothing in it is read as that component",
                    ty.info().suffix
                ))
                .component(ty, &full_name)
                .file(rel, None),
            ),
            // Salesforce's tools would not read a file of that name either.
            None if near_miss(&name).is_some() => d.notes.push(format!(
                "{rel}: a folder named like a metadata file; not read"
            )),
            None => {}
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
            Problem::new(
                pkce_audit_model::inventory::ProblemKind::Refused,
                NOT_REGULAR,
            )
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
