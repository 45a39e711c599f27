//! The order of calls. The critical path is versions → lists → reads: the first login
//! (auth URL) runs beside the version lookup, the org settings read and the
//! Organization query beside the lists, and each list call's reads start as soon as
//! that list has answered.

use super::auth::{Connection, Prepared};
use super::http::CallError;
use super::session::{bounded, open, prepare, runtime, Ctx, Progress};
use super::soap::{Listed, MAX_LIST_QUERIES, MAX_READ_NAMES};
use super::{
    is_secret_element, problem, remedy_for, strip_secrets, usage, Error, FetchOptions, Fetched,
    FetchedRecord, ListedComponent,
};
use crate::metadata::{MetadataType, OAUTH_OIDC_MEMBER};
use crate::xml::Element;
use futures::future::try_join_all;
use pkce_audit_model::inventory::{PackageInfo, Problem};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::AtomicUsize;

const ORG_QUERY: &str = "SELECT Id, Name, NamespacePrefix, IsSandbox FROM Organization";

/// Runs [`fetch`] on its own runtime, for callers that are not async.
pub fn fetch_blocking(conn: &Connection, opts: &FetchOptions) -> Result<Fetched, Error> {
    blocking(fetch(conn, opts))
}

/// Runs a read of the org on its own runtime.
fn blocking(
    read: impl std::future::Future<Output = Result<Fetched, Error>>,
) -> Result<Fetched, Error> {
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
        run(conn, &prepared, opts, MetadataType::FETCHED),
    )
    .await
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
        run(conn, prepared, opts, MetadataType::FETCHED),
    )
    .await
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
        bounded(opts.timeout, left, run(conn, &prepared, &opts, types)).await
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
/// asked, usage evidence.
async fn run(
    conn: &Connection,
    prepared: &Prepared,
    opts: &FetchOptions,
    types: &[MetadataType],
) -> Result<Fetched, Error> {
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
    // Names and messages come from the server: whatever it echoed of a secret (of any
    // org of the run) goes.
    let scrubber = crate::secrets::scrubber();
    for p in &mut all.problems {
        p.reason = scrubber.apply(&p.reason).into_owned();
        p.component = p
            .component
            .as_deref()
            .map(|c| scrubber.apply(c).into_owned());
    }
    let mut notes: Vec<String> = all
        .notes
        .iter()
        .map(|n| scrubber.apply(n).into_owned())
        .collect();
    notes.sort();
    notes.dedup();
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
        notes,
        usage: api.usage(),
        evidence,
    })
}

/// Removes a record's secret elements (the consumer secret of an External Client App),
/// their values registered as secrets of the run first when they look like secrets
/// ([`crate::secrets::register_record_secret`]): an org that echoes one elsewhere (a
/// label, an error) is scrubbed of it too. A value that does not look like one (a word,
/// a phrase, JSON) is dropped from the record but not registered, so a server cannot
/// choose what is erased from other orgs' reports.
fn strip_and_register(element: &mut Element) {
    fn texts(el: &Element) {
        crate::secrets::register_record_secret(el.text.trim());
        el.children.iter().for_each(texts);
    }
    fn find(el: &Element) {
        for c in &el.children {
            if is_secret_element(c) {
                texts(c);
            } else {
                find(c);
            }
        }
    }
    find(element);
    strip_secrets(element);
}

/// What one `listMetadata` call of a group of types answered.
pub(super) struct Listing {
    /// Each type asked for, with its entries or the error of its call.
    pub(super) per_type: Vec<(MetadataType, Result<Vec<Listed>, CallError>)>,
    /// Entries whose `type` is none of the types asked for (or is missing while several
    /// were asked for): listed, so they must be accounted for, but not readable as asked.
    pub(super) strays: Vec<Listed>,
}

