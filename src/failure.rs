//! How the binary reports a failure: one line on standard error and, when JSON was asked
//! for, one JSON document `{"status", "name", "code", "message"}` on standard output, as
//! the `sf` CLI does (sf-plugins-core `SfCommand.catch` writes `toJson()` through
//! `logJson`, which prints to standard output).
//!
//! The commands fail with [`Failed`], which only a [`Coded`] error converts into: an
//! error type without a code does not compile on its way here, and a foreign one (a
//! serialiser's, clap's) is given its code where it is met ([`Failed::internal`]).

use crate::advice::advice;
use pkce_audit_model::errors::{Coded, ErrorCode, Remedy};
use pkce_audit_render::json::{self, Versioned};
use pkce_audit_render::report::text::visible;
use serde::Serialize;
use std::fmt::Display;

/// The version of the JSON error document (docs/output.md): `schema_version` leads it.
pub const ERROR_SCHEMA_VERSION: u32 = 1;

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

impl Coded for UsageError {
    fn code(&self) -> ErrorCode {
        ErrorCode::UsageRequest
    }
}

/// `fix` refused one or more of the changes asked for; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("fix refused, nothing was written: {0}")]
pub struct FixRefused(pub pkce_audit_io::fix::FixError);

impl Coded for FixRefused {
    fn code(&self) -> ErrorCode {
        self.0.code()
    }
}

/// An error on its way to the user: its code, its text with the contexts added, and the
/// setting its message leads up to.
#[derive(Debug)]
pub struct Failed {
    code: ErrorCode,
    error: anyhow::Error,
    remedy: Option<Remedy>,
}

/// What every command returns.
pub type Result<T, E = Failed> = std::result::Result<T, E>;

impl<E: Coded + std::error::Error + Send + Sync + 'static> From<E> for Failed {
    fn from(e: E) -> Failed {
        Failed {
            code: e.code(),
            remedy: e.remedy(),
            error: anyhow::Error::new(e),
        }
    }
}

impl Failed {
    /// A failure the tool did not expect (a serialiser's, an encoding's): `E-INTERNAL`.
    pub fn internal(e: impl Into<anyhow::Error>) -> Failed {
        Failed {
            code: ErrorCode::Internal,
            error: e.into(),
            remedy: None,
        }
    }

    /// A failure of `code`, worded by the binary: its advice, or a foreign error's text.
    pub fn new(code: ErrorCode, message: String) -> Failed {
        Failed {
            code,
            error: anyhow::Error::msg(message),
            remedy: None,
        }
    }

    /// The same failure, with what was being done said first.
    pub fn context(self, what: impl Display + Send + Sync + 'static) -> Failed {
        Failed {
            error: self.error.context(what),
            ..self
        }
    }
}

/// [`Failed::context`] on a result, like anyhow's.
pub trait Context<T> {
    fn context(self, what: impl Display + Send + Sync + 'static) -> Result<T>;
}

impl<T, E: Into<Failed>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Display + Send + Sync + 'static) -> Result<T> {
        self.map_err(|e| e.into().context(what))
    }
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub status: u8,
    /// What kind of failure, for scripts: stable, CamelCase like sf's error names; the
    /// family of `code`.
    pub name: &'static str,
    /// The cause, stable across versions (docs/output.md lists them).
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    /// A failure of `code`: a command-line mistake (clap's, or an option that does not
    /// apply), or an error that stopped the run ([`Failure::from_error`]).
    pub fn new(code: ErrorCode, message: String) -> Failure {
        Failure {
            status: STATUS,
            name: code.family().name(),
            code: code.as_str(),
            message,
        }
    }

    /// An error that stopped the run, its remedy named by the command line's option.
    pub fn from_error(e: &Failed) -> Failure {
        Failure::new(e.code, format!("{:#}{}", e.error, advice(e.remedy)))
    }

    /// The JSON document: `schema_version`, then this failure's fields.
    pub fn json(&self) -> String {
        json::document(&Versioned::new(ERROR_SCHEMA_VERSION, self))
    }

    /// Prints the failure and returns its exit status: always one line on standard error
    /// (for the person reading a log), and under JSON also the document on standard output
    /// (for the script that parses it), where a successful run would have put its result.
    /// An error may quote a server's words: every secret of the run is scrubbed from it
    /// first ([`pkce_audit_io::secrets`]).
    pub fn print(&self, json: bool) -> u8 {
        let message = pkce_audit_io::secrets::scrub(&self.message);
        if json {
            let doc = Failure {
                message: message.to_string(),
                ..*self
            }
            .json();
            // A reader that went away is not a second failure to report.
            let _ = crate::to_stdout(&doc);
        }
        // Errors quote paths, names and parser messages from the input: one line, with
        // control and bidirectional characters shown, never applied.
        eprintln!("pkce-audit: error: {}", visible(&message));
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_named_and_coded_by_their_library_type() {
        let e =
            Failed::from(pkce_audit_io::source::SourceError::NothingToAudit { path: "x".into() })
                .context("auditing x");
        let f = Failure::from_error(&e);
        assert_eq!(
            (f.name, f.code),
            ("NothingToAudit", "E-SOURCE-NOTHING-TO-AUDIT")
        );
        assert!(
            f.message
                .starts_with("auditing x: x: no Salesforce metadata"),
            "{}",
            f.message
        );
        let f = Failure::from_error(&Failed::internal(anyhow::anyhow!("plain")));
        assert_eq!((f.name, f.code), ("Error", "E-INTERNAL"));
    }

    /// The library names no option; the binary's advice completes its sentence.
    #[test]
    fn the_command_line_advice_follows_the_library_message() {
        use pkce_audit_io::salesforce::{Error, SF_INSTALL_URL};
        let said = |e: Error| Failure::from_error(&Failed::from(e)).message;
        assert_eq!(
            said(Error::SfNotFound),
            format!("the Salesforce CLI (`sf`) was not found on PATH; install it ({SF_INSTALL_URL}) or connect with --instance-url and SF_ACCESS_TOKEN")
        );
        assert_eq!(
            said(Error::Timeout(2)),
            "the fetch did not finish within 2 s (--timeout)"
        );
        assert!(said(Error::Versions {
            url: "https://x".into(),
            detail: "HTTP 500".into()
        })
        .ends_with("; check the instance URL or pass --api-version"));
    }

    #[test]
    fn the_json_form_has_exactly_schema_version_status_name_code_and_message() {
        let f = Failure::new(ErrorCode::UsageNotApplicable, "--x does not apply".into());
        assert_eq!(
            f.json(),
            "{\n  \"schema_version\": 1,\n  \"status\": 2,\n  \"name\": \"UsageError\",\n  \"code\": \"E-USAGE-NOT-APPLICABLE\",\n  \"message\": \"--x does not apply\"\n}\n"
        );
    }
}
