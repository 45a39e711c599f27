//! The order of calls. The critical path is versions → lists → reads: the first login
//! (auth URL) runs beside the version lookup, the org settings read and the
//! Organization query beside the lists, and each list call's reads start as soon as
//! that list has answered.

use super::auth::{self, Connection};
use super::http::{Api, CallError};
use super::soap::{Listed, MAX_LIST_QUERIES, MAX_READ_NAMES};
use super::{
    problem, remedy_for, rest, strip_secrets, usage, Error, FetchOptions, Fetched, FetchedRecord,
    ListedComponent,
};
use crate::inventory::{PackageInfo, Problem};
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use futures::future::try_join_all;
use std::collections::{BTreeMap, HashMap, HashSet};

const ORG_QUERY: &str = "SELECT Id, Name, NamespacePrefix, IsSandbox FROM Organization";

/// Runs [`fetch`] on its own runtime, for callers that are not async.
pub fn fetch_blocking(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    rt.block_on(fetch(conn, opts))
}

/// Reads the org behind `conn`. Fails only when nothing can be read (no session, no
/// API version, `--timeout` reached); everything narrower is a problem in the result.
pub async fn fetch(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    match tokio::time::timeout(opts.timeout, run(conn, opts)).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout(opts.timeout.as_secs())),
    }
}

pub(super) struct Progress(pub(super) Option<indicatif::ProgressBar>);

impl Progress {
    pub(super) fn plan(&self, calls: usize) {
        if let Some(p) = &self.0 {
            p.inc_length(calls as u64);
        }
    }
    pub(super) fn done(&self) {
        if let Some(p) = &self.0 {
            p.inc(1);
        }
    }
}

pub(super) struct Ctx<'a> {
    pub(super) api: &'a Api,
    pub(super) version: String,
    pub(super) progress: &'a Progress,
    pub(super) conn: &'a Connection,
    pub(super) hint: &'a str,
}

impl Ctx<'_> {
    /// A fatal call error as the one-line error the user sees.
    pub(super) fn fatal(&self, e: CallError) -> Error {
        fatal(e, self.api, self.conn, self.hint)
    }
}

fn fatal(e: CallError, api: &Api, conn: &Connection, hint: &str) -> Error {
    match e {
        CallError::Refresh(detail) => Error::Refresh {
            detail,
            hint: hint.to_string(),
        },
        CallError::Session { code, message } if api.current_token().looks_like_jwt() => {
            let alias = match conn {
                Connection::TargetOrg(a) => format!(" --alias {a}"),
                _ => String::new(),
            };
            Error::Session(format!(
                "the org rejected the access token ({code}): it is a JWT-based access token, which the Metadata API (SOAP) does not accept{}; log in again without a JWT-issuing External Client App, e.g. `sf org login web{alias}`",
                if message.is_empty() { String::new() } else { format!(" ({message})") }
            ))
        }
        CallError::Session { code, message } => Error::Session(format!(
            "the org rejected the session ({code}{}): it has expired or was revoked; {hint}",
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        )),
        other => Error::Session(other.to_string()),
    }
}

/// What one branch of the fetch found.
#[derive(Default)]
struct Part {
    listed: Vec<ListedComponent>,
    records: Vec<FetchedRecord>,
    problems: Vec<Problem>,
}

impl Part {
    fn merge(&mut self, other: Part) {
        self.listed.extend(other.listed);
        self.records.extend(other.records);
        self.problems.extend(other.problems);
    }
}

fn check_version(v: &str) -> Result<String, Error> {
    let parsed = rest::parse_version(v).ok_or_else(|| {
        Error::ApiVersion(format!("--api-version {v:?} is not a version such as 66.0"))
    })?;
    if parsed < rest::MIN_API_VERSION {
        return Err(Error::ApiVersion(format!(
            "API version {v} is older than {}, the first with the PKCE settings; use {0} or later",
            rest::format_version(rest::MIN_API_VERSION)
        )));
    }
    Ok(rest::format_version(parsed))
}

