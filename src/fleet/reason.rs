//! Why an org of the fleet could not be audited, in one line that names the fleet file's
//! keys and never quotes their values: a token pasted where a path or an alias belongs
//! must not be shown back (docs/fleet.md). The advice is the fleet file's (`instance_url`,
//! `auth_url_file`), not `audit`'s options.

use pkce_audit_io::salesforce::{Connection, Error, Naming, SF_INSTALL_URL};
use pkce_audit_io::source::SourceError;
use pkce_audit_model::errors::Coded;

/// The reason a live org could not be audited. With a `target_org`, a last pass names
/// the alias by its key wherever it stands alone: words a server, `sf` or a credential
/// reader said may quote it too.
pub(super) fn live(conn: &Connection, e: &Error) -> String {
    let text = words(conn, e);
    match conn {
        Connection::TargetOrg(alias) => Naming::Key("target_org").said(&text, alias),
        Connection::AccessToken { .. } | Connection::AuthUrlFile(_) => text,
    }
}

fn words(conn: &Connection, e: &Error) -> String {
    match e {
        Error::CredentialFile { reason, .. } => format!("the `{}` {reason}", key(conn)),
        Error::CredentialStalled { stalled, .. } => format!(
            "the `{}`: {stalled}{}",
            key(conn),
            crate::advice::advice(e.remedy())
        ),
        Error::InstanceUrl { reason, .. } => {
            format!("{} is not usable: {reason}", instance(conn))
        }
        Error::SfNotFound => format!(
            "the Salesforce CLI (`sf`) was not found on PATH, and `target_org` needs it; install it ({SF_INSTALL_URL}) or give the org `instance_url` with `access_token_file`, or `auth_url_file`, in the fleet file"
        ),
        Error::Unreachable { doing, cause, .. } => format!(
            "cannot {doing}: {cause}; check the network, and {}",
            instance(conn)
        ),
        // `fleet` has `--api-version` and `--timeout` too.
        Error::Versions { .. } | Error::Timeout(_) | Error::NotAVersion(_) => {
            format!("{e}{}", crate::advice::advice(e.remedy()))
        }
        // `sf` and its hints name the alias: by the key that holds it.
        Error::SfCli { .. } | Error::Session(_) | Error::Refresh { .. } => {
            e.worded(Naming::Key("target_org"))
        }
        // These name no path, and an instance URL only once it was checked to be one.
        Error::AuthUrl(_)
        | Error::Credential(_)
        | Error::ApiVersion(_)
        | Error::TokenEndpoint { .. }
        | Error::Client(_)
        | Error::Runtime(_)
        // A fleet run reads no deploy.
        | Error::Deploy { .. } => e.to_string(),
    }
}

/// The reason a `source` org could not be audited: what the folder reader says, the
/// folder named by its key.
pub(super) fn folder(e: &SourceError) -> String {
    format!("the `source` folder: {}", e.reason())
}

/// The key of the fleet file a connection's file comes from.
fn key(conn: &Connection) -> &'static str {
    match conn {
        Connection::TargetOrg(_) => "target_org",
        Connection::AccessToken { .. } => "access_token_file",
        Connection::AuthUrlFile(_) => "auth_url_file",
    }
}

/// Where the org's instance URL comes from, as a reader of the fleet file finds it.
fn instance(conn: &Connection) -> &'static str {
    match conn {
        Connection::TargetOrg(_) => "the instance URL `sf org display` shows for the `target_org`",
        Connection::AccessToken { .. } => "the `instance_url`",
        Connection::AuthUrlFile(_) => {
            "the instance at the end of the auth URL in the `auth_url_file`"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pkce_audit_io::salesforce::TokenSource;
    use std::path::PathBuf;

    #[test]
    fn an_alias_is_named_by_its_key_and_other_words_are_left_alone() {
        use pkce_audit_io::salesforce::SfFailure;
        let conn = Connection::TargetOrg("a".into());
        let e = Error::SfCli {
            alias: "a".into(),
            failure: SfFailure::NoLogin {
                said: "NamedOrgNotFoundError: No authorization information found for a. a-b and ab"
                    .into(),
            },
        };
        assert_eq!(
            live(&conn, &e),
            "the Salesforce CLI has no usable login for the `target_org` (NamedOrgNotFoundError: No authorization information found for <target_org>. a-b and ab); run `sf org login web --alias <target_org>`"
        );
        assert_eq!(
            e.to_string(),
            "the Salesforce CLI has no usable login for 'a' (NamedOrgNotFoundError: No authorization information found for a. a-b and ab); run `sf org login web --alias a`"
        );
    }

    #[test]
    fn an_alias_a_server_quotes_is_named_by_its_key() {
        use pkce_audit_io::salesforce::SessionFailure;
        let conn = Connection::TargetOrg("prod-eu".into());
        let e = Error::Session(SessionFailure::Other(
            "INVALID_SESSION_ID for prod-eu: Session expired".into(),
        ));
        let text = live(&conn, &e);
        assert!(!text.contains("prod-eu"), "{text}");
        assert!(text.contains("<target_org>"), "{text}");
    }

    #[test]
    fn without_sf_the_advice_is_the_keys_of_the_fleet_file() {
        let text = live(&Connection::TargetOrg("acme".into()), &Error::SfNotFound);
        assert!(
            text.contains(
                "`instance_url` with `access_token_file`, or `auth_url_file`, in the fleet file"
            ),
            "{text}"
        );
        assert!(
            !text.contains("--instance-url") && !text.contains("SF_ACCESS_TOKEN"),
            "{text}"
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_named_by_its_key() {
        let pasted = "00DFAKE0000000001!AQoAQPasted";
        let e = Error::CredentialFile {
            path: PathBuf::from(pasted),
            what: "access token".into(),
            reason: "cannot be read: No such file or directory (os error 2)".into(),
        };
        let conn = Connection::AccessToken {
            instance_url: "https://acme.my.salesforce.com".into(),
            token: TokenSource::File(PathBuf::from(pasted)),
        };
        assert_eq!(
            live(&conn, &e),
            "the `access_token_file` cannot be read: No such file or directory (os error 2)"
        );
        let e = SourceError::NotADirectory {
            path: PathBuf::from(pasted),
            reason: "cannot open: No such file or directory (os error 2)".into(),
        };
        assert_eq!(
            folder(&e),
            "the `source` folder: cannot open: No such file or directory (os error 2)"
        );
    }
}
