//! Commands the outputs print for the reader to run, and their parts: one source for each,
//! so the next actions, `fix`'s output and the docs (tested) say the same.

use crate::inventory::{App, AppKind, Owner};
use crate::text::shell_word;

/// The folder of the SFDX project a live audit's next actions retrieve into, and that
/// their `fix` commands then change.
pub const RETRIEVE_PROJECT: &str = "pkce";

/// The metadata a project needs before `fix` can change its apps and org settings: the
/// Connected Apps, the org's OAuth and OpenID Connect settings, and each part of an
/// External Client App. The one list: docs/fix.md's loop retrieves the same (tested).
pub const RETRIEVE_METADATA: &[&str] = &[
    "ConnectedApp",
    "Settings:OauthOidc",
    "ExternalClientApplication",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthSettings",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppConfigurablePolicies",
];

/// `sf project retrieve start` with [`RETRIEVE_METADATA`], for the org `target` (a shell
/// word already).
pub fn retrieve_command(target: &str) -> String {
    let metadata: Vec<String> = RETRIEVE_METADATA
        .iter()
        .map(|m| format!("--metadata {m}"))
        .collect();
    format!(
        "sf project retrieve start {} --target-org {target}",
        metadata.join(" ")
    )
}

/// What the printed commands name when no org alias is known: one shell word (a `<alias>`
/// would be read as a redirection from a file named `alias`).
pub const ORG_PLACEHOLDER: &str = "YOUR_ORG_ALIAS";

/// One option and its value as shell words: `--app NAME`, with `NAME` quoted as
/// [`shell_word`] does; a value that begins with `-` is joined (`--app='-x'`), since a
/// quoted word is still an option to the command that reads it.
pub fn option(flag: &str, value: &str) -> String {
    let word = shell_word(value);
    if value.starts_with('-') {
        format!("{flag}={word}")
    } else {
        format!("{flag} {word}")
    }
}

/// Where the `fix` commands of a report run: the one decision every output prints
/// ([`AuditScope::fix_target`](crate::report::AuditScope::fix_target)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixTarget {
    /// A folder `fix` accepts: the audited SFDX project or mdapi folder, or the SFDX
    /// project the audited folder lies inside (its root).
    Project(String),
    /// Nothing `fix` accepts (a live org, a snapshot, which is read-only evidence, or a
    /// folder in no project): retrieve the org's apps and settings into
    /// [`RETRIEVE_PROJECT`] first, and `fix` that, with the org read by
    /// `--target-org` [`ORG_PLACEHOLDER`].
    Retrieve,
}

impl FixTarget {
    /// The command that makes the project first, when there is none.
    pub fn retrieve_first(&self) -> Option<String> {
        match self {
            FixTarget::Project(_) => None,
            FixTarget::Retrieve => Some(format!(
                "sf project generate --name {RETRIEVE_PROJECT} && (cd {RETRIEVE_PROJECT} && {})",
                retrieve_command(ORG_PLACEHOLDER)
            )),
        }
    }

    fn source(&self) -> String {
        match self {
            FixTarget::Project(path) => option("--source", path),
            FixTarget::Retrieve => option("--source", RETRIEVE_PROJECT),
        }
    }

    /// Step 2: `fix` requiring PKCE on `apps`.
    pub fn apps_command<'a>(&self, apps: impl IntoIterator<Item = &'a str>) -> String {
        let flags: Vec<String> = apps.into_iter().map(|a| option("--app", a)).collect();
        format!("pkce-audit fix {} {}", self.source(), flags.join(" "))
    }

    /// The way back from step 2 on `apps`: `fix --undo`, which reads no org.
    pub fn undo_apps_command<'a>(&self, apps: impl IntoIterator<Item = &'a str>) -> String {
        format!("{} --undo", self.apps_command(apps))
    }

    /// The way back from step 3: `fix --org-setting --undo`, which reads no org.
    pub fn undo_org_setting_command(&self) -> String {
        format!("pkce-audit fix {} --org-setting --undo", self.source())
    }

    /// Step 3: `fix --org-setting`, reading the org when the project was retrieved from it.
    pub fn org_setting_command(&self) -> String {
        let target = match self {
            FixTarget::Project(_) => String::new(),
            FixTarget::Retrieve => format!(" --target-org {ORG_PLACEHOLDER}"),
        };
        format!("pkce-audit fix {} --org-setting{target}", self.source())
    }
}

/// Why `fix --app` would refuse `app` whatever the project holds; `None` when it can change
/// it. The same checks as `fix`'s (crates/io/src/fix/resolve.rs), so no output prints a
/// command `fix` refuses, and `fix` suggests no app it would refuse.
pub fn fix_refusal(app: &App) -> Option<String> {
    let name = crate::text::escaped(&app.name);
    match (app.kind, app.owner) {
        (AppKind::External, _) | (_, Owner::External) => {
            return Some(format!(
                "'{name}' is defined in another org: only its owner can require PKCE on it"
            ))
        }
        (_, Owner::Isv) => {
            return Some(format!(
                "'{name}' comes from an installed package: only its publisher can change it"
            ))
        }
        (_, Owner::Salesforce) => {
            return Some(format!("'{name}' is created and run by Salesforce"))
        }
        (AppKind::ConnectedApp | AppKind::ExternalClientApp, Owner::Org) => {}
    }
    if app.kind == AppKind::ConnectedApp && !app.oauth_enabled {
        return Some(format!(
            "'{name}' has no OAuth configuration: PKCE does not apply to it"
        ));
    }
    if app.kind == AppKind::ExternalClientApp && app.global_settings.is_none() {
        return Some(format!(
            "the global OAuth settings of '{name}' (ExtlClntAppGlobalOauthSettings, which hold its PKCE setting) were not read, so fix has no file to change: use Setup, or retrieve them (Salesforce gates them: \"Allow Access to OAuth Consumer Secrets via Metadata API\") and audit again"
        ));
    }
    let names = std::iter::once(&app.name).chain(app.global_settings.as_ref());
    for n in names {
        if let Some(why) = crate::api_name::problem(n) {
            return Some(format!(
                "the name '{}' {why}, so it is not a Salesforce API name and fix does not put it in a deploy manifest: require PKCE in Setup",
                crate::text::escaped(n)
            ));
        }
    }
    None
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
