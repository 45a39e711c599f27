//! What the user can do about a note, a problem or a refusal, when the answer is an
//! option of the run: an [`Advice`]. The library never names a command-line option (its
//! callers are the command line, `fleet`'s file, tests); it puts the advice where the
//! sentence needs it, and the caller that knows its options installs the words for each
//! ([`install_words`]): the binary's table is the one place that spells them.
//!
//! Installed once for the run, like [`crate::text::install_scrub`]: notes, problems and
//! refusals are written in many places (reports, snapshots, errors, warnings), and a
//! parameter through each would only carry the same table. Until one is installed (the
//! library's tests, other callers) each advice is said in the library's own words.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// A setting of the run the user can change, as advice inside a sentence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Advice {
    /// The folder lies inside an SFDX project: audit its root instead.
    AuditProjectRoot { root: String },
    /// Why there is no usage evidence: the run skipped it on purpose.
    UsageSkipped,
    /// One way an org came without its package list: its run skipped usage (in a list of
    /// reasons).
    SkipUsage,
    /// An expired session that the run could have renewed: connect with an auth URL
    /// file (in parentheses, after the remedy).
    RenewingSession,
    /// The ways to connect `fix` to the org it reads settings from.
    ConnectOrg,
    /// Audit the folder `fix` refused to change, to see what it must fix first.
    AuditFolder { root: String },
    /// Go ahead anyway, with a recorded reason.
    Force,
    /// Even going ahead anyway does not allow it.
    NotEvenForced,
    /// Write the deploy manifest to another file.
    NewManifest,
    /// `verify`'s way back for apps this org owns: set their `isPkceRequired` back to
    /// false in the project [`ROLLBACK_PROJECT`] retrieved them into.
    UndoApps { names: Vec<String> },
    /// `verify`'s way back for step 3: set the org-wide setting back to false in the
    /// project [`ROLLBACK_PROJECT`] retrieved it into.
    UndoOrgSetting,
}

/// The folder of the SFDX project `verify`'s way back retrieves into and deploys from.
pub const ROLLBACK_PROJECT: &str = "pkce-rollback";

/// The words of one advice, as the caller that knows its options says it.
pub type Words = fn(&Advice) -> Cow<'static, str>;

static WORDS: OnceLock<Words> = OnceLock::new();

/// Makes every [`Advice`] say `words`. The first call wins: one table for the run.
pub fn install_words(words: Words) {
    let _ = WORDS.set(words);
}

impl Advice {
    /// The library's own words, naming no option: until a caller installs its table.
    pub fn plain(&self) -> Cow<'static, str> {
        match self {
            Advice::AuditProjectRoot { root } => {
                format!("audit the project root {root} instead").into()
            }
            Advice::UsageSkipped => "the usage queries were skipped".into(),
            Advice::SkipUsage => "a run without usage".into(),
            Advice::RenewingSession => "(given an auth URL, pkce-audit renews it by itself)".into(),
            Advice::ConnectOrg => "a connection to the org".into(),
            Advice::AuditFolder { root } => format!("audit {root}").into(),
            Advice::Force => "force it with a reason".into(),
            Advice::NotEvenForced => "not even when forced".into(),
            Advice::NewManifest => "name a new manifest file".into(),
            Advice::UndoApps { names } => format!(
                "undo fix's change to {} in {ROLLBACK_PROJECT} (isPkceRequired back to false)",
                names.join(", ")
            )
            .into(),
            Advice::UndoOrgSetting => format!(
                "undo fix's change to the org-wide setting in {ROLLBACK_PROJECT} (isPkceRequired back to false)"
            )
            .into(),
        }
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match WORDS.get() {
            Some(words) => f.write_str(&words(self)),
            None => f.write_str(&self.plain()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_s_own_words_name_no_option() {
        for a in [
            Advice::AuditProjectRoot { root: "/p".into() },
            Advice::UsageSkipped,
            Advice::SkipUsage,
            Advice::RenewingSession,
            Advice::ConnectOrg,
            Advice::AuditFolder { root: "/p".into() },
            Advice::Force,
            Advice::NotEvenForced,
            Advice::NewManifest,
            Advice::UndoApps {
                names: vec!["A".into(), "B".into()],
            },
            Advice::UndoOrgSetting,
        ] {
            let plain = a.plain();
            assert!(!plain.contains("--"), "{plain}");
            assert!(!plain.is_empty());
        }
    }
}