/// A session ready for calls: the API client, the version to use, the login hint.
pub(super) struct Session {
    pub(super) api: Api,
    pub(super) version: String,
    pub(super) hint: String,
}

/// Resolves the connection, and finds the API version beside the first login.
pub(super) async fn open(
    conn: &Connection,
    opts: &FetchOptions,
    progress: &Progress,
) -> Result<Session, Error> {
    let resolved = auth::resolve(conn).await?;
    let api = Api::new(&resolved, opts.concurrency, opts.limits.clone()).map_err(Error::Client)?;
    let hint = resolved.login_hint.as_str();

    let version = async {
        if let Some(v) = &opts.api_version {
            return check_version(v);
        }
        progress.plan(1);
        let newest = api.versions().await;
        progress.done();
        match newest {
            Ok(v) if v >= rest::MIN_API_VERSION => Ok(rest::format_version(v)),
            Ok(v) => Err(Error::ApiVersion(format!(
                "the org offers API versions up to {}; pkce-audit needs {} or later",
                rest::format_version(v),
                rest::format_version(rest::MIN_API_VERSION)
            ))),
            Err(e) => Err(Error::Versions {
                url: api.instance_url.clone(),
                detail: e.to_string(),
            }),
        }
    };
    let login = async {
        if !api.needs_login() {
            return Ok(());
        }
        progress.plan(1);
        let r = api.login().await;
        progress.done();
        r.map_err(|e| fatal(e, &api, conn, hint))
    };
    let (version, login) = tokio::join!(version, login);
    login?;
    let version = version?;
    Ok(Session {
        hint: resolved.login_hint.clone(),
        api,
        version,
    })
}

async fn run(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    let fetched_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let progress = Progress(opts.progress.clone());
    let session = open(conn, opts, &progress).await?;
    let api = &session.api;
    let ctx = Ctx {
        api,
        version: session.version.clone(),
        progress: &progress,
        conn,
        hint: &session.hint,
    };

    let groups: Vec<&[MetadataType]> = MetadataType::FETCHED.chunks(MAX_LIST_QUERIES).collect();
    progress.plan(groups.len() + 2);
    let types = try_join_all(groups.iter().map(|g| list_and_read(&ctx, g)));
    let evidence = async {
        match &opts.usage {
            Some(u) => usage::read(&ctx, u).await.map(Some),
            None => Ok(None),
        }
    };
    let (types, settings, org, evidence) =
        tokio::try_join!(types, read_settings(&ctx), query_org(&ctx), evidence)?;

    let mut all = Part::default();
    types.into_iter().for_each(|p| all.merge(p));
    all.merge(settings);
    let (org, org_problem) = org;
    all.problems.extend(org_problem);
    all.records
        .sort_by(|a, b| (a.ty, &a.full_name).cmp(&(b.ty, &b.full_name)));
    all.listed
        .sort_by(|a, b| (a.ty, &a.full_name).cmp(&(b.ty, &b.full_name)));
    all.problems.sort();
    Ok(Fetched {
        instance_url: api.instance_url.clone(),
        api_version: ctx.version.clone(),
        org_id: org.id,
        org_name: org.name,
        org_namespace: org.namespace,
        is_sandbox: org.is_sandbox,
        fetched_at,
        listed: all.listed,
        records: all.records,
        problems: all.problems,
        usage: api.usage(),
        evidence,
    })
}

