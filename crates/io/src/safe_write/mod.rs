//! Every file the tool writes goes through here: `fix`'s edits and manifests, `fleet
//! --out-dir`'s reports, `fetch`'s snapshots and `--output FILE` ([`output`]).
//!
//! Each write has a **root**, a folder it is confined to. The root's own path is the
//! caller's and is followed as given; below it nothing is: a destination, or any folder
//! between the root and it, that is a symbolic link is refused ([`WriteError::Link`]), even
//! when the link leads back inside the root; a path that climbs out of the root (`..`, an
//! absolute path elsewhere) is refused ([`WriteError::OutsideRoot`]). A read-only file
//! (no write bit in its mode, read from the file's metadata) is refused, not replaced.
//!
//! A file is never written in place: its new bytes go to a temporary file created
//! exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW` on Unix) under an unpredictable name in the
//! destination's folder, which is then renamed over the destination. So a link or a file
//! already at a temporary name is never followed or reused, a hard link is never written
//! through, and a reader sees the old file or the new one, never half of one. A replaced
//! file keeps its permission bits. Folders missing on the way are created one at a time,
//! each opened without following links before anything is created in it.
//!
//! On Unix every step works on open folder descriptors (`openat`, `mkdirat`, `renameat`),
//! so a folder swapped for a link after it was checked is not followed. Elsewhere the same
//! checks run on paths (`portable`).

use pkce_audit_model::errors::{Coded, ErrorCode};
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

mod batch;
pub mod output;
#[cfg(any(not(unix), test))]
mod portable;
#[cfg(unix)]
mod unix;
mod walk;

#[cfg(not(unix))]
use portable::Dir as Native;
#[cfg(unix)]
use unix::Dir as Native;

pub use batch::{Batch, Partial};
pub use output::{Inputs, OutputFile};
use walk::{check_at, remove_at, tree_at};

/// Why a write was refused, or failed. Every variant names the path; all but
/// [`WriteError::Io`] are refusals made before anything at that path changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The destination, or a folder between the root and it, is a symbolic link.
    #[error("{}: a symbolic link{}; pkce-audit never writes through a link{}", path.display(), to(target), advice(edit))]
    Link {
        path: PathBuf,
        /// What the link says, as written in it.
        target: Option<PathBuf>,
        /// The file it leads to, when that lies inside the root: the one to edit instead.
        edit: Option<PathBuf>,
    },
    #[error("{}: outside {}, the folder this write is confined to", path.display(), root.display())]
    OutsideRoot { path: PathBuf, root: PathBuf },
    #[error("{}: read-only (no write bit in its mode), so it is not replaced; make it writable or remove it, and run again", path.display())]
    ReadOnly { path: PathBuf },
    /// A folder, a FIFO or device where a file goes, or a file where a folder goes.
    #[error("{}: {what}", path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    /// `--output` names a file this run reads.
    #[error("{}: {input}, an input of this run; the output would replace it", path.display())]
    Input { path: PathBuf, input: String },
    /// The cause is text, not a `source` (see `pkce_audit_model::errors`).
    #[error("cannot write {}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
}

impl Coded for WriteError {
    fn code(&self) -> ErrorCode {
        match self {
            WriteError::Link { .. } => ErrorCode::WriteLink,
            WriteError::OutsideRoot { .. } => ErrorCode::WriteOutsideRoot,
            WriteError::ReadOnly { .. } => ErrorCode::WriteReadOnly,
            WriteError::NotAFile { .. } => ErrorCode::WriteNotAFile,
            WriteError::Input { .. } => ErrorCode::WriteInput,
            WriteError::Io { .. } => ErrorCode::WriteIo,
        }
    }
}

fn to(target: &Option<PathBuf>) -> String {
    target
        .as_ref()
        .map(|t| format!(" (to {})", t.display()))
        .unwrap_or_default()
}

fn advice(edit: &Option<PathBuf>) -> String {
    edit.as_ref()
        .map(|e| format!(": edit {} instead", e.display()))
        .unwrap_or_default()
}

pub(crate) const IS_A_FOLDER: &str = "is a folder, not a file";
pub(crate) const NOT_REGULAR: &str = "is not a regular file (a FIFO, socket or device)";
pub(crate) const NOT_A_FOLDER: &str = "is not a folder, so nothing can be written below it";

impl WriteError {
    /// A refusal (the tool would not write there), as opposed to an I/O failure.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, WriteError::Io { .. })
    }

    fn io(path: PathBuf, e: &std::io::Error) -> WriteError {
        WriteError::Io {
            path,
            reason: pkce_audit_model::errors::io_reason(e),
        }
    }
}

/// What is at a name in a folder, links not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Missing,
    Link,
    Folder,
    /// A regular file: its permission bits (`0o777`), whether no write bit is set, and
    /// (Unix) its owner and group.
    File {
        mode: u32,
        readonly: bool,
        owner: Option<(u32, u32)>,
    },
    Other,
}

