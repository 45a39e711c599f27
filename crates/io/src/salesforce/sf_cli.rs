//! The Salesforce CLI as a source of credentials: `sf org display` for the instance, `sf
//! org auth show-access-token` for the token, and how its failures are worded. Every
//! message that names the org's alias takes a [`Naming`], so `fleet` names it by the key
//! of its fleet file and never shows the value back (a token pasted there stays unseen).

use super::auth::{Credentials, Resolved};
use super::Error;
use crate::secrets::Secret;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one `sf` invocation may take (it may refresh the token first).
const SF_TIMEOUT: Duration = Duration::from_secs(120);

/// How a message names an org's alias: by its value (`audit` and the other single-org
/// commands), or by the key of the file that holds it (`fleet`: `the \`target_org\``
/// where the value would be quoted, `<target_org>` in commands to run and in `sf`'s own
/// words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming<'a> {
    Value,
    Key(&'a str),
}

impl Naming<'_> {
    /// The alias where a sentence quotes it: `'acme'`.
    pub(super) fn quoted(self, alias: &str) -> String {
        match self {
            Naming::Value => format!("'{alias}'"),
            Naming::Key(key) => format!("the `{key}`"),
        }
    }

    /// The alias in a command to run: `acme`.
    pub(super) fn bare(self, alias: &str) -> String {
        match self {
            Naming::Value => alias.to_string(),
            Naming::Key(key) => format!("<{key}>"),
        }
    }

    /// Words `sf` or a server said, which may quote the alias: by key, each whole-word
    /// occurrence of its value is replaced (a short alias leaves other words alone).
    pub fn said(self, text: &str, alias: &str) -> String {
        let Naming::Key(_) = self else {
            return text.to_string();
        };
        if alias.is_empty() {
            return text.to_string();
        }
        let text = text.replace(&format!("'{alias}'"), &self.quoted(alias));
        let part_of_word =
            |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "-_@".contains(c));
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find(alias) {
            let before = rest[..i].chars().next_back().or(out.chars().next_back());
            let after = rest[i + alias.len()..].chars().next();
            out.push_str(&rest[..i]);
            if part_of_word(before) || part_of_word(after) {
                out.push_str(alias);
            } else {
                out.push_str(&self.bare(alias));
            }
            rest = &rest[i + alias.len()..];
        }
        out.push_str(rest);
        out
    }
}

/// What to do to log in again, by how the org was reached; ends session errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginHint {
    /// Log in to the Salesforce CLI under this alias again.
    Sf(String),
    /// Get a new access token.
    AccessToken,
    /// Make a new auth URL file.
    AuthUrl,
}

impl LoginHint {
    pub fn worded(&self, naming: Naming<'_>) -> String {
        match self {
            LoginHint::Sf(alias) => {
                format!("run `sf org login web --alias {}`", naming.bare(alias))
            }
            LoginHint::AccessToken => super::auth::ACCESS_TOKEN_HINT.to_string(),
            LoginHint::AuthUrl => super::auth::auth_url_hint(),
        }
    }
}

impl fmt::Display for LoginHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.worded(Naming::Value))
    }
}

/// The `sf` commands pkce-audit runs for an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SfCommand {
    OrgDisplay,
    ShowAccessToken,
}

impl SfCommand {
    /// Its arguments (`--json` is added when it runs), the alias as `alias`.
    fn args(self, alias: &str) -> Vec<String> {
        let args: &[&str] = match self {
            SfCommand::OrgDisplay => &["org", "display", "--target-org", alias],
            SfCommand::ShowAccessToken => &[
                "org",
                "auth",
                "show-access-token",
                "--target-org",
                alias,
                "--no-prompt",
            ],
        };
        args.iter().map(|a| a.to_string()).collect()
    }
}

/// What went wrong with the Salesforce CLI for an alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SfFailure {
    /// `sf org display` answered that it has no usable login; `said` is its words.
    NoLogin { said: String },
    /// `sf org display` gave no JSON (a crash, a Node.js it cannot run on).
    Crashed { said: String },
    /// `sf org display` gave no instance URL.
    NoInstanceUrl,
    /// Neither command handed out a usable access token.
    NoToken { said: String },
    /// A command did not answer in time.
    NoAnswer { command: SfCommand, seconds: u64 },
    /// `sf` could not be started.
    CannotRun { path: PathBuf, reason: String },
}

