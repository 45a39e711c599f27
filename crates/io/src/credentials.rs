//! Reading credentials as hostile input (issue 18 §2): every token file, auth-URL file and
//! `-` (standard input), whether named on the command line or in a fleet file, is read
//! here, once, before any call is made.
//!
//! - What a path names is looked at before it is opened: on the command line a regular
//!   file, a FIFO (`--access-token-file <(pass show sf)` names `/dev/fd/N`, a pipe) or `-`
//!   (standard input: a pipe, a socket as Node.js hands its children, or a file) is read;
//!   a folder, a device or a socket named by path is refused at once. A fleet file's entries
//!   name regular files only. What was opened is looked at again, so a path swapped in
//!   between is refused too.
//! - The read is bounded in size ([`MAX_BYTES`]) and in time (`--timeout`): it runs on a
//!   thread of its own, so a FIFO whose writer never writes ends the run with one line
//!   instead of hanging it, and no blocking read runs on the async runtime's workers.
//! - A byte-order mark and surrounding whitespace are stripped. A token holding a control
//!   character, a space or anything not ASCII is refused as malformed without echoing it
//!   ([`malformed`]); so are such client ids, client secrets and refresh tokens of an auth
//!   URL.
//!
//! Every secret read becomes a [`Secret`], which registers it with [`crate::secrets`].
//! What a read credential connects to is the Salesforce client's
//! ([`crate::salesforce::auth::load`]): this module knows files and tokens, not orgs.

use crate::secrets::Secret;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Largest token or auth-URL file read; real ones are under 1 KB.
pub const MAX_BYTES: u64 = 64 * 1024;

/// Where a credential's path was given: what it may name depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An option of the command line: a regular file, a FIFO or `-`.
    CommandLine,
    /// An entry of a fleet file: a regular file only.
    FleetFile,
}

/// What is at a path, as far as reading a credential from it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regular,
    Fifo,
    Folder,
    Device,
    Socket,
    Other,
}

#[cfg(unix)]
fn kind_of(t: std::fs::FileType) -> Kind {
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() {
        Kind::Regular
    } else if t.is_dir() {
        Kind::Folder
    } else if t.is_fifo() {
        Kind::Fifo
    } else if t.is_char_device() || t.is_block_device() {
        Kind::Device
    } else if t.is_socket() {
        Kind::Socket
    } else {
        Kind::Other
    }
}

#[cfg(not(unix))]
fn kind_of(t: std::fs::FileType) -> Kind {
    if t.is_file() {
        Kind::Regular
    } else if t.is_dir() {
        Kind::Folder
    } else {
        Kind::Other
    }
}

/// Why a credential is not read from what is at its path; `None`: it is read.
fn refusal(kind: Kind, origin: Origin, stdin: bool) -> Option<String> {
    let on_command_line = "give a regular file, a FIFO or `-` (standard input)";
    match (kind, origin) {
        (Kind::Regular, _) | (Kind::Fifo, Origin::CommandLine) => None,
        // Standard input that is a socket is a pipe by another name: Node.js and other
        // launchers give a child a socket pair for its standard input.
        (Kind::Socket, Origin::CommandLine) if stdin => None,
        (Kind::Fifo, Origin::FleetFile) => {
            Some("is a FIFO (named pipe): a fleet file names regular files only".into())
        }
        (Kind::Folder, _) => Some("is a folder, not a file".into()),
        (Kind::Device | Kind::Socket | Kind::Other, _) if stdin => Some(format!(
            "is a {}: pipe the credential in (e.g. `pass show sf | pkce-audit … -`) or give a file",
            match kind {
                Kind::Device => "terminal or device",
                Kind::Socket => "socket",
                _ => "file of another kind",
            }
        )),
        (Kind::Device, Origin::CommandLine) => Some(format!("is a device: {on_command_line}")),
        (Kind::Socket, Origin::CommandLine) => Some(format!("is a socket: {on_command_line}")),
        (Kind::Other, Origin::CommandLine) => {
            Some(format!("is not a file that can be read: {on_command_line}"))
        }
        (Kind::Device | Kind::Socket | Kind::Other, Origin::FleetFile) => {
            Some("is not a regular file: a fleet file names regular files only".into())
        }
    }
}

/// Where a credential is read from.
#[derive(Debug, Clone)]
enum Place {
    File(PathBuf),
    Stdin,
}

