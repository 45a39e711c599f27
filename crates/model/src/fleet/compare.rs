//! What only several orgs together show: apps blocking in more than one, each ISV
//! package's versions and blockers across the fleet, and how faithfully each sandbox
//! rehearses its production org. Everything is read from the orgs' own reports; no
//! verdict or finding is judged again here.

use super::model::{
    Aspect, BlockerRef, FleetPackage, MatchedBy, PackageDifference, PackageInstall, PkceDifference,
    Rehearsal, RehearsedChange, RehearsedKind, SettingDifference, SharedBlocker, UnreadItem,
};
use super::model::{Audited, OrgRun};
use crate::inventory::{OrgSettings, Owner};
use crate::report::Report;
use crate::rules::{Finding, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// An org by name with its run, in fleet order.
pub type Named<'a> = (&'a str, &'a OrgRun);

/// Pushes `v` unless it is there already: first-seen order, no repeats.
fn push_new<T: PartialEq>(list: &mut Vec<T>, v: T) {
    if !list.contains(&v) {
        list.push(v);
    }
}

/// An unwaived blocker on an app, in one org.
struct Hit<'a> {
    org: usize,
    finding: &'a Finding,
    app: &'a str,
}

/// Apps with an unwaived blocker in two orgs or more: by API name, then by label where
/// orgs know one app under different API names (apps seen only in usage evidence are
/// named by label; a team may deploy one app under two names). Most orgs first.
pub fn shared_blockers(orgs: &[Named<'_>]) -> Vec<SharedBlocker> {
    let mut hits = Vec::new();
    for (i, (_, run)) in orgs.iter().enumerate() {
        let Some(report) = run.report() else { continue };
        for f in report.findings.iter().filter(|f| f.is_active_blocker()) {
            if let Some(app) = f.app.as_deref() {
                hits.push(Hit {
                    org: i,
                    finding: f,
                    app,
                });
            }
        }
    }
    let mut by_name: BTreeMap<String, Vec<&Hit>> = BTreeMap::new();
    let mut by_label: BTreeMap<String, Vec<&Hit>> = BTreeMap::new();
    for h in &hits {
        by_name.entry(h.app.to_lowercase()).or_default().push(h);
        if let Some(l) = h.finding.label.as_deref().map(str::trim) {
            if !l.is_empty() {
                by_label.entry(l.to_lowercase()).or_default().push(h);
            }
        }
    }
    let mut out = Vec::new();
    for (matched_by, groups) in [(MatchedBy::Name, by_name), (MatchedBy::Label, by_label)] {
        for group in groups.into_values() {
            let in_orgs: BTreeSet<usize> = group.iter().map(|h| h.org).collect();
            let names: BTreeSet<String> = group.iter().map(|h| h.app.to_lowercase()).collect();
            // A label shared by one API name is the name's group again.
            if in_orgs.len() < 2 || (matched_by == MatchedBy::Label && names.len() < 2) {
                continue;
            }
            let mut s = SharedBlocker {
                matched_by,
                key: match matched_by {
                    MatchedBy::Name => group[0].app.to_string(),
                    MatchedBy::Label => group[0].finding.label.clone().unwrap_or_default(),
                },
                names: Vec::new(),
                labels: Vec::new(),
                owners: Vec::new(),
                kinds: Vec::new(),
                orgs: in_orgs.iter().map(|&i| orgs[i].0.to_string()).collect(),
                rules: Vec::new(),
            };
            for h in &group {
                let f = h.finding;
                push_new(&mut s.names, h.app.to_string());
                if let Some(l) = &f.label {
                    push_new(&mut s.labels, l.clone());
                }
                push_new(&mut s.owners, f.owner);
                if let Some(k) = &f.kind {
                    push_new(&mut s.kinds, *k);
                }
                push_new(&mut s.rules, f.rule);
            }
            out.push(s);
        }
    }
    out.sort_by(|a, b| {
        b.orgs
            .len()
            .cmp(&a.orgs.len())
            .then(a.matched_by.cmp(&b.matched_by))
            .then(a.key.to_lowercase().cmp(&b.key.to_lowercase()))
    });
    out
}

/// One org's packages: namespace (lower case) -> (namespace, name, version).
fn org_packages(a: &Audited) -> BTreeMap<String, (String, Option<String>, Option<String>)> {
    let mut out: BTreeMap<String, (String, Option<String>, Option<String>)> = BTreeMap::new();
    for p in a.packages.iter().flatten() {
        // A package without a namespace (unlocked, unmanaged) owns no ISV app.
        let Some(ns) = p.namespace.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        out.insert(
            ns.to_lowercase(),
            (
                ns.to_string(),
                Some(p.name.clone()),
                Some(p.version.clone()),
            ),
        );
    }
    // Namespaces whose apps the org has, though it did not list the package.
    for app in a.report.apps.iter().filter(|a| a.owner == Owner::Isv) {
        let Some(ns) = app.namespace.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        let entry = out
            .entry(ns.to_lowercase())
            .or_insert_with(|| (ns.to_string(), None, None));
        if let Some(p) = &app.package {
            entry.1.get_or_insert_with(|| p.name.clone());
            entry.2.get_or_insert_with(|| p.version.clone());
        }
    }
    out
}

/// Each ISV namespace any org has: its version in each org, and its apps that block there.
pub fn packages(orgs: &[Named<'_>]) -> Vec<FleetPackage> {
    let mut out: BTreeMap<String, FleetPackage> = BTreeMap::new();
    for (org, run) in orgs {
        let Ok(a) = &run.outcome else { continue };
        for (key, (ns, name, version)) in org_packages(a) {
            let blocking_apps = a
                .report
                .summary
                .isv_actions
                .iter()
                .find(|i| i.namespace.to_lowercase() == key)
                .map(|i| i.apps.clone())
                .unwrap_or_default();
            let p = out.entry(key).or_insert_with(|| FleetPackage {
                namespace: ns,
                names: Vec::new(),
                installs: Vec::new(),
            });
            if let Some(n) = name {
                push_new(&mut p.names, n);
            }
            p.installs.push(PackageInstall {
                org: org.to_string(),
                version,
                blocking_apps,
            });
        }
    }
    out.into_values().collect()
}

/// How one org setting is read from the settings.
type Setting = fn(&OrgSettings) -> bool;

/// The org OAuth settings compared, by their metadata field names.
const SETTINGS: [(&str, Setting); 4] = [
    ("isPkceRequired", |s| s.is_pkce_required),
    ("blockOAuthUnPwFlow", |s| s.block_username_password_flow),
    ("blockOAuthUsrAgtFlow", |s| s.block_user_agent_flow),
    ("oAuthCdCrdtFlowEnable", |s| s.code_credentials_flow_enabled),
];

fn blockers(r: &Report) -> Vec<BlockerRef> {
    let mut out = Vec::new();
    for f in r.findings.iter().filter(|f| f.is_active_blocker()) {
        push_new(
            &mut out,
            BlockerRef {
                rule: f.rule,
                app: f.app.clone(),
                label: f.label.clone(),
            },
        );
    }
    out
}

fn only_in(a: &[BlockerRef], b: &[BlockerRef]) -> Vec<BlockerRef> {
    a.iter()
        .filter(|x| !b.iter().any(|y| y.rule == x.rule && y.app == x.app))
        .cloned()
        .collect()
}

/// The org setting a sandbox rehearses by turning it on.
const ORG_PKCE: &str = "isPkceRequired";

/// A sandbox against the production org it rehearses. Differences that are the PKCE change
/// itself (the sandbox requires PKCE where production does not yet) are `rehearsed`, not
/// differences; `faithful` is said only when both orgs were read completely.
pub fn rehearsal(sandbox: Named<'_>, production: Named<'_>) -> Rehearsal {
    let verdict = |r: &OrgRun| r.report().map_or(Verdict::Incomplete, Report::verdict);
    let mut out = Rehearsal::new(
        sandbox.0,
        production.0,
        (verdict(production.1), verdict(sandbox.1)),
    );
    // Production first, as everywhere in a rehearsal.
    for (name, run) in [production, sandbox] {
        let items = match &run.outcome {
            Ok(a) => a.report.unread_items(),
            Err(_) => vec!["not read: the whole org, which could not be audited".into()],
        };
        out.unread.extend(items.into_iter().map(|item| UnreadItem {
            org: name.to_string(),
            item,
        }));
    }
    let (Ok(s), Ok(p)) = (&sandbox.1.outcome, &production.1.outcome) else {
        for (name, run) in [sandbox, production] {
            if run.outcome.is_err() {
                out.notes
                    .push(format!("Not compared: '{name}' could not be audited."));
            }
        }
        return out;
    };
    out.compared = vec![Aspect::Verdict, Aspect::Apps, Aspect::PkceSettings];
    // Production is the reference, as "old" is in a diff: removed = only in production.
    let apps = crate::diff::compare(&(&p.report).into(), &(&s.report).into()).apps;
    out.only_in_production = apps.removed;
    out.only_in_sandbox = apps.added;
    for c in apps.pkce_changed {
        if c.new == Some(true) && c.old != Some(true) {
            out.rehearsed.push(RehearsedChange {
                change: RehearsedKind::App,
                kind: Some(c.kind),
                name: c.name,
                label: c.label,
                production: c.old,
                sandbox: c.new,
                production_blockers: Vec::new(),
            });
        } else {
            out.pkce_differs.push(PkceDifference {
                kind: c.kind,
                name: c.name,
                label: c.label,
                production: c.old,
                sandbox: c.new,
            });
        }
    }

    let (ps, ss) = (&p.report.org_settings, &s.report.org_settings);
    if ps.is_none() && ss.is_none() {
        out.notes
            .push("Org OAuth settings not compared: neither org's could be read.".into());
    } else {
        out.compared.push(Aspect::OrgSettings);
        for (setting, get) in SETTINGS {
            let (a, b) = (ps.as_ref().map(get), ss.as_ref().map(get));
            if a == b {
                continue;
            }
            if setting == ORG_PKCE && b == Some(true) {
                out.rehearsed.push(RehearsedChange {
                    change: RehearsedKind::OrgSetting,
                    kind: None,
                    name: setting.into(),
                    label: None,
                    production: a,
                    sandbox: b,
                    production_blockers: Vec::new(),
                });
            } else {
                out.org_settings.push(SettingDifference {
                    setting: setting.into(),
                    production: a,
                    sandbox: b,
                });
            }
        }
    }

    out.compared.push(Aspect::Blockers);
    let (pb, sb) = (blockers(&p.report), blockers(&s.report));
    // Production's blockers on an app the sandbox requires PKCE on are what the change
    // resolves: part of it.
    for b in only_in(&pb, &sb) {
        let change = out.rehearsed.iter_mut().find(|c| {
            c.change == RehearsedKind::App
                && b.app
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&c.name))
        });
        match change {
            Some(c) => c.production_blockers.push(b),
            None => out.blockers_only_in_production.push(b),
        }
    }
    out.blockers_only_in_sandbox = only_in(&sb, &pb);
    if !out.rehearsed.is_empty() {
        out.production_verdict_after_change = Some(verdict_after_change(&p.report, &out));
    }

    match (&p.packages, &s.packages) {
        (Some(_), Some(_)) => {
            out.compared.push(Aspect::Packages);
            let (pp, sp) = (org_packages(p), org_packages(s));
            let keys: BTreeSet<&String> = pp.keys().chain(sp.keys()).collect();
            for k in keys {
                let (a, b) = (pp.get(k), sp.get(k));
                let (va, vb) = (a.and_then(|x| x.2.clone()), b.and_then(|x| x.2.clone()));
                if va != vb {
                    out.packages.push(PackageDifference {
                        namespace: a.or(b).map(|x| x.0.clone()).unwrap_or_default(),
                        production: va,
                        sandbox: vb,
                    });
                }
            }
        }
        (pp, sp) => {
            let silent: Vec<&str> = [(production.0, pp), (sandbox.0, sp)]
                .into_iter()
                .filter(|(_, p)| p.is_none())
                .map(|(n, _)| n)
                .collect();
            out.notes.push(format!(
                "Installed packages not compared: no package list from '{}' (a folder audit, {}, or the list unreadable).",
                silent.join("' and '"),
                crate::advice::Advice::SkipUsage
            ));
        }
    }
    // Whatever either org could not read may hide a difference.
    out.faithful = out.unread.is_empty().then(|| !out.differs());
    out
}

/// Production's verdict with the rehearsed change made: judged by the same rule as every
/// verdict, without the blockers the change resolves and with the org setting on when the
/// sandbox rehearses it.
fn verdict_after_change(production: &Report, r: &Rehearsal) -> Verdict {
    let resolved: Vec<&BlockerRef> = r
        .rehearsed
        .iter()
        .flat_map(|c| &c.production_blockers)
        .collect();
    let findings: Vec<Finding> = production
        .findings
        .iter()
        .filter(|f| {
            !(f.is_active_blocker() && resolved.iter().any(|b| b.rule == f.rule && b.app == f.app))
        })
        .cloned()
        .collect();
    let enforced = r
        .rehearsed
        .iter()
        .any(|c| c.change == RehearsedKind::OrgSetting)
        || production
            .org_settings
            .as_ref()
            .is_some_and(|s| s.is_pkce_required);
    crate::rules::verdict(enforced, production.incomplete.len(), &findings).0
}