/// Lists a group of types in one call. One unavailable or denied type (`INVALID_TYPE`,
/// `INSUFFICIENT_ACCESS`) fails the whole call, so then each type is listed alone to
/// keep the others; faults that would fail every call are not split.
pub(super) async fn list_types(
    ctx: &Ctx<'_>,
    group: &[MetadataType],
) -> Result<Vec<(MetadataType, Result<Vec<Listed>, CallError>)>, Error> {
    let names: Vec<&str> = group.iter().map(|t| t.name()).collect();
    let answer = ctx.api.list_metadata(&ctx.version, &names).await;
    ctx.progress.done();
    let by_type = |items: &[Listed], ty: MetadataType| -> Vec<Listed> {
        items
            .iter()
            .filter(|l| l.ty == ty.name() || (l.ty.is_empty() && group.len() == 1))
            .cloned()
            .collect()
    };
    match answer {
        Ok(items) => Ok(group.iter().map(|&t| (t, Ok(by_type(&items, t)))).collect()),
        Err(e) if ctx.api.stops_fetch(&e) => Err(ctx.fatal(e)),
        Err(e)
            if group.len() > 1
                && e.code().is_some_and(|c| {
                    !matches!(c, "REQUEST_LIMIT_EXCEEDED" | "API_DISABLED_FOR_ORG")
                }) =>
        {
            ctx.progress.plan(group.len());
            try_join_all(group.iter().map(|&t| async move {
                let answer = ctx.api.list_metadata(&ctx.version, &[t.name()]).await;
                ctx.progress.done();
                match answer {
                    Err(e) if ctx.api.stops_fetch(&e) => Err(ctx.fatal(e)),
                    other => Ok((t, other)),
                }
            }))
            .await
        }
        Err(e) => Ok(group.iter().map(|&t| (t, Err(e.clone()))).collect()),
    }
}

async fn list_and_read(ctx: &Ctx<'_>, group: &[MetadataType]) -> Result<Part, Error> {
    let mut part = Part::default();
    let mut batches = Vec::new();
    for (ty, listed) in list_types(ctx, group).await? {
        let items = match listed {
            Ok(items) => items,
            Err(e) => {
                part.problems.push(problem(
                    ty,
                    None,
                    "listMetadata failed, so no component of this type was read",
                    &e,
                ));
                continue;
            }
        };
        // Sorted and without duplicates, so batches are stable from run to run.
        let names: BTreeMap<String, PackageInfo> = items
            .into_iter()
            .map(|l| (l.full_name, l.package))
            .collect();
        part.listed
            .extend(names.iter().map(|(n, p)| ListedComponent {
                ty,
                full_name: n.clone(),
                package: p.clone(),
            }));
        let names: Vec<String> = names.into_keys().collect();
        batches.extend(names.chunks(MAX_READ_NAMES).map(|c| (ty, c.to_vec())));
    }
    ctx.progress.plan(batches.len());
    let packages: HashMap<(MetadataType, &str), &PackageInfo> = part
        .listed
        .iter()
        .map(|l| ((l.ty, l.full_name.as_str()), &l.package))
        .collect();
    let reads = try_join_all(
        batches
            .iter()
            .map(|(ty, names)| read_batch(ctx, *ty, names, &packages)),
    )
    .await?;
    for r in reads {
        part.merge(r);
    }
    Ok(part)
}

async fn read_batch(
    ctx: &Ctx<'_>,
    ty: MetadataType,
    names: &[String],
    packages: &HashMap<(MetadataType, &str), &PackageInfo>,
) -> Result<Part, Error> {
    let answer = ctx.api.read_metadata(&ctx.version, ty.name(), names).await;
    ctx.progress.done();
    let mut part = Part::default();
    let records = match answer {
        Ok(r) => r,
        Err(e) if ctx.api.stops_fetch(&e) => return Err(ctx.fatal(e)),
        Err(e) => {
            part.problems.extend(
                names
                    .iter()
                    .map(|n| problem(ty, Some(n), "readMetadata failed", &e)),
            );
            return Ok(part);
        }
    };
    // Records come back in the order asked, nil where a name reads as nothing; a
    // record's own fullName wins when it has one (and when the counts disagree).
    let positional = records.len() == names.len();
    let mut answered: HashSet<String> = HashSet::new();
    for (i, record) in records.into_iter().enumerate() {
        // A nil record leaves its name unanswered: reported below.
        let Some(mut element) = record else {
            continue;
        };
        let Some(full_name) = element
            .child_text("fullName")
            .map(str::to_string)
            .or_else(|| positional.then(|| names[i].clone()))
        else {
            part.problems.push(
                Problem::new(format!(
                    "readMetadata returned a {ty} record without a fullName; it was ignored"
                ))
                .component(ty, "(unnamed)"),
            );
            continue;
        };
        let asked = names
            .iter()
            .find(|n| **n == full_name)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(&full_name)));
        if let Some(a) = asked {
            answered.insert(a.clone());
        }
        strip_secrets(&mut element);
        let package = packages
            .get(&(ty, full_name.as_str()))
            .or_else(|| asked.and_then(|a| packages.get(&(ty, a.as_str()))))
            .map(|p| (*p).clone())
            .unwrap_or_default();
        part.records.push(FetchedRecord {
            ty,
            full_name,
            package,
            element,
        });
    }
    for n in names.iter().filter(|n| !answered.contains(*n)) {
        part.problems.push(
            Problem::new(
                "listed by listMetadata, but readMetadata returned no record for it (hidden from this user, or deleted during the audit)",
            )
            .component(ty, n),
        );
    }
    Ok(part)
}

