//! `--output FILE`: a path the user chose, so its folder is the root and only the file
//! itself is checked. Refused when it is a folder, a symbolic link, or a file the same run
//! reads (compared as the same file, not by name). A regular file is replaced atomically
//! and keeps its mode; a FIFO or character device (`>(…)`, `/dev/null`, a terminal) is
//! written in place; `/dev/stdout` is standard output itself.

use super::{Root, WriteError, IS_A_FOLDER, NOT_A_FOLDER, NOT_REGULAR};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where `--output` goes, and what the run reads (which it must not replace).
#[derive(Debug, Clone)]
pub struct OutputFile {
    path: PathBuf,
    /// Each input with what it is ("the fleet file").
    inputs: Vec<(PathBuf, String)>,
}

/// How an output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Standard output of this process (`/dev/stdout`).
    Stdout,
    /// A FIFO or character device: opened and written, nothing replaced.
    InPlace,
    /// A regular file, new or replaced by rename.
    Replace,
}

/// Names of this process's standard output: written through the descriptor it has, so a
/// redirection to a file (`> out.txt`) keeps its offset and truncation.
const STDOUT_NAMES: &[&str] = &["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"];

impl OutputFile {
    pub fn new(path: impl Into<PathBuf>) -> OutputFile {
        OutputFile {
            path: path.into(),
            inputs: Vec::new(),
        }
    }

    /// Adds a file the run reads (`what`: how a message names it, "the fleet file").
    /// `-` (standard input) is not a file and is skipped.
    pub fn input(mut self, path: &Path, what: &str) -> OutputFile {
        if path != Path::new("-") {
            self.inputs.push((path.to_path_buf(), what.to_string()));
        }
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn folder(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// Checks, changing nothing, where the output goes, or why it may not.
    pub fn check(&self) -> Result<Place, WriteError> {
        if STDOUT_NAMES.iter().any(|n| self.path == Path::new(n)) {
            return Ok(Place::Stdout);
        }
        let path = self.path.clone();
        let meta = match std::fs::symlink_metadata(&self.path) {
            Ok(m) => m,
            Err(e) => return self.check_folder(&e).map(|()| Place::Replace),
        };
        let followed = if meta.file_type().is_symlink() {
            // A link to a FIFO or device (`/dev/fd/63` of `>(…)`) is written in place;
            // a link to anything else would be written through.
            match std::fs::metadata(&self.path) {
                Ok(m) if in_place(&m) => m,
                _ => {
                    return Err(WriteError::Link {
                        target: std::fs::read_link(&self.path).ok(),
                        path,
                        edit: None,
                    })
                }
            }
        } else {
            meta
        };
        let place = if followed.is_dir() {
            return Err(WriteError::NotAFile {
                path,
                what: IS_A_FOLDER,
            });
        } else if followed.is_file() {
            if followed.permissions().readonly() {
                return Err(WriteError::ReadOnly { path });
            }
            Place::Replace
        } else if in_place(&followed) {
            Place::InPlace
        } else {
            return Err(WriteError::NotAFile {
                path,
                what: NOT_REGULAR,
            });
        };
        if let Some((_, what)) = self
            .inputs
            .iter()
            .find(|(input, _)| same_file(&self.path, &followed, input))
        {
            return Err(WriteError::Input {
                path,
                input: what.clone(),
            });
        }
        Ok(place)
    }

    /// A new file: its folder must exist (it is not created).
    fn check_folder(&self, e: &std::io::Error) -> Result<(), WriteError> {
        let folder = self.folder();
        match std::fs::metadata(folder) {
            Ok(m) if m.is_dir() => match e.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(WriteError::io(self.path.clone(), e)),
            },
            Ok(_) => Err(WriteError::NotAFile {
                path: folder.to_path_buf(),
                what: NOT_A_FOLDER,
            }),
            Err(f) if f.kind() == std::io::ErrorKind::NotFound => Err(WriteError::Io {
                path: self.path.clone(),
                reason: format!("the folder {} does not exist", folder.display()),
            }),
            Err(f) => Err(WriteError::io(folder.to_path_buf(), &f)),
        }
    }

    /// Writes `bytes`, checked again first. A reader that went away (a closed pipe) is not
    /// an error: the output was for it.
    pub fn write(&self, bytes: &[u8]) -> Result<(), WriteError> {
        let quiet_pipe = |r: std::io::Result<()>| match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(|e| WriteError::io(self.path.clone(), &e)),
        };
        match self.check()? {
            Place::Stdout => {
                let mut out = std::io::stdout().lock();
                quiet_pipe(out.write_all(bytes).and_then(|()| out.flush()))
            }
            Place::InPlace => {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&self.path)
                    .map_err(|e| WriteError::io(self.path.clone(), &e))?;
                // What was opened is what was checked: a FIFO or device, never a file.
                match f.metadata() {
                    Ok(m) if in_place(&m) => {}
                    _ => {
                        return Err(WriteError::NotAFile {
                            path: self.path.clone(),
                            what: "changed while it was being opened; not written",
                        })
                    }
                }
                quiet_pipe(f.write_all(bytes).and_then(|()| f.flush()))
            }
            Place::Replace => {
                let name = self.path.file_name().ok_or_else(|| WriteError::NotAFile {
                    path: self.path.clone(),
                    what: IS_A_FOLDER,
                })?;
                Root::new(self.folder()).write(Path::new(name), bytes)
            }
        }
    }
}

/// A FIFO or a character device: written in place.
fn in_place(m: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = m.file_type();
        t.is_fifo() || t.is_char_device()
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        false
    }
}

/// Whether `input` is the file at `output` (links followed, `meta` its metadata): the
/// same device and inode on Unix, the same canonical path elsewhere.
fn same_file(output: &Path, meta: &std::fs::Metadata, input: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = output;
        std::fs::metadata(input).is_ok_and(|i| i.dev() == meta.dev() && i.ino() == meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        match (output.canonicalize(), input.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}
