//! `listMetadata`'s answers: each entry sorted to the type asked for, and every entry
//! accounted for, as a name to read or a named problem.

use super::Part;
use crate::metadata::MetadataType;
use crate::salesforce::http::CallError;
use crate::salesforce::session::Ctx;
use crate::salesforce::soap::Listed;
use crate::salesforce::{Error, ListedComponent};
use futures::future::try_join_all;
use pkce_audit_model::inventory::{PackageInfo, Problem};
use std::collections::BTreeMap;

/// What one `listMetadata` call of a group of types answered.
pub(in crate::salesforce) struct Listing {
    /// Each type asked for, with its entries or the error of its call.
    pub(in crate::salesforce) per_type: Vec<(MetadataType, Result<Vec<Listed>, CallError>)>,
    /// Entries whose `type` is none of the types asked for (or is missing while several
    /// were asked for): listed, so they must be accounted for, but not readable as asked.
    pub(in crate::salesforce) strays: Vec<Listed>,
}

/// Sorts the entries of one answer to the types asked for. An entry without a `type` is
/// the asked type's only when one type was asked for.
pub(super) fn assign(group: &[MetadataType], items: Vec<Listed>) -> Listing {
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
pub(in crate::salesforce) async fn list_types(
    ctx: &Ctx<'_>,
    group: &[MetadataType],
) -> Result<Listing, Error> {
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
pub(super) fn account_listed(ty: MetadataType, items: Vec<Listed>, part: &mut Part) -> Vec<String> {
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
        let mut p = Problem::new(pkce_audit_model::inventory::ProblemKind::IncompleteAnswer, format!(
            "listMetadata returned {nameless} {ty} entr{} without a fullName, which cannot be read; the org may hold components this audit did not see",
            if nameless == 1 { "y" } else { "ies" }
        ));
        p.component = Some(pkce_audit_model::inventory::Concerns::Types(vec![ty]));
        part.problems.push(p);
    }
    for (name, (_, n)) in names.iter().filter(|(_, (_, n))| *n > 1) {
        part.problems.push(
            Problem::new(pkce_audit_model::inventory::ProblemKind::Duplicate, format!(
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
pub(super) fn stray_problem(group: &[MetadataType], l: &Listed) -> Problem {
    let asked = group
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ");
    let (component, reason) = match (l.ty.is_empty(), l.full_name.is_empty()) {
        (true, true) => (
            pkce_audit_model::inventory::Concerns::Types(group.to_vec()),
            format!("listMetadata returned an entry with neither a type nor a fullName (an empty result) in answer to a query for {asked}; it cannot be read, so the org may hold a component this audit did not see"),
        ),
        (true, false) => (
            pkce_audit_model::inventory::Concerns::Listed(format!("(no type) {}", l.full_name)),
            format!("listMetadata returned it without a type in answer to a query for {asked}, so which type it is cannot be told; it was not read"),
        ),
        (false, true) => (
            pkce_audit_model::inventory::Concerns::Listed(l.ty.clone()),
            format!("listMetadata returned an entry of type {:?} without a fullName, and that call did not ask for that type ({asked}); it was not read", l.ty),
        ),
        (false, false) => (
            pkce_audit_model::inventory::Concerns::Listed(format!("{} {}", l.ty, l.full_name)),
            format!("listMetadata returned it as type {:?}, which that call did not ask for ({asked}); it was not read", l.ty),
        ),
    };
    let mut p = Problem::new(
        pkce_audit_model::inventory::ProblemKind::IncompleteAnswer,
        reason,
    );
    p.component = Some(component);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: MetadataType = MetadataType::ConnectedApp;

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
            .map(|s| stray_problem(&group, s).component.unwrap().to_string())
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
            .map(|p| (p.component.as_ref().unwrap().to_string(), p.reason.clone()))
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
