//! Live input: reads a Salesforce org through the Metadata API (SOAP) and REST, and
//! produces the same [`Collected`] as the folder reader, through the same parsers
//! (`xml::parse`, then `metadata::parse_component` on each `<records xsi:type=...>`).
//!
//! Calls: `GET /services/data` (newest API version, unless given), `listMetadata` for
//! [`MetadataType::FETCHED`] (three types per call), `readMetadata` in batches of ten
//! names of one type, `readMetadata("OauthOidcSettings", ["OauthOidc"])` for the org
//! settings, and `SELECT Id, Name, NamespacePrefix, IsSandbox FROM Organization`.
//! [`fetch_settings_blocking`] (`fix --org-setting`) makes the same calls for the org
//! settings and, when asked, `ExtlClntAppGlobalOauthSettings` only.
//!
//! The org-settings call follows the documented Settings convention (type `<X>Settings`,
//! member `<X>`), but no public example reads `OauthOidcSettings` that way: its exact
//! form is UNCONFIRMED (reference §3). A fault or a nil record there becomes a problem
//! ("org settings unknown"), never "PKCE off".
//!
//! What cannot be read becomes a [`Problem`] naming the component or type and
//! the fault or missing permission; only a rejected session, a refused refresh token or
//! the overall `--timeout` end a fetch.

pub mod auth;
pub use pkce_audit_model::calls;
pub mod doctor;
mod fetch;
mod http;
pub mod rest;
mod session;
mod sf_cli;
pub mod soap;
pub mod usage;

pub use auth::{AccessToken, Connection, Prepared, TokenSource};
pub use fetch::{
    fetch, fetch_blocking, fetch_prepared, fetch_settings_blocking, verify_blocking, ChangeAt,
    VerifyRead,
};
pub use http::{CallError, Failure, Limits, Unanswered, LOG_TARGET};
pub use session::runtime;
pub use sf_cli::{LoginHint, Naming, SfCommand, SfFailure};
pub use soap::DeployStatus;
pub use usage::windows::{Access, LoginWindows};
pub use usage::UsageOptions;

use crate::credentials::Stalled;
use crate::metadata::{self, MetadataType};
use crate::xml::Element;
use calls::ApiUsage;
use pkce_audit_model::advice::Advice;
use pkce_audit_model::errors::{Coded, ErrorCode, Remedy};
use pkce_audit_model::inventory::{Collected, Loaded, PackageInfo, Problem};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where the Salesforce CLI is installed from.
pub const SF_INSTALL_URL: &str = "https://developer.salesforce.com/tools/salesforcecli";

/// Why a live audit could not run at all. Everything narrower is a `Problem`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("instance URL {url}: {reason}")]
    InstanceUrl { url: String, reason: String },
    #[error("{0}")]
    AuthUrl(String),
    /// A credential file (or `-`, standard input) that cannot be read or holds no usable
    /// credential; the reason never quotes its content.
    #[error("{}: {reason}", credential_place(what, path))]
    CredentialFile {
        path: PathBuf,
        what: String,
        reason: String,
    },
    /// A credential file (or `-`) whose writer wrote nothing, or never closed it, within
    /// the run's time limit; the caller names the limit.
    #[error("{}: {stalled}", credential_place(what, path))]
    CredentialStalled {
        path: PathBuf,
        what: String,
        stalled: Stalled,
    },
    /// A credential given otherwise (the environment) that cannot be used; never quoted.
    #[error("{0}")]
    Credential(String),
    /// The Salesforce CLI failed for the org's alias, or has no usable login for it.
    #[error("{}", failure.worded(alias, Naming::Value))]
    SfCli { alias: String, failure: SfFailure },
    /// No `sf` on PATH. The caller adds its other ways to connect, in its own words.
    #[error("the Salesforce CLI (`sf`) was not found on PATH; install it ({SF_INSTALL_URL})")]
    SfNotFound,
    #[error("{0}")]
    ApiVersion(String),
    /// The API version asked for is not one; the caller names where it was asked.
    #[error("{0:?} is not an API version such as 66.0")]
    NotAVersion(String),
    /// The org rejected the session and it could not be renewed.
    #[error("{}", .0.worded(Naming::Value))]
    Session(SessionFailure),
    /// The token endpoint answered with an OAuth refusal (`invalid_grant`, ...).
    #[error("the org refused the refresh token of the auth URL ({detail}); {hint}")]
    Refresh { detail: String, hint: LoginHint },
    /// The token endpoint answered, but with neither a token nor a refusal.
    #[error(
        "the token endpoint of {url} did not exchange the refresh token of the auth URL ({detail})"
    )]
    TokenEndpoint { url: String, detail: String },
    /// A first call got no answer at all: the org was not reached, so nothing about the
    /// credentials is known.
    #[error("cannot {doing}: {cause}; check the network{}", instance.hint())]
    Unreachable {
        doing: String,
        cause: Unanswered,
        instance: InstanceFrom,
    },
    /// The caller adds how to choose a version.
    #[error("cannot read the API versions of {url} ({detail}); check the instance URL")]
    Versions { url: String, detail: String },
    /// The caller adds how the limit is set.
    #[error("the fetch did not finish within {0} s")]
    Timeout(u64),
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    /// The deploy `verify` dates the change by cannot: not finished, not successful, a
    /// validation, another org's, or its window is refused.
    #[error("deploy {id}: {reason}")]
    Deploy { id: String, reason: String },
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