impl Place {
    fn of(path: &Path) -> Place {
        if path == Path::new("-") {
            Place::Stdin
        } else {
            Place::File(path.to_path_buf())
        }
    }

    /// Opens it, after checking what it is, and checks what was opened.
    fn open(&self, origin: Origin) -> Result<std::fs::File, String> {
        let cannot = |e: std::io::Error| {
            format!(
                "cannot be read: {}",
                pkce_audit_model::errors::io_reason(&e)
            )
        };
        let file = match self {
            Place::File(p) => {
                // Before opening: opening a device or a FIFO can block or act.
                let before = std::fs::metadata(p).map_err(cannot)?;
                if let Some(why) = refusal(kind_of(before.file_type()), origin, false) {
                    return Err(why);
                }
                std::fs::File::open(p).map_err(cannot)?
            }
            Place::Stdin => stdin_file().map_err(cannot)?,
        };
        let opened = file.metadata().map_err(cannot)?;
        match refusal(
            kind_of(opened.file_type()),
            origin,
            matches!(self, Place::Stdin),
        ) {
            Some(why) => Err(why),
            None => Ok(file),
        }
    }
}

/// Standard input as a file of its own (a duplicate of descriptor 0), to look at and read.
#[cfg(unix)]
fn stdin_file() -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        std::io::stdin().as_fd().try_clone_to_owned()?,
    ))
}

#[cfg(windows)]
fn stdin_file() -> std::io::Result<std::fs::File> {
    use std::os::windows::io::AsHandle;
    Ok(std::fs::File::from(
        std::io::stdin().as_handle().try_clone_to_owned()?,
    ))
}

#[cfg(not(any(unix, windows)))]
fn stdin_file() -> std::io::Result<std::fs::File> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "standard input cannot be read as a file on this system",
    ))
}

/// Reads at most [`MAX_BYTES`]; more is refused, not cut. `got` counts the bytes read so
/// far, so that a read that does not end can say whether anything came.
fn read_bounded(
    place: &Place,
    origin: Origin,
    got: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut file = place.open(origin)?.take(MAX_BYTES + 1);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                got.store(bytes.len(), std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(format!(
                    "cannot be read: {}",
                    pkce_audit_model::errors::io_reason(&e)
                ))
            }
        }
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!(
            "is larger than {} KiB: not a file holding one credential",
            MAX_BYTES / 1024
        ));
    }
    Ok(bytes)
}

/// The text of a credential: a byte-order mark and surrounding whitespace removed.
pub fn clean(text: &str) -> &str {
    text.trim().trim_start_matches('\u{feff}').trim()
}

/// Why `value` is not a well-formed token (or client id, or secret), in words that do not
/// quote it: a control character, a space, a character that is not ASCII, or one that is
/// part of an output's structure and in no real credential (`"`, `'`, `:`, `,`, `{`, `<`,
/// `&`, `;`, … [`crate::secrets::STRUCTURAL`]), and where (`a space at character 5 of 40
/// (…)`). `None`: well formed. Only a well-formed value is registered as a secret, so a
/// server cannot make the run erase ordinary words or an output's structure.
pub fn malformed(value: &str) -> Option<String> {
    let count = value.chars().count();
    value.chars().enumerate().find_map(|(i, c)| {
        let what = if c.is_control() {
            "a control character"
        } else if c.is_whitespace() {
            "a space"
        } else if !c.is_ascii() {
            "a character that is not ASCII"
        } else if crate::secrets::STRUCTURAL.contains(&(c as u8)) {
            "a quote, bracket or separator no credential holds"
        } else {
            return None;
        };
        Some(format!(
            "{what} at character {} of {count} (the value is not shown)",
            i + 1
        ))
    })
}

/// Why a credential was not read. The caller names it (what it holds, and its path), so
/// that an error says which option or fleet-file key gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// It cannot be read, or holds no credential: words that never quote its content
    /// (`is empty`, `is a folder, not a file`, `cannot be read: …`).
    Refused(String),
    /// Its writer wrote nothing, or never closed it, within the time limit.
    Stalled(Stalled),
}