impl SfFailure {
    /// The message for the org with this alias, named as `naming` says.
    pub fn worded(&self, alias: &str, naming: Naming<'_>) -> String {
        let (q, hint) = (
            naming.quoted(alias),
            LoginHint::Sf(alias.to_string()).worded(naming),
        );
        let said = |s: &str| naming.said(s, alias);
        match self {
            SfFailure::NoLogin { said: s } => format!(
                "the Salesforce CLI has no usable login for {q} ({}); {hint}",
                said(s)
            ),
            SfFailure::Crashed { said: s } => format!(
                "`sf org display` failed for {q}: {}; check that `sf` runs (`sf --version`; it needs Node.js 22 or later), update it (`sf update`) or {hint}",
                said(s)
            ),
            SfFailure::NoInstanceUrl => {
                format!("`sf org display` for {q} gave no instanceUrl; {hint}")
            }
            SfFailure::NoToken { said: s } => format!(
                "the Salesforce CLI did not hand out an access token for {q} (`sf org display` redacts it and `sf org auth show-access-token` failed: {}); update the CLI (`sf update`) or {hint}",
                said(s)
            ),
            SfFailure::NoAnswer { command, seconds } => format!(
                "`sf {}` did not answer within {seconds} s",
                command.args(&naming.bare(alias)).join(" ")
            ),
            SfFailure::CannotRun { path, reason } => {
                format!("cannot run {}: {reason}", path.display())
            }
        }
    }
}

/// A usable access token from `sf`: not empty, not a redaction notice, well formed
/// ([`crate::credentials::malformed`]).
pub(super) fn usable_token(t: &str) -> bool {
    !t.is_empty() && !t.starts_with('[') && crate::credentials::malformed(t).is_none()
}

/// Finds an executable `sf` on PATH, the way the shell would. On Windows npm installs `sf`
/// (a script for POSIX shells, which Windows cannot start) beside `sf.cmd`: only the names
/// Windows runs are taken there.
pub fn find_sf() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: &[&str] = if cfg!(windows) {
        &["sf.exe", "sf.cmd"]
    } else {
        &["sf"]
    };
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// What one `sf ... --json` run answered.
struct SfAnswer {
    ok: bool,
    json: Option<serde_json::Value>,
    /// The first error line `sf` printed when it gave no JSON (a crash, a Node.js it cannot
    /// run on), with the Node.js version its crash report names.
    error_line: Option<String>,
}

