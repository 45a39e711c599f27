//! The order of calls. The critical path is versions → lists → reads: the first login
//! (auth URL) runs beside the version lookup, the org settings read and the
//! Organization query beside the lists, and each list call's reads start as soon as
//! that list has answered.

use super::auth::{Connection, Prepared};
use super::session::{bounded, open, prepare, runtime, Ctx, Progress};
use super::soap::{MAX_LIST_QUERIES, MAX_READ_NAMES};
use super::{
    problem, set_remedy, strip_secrets, usage, Error, FetchOptions, Fetched, FetchedRecord,
    ListedComponent,
};
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
mod listing;
mod providers;
mod records;

pub(super) use listing::list_types;
use listing::{account_listed, stray_problem};
pub(super) use records::match_records;

use super::soap::DeployStatus;
use super::usage::windows::{Access, LoginWindows};
use futures::future::try_join_all;
use pkce_audit_model::evidence::SourceState;
use pkce_audit_model::inventory::{PackageInfo, Problem};
use pkce_audit_model::verify::Logins;
use pkce_audit_model::verify::Time;
use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;

const ORG_QUERY: &str = "SELECT Id, Name, NamespacePrefix, IsSandbox FROM Organization";

/// Runs [`fetch`] on its own runtime, for callers that are not async.
pub fn fetch_blocking(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    blocking(fetch(conn, opts))
}

/// Runs a read of the org on its own runtime.
fn blocking<T>(read: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let rt = runtime()?;
    let result = rt.block_on(read);
    // After `--timeout` a parse may still run on the blocking pool; it cannot be
    // interrupted, and nothing waits for what it would return.
    rt.shutdown_background();
    result
}

/// Reads the org behind `conn`, its credentials read first ([`crate::credentials`]).
/// Fails only when nothing can be read (a credential, no session, no API version,
/// `--timeout` reached); everything narrower is a problem in the result.
pub async fn fetch(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    let (prepared, left) = prepare(conn, opts.timeout).await?;
    bounded(
        opts.timeout,
        left,
        run(conn, &prepared, opts, MetadataType::FETCHED, None),
    )
    .await
    .map(|(f, _)| f)
}

/// When the change `verify` checks happened: given, or the completion of its deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeAt {
    Time(Time),
    /// A deploy's id (`0Af…`): its `completedDate`, read through `checkDeployStatus`.
    Deploy(String),
}

/// The LoginHistory windows for a change at a time, or why that time cannot be used.
pub type WindowsAt<'a> = &'a (dyn Fn(Time) -> Result<LoginWindows, String> + Sync);

/// What `verify` read.
pub struct VerifyRead {
    pub fetched: Fetched,
    pub logins: Logins,
    pub access: Access,
    pub windows: LoginWindows,
    /// The deploy that dates the change, when one does.
    pub deploy: Option<DeployStatus>,
}

/// What `verify` reads, blocking, in one session: the deploy that dates the change when
/// it is one, then everything [`fetch`] reads (the usage evidence as `opts.usage` says,
/// LoginHistory excepted) and LoginHistory over the windows `windows` gives for the
/// change's time. Fails as [`fetch`] does, and when the deploy cannot date the change.
pub fn verify_blocking(
    conn: &Connection,
    opts: &FetchOptions,
    change: &ChangeAt,
    windows: WindowsAt<'_>,
) -> Result<VerifyRead, Error> {
    let opts = FetchOptions {
        usage: opts
            .usage
            .clone()
            .map(|u| usage::UsageOptions { logins: false, ..u }),
        ..opts.clone()
    };
    let (fetched, read) = blocking(async {
        let (prepared, left) = prepare(conn, opts.timeout).await?;
        bounded(
            opts.timeout,
            left,
            run(
                conn,
                &prepared,
                &opts,
                MetadataType::FETCHED,
                Some((change, windows)),
            ),
        )
        .await
    })?;
    let (logins, access, windows, deploy) = read.expect("asked for");
    Ok(VerifyRead {
        fetched,
        logins,
        access,
        windows,
        deploy,
    })
}

