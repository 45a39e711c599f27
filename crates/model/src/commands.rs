//! Commands the outputs print for the reader to run, and their parts: one source for each,
//! so the next actions, `fix`'s output and the docs (tested) say the same.

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