impl SfAnswer {
    fn result_str(&self, key: &str) -> Option<&str> {
        self.json
            .as_ref()?
            .get("result")?
            .get(key)?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// The access token in the answer, when usable ([`usable_token`]): registered as a
    /// secret of the run whether it is used or not. A redaction notice (`[REDACTED] …`) or
    /// a malformed value is no token, and is not registered.
    fn access_token(&self) -> Option<&str> {
        let t = self.result_str("accessToken").filter(|t| usable_token(t))?;
        crate::secrets::register(t);
        Some(t)
    }

    /// `name: message` of a failed run, as one bounded excerpt ([`crate::secrets::excerpt`]:
    /// scrubbed, on one line, at most 200 characters); without JSON, `sf`'s own first error
    /// line.
    fn failure(&self) -> String {
        let Some(j) = &self.json else {
            return self
                .error_line
                .clone()
                .unwrap_or_else(|| "no answer".into());
        };
        let field = |k: &str| j.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let text = match (field("name"), field("message")) {
            ("", "") => format!(
                "status {}",
                j.get("status").unwrap_or(&serde_json::Value::Null)
            ),
            (n, "") => n.to_string(),
            ("", m) => m.to_string(),
            (n, m) => format!("{n}: {m}"),
        };
        crate::secrets::excerpt(&text, crate::secrets::EXCERPT_CHARS)
    }
}

/// The line of `sf`'s output (standard error first) that says what went wrong: the first
/// that names an error (`TypeError: ...`, `Error: ...`, `ERR_...`), else the first that is
/// not blank; with the `Node.js vNN` line of a crash report appended. At most 200
/// characters.
pub(super) fn first_error_line(stderr: &[u8], stdout: &[u8]) -> Option<String> {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (err, out) = (text(stderr), text(stdout));
    let lines: Vec<&str> = err
        .lines()
        .chain(out.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let names_error = |l: &&&str| {
        let head = l.split([' ', '(']).next().unwrap_or("");
        (head.ends_with(':') && head.trim_end_matches(':').ends_with("Error"))
            || head.starts_with("ERR_")
            || l.starts_with("Error")
            || l.contains(" ERR_")
    };
    let line = lines.iter().find(names_error).or_else(|| lines.first())?;
    let mut line = super::auth::one_line(line);
    if let Some(node) = lines
        .iter()
        .find(|l| l.starts_with("Node.js v") && l.len() < 30)
    {
        if !line.contains(node) {
            line.push_str(&format!(" ({node})"));
        }
    }
    Some(crate::secrets::excerpt(
        &line,
        crate::secrets::EXCERPT_CHARS,
    ))
}

async fn run_sf(sf: &Path, command: SfCommand, alias: &str) -> Result<SfAnswer, SfFailure> {
    let mut cmd = tokio::process::Command::new(sf);
    cmd.args(command.args(alias))
        .arg("--json")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(SF_TIMEOUT, cmd.output())
        .await
        .map_err(|_| SfFailure::NoAnswer {
            command,
            seconds: SF_TIMEOUT.as_secs(),
        })?
        .map_err(|e| SfFailure::CannotRun {
            path: sf.to_path_buf(),
            reason: e.to_string(),
        })?;
    let json = serde_json::from_slice::<serde_json::Value>(&out.stdout).ok();
    let status_ok = json
        .as_ref()
        .and_then(|j| j.get("status"))
        .and_then(|s| s.as_i64())
        .is_none_or(|s| s == 0);
    let ok = out.status.success() && json.is_some() && status_ok;
    let error_line = if json.is_none() {
        first_error_line(&out.stderr, &out.stdout)
    } else {
        None
    };
    Ok(SfAnswer {
        ok,
        json,
        error_line,
    })
}

/// Asks the Salesforce CLI for the org: instance from `org display`, token from
/// `org auth show-access-token` (recent CLIs redact it in `org display`), falling back to
/// `org display`'s token on CLIs that do not know that command.
pub(super) async fn resolve(alias: &str) -> Result<Resolved, Error> {
    let sf = find_sf().ok_or(Error::SfNotFound)?;
    let failed = |failure: SfFailure| Error::SfCli {
        alias: alias.to_string(),
        failure,
    };
    // Both are local processes; running them together halves the wait.
    let (display, token) = tokio::join!(
        run_sf(&sf, SfCommand::OrgDisplay, alias),
        run_sf(&sf, SfCommand::ShowAccessToken, alias)
    );
    let display = display.map_err(failed)?;
    if !display.ok {
        let said = display.failure();
        return Err(failed(match display.json {
            Some(_) => SfFailure::NoLogin { said },
            None => SfFailure::Crashed { said },
        }));
    }
    let instance = display
        .result_str("instanceUrl")
        .ok_or_else(|| failed(SfFailure::NoInstanceUrl))?;
    let instance_url = super::auth::validate_instance_url(instance)?;
    let (token, token_failure) = match token {
        Ok(t) if t.ok => (
            t.access_token().map(str::to_string),
            "no usable token in its answer".to_string(),
        ),
        Ok(t) => (None, t.failure()),
        Err(e) => (None, e.worded(alias, Naming::Value)),
    };
    let token = token.or_else(|| display.access_token().map(str::to_string));
    let Some(token) = token else {
        return Err(failed(SfFailure::NoToken {
            said: token_failure,
        }));
    };
    Ok(Resolved {
        instance_url,
        credentials: Credentials::Token(Secret::new(token)),
        login_hint: LoginHint::Sf(alias.to_string()),
    })
}
