//! How the library's errors are worded and coded: the one convention, stated here.
//!
//! Every error displays as one line that names the file, component or host and states
//! its cause exactly once. The cause is part of the error's own text, never also a
//! `source`: no library error has a `#[source]` or `#[from]` field, nor a field named
//! `source` (thiserror would treat it as one), so a chain printer such as anyhow's
//! `{:#}` prints nothing after it. An I/O cause is written by [`io_reason`]; a parser's
//! message that spans lines (TOML's) is joined by [`one_line`].
//!
//! Every error that can stop a run is [`Coded`]: it has a stable [`ErrorCode`], which the
//! binary prints in its JSON error document beside the code's [`Family`] name
//! (docs/output.md lists them all). A code is `E-` and upper-case words joined by `-`,
//! the first naming the area; once released, a code keeps its meaning and is never reused.

/// An I/O error's own words ("No such file or directory"), without the "(os error 2)"
/// tail, which names the same cause again as a number.
pub fn io_reason(e: &std::io::Error) -> String {
    without_os_code(&e.to_string())
}

/// Text without a trailing " (os error N)".
pub fn without_os_code(text: &str) -> String {
    match text.find(" (os error") {
        Some(i) if text.ends_with(')') => text[..i].to_string(),
        _ => text.to_string(),
    }
}

/// A message of several lines as one: the lines trimmed, joined by "; ".
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What kind of failure stopped a run, for scripts: the JSON error's `name`, CamelCase
/// like the `sf` CLI's error names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// What was asked is wrong: the command line, an option that does not apply, an input
    /// missing or given twice.
    Usage,
    /// A folder with no Salesforce metadata at all.
    NothingToAudit,
    /// A folder that cannot be read or used as asked.
    Source,
    /// A live org that cannot be reached, logged in to or read.
    Org,
    Waiver,
    /// A report given to `diff`.
    Report,
    Snapshot,
    /// `fix` refused; nothing was written.
    FixRefused,
    FleetFile,
    /// A file or stream that could not be read or written.
    Io,
    /// A write the safe-write rules refuse (docs/security.md).
    WriteRefused,
    /// Anything else: a failure the tool did not expect.
    Internal,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Usage => "UsageError",
            Family::NothingToAudit => "NothingToAudit",
            Family::Source => "SourceError",
            Family::Org => "OrgError",
            Family::Waiver => "WaiverError",
            Family::Report => "ReportError",
            Family::Snapshot => "SnapshotError",
            Family::FixRefused => "FixRefused",
            Family::FleetFile => "FleetFileError",
            Family::Io => "IoError",
            Family::WriteRefused => "WriteRefused",
            Family::Internal => "Error",
        }
    }
}

/// An error with a stable code: every error that can reach the binary's error path.
pub trait Coded {
    fn code(&self) -> ErrorCode;

    /// The setting the user can change against this error, when its message ends by
    /// pointing to one; the library does not name it (see [`Remedy`]).
    fn remedy(&self) -> Option<Remedy> {
        None
    }
}

/// A setting of the run that answers an error, which the library's message leads up to
/// but does not name: the binary names it by its option (`--timeout`), `fleet` by its own
/// words, so no library message names a command-line option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Another way to connect than the Salesforce CLI.
    ConnectOtherwise,
    /// The instance URL given with the access token.
    InstanceUrl,
    /// Choosing the API version.
    ApiVersion,
    /// The API version that was asked for.
    ApiVersionGiven,
    /// The time limit of the run.
    Timeout,
}

/// An I/O error the binary meets itself (standard output, the current folder).
impl Coded for std::io::Error {
    fn code(&self) -> ErrorCode {
        ErrorCode::Io
    }
}