/// Whether `answered` is the deploy `asked` names: both ids of letters and digits, 15 or 18
/// long; equal, or (one of them 15 long, the other 18) equal in their first 15, the
/// case-sensitive part of a Salesforce id.
fn same_deploy(asked: &str, answered: &str) -> bool {
    let id =
        |s: &str| (s.len() == 15 || s.len() == 18) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !id(asked) || !id(answered) {
        return false;
    }
    match asked.len() == answered.len() {
        true => asked == answered,
        false => asked[..15] == answered[..15],
    }
}

/// The time a deploy dates a change by: its completion, when it finished, succeeded whole
/// and changed the org (not a validation), and is the one asked about.
fn deploy_time(asked: &str, s: &DeployStatus) -> Result<Time, String> {
    if !same_deploy(asked, &s.id) {
        return Err(format!(
            "the org answered about another deploy ({:?})",
            pkce_audit_model::text::escaped(&s.id)
        ));
    }
    if !s.done {
        return Err(format!(
            "it is still {}: verify it once it has finished",
            pkce_audit_model::text::escaped(&s.status)
        ));
    }
    match s.check_only {
        Some(false) => {}
        Some(true) => {
            return Err(
                "it was a validation (checkOnly, a dry run): it changed nothing in the org".into(),
            )
        }
        None => {
            return Err("its answer does not say whether it was a validation (no checkOnly)".into())
        }
    }
    match (s.status.as_str(), s.success) {
        ("Succeeded", true) => {}
        // Some components failed: the one that carries the change may be among them.
        ("SucceededPartial", _) => {
            return Err(
                "it succeeded only in part (SucceededPartial): the change may be among the components that failed; verify with --since once the change is deployed whole".into(),
            )
        }
        (status, _) => {
            return Err(format!(
                "it ended {}: it changed nothing to verify",
                pkce_audit_model::text::escaped(status)
            ))
        }
    }
    let completed = s.completed.as_deref().ok_or("it has no completedDate")?;
    super::usage::windows::time_of(completed).ok_or_else(|| {
        format!(
            "its completedDate {:?} is not a time",
            pkce_audit_model::text::escaped(completed)
        )
    })
}

#[cfg(test)]
mod deploy_tests {
    use super::*;

    fn status(id: &str) -> DeployStatus {
        DeployStatus {
            id: id.into(),
            done: true,
            status: "Succeeded".into(),
            success: true,
            check_only: Some(false),
            completed: Some("2026-11-21T00:00:00.000Z".into()),
        }
    }

    #[test]
    fn only_the_deploy_asked_finished_whole_and_not_a_validation_dates_the_change() {
        let asked = "0AfXX0000012345ABC";
        assert!(deploy_time(asked, &status(asked)).is_ok());
        assert!(deploy_time("0AfXX0000012345", &status(asked)).is_ok());
        for other in [
            "0AfXX0000012345ABD",
            "0AfXX00000123\u{e9}1",
            "0AfXX0000012345ZZZjunk",
            "",
        ] {
            let e = deploy_time(asked, &status(other)).unwrap_err();
            assert!(e.contains("another deploy"), "{e}");
        }
        let partial = DeployStatus {
            status: "SucceededPartial".into(),
            ..status(asked)
        };
        assert!(deploy_time(asked, &partial)
            .unwrap_err()
            .contains("in part"));
        let unsaid = DeployStatus {
            check_only: None,
            ..status(asked)
        };
        assert!(deploy_time(asked, &unsaid)
            .unwrap_err()
            .contains("checkOnly"));
        let validation = DeployStatus {
            check_only: Some(true),
            ..status(asked)
        };
        assert!(deploy_time(asked, &validation)
            .unwrap_err()
            .contains("validation"));
    }
}

