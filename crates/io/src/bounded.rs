//! Bounded reads: the size limits of what the tool reads from a folder, and the careful
//! reading every small file the audit depends on gets (never a FIFO, never over the
//! limit, never silently absent). Below `source` and `snapshot`, which both read so.

use pkce_audit_model::errors::io_reason;
use std::path::Path;

/// Largest metadata file we read. Real ones are a few KB; a PEM-heavy one is ~20 KB.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Largest document the tool wrote about a whole org that it reads back: a snapshot
/// manifest, a report given to `diff`. A report of 2,500 apps with usage evidence is
/// about 10 MB.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * MAX_FILE_BYTES;

/// Why a path that is not a regular file (a FIFO would block forever) is not read.
pub const NOT_REGULAR: &str = "is not a regular file (a FIFO, socket or device); not read";

/// [`read_text`] of a file that must exist: its absence is an error too.
pub fn read_required_text(path: &Path, max: u64) -> Result<String, String> {
    read_text(path, max).and_then(|t| t.ok_or_else(|| "it does not exist".to_string()))
}

/// Reads a small text file the audit depends on (`sfdx-project.json`, `.forceignore`, a
/// snapshot manifest, a waiver file): `None` when it does not exist; an error naming
/// the reason when it is not a regular file (a FIFO would block forever), is larger
/// than `max`, or is not UTF-8. Never silently treated as absent.
pub fn read_text(path: &Path, max: u64) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling symbolic link is not "no file".
            return match std::fs::symlink_metadata(path) {
                Ok(_) => Err("is a symbolic link whose target does not exist".into()),
                Err(_) => Ok(None),
            };
        }
        Err(e) => return Err(format!("cannot be read: {}", io_reason(&e))),
    };
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            "is a folder, not a file".into()
        } else {
            NOT_REGULAR.into()
        });
    }
    if meta.len() > max {
        return Err(format!(
            "is {} bytes, over the {max} byte limit",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {}", io_reason(&e)))?;
    String::from_utf8(bytes).map(Some).map_err(|e| {
        format!(
            "is not UTF-8 (invalid byte at {})",
            e.utf8_error().valid_up_to()
        )
    })
}
