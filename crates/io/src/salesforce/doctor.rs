//! `pkce-audit doctor`: which of the sources an audit reads this login can read, and
//! what grants the missing ones. It reads no app data: names from `listMetadata`, a
//! probe read of a component that does not exist, the org settings, and `SELECT COUNT()`
//! of each SOQL object.

use super::fetch::{list_types, match_records};
use super::http::CallError;
use super::session::{bounded, open, prepare, runtime, Ctx, Progress};
use super::soap::MAX_LIST_QUERIES;
use super::usage::{count_query, is_tooling};
use super::{remedy_for, Connection, Error, FetchOptions};
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use futures::future::{join_all, try_join_all};
pub use pkce_audit_model::doctor::{Check, Doctor};
use pkce_audit_model::evidence::{EvidenceSource, OAUTH_TOKEN_CAP};

/// The ECA global OAuth settings read, as `doctor` names it: readable means the PKCE
/// flag of every External Client App can be read.
pub const ECA_SECRETS_SOURCE: &str = "ECA global OAuth settings (read)";

/// A name no component has: reading it answers nil when the type is readable.
pub const PROBE_NAME: &str = "pkce_audit_doctor_probe";

const SECRETS_REMEDY: &str = "the org setting 'Allow Access to OAuth Consumer Secrets via Metadata API' and the user permission 'View External Client Apps Consumer Secrets in Metadata'";
const METADATA_REMEDY: &str =
    "the user permission Modify Metadata Through Metadata API Functions or Modify All Data";
const SETUP_REMEDY: &str = "the user permission View Setup and Configuration";

fn check(source: impl Into<String>, probe: impl Into<String>) -> Check {
    Check {
        source: source.into(),
        probe: probe.into(),
        soql: None,
        readable: true,
        detail: None,
        remedy: None,
    }
}

/// `c`, unreadable: the error and what grants access.
fn failed(mut c: Check, e: &CallError, remedy: String) -> Check {
    c.readable = false;
    c.detail = Some(e.to_string());
    c.remedy = Some(remedy);
    c
}

/// Runs [`doctor`] on its own runtime.
pub fn doctor_blocking(
    conn: &Connection,
    opts: &FetchOptions,
    window_days: u32,
) -> Result<Doctor, Error> {
    let rt = runtime()?;
    let result = rt.block_on(doctor(conn, opts, window_days));
    rt.shutdown_background();
    result
}

/// Probes every source, the credentials read first, all within `--timeout`. Fails only
/// when a credential is unusable, the org cannot be reached or the session is rejected;
/// an unreadable source is a check, not an error.
pub async fn doctor(
    conn: &Connection,
    opts: &FetchOptions,
    window_days: u32,
) -> Result<Doctor, Error> {
    let (prepared, left) = prepare(conn, opts.timeout).await?;
    bounded(
        opts.timeout,
        left,
        probe(conn, &prepared, opts, window_days),
    )
    .await
}