/// The file operations the checks run on: open folder descriptors on Unix, paths
/// elsewhere. Nothing here follows a link below the root.
trait Dir: Sized + Clone {
    /// The root, its own links followed.
    fn open_root(path: &Path) -> std::io::Result<Self>;
    fn kind(&self, name: &OsStr) -> std::io::Result<Kind>;
    /// The folder `name`, refused when it is a link.
    fn child(&self, name: &OsStr) -> std::io::Result<Self>;
    fn make_child(&self, name: &OsStr) -> std::io::Result<()>;
    /// A new file, created exclusively (an existing file or link fails), with the mode and
    /// owner of `like` when it replaces that file.
    fn create_new(&self, name: &OsStr, like: Option<Kind>) -> std::io::Result<std::fs::File>;
    fn rename(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()>;
    fn remove_file(&self, name: &OsStr) -> std::io::Result<()>;
    /// Removes an empty folder.
    fn remove_folder(&self, name: &OsStr) -> std::io::Result<()>;
    fn link_target(&self, name: &OsStr) -> Option<PathBuf>;
    fn names(&self) -> std::io::Result<Vec<OsString>>;
}

/// The folder a write is confined to.
#[derive(Debug, Clone)]
pub struct Root {
    /// As given: messages name paths below it so.
    path: PathBuf,
}

/// What a write would do at a destination that passed the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing is there (perhaps not even its folder): the file is created.
    New,
    /// A regular, writable file is replaced.
    Replace,
}

impl Root {
    pub fn new(path: impl Into<PathBuf>) -> Root {
        Root { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A full path (below the root as given, or below its canonical form) made relative
    /// to the root, for [`Root::check`] and the others. Refused when it is not below it.
    pub fn relative(&self, path: &Path) -> Result<PathBuf, WriteError> {
        let below = path.strip_prefix(&self.path).ok().or_else(|| {
            let canonical = self.path.canonicalize().ok()?;
            path.strip_prefix(canonical).ok()
        });
        match below {
            Some(rel) => self.clean(rel),
            None => Err(self.outside(path)),
        }
    }

    fn outside(&self, path: &Path) -> WriteError {
        WriteError::OutsideRoot {
            path: path.to_path_buf(),
            root: self.path.clone(),
        }
    }

    /// `rel`, a path relative to the root, checked: plain names only (no `..`, nothing
    /// absolute), and not empty.
    pub(super) fn clean(&self, rel: &Path) -> Result<PathBuf, WriteError> {
        let mut clean = PathBuf::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => clean.push(n),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(self.outside(&self.path.join(rel)))
                }
            }
        }
        if clean.as_os_str().is_empty() {
            return Err(WriteError::NotAFile {
                path: self.path.clone(),
                what: IS_A_FOLDER,
            });
        }
        Ok(clean)
    }

    /// Creates the root itself when missing, with the folders above it: its own path is
    /// the caller's, followed as given.
    pub fn create(&self) -> Result<(), WriteError> {
        match std::fs::metadata(&self.path) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(WriteError::NotAFile {
                path: self.path.clone(),
                what: NOT_A_FOLDER,
            }),
            Err(_) => std::fs::create_dir_all(&self.path)
                .map_err(|e| WriteError::io(self.path.clone(), &e)),
        }
    }

    /// Checks, changing nothing, that `rel` (relative to the root) may be written.
    pub fn check(&self, rel: &Path) -> Result<Target, WriteError> {
        check_at::<Native>(self, rel)
    }

    /// Writes `bytes` to `rel`: a temporary file beside it, renamed over it.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        let mut batch = Batch::new();
        batch.stage(self, rel, bytes)?;
        batch.commit().map_err(|p| p.error)
    }

    /// Removes the file `rel` when it is there; a link there is refused, not removed.
    pub fn remove_file(&self, rel: &Path) -> Result<(), WriteError> {
        remove_at::<Native>(self, rel, false)
    }

    /// Removes the folder `rel` and everything in it. Refused, with nothing removed, when
    /// it or anything in it is a link: an earlier snapshot of this tool holds none.
    pub fn remove_tree(&self, rel: &Path) -> Result<(), WriteError> {
        remove_at::<Native>(self, rel, true)
    }

    /// Checks, changing nothing, that [`Root::remove_tree`] would go through.
    pub fn check_tree(&self, rel: &Path) -> Result<(), WriteError> {
        tree_at::<Native>(self, rel).map(|_| ())
    }

    fn shown(&self, rel: &Path) -> PathBuf {
        self.path.join(rel)
    }

    fn io(&self, rel: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
        let path = self.shown(rel);
        move |e| WriteError::io(path.clone(), &e)
    }

    /// The refusal for a link at `rel` (seen from `dir`, where it is `name`).
    fn link<D: Dir>(&self, dir: &D, name: &OsStr, rel: &Path) -> WriteError {
        let shown = self.shown(rel);
        let edit = match (shown.canonicalize(), self.path.canonicalize()) {
            (Ok(to), Ok(root)) if to.is_file() => to
                .strip_prefix(&root)
                .ok()
                .map(|inside| self.path.join(inside)),
            _ => None,
        };
        WriteError::Link {
            path: shown,
            target: dir.link_target(name),
            edit,
        }
    }
}

#[cfg(all(test, unix))]
mod tests;
