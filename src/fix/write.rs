//! Writing a plan: all of it or nothing. Every file must be as it was read; every new
//! text goes to a temporary file beside its target first (so a folder that cannot be
//! written or created stops the run before any target changes); then the temporary files
//! are renamed over their targets, and a failed rename puts back what was already
//! renamed, from the original bytes the plan holds.

use super::{FixError, Plan};
use std::path::{Path, PathBuf};

/// One file to replace (`before` `Some`) or create (`None`).
struct Write<'p> {
    path: PathBuf,
    before: Option<&'p [u8]>,
    after: &'p [u8],
}

/// Writes a plan: every changed file and the step's manifest, or nothing.
pub fn apply(plan: &Plan) -> Result<(), FixError> {
    let mut writes: Vec<Write<'_>> = Vec::new();
    for c in &plan.changes {
        // Through a symbolic link (the walk follows those inside the project) to the
        // file itself, so the link stays a link.
        let path = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        writes.push(Write {
            path,
            before: c.before.as_deref(),
            after: &c.after,
        });
    }
    let m = &plan.manifest;
    if m.written() {
        writes.push(Write {
            path: m.path.clone(),
            before: m.before.as_deref(),
            after: &m.after,
        });
    }
    for w in &writes {
        let now = match std::fs::read(&w.path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(FixError::Read {
                    path: w.path.clone(),
                    reason: e.to_string(),
                })
            }
        };
        if now.as_deref() != w.before {
            return Err(FixError::Changed {
                path: w.path.clone(),
            });
        }
        if w.path.is_dir() {
            return Err(FixError::Write {
                path: w.path.clone(),
                reason: "is a folder; nothing was written".into(),
            });
        }
    }
    commit(&writes)
}

fn write_error(path: &Path, reason: impl std::fmt::Display) -> FixError {
    FixError::Write {
        path: path.to_path_buf(),
        reason: format!("{reason}; nothing was written"),
    }
}

fn temp_of(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    dir_of(path).join(format!(".{name}.pkce-audit-fix.tmp"))
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Creates `dir` and the folders above it that are missing, recording each one created.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let missing: Vec<&Path> = dir.ancestors().take_while(|a| !a.exists()).collect();
    for d in missing.into_iter().rev() {
        std::fs::create_dir(d)?;
        created.push(d.to_path_buf());
    }
    Ok(())
}

/// Undoes what a failed run made: temporary files, then created folders (deepest first).
fn clean(temps: &[PathBuf], created: &[PathBuf]) {
    for t in temps {
        let _ = std::fs::remove_file(t);
    }
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// The two phases: every temporary file, then every rename; a failure in either leaves
/// every target as it was.
fn commit(writes: &[Write<'_>]) -> Result<(), FixError> {
    let mut created = Vec::new();
    let mut temps = Vec::new();
    for w in writes {
        let tmp = temp_of(&w.path);
        let staged = create_dirs(dir_of(&w.path), &mut created)
            .and_then(|()| std::fs::write(&tmp, w.after))
            .map(|()| {
                // An existing file keeps its permissions.
                if let Ok(meta) = std::fs::metadata(&w.path) {
                    let _ = std::fs::set_permissions(&tmp, meta.permissions());
                }
            });
        if let Err(e) = staged {
            // The temporary file may have been created before the write failed.
            temps.push(tmp);
            clean(&temps, &created);
            return Err(write_error(&w.path, e));
        }
        temps.push(tmp);
    }
    for (i, w) in writes.iter().enumerate() {
        if let Err(e) = std::fs::rename(&temps[i], &w.path) {
            let unrestored = restore(&writes[..i]);
            clean(&temps[i..], &created);
            return Err(match unrestored.as_slice() {
                [] => write_error(&w.path, e),
                not => FixError::Write {
                    path: w.path.clone(),
                    reason: format!(
                        "{e}; the files renamed before it were put back except {}",
                        not.join(", ")
                    ),
                },
            });
        }
    }
    Ok(())
}

/// Puts back the files already renamed, from their original bytes (a created file is
/// removed); returns the ones that could not be, each with the reason.
fn restore(done: &[Write<'_>]) -> Vec<String> {
    let mut failed = Vec::new();
    for w in done.iter().rev() {
        let result = match w.before {
            Some(bytes) => {
                let tmp = temp_of(&w.path);
                std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &w.path))
            }
            None => std::fs::remove_file(&w.path),
        };
        if let Err(e) = result {
            failed.push(format!("{} ({e})", w.path.display()));
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write<'a>(path: &Path, before: Option<&'a [u8]>, after: &'a [u8]) -> Write<'a> {
        Write {
            path: path.to_path_buf(),
            before,
            after,
        }
    }

    #[test]
    fn a_failed_rename_puts_back_every_file_already_renamed() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, new, blocked) = (
            tmp.path().join("a.xml"),
            tmp.path().join("sub/new.xml"),
            tmp.path().join("blocked"),
        );
        std::fs::write(&a, b"old").unwrap();
        // A folder that is not empty cannot be replaced by a file: the third rename fails
        // after the first two were done.
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        let writes = [
            write(&a, Some(b"old"), b"new"),
            write(&new, None, b"created"),
            write(&blocked, None, b"m"),
        ];
        let e = commit(&writes).unwrap_err();
        assert!(e.to_string().contains("nothing was written"), "{e}");
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert!(!new.exists() && !tmp.path().join("sub").exists());
        assert!(blocked.join("x").is_dir());
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    }

    #[test]
    fn a_folder_that_cannot_be_created_stops_the_run_before_any_file_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.xml");
        std::fs::write(&a, b"old").unwrap();
        std::fs::write(tmp.path().join("manifest"), b"a file").unwrap();
        let writes = [
            write(&a, Some(b"old"), b"new"),
            write(&tmp.path().join("manifest/m.xml"), None, b"m"),
        ];
        commit(&writes).unwrap_err();
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert!(!temp_of(&a).exists());
    }
}
