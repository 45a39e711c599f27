//! How the binary reports a failure: one line on standard error and, when JSON was asked
//! for, one JSON document `{"status", "name", "message"}` on standard output, as the `sf`
//! CLI does (sf-plugins-core `SfCommand.catch` writes `toJson()` through `logJson`, which
//! prints to standard output).

use pkce_audit_render::report::text::{json_escape_invisible, visible};
use serde::Serialize;

/// Exit status of every failure: usage errors and errors that stop the run alike.
pub const STATUS: u8 = 2;

/// A mistake in what was asked (no input, an unknown rule, two orgs named): exit 2, named
/// `UsageError`, like clap's own.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Returns a [`UsageError`] from the function, formatted like `anyhow::bail!`.
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err($crate::failure::UsageError(format!($($arg)*)).into())
    };
}
pub(crate) use usage;

/// `fix` refused one or more of the changes asked for; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("fix refused, nothing was written: {0}")]
pub struct FixRefused(pub String);

#[derive(Debug, Serialize)]
pub struct Failure {
    pub status: u8,
    /// What kind of failure, for scripts: stable, CamelCase like sf's error names.
    pub name: &'static str,
    pub message: String,
}

impl Failure {
    /// A command-line mistake (clap's, or an option that does not apply).
    pub fn usage(message: String) -> Failure {
        Failure {
            status: STATUS,
            name: "UsageError",
            message,
        }
    }

    /// An error that stopped the run; named by the library type it came from.
    pub fn from_error(e: &anyhow::Error) -> Failure {
        Failure {
            status: STATUS,
            name: name_of(e),
            message: format!("{e:#}"),
        }
    }

    /// clap's error, flattened to one line: the message and its tips, without the usage
    /// block (which `--help` shows) and without clap's own "error: " prefix.
    pub fn from_clap(e: &clap::Error) -> Failure {
        use clap::error::{ContextKind, ContextValue, ErrorKind};
        if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            return Failure::usage(format!(
                "a command is required: {}; see 'pkce-audit --help'",
                crate::subcommand_names().join(", ")
            ));
        }
        if e.kind() == ErrorKind::UnknownArgument {
            if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
                if let Some(owners) = other_commands_with(arg) {
                    return Failure::usage(format!(
                        "{} does not apply here: it is an option of {owners}; see '{} --help'",
                        arg.split('=').next().unwrap_or(arg),
                        help_for(e)
                    ));
                }
            }
        }
        let text = e.render().to_string();
        let mut parts: Vec<&str> = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("Usage:") || line.starts_with("For more information") {
                break;
            }
            if !line.is_empty() {
                parts.push(line.strip_prefix("error: ").unwrap_or(line));
            }
        }
        Failure::usage(format!(
            "{}; see '{} --help'",
            parts.join("; "),
            help_for(e)
        ))
    }

    /// Prints the failure and returns its exit status: always one line on standard error
    /// (for the person reading a log), and under JSON also the document on standard output
    /// (for the script that parses it), where a successful run would have put its result.
    /// An error may quote a server's words: every secret of the run is scrubbed from it
    /// first ([`pkce_audit_io::secrets`]).
    pub fn print(&self, json: bool) -> u8 {
        let message = pkce_audit_io::secrets::scrub(&self.message);
        if json {
            let doc = serde_json::to_string_pretty(&Failure {
                message: message.to_string(),
                ..*self
            })
            .expect("a failure serialises");
            // A reader that went away is not a second failure to report.
            let _ = crate::to_stdout(&(json_escape_invisible(doc) + "\n"));
        }
        // Errors quote paths, names and parser messages from the input: one line, with
        // control and bidirectional characters shown, never applied.
        eprintln!("pkce-audit: error: {}", visible(&message));
        self.status
    }
}

/// The commands that have the long option `arg` (`--source`, `--color=never`), as
/// "`pkce-audit audit`, `pkce-audit fix`"; `None` when no command has it.
fn other_commands_with(arg: &str) -> Option<String> {
    use clap::CommandFactory;
    let long = arg.strip_prefix("--")?.split('=').next()?;
    let owners: Vec<String> = crate::cli::Cli::command()
        .get_subcommands()
        .filter(|c| c.get_arguments().any(|a| a.get_long() == Some(long)))
        .map(|c| format!("`pkce-audit {}`", c.get_name()))
        .collect();
    (!owners.is_empty()).then(|| owners.join(", "))
}

/// The command whose `--help` explains a clap error: the subcommand when there is one.
fn help_for(e: &clap::Error) -> String {
    let sub = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .filter(|a| crate::subcommand_names().contains(a));
    match (e.kind(), sub) {
        (clap::error::ErrorKind::InvalidSubcommand, _) | (_, None) => "pkce-audit".into(),
        (_, Some(s)) => format!("pkce-audit {s}"),
    }
}

/// The failure's name, from the library error type at the root of the chain.
fn name_of(e: &anyhow::Error) -> &'static str {
    use pkce_audit_io::source::SourceError;
    for cause in e.chain() {
        if let Some(s) = cause.downcast_ref::<SourceError>() {
            return match s {
                SourceError::NothingToAudit { .. } => "NothingToAudit",
                SourceError::NotADirectory { .. } => "SourceError",
            };
        }
        if cause.is::<pkce_audit_io::salesforce::Error>() {
            return "OrgError";
        }
        if cause.is::<pkce_audit_io::waivers::WaiverError>() {
            return "WaiverError";
        }
        if cause.is::<pkce_audit_io::report_file::ReadError>() {
            return "ReportError";
        }
        if let Some(w) = cause.downcast_ref::<pkce_audit_io::snapshot::WriteError>() {
            return match w {
                pkce_audit_io::snapshot::WriteError::Unsafe(e) => write_name(e),
                _ => "SnapshotError",
            };
        }
        if let Some(e) = cause.downcast_ref::<pkce_audit_io::safe_write::WriteError>() {
            return write_name(e);
        }
        if cause.is::<std::io::Error>() {
            return "IoError";
        }
        if cause.is::<crate::applies::NotApplicable>() || cause.is::<UsageError>() {
            return "UsageError";
        }
        if cause.is::<crate::fleet::config::ConfigError>() {
            return "FleetFileError";
        }
        if cause.is::<FixRefused>() {
            return "FixRefused";
        }
    }
    "Error"
}

/// A write the safe-write rules refused (a link, a path outside its root, a read-only
/// file, a folder, an input of the run) is `WriteRefused`; one that failed is `IoError`.
fn write_name(e: &pkce_audit_io::safe_write::WriteError) -> &'static str {
    if e.is_refusal() {
        "WriteRefused"
    } else {
        "IoError"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_named_by_their_library_type() {
        let e = anyhow::Error::new(pkce_audit_io::source::SourceError::NothingToAudit {
            path: "x".into(),
        })
        .context("auditing x");
        assert_eq!(Failure::from_error(&e).name, "NothingToAudit");
        let e = anyhow::anyhow!("plain");
        assert_eq!(Failure::from_error(&e).name, "Error");
    }

    #[test]
    fn the_json_form_has_exactly_status_name_and_message() {
        let f = Failure::usage("--x does not apply".into());
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"status":2,"name":"UsageError","message":"--x does not apply"}"#
        );
    }
}
