//! Which waiver file a run reads: the file given, else `pkce-audit.toml` at the root of
//! the audited folder, else `pkce-audit.toml` in the current folder; and what the reader
//! should be told about the choice.

use super::{load_as, Waiver, WaiverError, DEFAULT_FILE};
use std::path::{Path, PathBuf};

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// No waivers at all (`--no-waivers`).
    Off,
    /// This file (`--waivers FILE`); it must exist.
    File(PathBuf),
    /// The default file, where one exists.
    Default,
}

/// Which waiver file a run reads, and what the reader should be told about the choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The file to read, as given or as found (relative to the current folder when the
    /// source was given relative); `None`: no waivers.
    pub file: Option<PathBuf>,
    /// Notes for the report: a default file that exists but is not read, or a verdict that
    /// rests on a file found in the current folder rather than in the audited project.
    pub notes: Vec<String>,
}

/// `dir/pkce-audit.toml` without a leading `./`, so `--source .` names `pkce-audit.toml`.
fn default_in(dir: &Path) -> PathBuf {
    let joined = dir.join(DEFAULT_FILE);
    joined
        .strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or(joined)
}

/// Whether two paths (relative to `cwd`) name the same existing file.
fn same_file(a: &Path, b: &Path, cwd: &Path) -> bool {
    match (cwd.join(a).canonicalize(), cwd.join(b).canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => cwd.join(a) == cwd.join(b),
    }
}

/// Decides which waiver file applies: `--waivers FILE`; else `pkce-audit.toml` at the root
/// of the audited folder (`source_root`, `None` for a live org); else `pkce-audit.toml` in
/// `cwd`, the current folder, which relative paths are read against.
pub fn resolve(selection: &Selection, source_root: Option<&Path>, cwd: &Path) -> Resolution {
    // `exists`, not `is_file`: a default file that is a folder or a FIFO is chosen, so
    // that reading it fails by name instead of the run saying "no waivers".
    let project = source_root.map(default_in).filter(|p| cwd.join(p).exists());
    let here = Some(PathBuf::from(DEFAULT_FILE))
        .filter(|p| cwd.join(p).exists())
        .filter(|h| !project.as_ref().is_some_and(|p| same_file(p, h, cwd)));
    let defaults: Vec<&PathBuf> = project.iter().chain(here.iter()).collect();
    let not_read = |why: &str, skip: Option<&Path>| -> Vec<String> {
        defaults
            .iter()
            .filter(|d| !skip.is_some_and(|s| same_file(s, d, cwd)))
            .map(|d| format!("{why}: the waiver file {} was not read.", d.display()))
            .collect()
    };
    match selection {
        Selection::Off => {
            let mut notes = not_read("Waivers turned off", None);
            if notes.is_empty() {
                notes.push("Waivers turned off.".into());
            }
            Resolution { file: None, notes }
        }
        Selection::File(f) => Resolution {
            file: Some(f.clone()),
            notes: not_read(
                &format!("Waivers taken from {}", f.display()),
                Some(f.as_path()),
            ),
        },
        Selection::Default => match (project, here) {
            (Some(p), here) => Resolution {
                notes: here
                    .map(|h| {
                        format!(
                            "Waivers taken from the audited project's {}: {} in the current folder was not read.",
                            p.display(),
                            h.display()
                        )
                    })
                    .into_iter()
                    .collect(),
                file: Some(p),
            },
            (None, Some(h)) => Resolution {
                notes: source_root
                    .map(|root| {
                        format!(
                            "Waivers taken from {} in the current folder, not from the audited folder {}: run from another folder, the same audit may give another verdict.",
                            h.display(),
                            root.display()
                        )
                    })
                    .into_iter()
                    .collect(),
                file: Some(h),
            },
            (None, None) => Resolution::default(),
        },
    }
}

/// The waivers of a run: the file they come from, its entries, and the notes of
/// [`resolve`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverSet {
    /// As given or found; `None`: no waiver file applies.
    pub file: Option<PathBuf>,
    /// The same file, canonical (for SARIF's file links); `None` with no file.
    pub canonical: Option<PathBuf>,
    pub waivers: Vec<Waiver>,
    pub notes: Vec<String>,
}

impl Resolution {
    /// Reads the chosen file (relative paths against `cwd`). A missing or malformed file is
    /// an error: ignoring it would change the verdict.
    pub fn load(self, cwd: &Path) -> Result<WaiverSet, WaiverError> {
        let waivers = match &self.file {
            Some(f) => load_as(&cwd.join(f), f)?,
            None => Vec::new(),
        };
        // It was just read, so it resolves; a race that removes it leaves no link.
        let canonical = self
            .file
            .as_ref()
            .and_then(|f| cwd.join(f).canonicalize().ok());
        Ok(WaiverSet {
            file: self.file,
            canonical,
            waivers,
            notes: self.notes,
        })
    }
}