impl Coded for Error {
    fn code(&self) -> ErrorCode {
        match self {
            Error::InstanceUrl { .. } => ErrorCode::OrgInstanceUrl,
            Error::AuthUrl(_) => ErrorCode::OrgAuthUrl,
            Error::CredentialFile { .. } | Error::CredentialStalled { .. } => {
                ErrorCode::OrgCredentialFile
            }
            Error::Credential(_) => ErrorCode::OrgCredential,
            Error::SfCli { .. } => ErrorCode::OrgSfCli,
            Error::SfNotFound => ErrorCode::OrgSfNotFound,
            Error::ApiVersion(_) | Error::NotAVersion(_) => ErrorCode::OrgApiVersion,
            Error::Session(_) => ErrorCode::OrgSession,
            Error::Refresh { .. } => ErrorCode::OrgRefreshRefused,
            Error::TokenEndpoint { .. } => ErrorCode::OrgTokenEndpoint,
            Error::Unreachable { .. } => ErrorCode::OrgUnreachable,
            Error::Versions { .. } => ErrorCode::OrgVersions,
            Error::Timeout(_) => ErrorCode::OrgTimeout,
            Error::Deploy { .. } => ErrorCode::OrgDeploy,
            Error::Client(_) | Error::Runtime(_) => ErrorCode::OrgClient,
        }
    }

    fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::SfNotFound => Some(Remedy::ConnectOtherwise),
            Error::Versions { .. } => Some(Remedy::ApiVersion),
            Error::Timeout(_) | Error::CredentialStalled { .. } => Some(Remedy::Timeout),
            Error::NotAVersion(_) => Some(Remedy::ApiVersionGiven),
            Error::Unreachable {
                instance: InstanceFrom::Given,
                ..
            } => Some(Remedy::InstanceUrl),
            _ => None,
        }
    }
}

impl Error {
    /// The message, the org's alias named as `naming` says: by its value, as [`Display`]
    /// writes it, or by the key of the fleet file that holds it.
    ///
    /// [`Display`]: fmt::Display
    pub fn worded(&self, naming: Naming<'_>) -> String {
        match self {
            Error::SfCli { alias, failure } => failure.worded(alias, naming),
            Error::Session(s) => s.worded(naming),
            Error::Refresh { detail, hint } => format!(
                "the org refused the refresh token of the auth URL ({detail}); {}",
                hint.worded(naming)
            ),
            other => other.to_string(),
        }
    }
}

/// Why the org rejected the session, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionFailure {
    /// A JWT-based access token, which the Metadata API (SOAP) does not accept; `alias` is
    /// the Salesforce CLI's, when the token came from it.
    Jwt {
        code: String,
        message: String,
        alias: Option<String>,
    },
    /// Expired or revoked.
    Expired {
        code: String,
        message: String,
        hint: LoginHint,
    },
    /// Anything else a call said.
    Other(String),
}

