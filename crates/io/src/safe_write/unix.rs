//! The checks on open folder descriptors: every name is looked up in a folder already
//! opened (`openat`, `statat` without following links), so a folder swapped for a link
//! after it was checked is never followed.

use super::Kind;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, CWD};
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub(super) struct Dir(Arc<OwnedFd>);

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

impl super::Dir for Dir {
    fn open_root(path: &Path) -> std::io::Result<Self> {
        Ok(Dir(Arc::new(rustix::fs::openat(
            CWD,
            path,
            DIR_FLAGS,
            Mode::empty(),
        )?)))
    }

    fn kind(&self, name: &OsStr) -> std::io::Result<Kind> {
        let st = match rustix::fs::statat(&*self.0, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT) => return Ok(Kind::Missing),
            Err(e) => return Err(e.into()),
        };
        let mode = st.st_mode as u32;
        Ok(match FileType::from_raw_mode(st.st_mode as _) {
            FileType::Symlink => Kind::Link,
            FileType::Directory => Kind::Folder,
            // Read from the mode itself, not inferred from a failed open: root may open
            // any file for writing.
            FileType::RegularFile => Kind::File {
                mode: mode & 0o777,
                readonly: mode & 0o222 == 0,
                owner: Some((st.st_uid, st.st_gid)),
            },
            _ => Kind::Other,
        })
    }

    fn child(&self, name: &OsStr) -> std::io::Result<Self> {
        let fd = rustix::fs::openat(&*self.0, name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())?;
        Ok(Dir(Arc::new(fd)))
    }

    fn make_child(&self, name: &OsStr) -> std::io::Result<()> {
        // The umask narrows it, as for any folder a program creates.
        Ok(rustix::fs::mkdirat(
            &*self.0,
            name,
            Mode::from_raw_mode(0o777),
        )?)
    }

    fn create_new(&self, name: &OsStr, like: Option<Kind>) -> std::io::Result<std::fs::File> {
        let (mode, owner) = match like {
            Some(Kind::File { mode, owner, .. }) => (Some(mode), owner),
            _ => (None, None),
        };
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        // Created no wider than the file it replaces (the umask may narrow it further),
        // then given exactly its bits; a new file gets 0o666 less the umask.
        let fd = rustix::fs::openat(
            &*self.0,
            name,
            flags,
            Mode::from_raw_mode(mode.unwrap_or(0o666) as _),
        )?;
        let file = std::fs::File::from(fd);
        if let Some((uid, gid)) = owner {
            let st = rustix::fs::fstat(&file)?;
            if (st.st_uid, st.st_gid) != (uid, gid) {
                // Only root can give a file away: a replaced file stays its owner's when
                // the tool runs as root, and is the user's own otherwise, as an editor does.
                let _ = std::os::unix::fs::fchown(&file, Some(uid), Some(gid));
            }
        }
        if let Some(mode) = mode {
            rustix::fs::fchmod(&file, Mode::from_raw_mode(mode as _))?;
        }
        Ok(file)
    }

    fn rename(&self, from: &OsStr, to: &OsStr) -> std::io::Result<()> {
        Ok(rustix::fs::renameat(&*self.0, from, &*self.0, to)?)
    }

    fn remove_file(&self, name: &OsStr) -> std::io::Result<()> {
        Ok(rustix::fs::unlinkat(&*self.0, name, AtFlags::empty())?)
    }

    fn remove_folder(&self, name: &OsStr) -> std::io::Result<()> {
        Ok(rustix::fs::unlinkat(&*self.0, name, AtFlags::REMOVEDIR)?)
    }

    fn link_target(&self, name: &OsStr) -> Option<PathBuf> {
        let target = rustix::fs::readlinkat(&*self.0, name, Vec::new()).ok()?;
        Some(PathBuf::from(OsString::from_vec(target.into_bytes())))
    }

    fn names(&self) -> std::io::Result<Vec<OsString>> {
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&*self.0)? {
            let bytes = entry?.file_name().to_bytes().to_vec();
            if bytes != b"." && bytes != b".." {
                names.push(OsString::from_vec(bytes));
            }
        }
        Ok(names)
    }
}