/// `readMetadata("OauthOidcSettings", ["OauthOidc"])`; see the module notes.
async fn read_settings(ctx: &Ctx<'_>) -> Result<Part, Error> {
    let ty = MetadataType::OauthOidcSettings;
    let answer = ctx
        .api
        .read_metadata(&ctx.version, ty.name(), &[OAUTH_OIDC_MEMBER.to_string()])
        .await;
    ctx.progress.done();
    let mut part = Part::default();
    match answer {
        Err(e) if ctx.api.stops_fetch(&e) => return Err(ctx.fatal(e)),
        Err(e) => part.problems.push(problem(
            ty,
            Some(OAUTH_OIDC_MEMBER),
            "org OAuth settings unknown, org-level rules were not checked; readMetadata failed",
            &e,
        )),
        Ok(records) => match records.into_iter().flatten().next() {
            Some(mut element) => {
                strip_secrets(&mut element);
                part.records.push(FetchedRecord {
                    ty,
                    full_name: OAUTH_OIDC_MEMBER.to_string(),
                    package: PackageInfo::default(),
                    element,
                });
            }
            None => part.problems.push(
                Problem::new(
                    "org OAuth settings unknown, org-level rules were not checked; readMetadata returned no record",
                )
                .component(ty, OAUTH_OIDC_MEMBER),
            ),
        },
    }
    Ok(part)
}

#[derive(Default)]
struct OrgFacts {
    id: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
    is_sandbox: Option<bool>,
}

async fn query_org(ctx: &Ctx<'_>) -> Result<(OrgFacts, Option<Problem>), Error> {
    let answer = ctx.api.query(&ctx.version, ORG_QUERY).await;
    ctx.progress.done();
    let rows = match answer {
        Ok(rows) => rows,
        Err(e) if ctx.api.stops_fetch(&e) => return Err(ctx.fatal(e)),
        Err(e) => {
            let mut p = Problem::new(format!(
                "the org's id and namespace are unknown, so apps in the org's own namespace may be counted as an ISV's; the Organization query failed: {e}"
            ));
            p.component = Some("Organization".into());
            p.remedy = remedy_for(None, &e);
            return Ok((OrgFacts::default(), Some(p)));
        }
    };
    let Some(row) = rows.first() else {
        let mut p = Problem::new(
            "the Organization query returned no row; the org's id and namespace are unknown",
        );
        p.component = Some("Organization".into());
        return Ok((OrgFacts::default(), Some(p)));
    };
    let text = |k: &str| {
        row.get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok((
        OrgFacts {
            id: text("Id"),
            name: text("Name"),
            namespace: text("NamespacePrefix"),
            is_sandbox: row.get("IsSandbox").and_then(|v| v.as_bool()),
        },
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_below_59_are_refused() {
        assert_eq!(check_version("66.0").unwrap(), "66.0");
        assert_eq!(check_version("60").unwrap(), "60.0");
        assert!(check_version("58.0")
            .unwrap_err()
            .to_string()
            .contains("59.0"));
        assert!(check_version("latest").is_err());
    }
}