impl SessionFailure {
    pub fn worded(&self, naming: Naming<'_>) -> String {
        match self {
            SessionFailure::Jwt {
                code,
                message,
                alias,
            } => format!(
                "the org rejected the access token ({code}): it is a JWT-based access token, which the Metadata API (SOAP) does not accept{}; log in again without a JWT-issuing External Client App, e.g. `sf org login web{}`",
                if message.is_empty() { String::new() } else { format!(" ({message})") },
                alias
                    .as_ref()
                    .map_or(String::new(), |a| format!(" --alias {}", naming.bare(a)))
            ),
            SessionFailure::Expired {
                code,
                message,
                hint,
            } => format!(
                "the org rejected the session ({code}{}): it has expired or was revoked; {}",
                if message.is_empty() { String::new() } else { format!(": {message}") },
                hint.worded(naming)
            ),
            SessionFailure::Other(text) => text.clone(),
        }
    }
}

/// Where the instance URL of an org that was not reached comes from: what to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceFrom {
    /// What `sf org display` shows for this alias.
    SfCli(String),
    /// The end of the auth URL in this file.
    AuthUrlFile(PathBuf),
    /// Given with the access token: the caller names where ([`Remedy::InstanceUrl`]).
    Given,
}

impl InstanceFrom {
    /// The end of "check the network…".
    fn hint(&self) -> String {
        match self {
            InstanceFrom::SfCli(alias) => {
                format!(", and the instance URL `sf org display --target-org {alias}` shows")
            }
            InstanceFrom::AuthUrlFile(path) => format!(
                ", and the instance at the end of the auth URL in {}",
                path.display()
            ),
            InstanceFrom::Given => String::new(),
        }
    }
}

/// How an error names where a credential came from: its file, or standard input.
fn credential_place(what: &str, path: &std::path::Path) -> String {
    if path == std::path::Path::new("-") {
        format!("the {what} on standard input")
    } else {
        format!("{what} file {}", path.display())
    }
}

/// Where a fetch reports its progress (the binary draws a bar from it): calls are planned
/// as soon as they are known, so the total only grows, and each call made is counted once.
pub trait ProgressSink: Send + Sync + std::fmt::Debug {
    /// `calls` more API calls are planned.
    fn plan(&self, calls: u64);
    /// One planned call was made.
    fn done(&self);
    /// The run's plan is known: every call planned from here on is a page of a long answer
    /// or a retry, not a new part of the work. A bar can start here (before it, the total
    /// is a guess that grows many times over).
    fn settled(&self) {}
    /// The fetch is over, whatever its outcome. Called by the caller, not the library.
    fn finish(&self) {}
}

/// How a fetch runs.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// `66.0`; default: the newest the org offers. Never below 59.0.
    pub api_version: Option<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The whole fetch, `sf` included.
    pub timeout: Duration,
    pub limits: Limits,
    /// Told of every API call as it is planned and made; the library draws nothing.
    pub progress: Option<std::sync::Arc<dyn ProgressSink>>,
    /// Usage evidence to read beside the metadata; `None` skips it (`--no-usage`).
    pub usage: Option<UsageOptions>,
    /// When the fetch runs (`fetched_at`, and the usage window when the org sends no
    /// `Date` header): the caller's clock, so the library reads none.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            api_version: None,
            concurrency: 8,
            timeout: Duration::from_secs(600),
            limits: Limits::default(),
            progress: None,
            usage: Some(UsageOptions::default()),
            now: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
    }
}

/// One component as `listMetadata` listed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedComponent {
    pub ty: MetadataType,
    pub full_name: String,
    pub package: PackageInfo,
}

/// One `readMetadata` record, secrets already removed.
#[derive(Clone)]
pub struct FetchedRecord {
    pub ty: MetadataType,
    pub full_name: String,
    pub package: PackageInfo,
    /// The `<records xsi:type=...>` element.
    pub element: Element,
}