async fn probe(
    conn: &Connection,
    prepared: &super::Prepared,
    opts: &FetchOptions,
    window_days: u32,
) -> Result<Doctor, Error> {
    let progress = Progress::new(opts.progress.clone());
    let session = open(conn, prepared, opts, &progress).await?;
    let ctx = Ctx {
        api: &session.api,
        version: session.version.clone(),
        progress: &progress,
        conn,
        hint: &session.hint,
        retained: Default::default(),
        now: opts.now,
    };
    let groups: Vec<&[MetadataType]> = MetadataType::FETCHED.chunks(MAX_LIST_QUERIES).collect();
    progress.plan(groups.len() + 2 + 1 + EvidenceSource::KNOWN.len());
    progress.settled();
    let lists = try_join_all(groups.iter().map(|g| list_types(&ctx, g)));
    // Each evidence source, then the Organization object (`None`).
    let queried = EvidenceSource::KNOWN
        .iter()
        .map(|s| (Some(*s), count_query(*s, window_days), is_tooling(*s)))
        .chain(std::iter::once((
            None,
            "SELECT COUNT() FROM Organization".to_string(),
            false,
        )))
        .collect::<Vec<_>>();
    let counts = join_all(queried.iter().map(|(source, soql, tooling)| {
        let ctx = &ctx;
        async move {
            let r = ctx
                .api
                .query_each(&ctx.version, soql, *tooling, 1, |_| false)
                .await;
            ctx.progress.done();
            (*source, soql.as_str(), r)
        }
    }));
    let (lists, eca, settings, counts) =
        tokio::join!(lists, probe_eca_global(&ctx), probe_settings(&ctx), counts);
    let mut checks = Vec::new();
    for (ty, listed) in lists?.into_iter().flat_map(|l| l.per_type) {
        let c = check(ty.name(), "listMetadata");
        checks.push(match listed {
            Ok(items) => Check {
                detail: Some(format!("{} listed", items.len())),
                ..c
            },
            Err(e) if e.is_fatal() => return Err(ctx.fatal(e)),
            Err(e) => {
                let remedy = remedy_for(Some(ty), &e).unwrap_or_else(|| METADATA_REMEDY.into());
                failed(c, &e, remedy)
            }
        });
    }
    checks.push(eca?);
    checks.push(settings?);
    for (source, soql, answer) in counts {
        let probe = if source.is_some_and(is_tooling) {
            "Tooling SELECT COUNT()"
        } else {
            "SELECT COUNT()"
        };
        let c = Check {
            soql: Some(soql.to_string()),
            ..check(source.map_or("Organization", |s| s.as_str()), probe)
        };
        checks.push(match answer {
            Ok(run) => {
                let n = run.total_size.unwrap_or(run.rows);
                let mut detail = format!("{n} row(s)");
                if source == Some(EvidenceSource::OauthToken) && n > OAUTH_TOKEN_CAP {
                    detail.push_str(&format!(
                        "; one query returns at most {OAUTH_TOKEN_CAP}, so they are read in {} LIMIT/OFFSET batches",
                        n.div_ceil(OAUTH_TOKEN_CAP)
                    ));
                }
                Check {
                    detail: Some(detail),
                    ..c
                }
            }
            Err(e) if e.is_fatal() => return Err(ctx.fatal(e)),
            Err(e) => {
                let remedy = match source {
                    Some(source) => source.remedy().to_string(),
                    None => remedy_for(None, &e).unwrap_or_else(|| SETUP_REMEDY.into()),
                };
                failed(c, &e, remedy)
            }
        });
    }
    Ok(Doctor {
        instance_url: session.api.instance_url.clone(),
        api_version: session.version.clone(),
        window_days,
        checks,
        api: session.api.usage(),
    })
}

/// The ECA global OAuth settings hold each ECA's PKCE flag and its consumer secret, so
/// reading them takes the secrets permission; a nil answer for a made-up name proves it.
async fn probe_eca_global(ctx: &Ctx<'_>) -> Result<Check, Error> {
    let ty = MetadataType::ExtlClntAppGlobalOauthSettings;
    let answer = ctx
        .api
        .read_metadata(&ctx.version, ty.name(), &[PROBE_NAME.to_string()])
        .await;
    ctx.progress.done();
    let c = check(ECA_SECRETS_SOURCE, "readMetadata of a made-up name");
    Ok(match answer {
        Ok(_) => c,
        Err(e) if e.is_fatal() => return Err(ctx.fatal(e)),
        Err(e) => {
            let remedy = match e.code() {
                Some("INVALID_TYPE") => remedy_for(Some(ty), &e),
                _ => None,
            };
            failed(c, &e, remedy.unwrap_or_else(|| SECRETS_REMEDY.into()))
        }
    })
}

async fn probe_settings(ctx: &Ctx<'_>) -> Result<Check, Error> {
    let ty = MetadataType::OauthOidcSettings;
    let answer = ctx
        .api
        .read_metadata(&ctx.version, ty.name(), &[OAUTH_OIDC_MEMBER.to_string()])
        .await;
    ctx.progress.done();
    let c = check(format!("{ty} {OAUTH_OIDC_MEMBER}"), "readMetadata");
    Ok(match answer {
        Ok(records) => match match_records(ty, &[OAUTH_OIDC_MEMBER.to_string()], records)
            .unread
            .first()
        {
            None => c,
            Some((_, why)) => Check {
                readable: false,
                detail: Some(why.describe()),
                remedy: Some(format!("{SETUP_REMEDY}; if it is granted, check the org settings in Setup > OAuth and OpenID Connect Settings")),
                ..c
            },
        },
        Err(e) if e.is_fatal() => return Err(ctx.fatal(e)),
        Err(e) => {
            let remedy = remedy_for(Some(ty), &e).unwrap_or_else(|| METADATA_REMEDY.into());
            failed(c, &e, remedy)
        }
    })
}
