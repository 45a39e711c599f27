//! The binary's words for what the library leaves unnamed: a library message never names
//! a command-line option (the library serves `fleet`'s file keys and other callers too),
//! and leads up to the setting that answers it ([`Remedy`]) or says an [`Advice`] where
//! its sentence needs one; here each is named by the option that sets it. The one place
//! that spells the options in what the library writes.

use pkce_audit_model::advice::Advice;
use pkce_audit_model::errors::Remedy;
use std::borrow::Cow;

/// The end of a library message that leads up to a setting: the option that sets it, as
/// the command line offers it.
pub fn advice(remedy: Option<Remedy>) -> &'static str {
    match remedy {
        Some(Remedy::ConnectOtherwise) => " or connect with --instance-url and SF_ACCESS_TOKEN",
        Some(Remedy::InstanceUrl) => " and --instance-url",
        Some(Remedy::ApiVersion) => " or pass --api-version",
        Some(Remedy::ApiVersionGiven) => " (--api-version)",
        Some(Remedy::Timeout) => " (--timeout)",
        None => "",
    }
}

/// The words of each advice in notes, problems and `fix`'s refusals: installed for the run
/// ([`install`]), so reports, snapshots and errors say it the same way.
fn words(advice: &Advice) -> Cow<'static, str> {
    match advice {
        Advice::AuditProjectRoot { root } => {
            format!("audit the project root instead: --source {root}").into()
        }
        Advice::UsageSkipped => "--no-usage skipped the usage queries".into(),
        Advice::SkipUsage => "--no-usage".into(),
        Advice::RenewingSession => "(with --auth-url-file pkce-audit renews it by itself)".into(),
        Advice::ConnectOrg => "-o/--target-org <alias> (or --instance-url, --auth-url-file)".into(),
        Advice::AuditFolder { root } => format!("pkce-audit audit --source {root}").into(),
        Advice::Force => "pass --force --reason \"...\"".into(),
        Advice::NotEvenForced => "not even with --force".into(),
        Advice::NewManifest => "name a new file with --manifest".into(),
    }
}

/// Makes the library's advice name this binary's options; first thing the run does.
pub fn install() {
    pkce_audit_model::advice::install_words(words);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::collections::BTreeSet;

    /// Every long option some command of this binary has.
    fn options() -> BTreeSet<String> {
        fn walk(c: &clap::Command, out: &mut BTreeSet<String>) {
            for a in c.get_arguments() {
                if let Some(l) = a.get_long() {
                    out.insert(format!("--{l}"));
                }
            }
            for s in c.get_subcommands() {
                walk(s, out);
            }
        }
        let mut out = BTreeSet::new();
        walk(&crate::cli::Cli::command(), &mut out);
        out
    }

    /// Each advice once; the match makes a new variant a compile error here until listed.
    fn every_advice() -> Vec<Advice> {
        let all = vec![
            Advice::AuditProjectRoot { root: "r".into() },
            Advice::UsageSkipped,
            Advice::SkipUsage,
            Advice::RenewingSession,
            Advice::ConnectOrg,
            Advice::AuditFolder { root: "r".into() },
            Advice::Force,
            Advice::NotEvenForced,
            Advice::NewManifest,
        ];
        for a in &all {
            match a {
                Advice::AuditProjectRoot { .. }
                | Advice::UsageSkipped
                | Advice::SkipUsage
                | Advice::RenewingSession
                | Advice::ConnectOrg
                | Advice::AuditFolder { .. }
                | Advice::Force
                | Advice::NotEvenForced
                | Advice::NewManifest => {}
            }
        }
        all
    }

    /// The words name only options the command line really has: a renamed option cannot
    /// leave advice pointing at nothing.
    #[test]
    fn every_option_the_advice_names_exists() {
        let known = options();
        let mut texts: Vec<String> = every_advice().iter().map(|a| words(a).into()).collect();
        for r in [
            Remedy::ConnectOtherwise,
            Remedy::InstanceUrl,
            Remedy::ApiVersion,
            Remedy::ApiVersionGiven,
            Remedy::Timeout,
        ] {
            texts.push(advice(Some(r)).into());
        }
        let mut named = 0;
        for text in &texts {
            for (i, _) in text.match_indices("--") {
                let name: String = text[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                named += 1;
                assert!(known.contains(&name), "{name} (in {text:?}) is no option");
            }
        }
        assert!(named >= 10, "only {named} options named");
        assert!(!known.contains("--no-such-option"));
    }
}