impl fmt::Debug for FetchedRecord {
    // The element is left out: it is large, and a debug print is no place for metadata.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchedRecord")
            .field("ty", &self.ty)
            .field("full_name", &self.full_name)
            .field("package", &self.package)
            .finish_non_exhaustive()
    }
}

/// Everything a fetch read from the org.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub instance_url: String,
    pub api_version: String,
    pub org_id: Option<String>,
    pub org_name: Option<String>,
    pub org_namespace: Option<String>,
    pub is_sandbox: Option<bool>,
    /// RFC 3339, when the fetch started.
    pub fetched_at: String,
    pub listed: Vec<ListedComponent>,
    /// Sorted by type and name.
    pub records: Vec<FetchedRecord>,
    pub problems: Vec<Problem>,
    /// Remarks with no effect on the verdict (e.g. a record for a name not asked for).
    pub notes: Vec<String>,
    pub usage: ApiUsage,
    /// Usage evidence, per-app aggregates only; `None` when it was not asked for.
    pub evidence: Option<pkce_audit_model::evidence::Evidence>,
}

impl Fetched {
    /// The parts the inventory is built from, parsed exactly as files are.
    pub fn collected(&self) -> Collected {
        let mut collected = Collected {
            org_namespace: self.org_namespace.clone(),
            problems: self.problems.clone(),
            notes: self.notes.clone(),
            evidence: self.evidence.clone(),
            // A live fetch without evidence is one run that skipped the usage queries.
            no_evidence_reason: self
                .evidence
                .is_none()
                .then_some(pkce_audit_model::inventory::NoEvidence::Skipped),
            ..Default::default()
        };
        // The instance URL's host is the org's (its My Domain host when it has one).
        collected.own.hosts = crate::host_of(&self.instance_url).into_iter().collect();
        for r in &self.records {
            match metadata::parse_component(&r.element, Some(r.ty), &r.full_name) {
                Ok(component) => collected.components.push(Loaded {
                    component,
                    file: None,
                    package: r.package.clone(),
                }),
                Err(e) => collected.problems.push(
                    Problem::new(
                        pkce_audit_model::inventory::ProblemKind::Unreadable,
                        format!("cannot be understood: {e}"),
                    )
                    .component(r.ty, &r.full_name),
                ),
            }
        }
        collected
    }
}

// Shared with the folder reader: both inputs drop secrets as soon as they are parsed.
pub use crate::metadata::{is_secret_element, strip_secrets};

/// The permission or setting that makes a type readable, for the doctor's checks: its
/// text, then its advice.
pub(crate) fn remedy_for(ty: Option<MetadataType>, call: &CallError) -> Option<String> {
    let mut p = Problem::new(problem_kind(call), String::new());
    set_remedy(&mut p, ty, call);
    p.written_remedy()
}

/// Gives `p` the remedy of a failed call, when it has one.
pub(crate) fn set_remedy(p: &mut Problem, ty: Option<MetadataType>, call: &CallError) {
    if let Some((text, advice)) = remedy_of(ty, call) {
        p.remedy = Some(text);
        p.advice = advice.map(Box::new);
    }
}

/// The permission or setting that makes a type readable, and the advice after it.
fn remedy_of(ty: Option<MetadataType>, call: &CallError) -> Option<(String, Option<Advice>)> {
    let code = call.code()?;
    let secrets = matches!(
        ty,
        Some(MetadataType::ExtlClntAppGlobalOauthSettings | MetadataType::ExtlClntAppOauthSettings)
    );
    let text: String = match code {
        "INVALID_SESSION_ID" => {
            return Some((
                "the session expired during the run and could not be renewed: log in again and re-run".into(),
                Some(Advice::RenewingSession),
            ))
        }
        "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" if secrets => {
            "the org setting 'Allow Access to OAuth Consumer Secrets via Metadata API' and the user permission 'View External Client Apps Consumer Secrets in Metadata'".into()
        }
        "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY"
            if ty == Some(MetadataType::AuthProvider) =>
        {
            "the user permission Manage Auth. Providers (with View Setup and Configuration)".into()
        }
        "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" if ty.is_none() => {
            "the user permission View Setup and Configuration".into()
        }
        "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" => {
            "the user permission Modify Metadata Through Metadata API Functions or Modify All Data".into()
        }
        "API_DISABLED_FOR_ORG" => "the user permission 'API Enabled' in an edition with API access".into(),
        "REQUEST_LIMIT_EXCEEDED" => "the org's daily API request limit is used up; run again after it resets".into(),
        "INVALID_TYPE" if ty.is_some_and(|t| t != MetadataType::ConnectedApp) => {
            "External Client Apps enabled in the org ('Opt in to External Client Apps') and API version 59.0 or later".into()
        }
        _ => return None,
    };
    Some((text, None))
}