/// Sorts the entries of one answer to the types asked for. An entry without a `type` is
/// the asked type's only when one type was asked for.
fn assign(group: &[MetadataType], items: Vec<Listed>) -> Listing {
    let mut per_type: Vec<(MetadataType, Vec<Listed>)> =
        group.iter().map(|&t| (t, Vec::new())).collect();
    let mut strays = Vec::new();
    for item in items {
        let slot = if item.ty.is_empty() && group.len() == 1 {
            Some(0)
        } else {
            group.iter().position(|t| t.name() == item.ty)
        };
        match slot {
            Some(i) => per_type[i].1.push(item),
            None => strays.push(item),
        }
    }
    Listing {
        per_type: per_type.into_iter().map(|(t, v)| (t, Ok(v))).collect(),
        strays,
    }
}

/// Lists a group of types in one call. One unavailable or denied type (`INVALID_TYPE`,
/// `INSUFFICIENT_ACCESS`) fails the whole call, so then each type is listed alone to
/// keep the others; faults that would fail every call are not split.
pub(super) async fn list_types(ctx: &Ctx<'_>, group: &[MetadataType]) -> Result<Listing, Error> {
    let names: Vec<&str> = group.iter().map(|t| t.name()).collect();
    let answer = ctx.api.list_metadata(&ctx.version, &names).await;
    ctx.progress.done();
    match answer {
        Ok(items) => Ok(assign(group, items)),
        Err(e) if ctx.api.stops_fetch(&e) => Err(ctx.fatal(e)),
        Err(e)
            if group.len() > 1
                && e.code().is_some_and(|c| {
                    !matches!(c, "REQUEST_LIMIT_EXCEEDED" | "API_DISABLED_FOR_ORG")
                }) =>
        {
            ctx.progress.plan(group.len());
            let alone = try_join_all(group.iter().map(|&t| async move {
                let answer = ctx.api.list_metadata(&ctx.version, &[t.name()]).await;
                ctx.progress.done();
                match answer {
                    Err(e) if ctx.api.stops_fetch(&e) => Err(ctx.fatal(e)),
                    Err(e) => Ok(Listing {
                        per_type: vec![(t, Err(e))],
                        strays: Vec::new(),
                    }),
                    Ok(items) => Ok(assign(&[t], items)),
                }
            }))
            .await?;
            let mut listing = Listing {
                per_type: Vec::new(),
                strays: Vec::new(),
            };
            for l in alone {
                listing.per_type.extend(l.per_type);
                listing.strays.extend(l.strays);
            }
            Ok(listing)
        }
        Err(e) => Ok(Listing {
            per_type: group.iter().map(|&t| (t, Err(e.clone()))).collect(),
            strays: Vec::new(),
        }),
    }
}

/// Turns the entries `listMetadata` gave for one type into the names to read, and names
/// every entry that cannot be read as asked: none is dropped without a word.
fn account_listed(ty: MetadataType, items: Vec<Listed>, part: &mut Part) -> Vec<String> {
    let mut names: BTreeMap<String, (PackageInfo, usize)> = BTreeMap::new();
    let mut nameless = 0;
    for l in items {
        if l.full_name.is_empty() {
            nameless += 1;
            continue;
        }
        names.entry(l.full_name).or_insert((l.package, 0)).1 += 1;
    }
    if nameless > 0 {
        let mut p = Problem::new(format!(
            "listMetadata returned {nameless} {ty} entr{} without a fullName, which cannot be read; the org may hold components this audit did not see",
            if nameless == 1 { "y" } else { "ies" }
        ));
        p.component = Some(ty.to_string());
        part.problems.push(p);
    }
    for (name, (_, n)) in names.iter().filter(|(_, (_, n))| *n > 1) {
        part.problems.push(
            Problem::new(format!(
                "listMetadata listed it {n} times; it was read once, but an answer that repeats a component cannot be trusted to be whole"
            ))
            .component(ty, name),
        );
    }
    // Sorted and without duplicates, so batches are stable from run to run.
    part.listed
        .extend(names.iter().map(|(n, (p, _))| ListedComponent {
            ty,
            full_name: n.clone(),
            package: p.clone(),
        }));
    names.into_keys().collect()
}

