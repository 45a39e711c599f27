//! Which waiver file a run reads: the file given, else `pkce-audit.toml` at the root of
//! the audited folder, else `pkce-audit.toml` in the current folder; and what the reader
//! should be told about the choice.

pub use pkce_audit_model::waivers::*;

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

/// A waiver file is a page of TOML; anything larger is not one.
const MAX_WAIVER_BYTES: u64 = 1024 * 1024;

pub fn load(file: &Path) -> Result<Vec<Waiver>, WaiverError> {
    load_as(file, file)
}

/// [`load`] with the file's `org_domains`.
pub fn load_file(file: &Path) -> Result<ConfigFile, WaiverError> {
    load_file_as(file, file)
}

/// Reads `path`, naming it `name` in waivers and messages.
fn load_as(path: &Path, name: &Path) -> Result<Vec<Waiver>, WaiverError> {
    load_file_as(path, name).map(|c| c.waivers)
}

/// Reads `path` whole: its waivers and `org_domains`.
fn load_file_as(path: &Path, name: &Path) -> Result<ConfigFile, WaiverError> {
    let text = crate::source::read_required_text(path, MAX_WAIVER_BYTES).map_err(|reason| {
        WaiverError::Io {
            file: name.to_path_buf(),
            reason,
        }
    })?;
    parse_file(&text, name)
}

impl Resolution {
    /// Reads the chosen file (relative paths against `cwd`). A missing or malformed file is
    /// an error: ignoring it would change the verdict.
    pub fn load(self, cwd: &Path) -> Result<WaiverSet, WaiverError> {
        let ConfigFile {
            waivers,
            org_domains,
        } = match &self.file {
            Some(f) => load_file_as(&cwd.join(f), f)?,
            None => ConfigFile::default(),
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
            org_domains,
            notes: self.notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two waivers, enough to tell the entries apart.
    const FILE: &str = r#"[[waiver]]
rule = "app-pkce-not-required"
app = "ERP_Integration"
reason = "JWT only"
approved_by = "jane@example.com"
expires = 2026-12-31

[[waiver]]
rule = "insecure-callback-url"
app = "Gone_App"
reason = "r"
approved_by = "b"
expires = 2030-01-01
"#;

    fn touch(dir: &Path, rel: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn resolution_prefers_the_flag_then_the_project_then_the_current_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path();
        std::fs::create_dir_all(cwd.join("proj")).unwrap();
        let proj = Some(Path::new("proj"));
        let file = |r: &Resolution| r.file.as_ref().map(|f| f.display().to_string());
        // Nothing anywhere: no file, nothing to say.
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(r, Resolution::default());
        // Only in the current folder: applied, with a note that the folder decided it.
        touch(cwd, DEFAULT_FILE);
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes[0].contains("in the current folder, not from the audited folder proj"));
        // A live audit (no folder) reads the current folder's file without comment.
        let r = resolve(&Selection::Default, None, cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes.is_empty());
        // The project's file wins, and the other is named as not read.
        touch(cwd, "proj/pkce-audit.toml");
        let r = resolve(&Selection::Default, proj, cwd);
        assert_eq!(
            file(&r),
            Some(Path::new("proj").join(DEFAULT_FILE).display().to_string())
        );
        assert_eq!(r.notes.len(), 1);
        assert!(r.notes[0].contains("pkce-audit.toml in the current folder was not read"));
        // `--source .`: one file, found as the project's, named without "./".
        let r = resolve(&Selection::Default, Some(Path::new(".")), cwd);
        assert_eq!(file(&r).as_deref(), Some("pkce-audit.toml"));
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        // An explicit file wins over both, which are named.
        let r = resolve(&Selection::File("w.toml".into()), proj, cwd);
        assert_eq!(file(&r).as_deref(), Some("w.toml"));
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
        // Unless it is one of them.
        let r = resolve(&Selection::File("pkce-audit.toml".into()), proj, cwd);
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        // Turned off: no file, and what was not read is named.
        let r = resolve(&Selection::Off, proj, cwd);
        assert_eq!(r.file, None);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
        assert!(r
            .notes
            .iter()
            .all(|n| n.starts_with("Waivers turned off: ")));
        let r = resolve(&Selection::Off, None, tmp.path().join("proj").as_path());
        assert!(r.notes.iter().all(|n| n.starts_with("Waivers turned off")));
    }

    #[test]
    fn loading_reads_against_the_given_folder_and_names_the_file_as_found() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("proj")).unwrap();
        std::fs::write(tmp.path().join("proj").join(DEFAULT_FILE), FILE).unwrap();
        let set = resolve(&Selection::Default, Some(Path::new("proj")), tmp.path())
            .load(tmp.path())
            .unwrap();
        let name = Path::new("proj").join(DEFAULT_FILE).display().to_string();
        assert_eq!(set.waivers.len(), 2);
        assert_eq!(set.waivers[1].file, name);
        let err = resolve(&Selection::File("missing.toml".into()), None, tmp.path())
            .load(tmp.path())
            .unwrap_err();
        assert!(
            err.to_string().starts_with("missing.toml: cannot be read"),
            "{err}"
        );
    }
}
