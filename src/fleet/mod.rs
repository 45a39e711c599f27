//! `pkce-audit fleet`: many orgs, one picture (docs/fleet.md).
//!
//! - [`config`]: the fleet file (TOML), checked before any org is read;
//! - [`run`]: every org audited concurrently, each into its ordinary report;
//! - [`compare`]: what only several orgs show (shared blockers, packages, rehearsals);
//! - [`model`]: the fleet report, and [`build`] from the runs;
//! - [`render`]: table, JSON, Markdown, CSV.

mod reason;
pub mod run;

pub use pkce_audit_io::fleet_config as config;
pub use pkce_audit_model::fleet::{compare, model};
pub use pkce_audit_render::fleet as render;

pub use config::{FleetConfig, OrgEntry};
pub use model::*;
pub use run::{run_blocking, OrgRun, RunOptions};

use pkce_audit_model::report::{self, Tool};
use pkce_audit_model::rules::{Severity, Verdict};

/// The fleet report of `runs` (one per org of `config`, in order). `reports[i]` is where
/// org `i`'s full report was written, if it was. With `fail_on`, an org with an unwaived
/// finding at or above it makes the fleet not ready, as `--fail-on` does for `audit`.
pub fn build(
    config: &FleetConfig,
    runs: &[OrgRun],
    reports: &[Option<String>],
    fail_on: Option<Severity>,
    generated_at: String,
) -> FleetReport {
    assert_eq!(runs.len(), config.orgs.len(), "one run per org");
    let orgs: Vec<FleetOrg> = config
        .orgs
        .iter()
        .zip(runs)
        .enumerate()
        .map(|(i, (entry, run))| org(entry, run, reports.get(i).cloned().flatten(), fail_on))
        .collect();
    let named: Vec<compare::Named<'_>> = config
        .orgs
        .iter()
        .map(|o| o.name.as_str())
        .zip(runs)
        .collect();
    let rehearsals = config
        .orgs
        .iter()
        .zip(runs)
        .filter_map(|(o, run)| {
            let target = o.rehearses.as_deref()?;
            // The file was checked: a `rehearses` names an org of it.
            let i = config.orgs.iter().position(|p| p.name == target)?;
            Some(compare::rehearsal((&o.name, run), (target, &runs[i])))
        })
        .collect();
    let (verdict, verdict_reason) = fleet_verdict(&orgs, fail_on);
    FleetReport {
        schema_version: FLEET_SCHEMA_VERSION,
        tool: Tool::default(),
        file: config.file.display().to_string(),
        generated_at,
        verdict,
        verdict_reason,
        fail_on,
        shared_blockers: compare::shared_blockers(&named),
        packages: compare::packages(&named),
        rehearsals,
        orgs,
    }
}

fn org(
    entry: &OrgEntry,
    run: &OrgRun,
    report: Option<String>,
    fail_on: Option<Severity>,
) -> FleetOrg {
    let mut o = FleetOrg {
        name: entry.name.clone(),
        role: entry.role,
        rehearses: entry.rehearses.clone(),
        verdict: Verdict::Incomplete,
        verdict_reason: "The org could not be audited, so whether it is ready is unknown.".into(),
        fail_on_matched: false,
        error: None,
        source: None,
        org_id: None,
        blockers: Blockers::default(),
        unread: 0,
        api_calls: None,
        report,
        is_sandbox: None,
    };
    match &run.outcome {
        Err(reason) => o.error = Some(reason.clone()),
        Ok(a) => {
            let r = &a.report;
            let s = &r.summary;
            o.verdict = r.verdict();
            o.verdict_reason = r.verdict_reason.clone();
            o.fail_on_matched = fail_on.is_some_and(|min| report::fails_on(r, min));
            o.source = Some(r.scope.source.clone());
            o.org_id = r.scope.org_id.clone();
            o.blockers = Blockers {
                findings: s.blockers,
                org: s.org_apps_to_fix.clone(),
                isv: s.isv_actions.clone(),
                vendor: s.vendor_apps.clone(),
                outside: s.outside_clients.clone(),
            };
            o.unread = r.incomplete.len();
            o.api_calls = r.api.as_ref().map(|u| u.total());
            o.is_sandbox = r.scope.is_sandbox;
        }
    }
    o
}

/// The fleet's verdict: `not-ready` if any org is not ready or matched `--fail-on`, else
/// `incomplete` if any is incomplete, else `enforced` if every org enforces PKCE, else
/// `ready`; and why, in one sentence.
fn fleet_verdict(orgs: &[FleetOrg], fail_on: Option<Severity>) -> (Verdict, String) {
    let count = |v: Verdict| orgs.iter().filter(|o| o.verdict == v).count();
    let (not_ready, incomplete) = (count(Verdict::NotReady), count(Verdict::Incomplete));
    let (ready, enforced) = (count(Verdict::Ready), count(Verdict::Enforced));
    let failed = orgs.iter().filter(|o| o.error.is_some()).count();
    let matched = orgs.iter().filter(|o| o.fail_on_matched).count();
    let verdict = if not_ready > 0 || matched > 0 {
        Verdict::NotReady
    } else if incomplete > 0 {
        Verdict::Incomplete
    } else if enforced == orgs.len() {
        Verdict::Enforced
    } else {
        Verdict::Ready
    };
    let mut parts = Vec::new();
    for (n, what) in [
        (not_ready, "not ready"),
        (incomplete, "incomplete"),
        (ready, "ready"),
        (enforced, "enforced"),
    ] {
        if n > 0 {
            let mut part = format!("{n} {what}");
            if what == "incomplete" && failed > 0 {
                part += &format!(" ({failed} could not be audited)");
            }
            parts.push(part);
        }
    }
    let mut reason = format!("{} org(s): {}.", orgs.len(), parts.join(", "));
    if let Some(min) = fail_on.filter(|_| matched > 0) {
        reason += &format!(" --fail-on {} matched in {matched} org(s).", min.as_str());
    }
    (verdict, reason)
}

/// A file name for each org's full report (`<name>.json`), in the order of the file:
/// portable on every system and unique regardless of case, as snapshot files are.
pub fn report_file_names(config: &FleetConfig) -> Vec<String> {
    let stems =
        pkce_audit_io::snapshot::portable_stems(config.orgs.iter().map(|o| ((), o.name.as_str())));
    config
        .orgs
        .iter()
        .map(|o| format!("{}.json", stems[&((), o.name.as_str())]))
        .collect()
}

#[cfg(test)]
mod tests;