/// A problem for a listed entry that belongs to none of the types asked for.
fn stray_problem(group: &[MetadataType], l: &Listed) -> Problem {
    let asked = group
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ");
    let (component, reason) = match (l.ty.is_empty(), l.full_name.is_empty()) {
        (true, true) => (
            asked.clone(),
            format!("listMetadata returned an entry with neither a type nor a fullName (an empty result) in answer to a query for {asked}; it cannot be read, so the org may hold a component this audit did not see"),
        ),
        (true, false) => (
            format!("(no type) {}", l.full_name),
            format!("listMetadata returned it without a type in answer to a query for {asked}, so which type it is cannot be told; it was not read"),
        ),
        (false, true) => (
            l.ty.clone(),
            format!("listMetadata returned an entry of type {:?} without a fullName, and that call did not ask for that type ({asked}); it was not read", l.ty),
        ),
        (false, false) => (
            format!("{} {}", l.ty, l.full_name),
            format!("listMetadata returned it as type {:?}, which that call did not ask for ({asked}); it was not read", l.ty),
        ),
    };
    let mut p = Problem::new(reason);
    p.component = Some(component);
    p
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
            Problem::new(format!(
                "listed by listMetadata, but not read: {}",
                unread.describe()
            ))
            .component(ty, &name),
        );
    }
    for (full_name, mut element) in matched.records {
        strip_and_register(&mut element);
        if let Err(why) = ctx.retain(&element) {
            part.problems
                .push(Problem::new(format!("not read: {why}")).component(ty, &full_name));
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

/// Why a name asked of `readMetadata` was not read from its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unread {
    /// No record carries the name. The answer's nil records and records without a
    /// fullName cannot be told apart; records for names not asked for are ignored.
    NoRecord {
        nil: usize,
        unnamed: usize,
        strangers: usize,
    },
    /// Several records carry the name: which one is the org's cannot be told.
    Repeated(usize),
    /// The record carries the name and nothing else.
    OnlyName,
}

impl Unread {
    pub(super) fn describe(&self) -> String {
        const WHY: &str = "Salesforce answers so for a component it cannot find or will not show this user (hidden from this user, or deleted during the audit)";
        match self {
            Unread::NoRecord {
                nil,
                unnamed,
                strangers,
            } => {
                let held: Vec<String> = [
                    (*nil, "nil record(s)"),
                    (*unnamed, "record(s) without a fullName"),
                    (*strangers, "record(s) for names not asked for"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                let held = if held.is_empty() {
                    String::new()
                } else {
                    format!(" (its answer held {})", held.join(", "))
                };
                format!("readMetadata returned no record with this fullName{held}; {WHY}")
            }
            Unread::Repeated(n) => format!(
                "readMetadata returned {n} records with this fullName; which one is the org's cannot be told, so none was used"
            ),
            Unread::OnlyName => {
                format!("readMetadata returned a record holding its fullName and nothing else; {WHY}")
            }
        }
    }
}

/// How the records of one `readMetadata` answer map to the names asked for.
#[derive(Debug, Default)]
pub(super) struct Matched {
    /// Names answered by exactly one record with content, in the order asked.
    pub(super) records: Vec<(String, Element)>,
    /// Names asked for and not read, in the order asked.
    pub(super) unread: Vec<(String, Unread)>,
    /// Records for names nobody asked for (ignored).
    pub(super) notes: Vec<String>,
}

/// The record's one `fullName`; `None` when it has none, an empty one, or several.
fn record_name(record: &Element) -> Option<&str> {
    let mut names = record.children_named("fullName");
    let first = names.next()?;
    if names.next().is_some() || first.is_nil() || first.text.is_empty() {
        return None;
    }
    Some(first.text.as_str())
}

/// A record with nothing but its name (and nil elements): no content was read.
fn only_name(record: &Element) -> bool {
    record
        .children
        .iter()
        .all(|c| c.name == "fullName" || (c.is_nil() && c.text.is_empty() && c.children.is_empty()))
}

/// Matches the records of one answer to the names asked for, by exact `fullName` only:
/// not by position, not ignoring case. A name is read only when exactly one record carries
/// it and that record holds more than its name.
///
/// `readMetadata` does not fault for a name it cannot find or will not let this user
/// read: it answers with a nil record (`<records xsi:nil="true"/>`, heroku/force
/// metadata_test.go, reference §4.3) or a record without a fullName ("Why does
/// readMetadata not throw an exception? … a metadata record is returned but with a null
/// fullName", certinia/apex-mdapi README; "empty object instead of an empty records
/// list", certinia/apex-mdapi#142, #162; forcedotcom/cli#1917 `{}` records). The docs
/// only say that "the full names must match one or more full names returned by the
/// listMetadata() call" (developer.salesforce.com, meta_readMetadata.htm). So a record
/// without a name, or with nothing but its name, is a component not read, never an app
/// without OAuth settings.
pub(super) fn match_records(
    ty: MetadataType,
    asked: &[String],
    records: Vec<Option<Element>>,
) -> Matched {
    let mut nil = 0;
    let mut unnamed = 0;
    let mut by_name: HashMap<String, Vec<Element>> = HashMap::new();
    let mut strangers = 0;
    let mut notes = Vec::new();
    for record in records {
        let Some(element) = record else {
            nil += 1;
            continue;
        };
        let Some(name) = record_name(&element) else {
            unnamed += 1;
            continue;
        };
        if asked.iter().any(|a| a == name) {
            by_name.entry(name.to_string()).or_default().push(element);
        } else {
            strangers += 1;
            notes.push(format!(
                "readMetadata of {ty} returned a record for {name:?}, a name that was not asked for; it was ignored"
            ));
        }
    }
    let mut out = Matched {
        notes,
        ..Default::default()
    };
    let mut seen = HashSet::new();
    for name in asked {
        if !seen.insert(name.as_str()) {
            continue;
        }
        let mut found = by_name.remove(name).unwrap_or_default();
        match found.len() {
            0 => out.unread.push((
                name.clone(),
                Unread::NoRecord {
                    nil,
                    unnamed,
                    strangers,
                },
            )),
            1 => {
                let element = found.pop().expect("one record");
                if only_name(&element) {
                    out.unread.push((name.clone(), Unread::OnlyName));
                } else {
                    out.records.push((name.clone(), element));
                }
            }
            n => out.unread.push((name.clone(), Unread::Repeated(n))),
        }
    }
    out
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
            Problem::new(format!("{UNKNOWN}; {}", unread.describe()))
                .component(ty, OAUTH_OIDC_MEMBER),
        );
    }
    for (full_name, mut element) in matched.records {
        strip_and_register(&mut element);
        if let Err(why) = ctx.retain(&element) {
            part.problems
                .push(Problem::new(format!("{UNKNOWN}; {why}")).component(ty, OAUTH_OIDC_MEMBER));
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
    use crate::xml::parse;

    fn rec(xml: &str) -> Option<Element> {
        Some(
            parse(
                format!(r#"<records xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {xml}"#)
                    .as_bytes(),
            )
            .unwrap(),
        )
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const CA: MetadataType = MetadataType::ConnectedApp;

    #[test]
    fn records_match_names_by_exact_full_name_only() {
        // Out of order, one nil: matched by name, never by position.
        let m = match_records(
            CA,
            &names(&["A", "B", "C"]),
            vec![
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                None,
                rec(r#"xsi:type="ConnectedApp"><fullName>A</fullName><label>a</label></records>"#),
            ],
        );
        let read: Vec<_> = m.records.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(read, ["A", "C"]);
        assert_eq!(
            m.unread,
            [(
                "B".to_string(),
                Unread::NoRecord {
                    nil: 1,
                    unnamed: 0,
                    strangers: 0
                }
            )]
        );
        assert!(m.notes.is_empty());

        // Same count, no names: positions prove nothing.
        let m = match_records(
            CA,
            &names(&["A"]),
            vec![rec(r#"xsi:type="ConnectedApp"><label>a</label></records>"#)],
        );
        assert!(m.records.is_empty());
        assert!(matches!(m.unread[0].1, Unread::NoRecord { unnamed: 1, .. }));
        assert!(m.unread[0]
            .1
            .describe()
            .contains("1 record(s) without a fullName"));

        // Another case is another name: a note, and the name asked is unread.
        let m = match_records(
            CA,
            &names(&["My_App"]),
            vec![rec(
                r#"xsi:type="ConnectedApp"><fullName>my_app</fullName><label>a</label></records>"#,
            )],
        );
        assert!(m.records.is_empty());
        assert!(matches!(
            m.unread[0].1,
            Unread::NoRecord { strangers: 1, .. }
        ));
        assert_eq!(m.notes.len(), 1);
        assert!(m.notes[0].contains("\"my_app\", a name that was not asked for"));
    }

    #[test]
    fn empty_name_only_and_repeated_records_are_not_read() {
        let m = match_records(
            CA,
            &names(&["A", "B", "C", "D", "E"]),
            vec![
                rec(r#"xsi:type="ConnectedApp"><fullName>A</fullName></records>"#),
                rec(
                    r#"xsi:type="ConnectedApp"><fullName>B</fullName><label xsi:nil="true"/></records>"#,
                ),
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                rec(r#"xsi:type="ConnectedApp"><fullName>C</fullName><label>c</label></records>"#),
                rec(r#"xsi:type="ConnectedApp"><fullName/><label>d</label></records>"#),
                rec(
                    r#"xsi:type="ConnectedApp"><fullName>E</fullName><fullName>D</fullName><label>e</label></records>"#,
                ),
                rec(r#"xsi:type="ConnectedApp"/>"#),
            ],
        );
        assert!(m.records.is_empty(), "{:?}", m.records);
        let unread: Vec<_> = m
            .unread
            .iter()
            .map(|(n, u)| (n.as_str(), u.clone()))
            .collect();
        let none = Unread::NoRecord {
            nil: 0,
            unnamed: 3,
            strangers: 0,
        };
        assert_eq!(
            unread,
            [
                ("A", Unread::OnlyName),
                ("B", Unread::OnlyName),
                ("C", Unread::Repeated(2)),
                ("D", none.clone()),
                ("E", none),
            ]
        );
        assert!(Unread::Repeated(2).describe().contains("2 records"));
        assert!(Unread::OnlyName.describe().contains("nothing else"));
    }

    #[test]
    fn listed_entries_are_all_accounted_for() {
        let l = |ty: &str, name: &str| Listed {
            ty: ty.into(),
            full_name: name.into(),
            package: PackageInfo::default(),
        };
        let group = [CA, MetadataType::ExternalClientApplication];
        let listing = assign(
            &group,
            vec![
                l("ConnectedApp", "A"),
                l("ExternalClientApplication", "E"),
                l("ConnectedApp", "A"),
                l("ConnectedApp", ""),
                l("", "NoType"),
                l("ApexClass", "Other"),
                l("", ""),
            ],
        );
        let strays: Vec<_> = listing
            .strays
            .iter()
            .map(|s| stray_problem(&group, s).component.unwrap())
            .collect();
        assert_eq!(
            strays,
            [
                "(no type) NoType",
                "ApexClass Other",
                "ConnectedApp, ExternalClientApplication"
            ]
        );
        let mut part = Part::default();
        let mut read = Vec::new();
        for (ty, items) in listing.per_type {
            read.extend(account_listed(ty, items.unwrap(), &mut part));
        }
        assert_eq!(read, ["A", "E"]);
        let problems: Vec<_> = part
            .problems
            .iter()
            .map(|p| (p.component.clone().unwrap(), p.reason.clone()))
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "ConnectedApp");
        assert!(problems[0]
            .1
            .contains("1 ConnectedApp entry without a fullName"));
        assert_eq!(problems[1].0, "ConnectedApp A");
        assert!(problems[1].1.contains("listed it 2 times"));

        // With one type asked, an entry without a type is of that type.
        let listing = assign(&[CA], vec![l("", "A")]);
        assert!(listing.strays.is_empty());
        assert_eq!(listing.per_type[0].1.as_ref().unwrap().len(), 1);
    }
}