/// How a credential's writer stalled: nothing written, or no end, within `secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled {
    pub secs: u64,
    /// Bytes that came before it stalled.
    pub came: usize,
}

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Stalled { secs, came } = self;
        match came {
            0 => write!(
                f,
                "is the command that writes it waiting for input? nothing was written to it within {secs} s"
            ),
            n => write!(
                f,
                "does the command that writes it exit? {n} byte(s) came, then the writer neither wrote more nor closed it: no end of input within {secs} s"
            ),
        }
    }
}

/// Reads the credential at `path` (`-`: standard input) within `timeout`, and returns its
/// text, cleaned ([`clean`]) and not empty. Errors never quote the content.
pub fn read(path: &Path, origin: Origin, timeout: Duration) -> Result<String, Unread> {
    let place = Place::of(path);
    if origin == Origin::FleetFile && matches!(place, Place::Stdin) {
        return Err(Unread::Refused(
            "cannot be `-`: each org of a fleet file needs a file of its own".into(),
        ));
    }
    // On a thread of its own: an open or a read of a FIFO blocks until its writer acts,
    // and nothing can interrupt it; past the timeout the thread is left to the exit.
    let (tx, rx) = std::sync::mpsc::channel();
    let on_thread = place.clone();
    let got = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = got.clone();
    std::thread::Builder::new()
        .name("credential-read".into())
        .spawn(move || {
            let _ = tx.send(read_bounded(&on_thread, origin, &counted));
        })
        .map_err(|e| Unread::Refused(format!("cannot be read: no thread to read it on ({e})")))?;
    let bytes = match rx.recv_timeout(timeout) {
        Ok(r) => r.map_err(Unread::Refused)?,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            return Err(Unread::Stalled(Stalled {
                secs: timeout.as_secs(),
                came: got.load(std::sync::atomic::Ordering::Relaxed),
            }));
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            return Err(Unread::Refused(
                "cannot be read: the read stopped unexpectedly".into(),
            ))
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| Unread::Refused("is not UTF-8 text".into()))?;
    let text = clean(&text);
    if text.is_empty() {
        return Err(Unread::Refused("is empty".into()));
    }
    Ok(text.to_string())
}

/// Why a token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    Empty,
    /// [`malformed`]'s words.
    Malformed(String),
}

/// A token as given, checked: not empty and well formed ([`malformed`]). Only then is it
/// a [`Secret`], registered for the run: a malformed token (a server's `NOT READY`) is an
/// error and is never registered, so it cannot decide what is erased from any output. The
/// refusal does not quote it.
pub fn token(text: &str) -> Result<Secret, Unusable> {
    let text = clean(text);
    if text.is_empty() {
        return Err(Unusable::Empty);
    }
    match malformed(text) {
        Some(why) => Err(Unusable::Malformed(why)),
        None => Ok(Secret::new(text)),
    }
}

/// A token a server hands out (a refresh exchange's `access_token`), checked as [`token`]
/// checks one, and also for the shape of a Salesforce access token ([`issued_shape`]):
/// anything else is refused before it is registered, so a hostile token endpoint cannot
/// hand out a word (`Customer_Portal`, `findings`) to erase from every org's output.
pub fn issued_token(text: &str) -> Result<Secret, Unusable> {
    let text = clean(text);
    if text.is_empty() {
        return Err(Unusable::Empty);
    }
    if let Some(why) = malformed(text) {
        return Err(Unusable::Malformed(why));
    }
    if !issued_shape(text) {
        return Err(Unusable::Malformed(
            "it is neither a session id (`00D…!…`) nor a JWT (the value is not shown)".into(),
        ));
    }
    Ok(Secret::new(text))
}

/// Whether `text` has the shape of an access token Salesforce issues: a session id (`00D`
/// and 12 or 15 letters or digits, `!`, then at least 20 of `[A-Za-z0-9._-]`) or a JWT
/// (three base64url segments, the first starting `eyJ`).
pub fn issued_shape(text: &str) -> bool {
    let token_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if let Some((org, rest)) = text.split_once('!') {
        return org.starts_with("00D")
            && matches!(org.len(), 15 | 18)
            && org.bytes().all(|b| b.is_ascii_alphanumeric())
            && rest.len() >= 20
            && rest.bytes().all(token_char);
    }
    let base64url = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let segments: Vec<&str> = text.split('.').collect();
    segments.len() == 3 && segments[0].starts_with("eyJ") && segments.iter().all(|s| base64url(s))
}

#[cfg(test)]
mod tests;
