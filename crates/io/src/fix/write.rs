//! Writing a plan: all of it or nothing, through [`crate::safe_write`]. Every file must be
//! as it was read and may be written (no link, inside its root, not read-only); every new
//! text goes to a temporary file beside its target first (so a folder that cannot be
//! written or created stops the run before any target changes); then the temporary files
//! are renamed over their targets, and a failed rename puts back what was already
//! renamed, from the original bytes the plan holds.

use super::{FixError, Plan};
use crate::safe_write::{Batch, Root, WriteError};
use std::path::PathBuf;

/// One file to replace (`before` `Some`) or create (`None`), below its root.
struct Write<'p> {
    root: Root,
    /// Relative to `root`.
    rel: PathBuf,
    before: Option<&'p [u8]>,
    after: &'p [u8],
}

impl Write<'_> {
    fn path(&self) -> PathBuf {
        self.root.path().join(&self.rel)
    }
}

/// A write the safe-write rules refuse, as fix says it.
pub(super) fn refused(e: WriteError) -> FixError {
    match e {
        WriteError::Io { path, reason } => FixError::Write {
            path,
            reason: format!("{reason}; nothing was written"),
        },
        refusal => FixError::Unsafe(refusal),
    }
}

/// Writes a plan: every changed file and the step's manifest, or nothing.
pub fn apply(plan: &Plan) -> Result<(), FixError> {
    let mut writes: Vec<Write<'_>> = Vec::new();
    // App files and the settings file are confined to the project, as the walk read them
    // (its canonical root); no link below it is written through.
    let project = Root::new(&plan.root);
    for c in &plan.changes {
        writes.push(Write {
            rel: project.relative(&c.path).map_err(refused)?,
            root: project.clone(),
            before: c.before.as_deref(),
            after: &c.after,
        });
    }
    let m = &plan.manifest;
    if m.written() {
        let root = Root::new(&m.root);
        writes.push(Write {
            rel: root.relative(&m.path).map_err(refused)?,
            root,
            before: m.before.as_deref(),
            after: &m.after,
        });
    }
    for w in &writes {
        // Checked before it is read: a link is refused, never read through.
        w.root.check(&w.rel).map_err(refused)?;
        let path = w.path();
        let now = match std::fs::read(&path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(FixError::Read {
                    path,
                    reason: pkce_audit_model::errors::io_reason(&e),
                })
            }
        };
        if now.as_deref() != w.before {
            return Err(FixError::Changed { path });
        }
    }
    commit(&writes)
}

/// The two phases: every temporary file, then every rename; a failure in either leaves
/// every target as it was.
fn commit(writes: &[Write<'_>]) -> Result<(), FixError> {
    finish(stage(writes)?, writes)
}

/// Every temporary file; on a failure, dropping the batch removes those made so far and
/// the folders created for them.
fn stage(writes: &[Write<'_>]) -> Result<Batch, FixError> {
    let mut batch = Batch::new();
    for w in writes {
        batch.stage(&w.root, &w.rel, w.after).map_err(refused)?;
    }
    Ok(batch)
}

/// Every rename, in order; when one fails, the ones before it are put back.
fn finish(mut batch: Batch, writes: &[Write<'_>]) -> Result<(), FixError> {
    let Err(partial) = batch.commit() else {
        return Ok(());
    };
    let unrestored = restore(&writes[..partial.done]);
    // Now that the restored files are gone, the folders the batch made can go too.
    drop(batch);
    let reason = match &partial.error {
        WriteError::Io { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    Err(FixError::Write {
        path: writes[partial.done].path(),
        reason: match unrestored.as_slice() {
            [] => format!("{reason}; nothing was written"),
            not => format!(
                "{reason}; the files renamed before it were put back except {}",
                not.join(", ")
            ),
        },
    })
}

/// Puts back the files already renamed, from their original bytes (a created file is
/// removed); returns the ones that could not be, each with the reason.
fn restore(done: &[Write<'_>]) -> Vec<String> {
    let mut failed = Vec::new();
    for w in done.iter().rev() {
        let result = match w.before {
            Some(bytes) => w.root.write(&w.rel, bytes),
            None => w.root.remove_file(&w.rel),
        };
        if let Err(e) = result {
            failed.push(format!("{} ({e})", w.path().display()));
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn write<'a>(root: &Path, rel: &str, before: Option<&'a [u8]>, after: &'a [u8]) -> Write<'a> {
        Write {
            root: Root::new(root),
            rel: PathBuf::from(rel),
            before,
            after,
        }
    }

    fn names(dir: &Path) -> Vec<std::ffi::OsString> {
        let mut n: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_failed_rename_puts_back_every_file_already_renamed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("a.xml"), b"old").unwrap();
        let writes = [
            write(root, "a.xml", Some(b"old"), b"new"),
            write(root, "sub/new.xml", None, b"created"),
            write(root, "blocked", None, b"m"),
        ];
        let batch = stage(&writes).unwrap();
        // A folder that is not empty cannot be replaced by a file: made after the files
        // were staged, the third rename fails after the first two were done.
        std::fs::create_dir_all(root.join("blocked/x")).unwrap();
        let e = finish(batch, &writes).unwrap_err();
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert_eq!(std::fs::read(root.join("a.xml")).unwrap(), b"old");
        assert!(!root.join("sub").exists());
        assert!(root.join("blocked/x").is_dir());
        assert_eq!(names(root), ["a.xml", "blocked"], "no temporary file left");
    }

    #[test]
    fn a_folder_that_cannot_be_created_stops_the_run_before_any_file_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("a.xml"), b"old").unwrap();
        std::fs::write(root.join("manifest"), b"a file").unwrap();
        let writes = [
            write(root, "a.xml", Some(b"old"), b"new"),
            write(root, "manifest/m.xml", None, b"m"),
        ];
        commit(&writes).unwrap_err();
        assert_eq!(std::fs::read(root.join("a.xml")).unwrap(), b"old");
        assert_eq!(names(root), ["a.xml", "manifest"]);
    }
}
