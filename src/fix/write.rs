//! Writing a plan: nothing unless every file is as it was read, each file replaced whole.

use super::{FixError, Plan};
use std::path::Path;

/// Writes a plan: every changed file, then the step's manifest at `manifest_path`.
/// Nothing is written when anything was refused or a file changed since it was read.
pub fn apply(plan: &Plan, manifest_path: &Path) -> Result<(), FixError> {
    if !plan.refusals.is_empty() {
        return Err(FixError::Refused(plan.refusals.len()));
    }
    let Some(manifest) = plan.manifest() else {
        return Ok(());
    };
    for c in &plan.changes {
        let now = match std::fs::read(&c.path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(FixError::Read {
                    path: c.path.clone(),
                    reason: e.to_string(),
                })
            }
        };
        if now != c.before {
            return Err(FixError::Changed {
                path: c.path.clone(),
            });
        }
    }
    for c in &plan.changes {
        // Through a symbolic link (the walk follows those inside the project) to the
        // file itself, so the link stays a link.
        let target = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        write_atomically(&target, &c.after)?;
    }
    write_atomically(manifest_path, manifest.as_bytes())
}

/// Writes through a temporary file in the same folder and a rename, so a failure
/// leaves the old file whole; an existing file keeps its permissions.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FixError> {
    let err = |reason: String| FixError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.pkce-audit-fix.tmp"));
    std::fs::write(&tmp, bytes).map_err(|e| err(e.to_string()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e.to_string())
    })
}
