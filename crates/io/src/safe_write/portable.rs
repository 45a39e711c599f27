//! The same checks on paths, for systems without `openat` (Windows). Each name is looked
//! at without following links (`symlink_metadata`; on Windows junctions count as links)
//! just before it is used. Compiled on Unix too, for its tests.

use super::Kind;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub(super) struct Dir(PathBuf);

impl super::Dir for Dir {
    fn open_root(path: &Path) -> std::io::Result<Self> {
        if std::fs::metadata(path)?.is_dir() {
            Ok(Dir(path.to_path_buf()))
        } else {
            Err(std::io::ErrorKind::NotADirectory.into())
        }
    }

    fn kind(&self, name: &OsStr) -> std::io::Result<Kind> {
        let meta = match std::fs::symlink_metadata(self.0.join(name)) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Missing),
            Err(e) => return Err(e),
        };
        let t = meta.file_type();
        Ok(if t.is_symlink() {
            Kind::Link
        } else if t.is_dir() {
            Kind::Folder
        } else if t.is_file() {
            let readonly = meta.permissions().readonly();
            Kind::File {
                mode: if readonly { 0o444 } else { 0o666 },
                readonly,
                owner: None,
            }
        } else {
            Kind::Other
        })
    }

    fn child(&self, name: &OsStr) -> std::io::Result<Self> {
        match self.kind(name)? {
            Kind::Folder => Ok(Dir(self.0.join(name))),
            _ => Err(std::io::ErrorKind::NotADirectory.into()),
        }
    }

    fn make_child(&self, name: &OsStr) -> std::io::Result<()> {
        std::fs::create_dir(self.0.join(name))
    }

    fn create_new(&self, name: &OsStr, _like: Option<Kind>) -> std::io::Result<std::fs::File> {
        // `create_new` fails on anything already there, a link included. A read-only file
        // is refused before this, so a new file's default permissions are the old one's.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.0.join(name))
    }

    fn rename(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()> {
        std::fs::rename(self.0.join(from), self.0.join(to))
    }

    fn remove_file(&self, name: &OsStr) -> std::io::Result<()> {
        std::fs::remove_file(self.0.join(name))
    }

    fn remove_folder(&self, name: &OsStr) -> std::io::Result<()> {
        std::fs::remove_dir(self.0.join(name))
    }

    fn link_target(&self, name: &OsStr) -> Option<PathBuf> {
        std::fs::read_link(self.0.join(name)).ok()
    }

    fn names(&self) -> std::io::Result<Vec<OsString>> {
        std::fs::read_dir(&self.0)?
            .map(|e| e.map(|e| e.file_name()))
            .collect()
    }
}