/// One table gives each code its variant, text, family and meaning, so none can be
/// missing from [`ErrorCode::ALL`] or from the documentation test.
macro_rules! codes {
    ($($variant:ident = $code:literal, $family:ident, $meaning:literal;)*) => {
        /// A stable code for one cause of failure; see the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $meaning] $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            pub fn family(self) -> Family {
                match self {
                    $(ErrorCode::$variant => Family::$family,)*
                }
            }

            /// What the code means, as docs/output.md states it.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

codes! {
    UsageCommandLine = "E-USAGE-COMMAND-LINE", Usage,
        "the command line cannot be parsed: an unknown command or option, a missing or bad value";
    UsageNotApplicable = "E-USAGE-NOT-APPLICABLE", Usage,
        "an option typed that does not apply to what was asked";
    UsageRequest = "E-USAGE-REQUEST", Usage,
        "what was asked is incomplete or contradictory: no input, two inputs, an unknown rule, an environment variable that is not usable";
    FixManifest = "E-FIX-MANIFEST", Usage,
        "the manifest `fix` would write names something it must not write";
    VerifyManifest = "E-VERIFY-MANIFEST", Usage,
        "the manifest given to `verify` cannot be read, or is not a step-2 manifest `fix` wrote";
    SourceNothingToAudit = "E-SOURCE-NOTHING-TO-AUDIT", NothingToAudit,
        "the folder holds no Salesforce metadata at all";
    SourceUnreadable = "E-SOURCE-UNREADABLE", Source,
        "the folder cannot be opened, or is not a folder";
    FixNotAProject = "E-FIX-NOT-A-PROJECT", Source,
        "the folder given to `fix` is neither an SFDX project nor an mdapi folder";
    FixSnapshot = "E-FIX-SNAPSHOT", Source,
        "the folder given to `fix` is a pkce-audit snapshot, which deploys nothing";
    OrgInstanceUrl = "E-ORG-INSTANCE-URL", Org,
        "the instance URL is not usable";
    OrgAuthUrl = "E-ORG-AUTH-URL", Org,
        "the auth URL is not usable";
    OrgCredentialFile = "E-ORG-CREDENTIAL-FILE", Org,
        "a credential file cannot be read or holds no usable credential";
    OrgCredential = "E-ORG-CREDENTIAL", Org,
        "a credential given otherwise (the environment) cannot be used";
    OrgSfCli = "E-ORG-SF-CLI", Org,
        "the Salesforce CLI (`sf`) failed or has no usable login for the org";
    OrgSfNotFound = "E-ORG-SF-NOT-FOUND", Org,
        "the Salesforce CLI (`sf`) is not on PATH";
    OrgApiVersion = "E-ORG-API-VERSION", Org,
        "the API version asked for is not usable with the org";
    OrgSession = "E-ORG-SESSION", Org,
        "the org rejected the session and it could not be renewed";
    OrgRefreshRefused = "E-ORG-REFRESH-REFUSED", Org,
        "the org refused the refresh token of the auth URL";
    OrgTokenEndpoint = "E-ORG-TOKEN-ENDPOINT", Org,
        "the token endpoint answered with neither a token nor a refusal";
    OrgUnreachable = "E-ORG-UNREACHABLE", Org,
        "the org did not answer at all (DNS, connection, TLS, timeout)";
    OrgVersions = "E-ORG-VERSIONS", Org,
        "the org's API versions cannot be read";
    OrgTimeout = "E-ORG-TIMEOUT", Org,
        "the read of the org did not finish within the time allowed";
    OrgClient = "E-ORG-CLIENT", Org,
        "the HTTP client or its runtime cannot start";
    OrgDeploy = "E-ORG-DEPLOY", Org,
        "the deploy that dates the change is not a finished, successful deploy of this org, or its window cannot be";
    WaiverUnreadable = "E-WAIVER-UNREADABLE", Waiver,
        "the waiver file cannot be read";
    WaiverInvalid = "E-WAIVER-INVALID", Waiver,
        "the waiver file is not valid: TOML, a field, a date";
    WaiverUnknownRule = "E-WAIVER-UNKNOWN-RULE", Waiver,
        "a waiver names a rule this version does not know";
    ReportUnreadable = "E-REPORT-UNREADABLE", Report,
        "a report given to `diff` cannot be read, is not a pkce-audit report, or is from a newer version";
    SnapshotNotASnapshot = "E-SNAPSHOT-NOT-A-SNAPSHOT", Snapshot,
        "the snapshot folder is not empty and is not an earlier snapshot";
    SnapshotNotAFolder = "E-SNAPSHOT-NOT-A-FOLDER", Snapshot,
        "the snapshot folder exists and is not a folder";
    SnapshotWrite = "E-SNAPSHOT-WRITE", Snapshot,
        "a file of the snapshot cannot be written";
    FixRefused = "E-FIX-REFUSED", FixRefused,
        "`fix` refused one or more of the changes asked for";
    FixChanged = "E-FIX-CHANGED", FixRefused,
        "a file changed after `fix` read it";
    FixWriteRefused = "E-FIX-WRITE-REFUSED", FixRefused,
        "a write of `fix` refused by the safe-write rules once the plan was made";
    FixRead = "E-FIX-READ", Io,
        "a file `fix` edits cannot be read";
    FixWrite = "E-FIX-WRITE", Io,
        "a file `fix` edits cannot be written";
    FleetUnreadable = "E-FLEET-UNREADABLE", FleetFile,
        "the fleet file cannot be read";
    FleetInvalid = "E-FLEET-INVALID", FleetFile,
        "the fleet file is not valid: TOML, a key, an org, a rehearsal";
    Io = "E-IO", Io,
        "a file or stream cannot be read or written (standard output, the current folder)";
    WriteIo = "E-IO-WRITE", Io,
        "an output file cannot be written";
    WriteLink = "E-WRITE-LINK", WriteRefused,
        "the destination, or a folder on the way to it, is a symbolic link";
    WriteOutsideRoot = "E-WRITE-OUTSIDE-ROOT", WriteRefused,
        "the destination lies outside the folder the write is confined to";
    WriteReadOnly = "E-WRITE-READ-ONLY", WriteRefused,
        "the destination is read-only";
    WriteNotAFile = "E-WRITE-NOT-A-FILE", WriteRefused,
        "a folder, FIFO or device where a file goes, or a file where a folder goes";
    WriteInput = "E-WRITE-INPUT", WriteRefused,
        "the destination is an input of the run";
    Internal = "E-INTERNAL", Internal,
        "a failure the tool did not expect; please report it";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_code_goes_and_lines_are_joined() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "No such file or directory");
        assert_eq!(without_os_code("no code here"), "no code here");
        assert_eq!(
            one_line("invalid table header\nexpected `.`, `]]`\n"),
            "invalid table header; expected `.`, `]]`"
        );
    }

    #[test]
    fn every_code_is_unique_well_formed_and_documented() {
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/output.md"),
        )
        .unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            let word = text.strip_prefix("E-").expect(text);
            assert!(
                word.split('-')
                    .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase())),
                "{text}"
            );
            let row = format!(
                "| `{text}` | `{}` | {} |",
                code.family().name(),
                code.meaning()
            );
            assert!(docs.contains(&row), "docs/output.md lacks the row\n{row}");
        }
        // And the docs list no code that does not exist.
        let listed = docs.lines().filter(|l| l.starts_with("| `E-")).count();
        assert_eq!(
            listed,
            ErrorCode::ALL.len(),
            "docs/output.md lists other codes"
        );
    }
}
