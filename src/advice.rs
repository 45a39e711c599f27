//! The binary's words for what the library leaves unnamed: a library message never names
//! a command-line option (the library serves `fleet`'s file keys and other callers too),
//! and leads up to the setting that answers it ([`Remedy`]) or says an [`Advice`] where
//! its sentence needs one; here each is named by the option that sets it. The one place
//! that spells the options in what the library writes.

use pkce_audit_model::advice::{Advice, ROLLBACK_PROJECT};
use pkce_audit_model::commands::option;
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
pub(crate) fn words(advice: &Advice) -> Cow<'static, str> {
    match advice {
        Advice::AuditProjectRoot { root } => format!(
            "audit the project root instead: {}",
            option("--source", root)
        )
        .into(),
        Advice::UsageSkipped => "--no-usage skipped the usage queries".into(),
        Advice::SkipUsage => "--no-usage".into(),
        Advice::RenewingSession => "(with --auth-url-file pkce-audit renews it by itself)".into(),
        Advice::ConnectOrg => "-o/--target-org <alias> (or --instance-url, --auth-url-file)".into(),
        Advice::AuditFolder { root } => {
            format!("pkce-audit audit {}", option("--source", root)).into()
        }
        Advice::Force => "pass --force --reason \"...\"".into(),
        Advice::NotEvenForced => "not even with --force".into(),
        Advice::NewManifest => "name a new file with --manifest".into(),
        Advice::UndoApps { names } => {
            let apps: Vec<String> = names.iter().map(|n| option("--app", n)).collect();
            format!(
                "pkce-audit fix --source {ROLLBACK_PROJECT} {} --undo",
                apps.join(" ")
            )
            .into()
        }
        Advice::UndoOrgSetting => {
            format!("pkce-audit fix --source {ROLLBACK_PROJECT} --org-setting --undo").into()
        }
    }
}

/// Makes the library's advice name this binary's options; first thing the run does.
pub fn install() {
    pkce_audit_model::advice::install_words(words);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_undo_commands_name_every_app_as_one_shell_word() {
        let undo = words(&Advice::UndoApps {
            names: vec!["Customer_Portal".into(), "it's; rm".into()],
        });
        assert_eq!(
            undo,
            "pkce-audit fix --source pkce-rollback --app Customer_Portal --app 'it'\\''s; rm' --undo"
        );
        assert_eq!(
            words(&Advice::UndoOrgSetting),
            "pkce-audit fix --source pkce-rollback --org-setting --undo"
        );
    }
}