/// [`fetch`] with the credentials already read and checked (a fleet reads every org's
/// before it contacts any).
pub async fn fetch_prepared(
    conn: &Connection,
    prepared: &Prepared,
    opts: &FetchOptions,
) -> Result<Fetched, Error> {
    bounded(
        opts.timeout,
        opts.timeout,
        run(conn, prepared, opts, MetadataType::FETCHED, None),
    )
    .await
    .map(|(f, _)| f)
}

/// What `fix --org-setting` reads of the org behind `conn`, blocking: the org's OAuth
/// and OpenID Connect settings and the Organization row, and, with `eca_globals`, every
/// External Client App's global OAuth settings (listed and read as [`fetch`] does, so
/// the same permission gates them). No other component and no usage evidence is read,
/// whatever `opts.usage` says. Fails as [`fetch`] does.
pub fn fetch_settings_blocking(
    conn: &Connection,
    opts: &FetchOptions,
    eca_globals: bool,
) -> Result<Fetched, Error> {
    let types: &[MetadataType] = if eca_globals {
        &[MetadataType::ExtlClntAppGlobalOauthSettings]
    } else {
        &[]
    };
    let opts = FetchOptions {
        usage: None,
        ..opts.clone()
    };
    blocking(async {
        let (prepared, left) = prepare(conn, opts.timeout).await?;
        bounded(opts.timeout, left, run(conn, &prepared, &opts, types, None))
            .await
            .map(|(f, _)| f)
    })
}

/// What one branch of the fetch found.
#[derive(Default)]
struct Part {
    listed: Vec<ListedComponent>,
    records: Vec<FetchedRecord>,
    problems: Vec<Problem>,
    notes: Vec<String>,
}

impl Part {
    fn merge(&mut self, other: Part) {
        self.listed.extend(other.listed);
        self.records.extend(other.records);
        self.problems.extend(other.problems);
        self.notes.extend(other.notes);
    }
}