/// What kind of problem a failed call is: a permission or setting the login lacks (the
/// codes [`remedy_of`] names one for), else something that could not be read.
pub(crate) fn problem_kind(e: &CallError) -> pkce_audit_model::inventory::ProblemKind {
    match e.code() {
        Some(
            "INSUFFICIENT_ACCESS"
            | "INSUFFICIENT_ACCESS_OR_READONLY"
            | "API_DISABLED_FOR_ORG"
            | "INVALID_TYPE",
        ) => pkce_audit_model::inventory::ProblemKind::Permission,
        _ => pkce_audit_model::inventory::ProblemKind::Unreadable,
    }
}

/// A problem for one component or type that could not be read.
pub(crate) fn problem(ty: MetadataType, name: Option<&str>, what: &str, e: &CallError) -> Problem {
    let mut p = Problem::new(problem_kind(e), format!("{what}: {e}"));
    p.component = Some(match name {
        Some(n) => pkce_audit_model::inventory::Concerns::Component {
            ty,
            name: n.to_string(),
        },
        None => pkce_audit_model::inventory::Concerns::Types(vec![ty]),
    });
    set_remedy(&mut p, Some(ty), e);
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;
    use pkce_audit_model::inventory::Concerns;

    #[test]
    fn secrets_are_stripped_at_any_depth_but_switches_stay() {
        let mut el = parse(br#"<records xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ConnectedApp"><fullName>A</fullName><oauthConfig><consumerKey>3MVG</consumerKey><consumerSecret>S3CR3T</consumerSecret><isConsumerSecretOptional>false</isConsumerSecretOptional><isSecretRequiredForRefreshToken>true</isSecretRequiredForRefreshToken><shouldRotateConsumerSecret xsi:nil="true"/><isSecretOdd>S3CR3T</isSecretOdd><customSecretValue>S3CR3T</customSecretValue></oauthConfig><privatePassword>S3CR3T</privatePassword></records>"#).unwrap();
        strip_secrets(&mut el);
        let o = el.child("oauthConfig").unwrap();
        let names: Vec<_> = o.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "consumerKey",
                "isConsumerSecretOptional",
                "isSecretRequiredForRefreshToken",
                "shouldRotateConsumerSecret"
            ]
        );
        assert!(el.child("privatePassword").is_none());
    }

    #[test]
    fn remedies_name_the_permission() {
        let denied = CallError::Fault {
            code: "INSUFFICIENT_ACCESS".into(),
            message: "no".into(),
        };
        let p = problem(
            MetadataType::ExtlClntAppGlobalOauthSettings,
            Some("X_glbloauth"),
            "readMetadata failed",
            &denied,
        );
        assert_eq!(
            p.component.as_ref().map(ToString::to_string).as_deref(),
            Some("ExtlClntAppGlobalOauthSettings X_glbloauth")
        );
        assert!(p
            .remedy
            .unwrap()
            .contains("Allow Access to OAuth Consumer Secrets via Metadata API"));
        let p = problem(
            MetadataType::ConnectedApp,
            None,
            "listMetadata failed",
            &denied,
        );
        assert_eq!(
            p.component,
            Some(Concerns::Types(vec![MetadataType::ConnectedApp]))
        );
        assert!(p
            .remedy
            .unwrap()
            .contains("Modify Metadata Through Metadata API Functions or"));
        let other = CallError::Malformed("x".into());
        assert!(problem(MetadataType::ConnectedApp, None, "x", &other)
            .remedy
            .is_none());
    }
}
