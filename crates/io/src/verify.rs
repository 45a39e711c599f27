//! `verify`'s input: a live org read once (its apps and settings as `audit` reads them,
//! OAuth token use, LoginHistory over the baseline and since the change), turned into the
//! model's [`Facts`] and decided by [`pkce_audit_model::verify::verify`].

use crate::salesforce::{self, ChangeAt, Connection, FetchOptions, LoginWindows};
use crate::AuditOptions;
use pkce_audit_model::evidence::{EvidenceSource, SourceState};
use pkce_audit_model::metadata::MetadataType;
use pkce_audit_model::verify::{
    self, DeployRef, Facts, OrgRef, Scope, Span, Time, Tokens, Verification,
};
use std::path::Path;

/// What the run checks, and over which time.
#[derive(Debug, Clone)]
pub struct Request {
    pub change: ChangeAt,
    pub until: Time,
    pub baseline_days: u32,
    pub scope: Scope,
    /// Most queries spent on a baseline's rhythm beyond the windows.
    pub rhythm_budget: u64,
}

impl Request {
    /// The windows of a change at `since`.
    pub fn windows(&self, since: Time) -> LoginWindows {
        LoginWindows {
            baseline: Span {
                from: since - chrono::Duration::days(i64::from(self.baseline_days)),
                to: since,
            },
            after: Span {
                from: since,
                to: self.until,
            },
            rhythm_budget: self.rhythm_budget,
        }
    }
}

/// Why a `--manifest` cannot be a scope.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ManifestError {
    pub path: String,
    pub reason: String,
}

impl pkce_audit_model::errors::Coded for ManifestError {
    fn code(&self) -> pkce_audit_model::errors::ErrorCode {
        pkce_audit_model::errors::ErrorCode::VerifyManifest
    }
}

/// The scope of a step-2 manifest `fix` wrote: its Connected Apps, and the External
/// Client Apps whose global OAuth settings it lists.
pub fn manifest_scope(path: &Path) -> Result<Scope, ManifestError> {
    let shown = path.display().to_string();
    let refuse = |reason: String| ManifestError {
        path: shown.clone(),
        reason,
    };
    let members = crate::fix::manifest::read_step2(path).map_err(refuse)?;
    let of = |ty: MetadataType| -> Vec<String> {
        members
            .iter()
            .filter(|(t, _)| t == ty.name())
            .map(|(_, m)| m.clone())
            .collect()
    };
    let (connected_apps, eca_global_settings) = (
        of(MetadataType::ConnectedApp),
        of(MetadataType::ExtlClntAppGlobalOauthSettings),
    );
    if connected_apps.is_empty() && eca_global_settings.is_empty() {
        return Err(refuse("it lists no app".into()));
    }
    Ok(Scope::Manifest {
        file: shown,
        connected_apps,
        eca_global_settings,
    })
}

/// Reads the org behind `conn` and decides. Fails as a fetch does (no session, no API
/// version, `--timeout`); everything narrower is in the answer.
///
/// `check` refuses a change time whose windows cannot be right (the caller's rules, said in
/// its words); a time given is checked before any call, a deploy's once it is read.
pub fn verify_org(
    conn: &Connection,
    fetch: &FetchOptions,
    audit: &AuditOptions,
    req: &Request,
    check: &(dyn Fn(Time) -> Result<(), String> + Sync),
) -> Result<Verification, salesforce::Error> {
    let make = |since: Time| check(since).map(|()| req.windows(since));
    let salesforce::VerifyRead {
        fetched,
        logins,
        access,
        windows,
        deploy,
    } = salesforce::verify_blocking(conn, fetch, &req.change, &make)?;
    let (inventory, _) = crate::audit_fetched(&fetched, audit);
    let tokens = match &fetched.evidence {
        Some(e) => Tokens {
            state: e
                .source(&EvidenceSource::OauthToken)
                .cloned()
                .unwrap_or_else(|| not_read("the OauthToken query was not sent")),
            usage: e.tokens.clone(),
        },
        None => Tokens {
            state: not_read("usage was not read"),
            usage: Vec::new(),
        },
    };
    // Its own tokens only: no row says which apps others use.
    let own_only = match access {
        salesforce::Access::Checked {
            all_tokens: false, ..
        } => {
            Some("this login sees only its own tokens (it lacks Customize Application)".to_string())
        }
        salesforce::Access::Unchecked(why) => Some(format!(
            "whether this login sees every user's tokens could not be checked ({why})"
        )),
        salesforce::Access::Checked { .. } => None,
    };
    let tokens = match (own_only, &tokens.state) {
        (Some(reason), SourceState::Read { rows, method, .. }) => Tokens {
            state: SourceState::Read {
                rows: *rows,
                partial: true,
                method: method.clone(),
                reason: Some(reason),
            },
            ..tokens
        },
        _ => tokens,
    };
    let org = OrgRef {
        instance_url: fetched.instance_url.clone(),
        org_id: fetched.org_id.clone(),
        name: fetched.org_name.clone(),
        is_sandbox: fetched.is_sandbox,
        alias: match conn {
            Connection::TargetOrg(alias) => Some(alias.clone()),
            Connection::AccessToken { .. } | Connection::AuthUrlFile(_) => None,
        },
        read_at: audit.now,
    };
    let deploy = deploy.and_then(|d| {
        let completed = salesforce::usage::windows::time_of(d.completed.as_deref()?)?;
        Some(DeployRef {
            id: d.id,
            status: d.status,
            completed,
        })
    });
    Ok(verify::verify(&Facts {
        org,
        deploy,
        since: windows.after.from,
        until: req.until,
        baseline: windows.baseline,
        scope: &req.scope,
        inventory: &inventory,
        logins: &logins,
        tokens: &tokens,
    }))
}

fn not_read(reason: &str) -> SourceState {
    SourceState::Missing {
        reason: reason.into(),
        remedy: EvidenceSource::OauthToken.remedy().into(),
    }
}