/// Reads `types` (listed, then read), the org settings, the Organization row and, when
/// asked, usage evidence and verify's LoginHistory windows.
async fn run(
    conn: &Connection,
    prepared: &Prepared,
    opts: &FetchOptions,
    types: &[MetadataType],
    verify: Option<(&ChangeAt, WindowsAt<'_>)>,
) -> Result<(Fetched, Option<VerifyParts>), Error> {
    let fetched_at = opts.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let progress = Progress::new(opts.progress.clone());
    let session = open(conn, prepared, opts, &progress).await?;
    let api = &session.api;
    let ctx = Ctx {
        api,
        version: session.version.clone(),
        progress: &progress,
        conn,
        hint: &session.hint,
        retained: AtomicUsize::new(0),
        now: opts.now,
    };

    // verify's windows, from the deploy that dates the change when it is one: read first,
    // as nothing else is worth reading if it cannot.
    let windows = match verify {
        None => None,
        Some((change, make)) => {
            let (since, deploy) = match change {
                ChangeAt::Time(t) => (*t, None),
                ChangeAt::Deploy(id) => {
                    progress.plan(1);
                    let answer = api.check_deploy_status(&ctx.version, id).await;
                    progress.done();
                    let status = answer.map_err(|e| match ctx.api.stops_fetch(&e) {
                        true => ctx.fatal(e),
                        false => Error::Deploy {
                            id: id.clone(),
                            reason: e.to_string(),
                        },
                    })?;
                    let at = deploy_time(id, &status).map_err(|reason| Error::Deploy {
                        id: id.clone(),
                        reason,
                    })?;
                    (at, Some(status))
                }
            };
            let w = make(since).map_err(|reason| Error::Deploy {
                id: match change {
                    ChangeAt::Deploy(id) => id.clone(),
                    ChangeAt::Time(_) => String::new(),
                },
                reason,
            })?;
            Some((w, deploy))
        }
    };

    // A full fetch reads the apps; only then can a callback point at an Auth. Provider.
    let full = types.contains(&MetadataType::ConnectedApp);
    let groups: Vec<&[MetadataType]> = types.chunks(MAX_LIST_QUERIES).collect();
    progress.plan(groups.len() + 2);
    progress.settle_after(groups.len());
    let types = try_join_all(groups.iter().map(|g| list_and_read(&ctx, g)));
    let evidence = async {
        match &opts.usage {
            Some(u) => usage::read(&ctx, u).await.map(Some),
            None => Ok(None),
        }
    };
    let logins = async {
        match &windows {
            Some((w, _)) => usage::windows::read_windows(&ctx, w).await.map(Some),
            None => Ok(None),
        }
    };
    let (types, settings, org, evidence, logins) = tokio::try_join!(
        types,
        read_settings(&ctx),
        query_org(&ctx),
        evidence,
        logins
    )?;

    let mut all = Part::default();
    types.into_iter().for_each(|p| all.merge(p));
    all.merge(settings);
    let (org, org_problem) = org;
    all.problems.extend(org_problem);
    // Second step, only when some callback points at one of this org's Auth. Providers.
    let org_host = crate::host_of(&api.instance_url);
    if full
        && org_host
            .as_deref()
            .is_some_and(|h| providers::callbacks_point_at_org_provider(&all.records, h))
    {
        progress.plan(1);
        progress.settle_after(1);
        all.merge(list_and_read(&ctx, &[MetadataType::AuthProvider]).await?);
    }
    all.records
        .sort_by(|a, b| (a.ty, &a.full_name).cmp(&(b.ty, &b.full_name)));
    all.listed
        .sort_by(|a, b| (a.ty, &a.full_name).cmp(&(b.ty, &b.full_name)));
    // Names and messages come from the server: whatever it echoed of a secret (of any
    // org of the run) goes.
    let scrubber = crate::secrets::scrubber();
    for p in &mut all.problems {
        p.reason = scrubber.apply(&p.reason).into_owned();
        p.component = p
            .component
            .take()
            .map(|c| c.map_text(|s| scrubber.apply(s).into_owned()));
    }
    let mut notes: Vec<String> = all
        .notes
        .iter()
        .map(|n| scrubber.apply(n).into_owned())
        .collect();
    notes.sort();
    notes.dedup();
    all.problems.sort();
    let fetched = Fetched {
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
        notes,
        usage: api.usage(),
        evidence,
    };
    let parts = match (logins, windows) {
        (Some((l, a)), Some((w, deploy))) => Some((scrub_logins(l, &scrubber), a, w, deploy)),
        _ => None,
    };
    Ok((fetched, parts))
}

/// verify's reads beside the fetch.
type VerifyParts = (Logins, Access, LoginWindows, Option<DeployStatus>);

/// LoginHistory's texts come from the server: whatever it echoed of a secret goes.
fn scrub_logins(mut l: Logins, scrubber: &crate::secrets::Scrubber) -> Logins {
    let s = |t: &mut Option<String>| {
        if let Some(v) = t {
            *v = scrubber.apply(v).into_owned();
        }
    };
    for g in l
        .baseline
        .iter_mut()
        .chain(l.after.iter_mut())
        .flat_map(|p| &mut p.groups)
    {
        s(&mut g.application);
        s(&mut g.login_type);
        s(&mut g.sub_type);
        s(&mut g.status);
    }
    if let SourceState::Read { reason, .. } = &mut l.state {
        s(reason);
    }
    if let SourceState::Missing { reason, .. } = &mut l.state {
        *reason = scrubber.apply(reason).into_owned();
    }
    l
}

async fn list_and_read(ctx: &Ctx<'_>, group: &[MetadataType]) -> Result<Part, Error> {
    let mut part = Part::default();
    let mut batches = Vec::new();
    let listing = list_types(ctx, group).await?;
    part.problems
        .extend(listing.strays.iter().map(|l| stray_problem(group, l)));
    for (ty, listed) in listing.per_type {
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
        let names = account_listed(ty, items, &mut part);
        batches.extend(names.chunks(MAX_READ_NAMES).map(|c| (ty, c.to_vec())));
    }
    ctx.progress.plan(batches.len());
    ctx.progress.listed();
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
    let matched = match_records(ty, names, records);
    part.notes.extend(matched.notes);
    for (name, unread) in matched.unread {
        part.problems.push(
            Problem::new(
                pkce_audit_model::inventory::ProblemKind::Unreadable,
                format!(
                    "listed by listMetadata, but not read: {}",
                    unread.describe()
                ),
            )
            .component(ty, &name),
        );
    }
    for (full_name, mut element) in matched.records {
        strip_secrets(&mut element);
        if let Err(why) = ctx.retain(&element) {
            part.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Unreadable,
                    format!("not read: {why}"),
                )
                .component(ty, &full_name),
            );
            continue;
        }
        let package = packages
            .get(&(ty, full_name.as_str()))
            .map(|p| (*p).clone())
            .unwrap_or_default();
        part.records.push(FetchedRecord {
            ty,
            full_name,
            package,
            element,
        });
    }
    Ok(part)
}

