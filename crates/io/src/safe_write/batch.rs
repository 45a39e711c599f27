//! Staging and committing: new bytes go to a temporary file created exclusively beside
//! the destination, then are renamed over it.

use super::walk::{check_name, file_name, parent, Created};
use super::{Dir, Kind, Native, Root, WriteError};
use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// An unpredictable temporary name beside `name`: hidden (the audit's walk skips hidden
/// files), and short enough for any file system whatever the length of `name`.
pub(super) fn temp_name(name: &OsStr, n: u64) -> OsString {
    let stem: String = name.to_string_lossy().chars().take(64).collect();
    OsString::from(format!(".{stem}.{n:016x}.pkce-audit.tmp"))
}

/// Creates the temporary file, under a new name whenever one is taken (by a file, a link,
/// anything): an existing name is never opened.
pub(super) fn create_temp<D: Dir>(
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

pub(super) struct Core<D: Dir> {
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
    pub(super) fn new() -> Self {
        Core {
            staged: Vec::new(),
            created: Created {
                roots: Vec::new(),
                below: Vec::new(),
            },
            renamed: 0,
        }
    }

    pub(super) fn stage(
        &mut self,
        root: &Root,
        rel: &Path,
        bytes: &[u8],
    ) -> Result<(), WriteError> {
        let rel = root.clean(rel)?;
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
        // A file that replaces another is on disk before the rename, so a crash never
        // leaves an empty file where the old one was; new files (a snapshot's thousands)
        // are not synced one by one.
        let written = file.write_all(bytes).and_then(|()| match like {
            Some(_) => file.sync_all(),
            None => Ok(()),
        });
        // Recorded before the error is returned, so that dropping removes it.
        self.staged.push(staged);
        written.map_err(root.io(&rel))
    }

    pub(super) fn commit(&mut self) -> Result<(), Partial> {
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
