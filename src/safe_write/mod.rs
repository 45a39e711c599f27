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

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

pub mod output;
#[cfg(any(not(unix), test))]
mod portable;
#[cfg(unix)]
mod unix;

#[cfg(not(unix))]
use portable::Dir as Native;
#[cfg(unix)]
use unix::Dir as Native;

pub use output::OutputFile;

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
    /// The cause is text, not a `source` (see `crate::errors`).
    #[error("cannot write {}: {reason}", path.display())]
    Io { path: PathBuf, reason: String },
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
            reason: crate::errors::io_reason(e),
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

    /// `path` relative to the root: `path` is below the root as given, or below its
    /// canonical form, or relative to it already. Refused when it climbs out.
    pub fn relative(&self, path: &Path) -> Result<PathBuf, WriteError> {
        let outside = || WriteError::OutsideRoot {
            path: path.to_path_buf(),
            root: self.path.clone(),
        };
        let rel = if let Ok(r) = path.strip_prefix(&self.path) {
            r.to_path_buf()
        } else if let Some(r) = self
            .path
            .canonicalize()
            .ok()
            .and_then(|c| path.strip_prefix(c).ok().map(Path::to_path_buf))
        {
            r
        } else if path.is_absolute() {
            return Err(outside());
        } else {
            path.to_path_buf()
        };
        let mut clean = PathBuf::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => clean.push(n),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                    return Err(outside())
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

    /// Checks, changing nothing, that `rel` may be written.
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

/// Folders a batch created, to remove again when it does not complete.
struct Created<D> {
    /// Ancestors of a root that did not exist (the root's own path, created as given).
    roots: Vec<PathBuf>,
    /// Below a root: the folder and the name created in it.
    below: Vec<(D, OsString)>,
}

/// The folder that holds `rel`, opened; `None` when a folder on the way is missing and
/// `create` is false (then everything below it is new). Folders are created one at a
/// time, each checked before it is entered.
fn parent<D: Dir>(
    root: &Root,
    rel: &Path,
    created: Option<&mut Created<D>>,
) -> Result<Option<D>, WriteError> {
    let mut created = created;
    let mut dir = match D::open_root(&root.path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match created.as_deref_mut() {
            None => return Ok(None),
            Some(c) => {
                create_root(&root.path, &mut c.roots).map_err(root.io(Path::new("")))?;
                D::open_root(&root.path).map_err(root.io(Path::new("")))?
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(WriteError::NotAFile {
                path: root.path.clone(),
                what: NOT_A_FOLDER,
            })
        }
        Err(e) => return Err(root.io(Path::new(""))(e)),
    };
    let Some(folders) = rel.parent() else {
        return Ok(Some(dir));
    };
    let mut so_far = PathBuf::new();
    for name in folders.iter() {
        so_far.push(name);
        match dir.kind(name).map_err(root.io(&so_far))? {
            Kind::Folder => {}
            Kind::Missing => match created.as_deref_mut() {
                None => return Ok(None),
                Some(c) => match dir.make_child(name) {
                    Ok(()) => c.below.push((dir.clone(), name.to_os_string())),
                    // Made by someone else meanwhile: entered only if it is a folder.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(root.io(&so_far)(e)),
                },
            },
            Kind::Link => return Err(root.link(&dir, name, &so_far)),
            Kind::File { .. } | Kind::Other => {
                return Err(WriteError::NotAFile {
                    path: root.shown(&so_far),
                    what: NOT_A_FOLDER,
                })
            }
        }
        dir = match dir.child(name) {
            Ok(d) => d,
            // Swapped for a link (or a file) since it was looked at.
            Err(e) => {
                return Err(match dir.kind(name) {
                    Ok(Kind::Link) => root.link(&dir, name, &so_far),
                    _ => root.io(&so_far)(e),
                })
            }
        };
    }
    Ok(Some(dir))
}

/// Creates the missing folders of a root's own path, outermost first, recording each.
fn create_root(path: &Path, created: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let missing: Vec<&Path> = path
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| std::fs::symlink_metadata(a).is_err())
        .collect();
    for d in missing.into_iter().rev() {
        std::fs::create_dir(d)?;
        created.push(d.to_path_buf());
    }
    Ok(())
}

fn file_name(rel: &Path) -> &OsStr {
    rel.file_name()
        .expect("a relative path of Normal components")
}

/// The checks of a destination already in `dir`: what is there, or the refusal.
fn check_name<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<Kind, WriteError> {
    let name = file_name(rel);
    let kind = dir.kind(name).map_err(root.io(rel))?;
    match kind {
        Kind::Missing => Ok(kind),
        Kind::File { readonly: true, .. } => Err(WriteError::ReadOnly {
            path: root.shown(rel),
        }),
        Kind::File { .. } => Ok(kind),
        Kind::Link => Err(root.link(dir, name, rel)),
        Kind::Folder => Err(WriteError::NotAFile {
            path: root.shown(rel),
            what: IS_A_FOLDER,
        }),
        Kind::Other => Err(WriteError::NotAFile {
            path: root.shown(rel),
            what: NOT_REGULAR,
        }),
    }
}

fn check_at<D: Dir>(root: &Root, rel: &Path) -> Result<Target, WriteError> {
    let rel = root.relative(rel)?;
    match parent::<D>(root, &rel, None)? {
        None => Ok(Target::New),
        Some(dir) => match check_name(root, &dir, &rel)? {
            Kind::Missing => Ok(Target::New),
            _ => Ok(Target::Replace),
        },
    }
}

/// An unpredictable temporary name beside `name`: hidden (the audit's walk skips hidden
/// files), and short enough for any file system whatever the length of `name`.
fn temp_name(name: &OsStr, n: u64) -> OsString {
    let stem: String = name.to_string_lossy().chars().take(64).collect();
    OsString::from(format!(".{stem}.{n:016x}.pkce-audit.tmp"))
}

/// Creates the temporary file, under a new name whenever one is taken (by a file, a link,
/// anything): an existing name is never opened.
fn create_temp<D: Dir>(
    dir: &D,
    name: &OsStr,
    like: Option<Kind>,
    mut next: impl FnMut() -> u64,
) -> std::io::Result<(OsString, std::fs::File)> {
    let mut last = None;
    for _ in 0..16 {
        let temp = temp_name(name, next());
        match dir.create_new(&temp, like) {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// One staged file: its temporary name, to be renamed over `name` in `dir`.
struct Staged<D> {
    dir: D,
    temp: OsString,
    name: OsString,
    shown: PathBuf,
}

/// Writes of one run that land together: every temporary file first ([`Batch::stage`]),
/// then every rename ([`Batch::commit`]). Dropped before it completes, it removes its
/// temporary files and the folders it created (when empty).
pub struct Batch(Core<Native>);

/// A commit that stopped: the renames before `done` went through.
#[derive(Debug)]
pub struct Partial {
    pub done: usize,
    pub error: WriteError,
}

struct Core<D: Dir> {
    staged: Vec<Staged<D>>,
    created: Created<D>,
    /// How many staged files were renamed into place.
    renamed: usize,
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}

impl Batch {
    pub fn new() -> Batch {
        Batch(Core::new())
    }

    /// Checks `rel` and writes `bytes` to a new temporary file beside it (creating the
    /// folders on the way). Nothing at `rel` changes until [`Batch::commit`].
    pub fn stage(&mut self, root: &Root, rel: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        self.0.stage(root, rel, bytes)
    }

    /// Renames every staged file over its destination, in the order staged.
    pub fn commit(&mut self) -> Result<(), Partial> {
        self.0.commit()
    }
}

impl<D: Dir> Core<D> {
    fn new() -> Self {
        Core {
            staged: Vec::new(),
            created: Created {
                roots: Vec::new(),
                below: Vec::new(),
            },
            renamed: 0,
        }
    }

    fn stage(&mut self, root: &Root, rel: &Path, bytes: &[u8]) -> Result<(), WriteError> {
        let rel = root.relative(rel)?;
        let dir = parent::<D>(root, &rel, Some(&mut self.created))?
            .expect("folders are created on the way");
        let like = match check_name(root, &dir, &rel)? {
            Kind::Missing => None,
            k => Some(k),
        };
        let name = file_name(&rel);
        let (temp, mut file) =
            create_temp(&dir, name, like, || fastrand::u64(..)).map_err(root.io(&rel))?;
        let staged = Staged {
            dir,
            temp,
            name: name.to_os_string(),
            shown: root.shown(&rel),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        // Recorded before the error is returned, so that dropping removes it.
        self.staged.push(staged);
        written.map_err(root.io(&rel))
    }

    fn commit(&mut self) -> Result<(), Partial> {
        while self.renamed < self.staged.len() {
            let s = &self.staged[self.renamed];
            if let Err(e) = s.dir.rename(&s.temp, &s.name) {
                return Err(Partial {
                    done: self.renamed,
                    error: WriteError::io(s.shown.clone(), &e),
                });
            }
            self.renamed += 1;
        }
        Ok(())
    }
}

impl<D: Dir> Drop for Core<D> {
    /// An incomplete batch leaves nothing: its temporary files go, then the folders it
    /// created (deepest first; one that is not empty stays).
    fn drop(&mut self) {
        if self.renamed == self.staged.len() && !self.staged.is_empty() {
            return;
        }
        for s in &self.staged[self.renamed..] {
            let _ = s.dir.remove_file(&s.temp);
        }
        for (dir, name) in self.created.below.iter().rev() {
            let _ = dir.remove_folder(name);
        }
        for d in self.created.roots.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// The folder `rel` and everything in it, checked for links without changing anything:
/// the folder that holds it, opened, when `rel` is a folder.
fn tree_at<D: Dir>(root: &Root, rel: &Path) -> Result<Option<D>, WriteError> {
    let rel = root.relative(rel)?;
    let Some(dir) = parent::<D>(root, &rel, None)? else {
        return Ok(None);
    };
    let name = file_name(&rel);
    match dir.kind(name).map_err(root.io(&rel))? {
        Kind::Missing => return Ok(None),
        Kind::Link => return Err(root.link(&dir, name, &rel)),
        Kind::Folder => {}
        Kind::File { .. } | Kind::Other => {
            return Err(WriteError::NotAFile {
                path: root.shown(&rel),
                what: NOT_A_FOLDER,
            })
        }
    }
    fn scan<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<(), WriteError> {
        let here = dir.child(file_name(rel)).map_err(root.io(rel))?;
        for n in here.names().map_err(root.io(rel))? {
            let sub = rel.join(&n);
            match here.kind(&n).map_err(root.io(&sub))? {
                Kind::Link => return Err(root.link(&here, &n, &sub)),
                Kind::Folder => scan(root, &here, &sub)?,
                _ => {}
            }
        }
        Ok(())
    }
    scan(root, &dir, &rel)?;
    Ok(Some(dir))
}

fn remove_at<D: Dir>(root: &Root, rel: &Path, tree: bool) -> Result<(), WriteError> {
    if tree {
        let rel = root.relative(rel)?;
        let Some(dir) = tree_at::<D>(root, &rel)? else {
            return Ok(());
        };
        fn empty<D: Dir>(root: &Root, dir: &D, rel: &Path) -> Result<(), WriteError> {
            let here = dir.child(file_name(rel)).map_err(root.io(rel))?;
            for n in here.names().map_err(root.io(rel))? {
                let sub = rel.join(&n);
                match here.kind(&n).map_err(root.io(&sub))? {
                    Kind::Folder => empty(root, &here, &sub)?,
                    // A link appeared since the scan: removing it removes only the link.
                    _ => here.remove_file(&n).map_err(root.io(&sub))?,
                }
            }
            dir.remove_folder(file_name(rel)).map_err(root.io(rel))
        }
        return empty(root, &dir, &rel);
    }
    let rel = root.relative(rel)?;
    let Some(dir) = parent::<D>(root, &rel, None)? else {
        return Ok(());
    };
    match check_name(root, &dir, &rel) {
        Ok(Kind::Missing) => Ok(()),
        // A read-only file of an earlier snapshot may go: it is not written through.
        Ok(_) | Err(WriteError::ReadOnly { .. }) => {
            dir.remove_file(file_name(&rel)).map_err(root.io(&rel))
        }
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod tests;