/// `readMetadata("OauthOidcSettings", ["OauthOidc"])`; see the module notes. The answer
/// is held to the same rule as any component: one record named `OauthOidc`, with
/// content, or the org settings are unknown.
async fn read_settings(ctx: &Ctx<'_>) -> Result<Part, Error> {
    let ty = MetadataType::OauthOidcSettings;
    let answer = ctx
        .api
        .read_metadata(&ctx.version, ty.name(), &[OAUTH_OIDC_MEMBER.to_string()])
        .await;
    ctx.progress.done();
    let mut part = Part::default();
    const UNKNOWN: &str = "org OAuth settings unknown, org-level rules were not checked";
    let records = match answer {
        Err(e) if ctx.api.stops_fetch(&e) => return Err(ctx.fatal(e)),
        Err(e) => {
            part.problems.push(problem(
                ty,
                Some(OAUTH_OIDC_MEMBER),
                &format!("{UNKNOWN}; readMetadata failed"),
                &e,
            ));
            return Ok(part);
        }
        Ok(records) => records,
    };
    let matched = match_records(ty, &[OAUTH_OIDC_MEMBER.to_string()], records);
    part.notes.extend(matched.notes);
    for (_, unread) in matched.unread {
        part.problems.push(
            Problem::new(
                pkce_audit_model::inventory::ProblemKind::Unreadable,
                format!("{UNKNOWN}; {}", unread.describe()),
            )
            .component(ty, OAUTH_OIDC_MEMBER),
        );
    }
    for (full_name, mut element) in matched.records {
        strip_secrets(&mut element);
        if let Err(why) = ctx.retain(&element) {
            part.problems.push(
                Problem::new(
                    pkce_audit_model::inventory::ProblemKind::Unreadable,
                    format!("{UNKNOWN}; {why}"),
                )
                .component(ty, OAUTH_OIDC_MEMBER),
            );
            continue;
        }
        part.records.push(FetchedRecord {
            ty,
            full_name,
            package: PackageInfo::default(),
            element,
        });
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
            let mut p = Problem::new(crate::salesforce::problem_kind(&e), format!(
                "the org's id and namespace are unknown, so apps in the org's own namespace may be counted as an ISV's; the Organization query failed: {e}"
            ));
            p.component = Some(pkce_audit_model::inventory::Concerns::Organization);
            set_remedy(&mut p, None, &e);
            return Ok((OrgFacts::default(), Some(p)));
        }
    };
    let Some(row) = rows.first() else {
        let mut p = Problem::new(
            pkce_audit_model::inventory::ProblemKind::IncompleteAnswer,
            "the Organization query returned no row; the org's id and namespace are unknown",
        );
        p.component = Some(pkce_audit_model::inventory::Concerns::Organization);
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
