//! `--output FILE`: a path the user chose, so its folder is the root and only the file
//! itself is checked. Refused when it is a folder, a symbolic link (but the process's own
//! descriptors `/dev/fd/N`, `/proc/self/fd/N`, `/dev/stdout`, `/dev/stderr`, as `>(…)`
//! gives), or an input of the same run ([`Inputs`]: a file it reads, compared as the same
//! file, not by name, or a file of a `--source` folder the audit reads). A regular file is
//! replaced atomically and keeps its mode; a FIFO or character device (`>(…)`,
//! `/dev/null`, a terminal) is written in place; `/dev/stdout` is standard output itself.

use super::{Root, WriteError, IS_A_FOLDER, NOT_A_FOLDER, NOT_REGULAR};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Everything a run reads, which none of its writes may replace: files, compared as files
/// (device and inode), and source folders, below which every file the audit's walk reads
/// by its name (a metadata file, `sfdx-project.json`, `.forceignore`, `package.xml`, a
/// snapshot's manifest, a waiver file) counts as an input, whether it exists yet or not.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Each file with what it is ("the fleet file").
    files: Vec<(PathBuf, String)>,
    /// Each source folder, resolved, with what it is ("the --source folder").
    trees: Vec<(PathBuf, String)>,
}

impl Inputs {
    /// Adds a file the run reads. `-` (standard input) is not a file and is skipped.
    pub fn file(&mut self, path: &Path, what: &str) {
        if path != Path::new("-") {
            self.files.push((path.to_path_buf(), what.to_string()));
        }
    }

    /// Adds a folder the run audits.
    pub fn tree(&mut self, dir: &Path, what: &str) {
        let resolved = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        self.trees.push((resolved, what.to_string()));
    }

    /// What `path` is among the inputs, if it is one: the same file as an input file
    /// (`meta`: its metadata, links followed, when it exists), or a name the walk reads
    /// below a source folder.
    pub fn holds(&self, path: &Path, meta: Option<&std::fs::Metadata>) -> Option<String> {
        if let Some(meta) = meta {
            if let Some((_, what)) = self
                .files
                .iter()
                .find(|(input, _)| same_file(path, meta, input))
            {
                return Some(what.clone());
            }
        }
        let name = path.file_name()?;
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let resolved = folder.canonicalize().ok()?.join(name);
        self.trees
            .iter()
            .find(|(tree, _)| {
                resolved.starts_with(tree) && crate::names::read_by_name(&name.to_string_lossy())
            })
            .map(|(_, what)| format!("a file of {what} that the audit reads"))
    }
}

/// Where `--output` goes, and what the run reads (which it must not replace).
#[derive(Debug, Clone)]
pub struct OutputFile {
    path: PathBuf,
    inputs: Inputs,
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
            inputs: Inputs::default(),
        }
    }

    /// Adds a file the run reads (`what`: how a message names it, "the fleet file").
    /// `-` (standard input) is not a file and is skipped.
    pub fn input(mut self, path: &Path, what: &str) -> OutputFile {
        self.inputs.file(path, what);
        self
    }

    /// Adds a folder the run audits (`--source`, a fleet's `source =`): no file of it
    /// that the audit reads may be the output.
    pub fn source(mut self, dir: &Path, what: &str) -> OutputFile {
        self.inputs.tree(dir, what);
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
            Err(e) => {
                self.check_folder(&e)?;
                return self.not_an_input(None).map(|()| Place::Replace);
            }
        };
        let followed = if meta.file_type().is_symlink() {
            // The process's own descriptor (`/dev/fd/63` of `>(…)`), when it is a FIFO or
            // device, is written in place; any other link is refused, whatever it leads to
            // (a link to `/dev/full` or a FIFO in a project is not the user's own output).
            match std::fs::metadata(&self.path) {
                Ok(m) if own_descriptor(&self.path) && in_place(&m) => m,
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
        self.not_an_input(Some(&followed))?;
        Ok(place)
    }

    /// Refused when the output is an input of the run ([`Inputs::holds`]).
    fn not_an_input(&self, meta: Option<&std::fs::Metadata>) -> Result<(), WriteError> {
        match self.inputs.holds(&self.path, meta) {
            Some(input) => Err(WriteError::Input {
                path: self.path.clone(),
                input,
            }),
            None => Ok(()),
        }
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

/// A name of this process's own descriptors: `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
/// `/proc/self/fd/N` (what `>(…)` and shells hand over). The only links `--output`
/// follows.
fn own_descriptor(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let numbered = |prefix: &str| {
        text.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(text, "/dev/stdout" | "/dev/stderr")
        || numbered("/dev/fd/")
        || numbered("/proc/self/fd/")
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

#[cfg(test)]
mod tests {
    use super::own_descriptor;
    use std::path::Path;

    #[test]
    fn only_the_processs_own_descriptors_are_links_output_follows() {
        for own in [
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/63",
            "/proc/self/fd/2",
        ] {
            assert!(own_descriptor(Path::new(own)), "{own}");
        }
        for other in [
            "/dev/full",
            "/dev/fd/",
            "/dev/fd/6x",
            "/proc/1/fd/2",
            "/proc/self/fd/../../1/root",
            "p/report.json",
            "/dev/stdout2",
        ] {
            assert!(!own_descriptor(Path::new(other)), "{other}");
        }
    }
}
