//! The binary's words for what the library leaves unnamed: a library message never names
//! a command-line option (the library serves `fleet`'s file keys and other callers too),
//! and leads up to the setting that answers it ([`Remedy`]); here the setting is named by
//! the option that sets it.

use pkce_audit_model::errors::Remedy;

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
