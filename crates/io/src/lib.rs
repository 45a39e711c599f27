//! pkce-audit's input and output: the start of the pipeline **input → inventory → rules →
//! report**, and every file the tool reads or writes.
//!
//! - input: [`source`] (a folder, its `.forceignore` and project) or [`salesforce`] (a
//!   live org: SOAP, REST, auth, evidence), both through the parsers in [`metadata`] over
//!   [`xml`], into pkce-audit-model's inventory; [`snapshot`] writes and reads what a fetch saw;
//!   [`names`]: the file names a folder's audit reads (no write of the run may take one);
//! - files read: [`credentials`], [`waivers`], [`report_file`] (reports read back by
//!   `diff`), [`fleet_config`];
//! - files written: [`safe_write`] (confined to their root), [`fix`]'s edits;
//!   [`secrets`] scrubs every secret from what leaves;
//! - [`audit_folder`] and [`audit_org`]: the whole pipeline for one input.
//!
//! It depends on pkce-audit-model alone among pkce-audit's crates: what it computes is
//! the model's data (the inventory, `fix`'s plan, the doctor's checks), which
//! pkce-audit-render presents without depending on this crate.

pub mod bounded;
pub mod credentials;
pub mod fix;
pub mod fleet_config;
pub mod metadata;
pub mod names;
pub mod report_file;
pub mod safe_write;
pub mod salesforce;
pub mod secrets;
pub mod snapshot;
pub mod source;
pub mod verify;
pub mod waivers;
pub mod xml;

#[cfg(test)]
mod model_tests;

use pkce_audit_model::{inventory, report};
use std::path::Path;

/// Options that shape an audit, whatever the input.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Overrides the namespace read from sfdx-project.json or the org.
    pub org_namespace: Option<String>,
    /// When the audit runs (the report's `generated_at`): the caller's clock, so the
    /// library reads none.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The org's own domains beside its hosts (pkce-audit.toml `org_domains`).
    pub org_domains: Vec<String>,
}

/// The host of a URL, lower case, for [`inventory::OwnDomains::hosts`].
pub(crate) fn host_of(url: &str) -> Option<String> {
    Some(url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase())
}

/// Audits a folder: the whole offline pipeline.
pub fn audit_folder(
    path: &Path,
    opts: &AuditOptions,
) -> Result<(inventory::Inventory, report::Report), source::SourceError> {
    let (collected, discovery) = source::collect(path)?;
    Ok(audit_collected(path, collected, &discovery, opts))
}

/// The inventory and report of what a walk of `path` collected (and `discovery` found):
/// [`audit_folder`] without the walk, for a caller that already walked the folder and
/// must judge exactly what it read, completed from the org (`fix --org-setting`).
pub fn audit_collected(
    path: &Path,
    mut collected: inventory::Collected,
    discovery: &source::Discovery,
    opts: &AuditOptions,
) -> (inventory::Inventory, report::Report) {
    let mut enclosing = discovery.enclosing_project.clone();
    if let Some(ns) = &opts.org_namespace {
        collected.org_namespace = Some(ns.clone()).filter(|n| !n.is_empty());
        // The caller's namespace stands in for the project's.
        if let Some(e) = &mut enclosing {
            e.missed_namespace = None;
        }
    }
    collected
        .notes
        .extend(enclosing.iter().map(|e| e.to_string()));
    collected.own.domains = opts.org_domains.clone();
    // A snapshot names the org it was fetched from: its host is this org's.
    collected.own.hosts = discovery
        .manifest
        .as_ref()
        .and_then(|m| m.instance_url.as_deref())
        .and_then(host_of)
        .into_iter()
        .collect();
    let inv = inventory::build(collected);
    let mut scope = report::AuditScope {
        kind: report::ScopeKind::Folder,
        source: path.display().to_string(),
        layout: discovery.layout,
        generated_at: opts.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        local: report::LocalPaths {
            root: Some(discovery.root.clone()),
            waiver_file: None,
        },
        enclosing_project: enclosing,
        ..Default::default()
    };
    if let Some(m) = &discovery.manifest {
        scope.org_id = m.org_id.clone();
        scope.instance_url = m.instance_url.clone();
        scope.api_version = m.api_version.clone();
        scope.generated_at = m.fetched_at.clone();
    }
    let report = report::build(&inv, scope);
    (inv, report)
}

/// Audits what a live fetch read: the same inventory, rules and report as a folder,
/// with the org as scope and the API traffic in `report.api`.
pub fn audit_fetched(
    fetched: &salesforce::Fetched,
    opts: &AuditOptions,
) -> (inventory::Inventory, report::Report) {
    let mut collected = fetched.collected();
    if let Some(ns) = &opts.org_namespace {
        collected.org_namespace = Some(ns.clone()).filter(|n| !n.is_empty());
    }
    collected.own.domains = opts.org_domains.clone();
    let inv = inventory::build(collected);
    let scope = report::AuditScope {
        kind: report::ScopeKind::Org,
        source: fetched.instance_url.clone(),
        org_id: fetched.org_id.clone(),
        instance_url: Some(fetched.instance_url.clone()),
        api_version: Some(fetched.api_version.clone()),
        is_sandbox: fetched.is_sandbox,
        generated_at: fetched.fetched_at.clone(),
        ..Default::default()
    };
    let mut report = report::build(&inv, scope);
    report.api = Some(fetched.usage.clone());
    (inv, report)
}

/// Audits a live org: fetches through `conn`, then [`audit_fetched`]. Blocking.
pub fn audit_org(
    conn: &salesforce::Connection,
    fetch: &salesforce::FetchOptions,
    opts: &AuditOptions,
) -> Result<(inventory::Inventory, report::Report), salesforce::Error> {
    let fetched = salesforce::fetch_blocking(conn, fetch)?;
    Ok(audit_fetched(&fetched, opts))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_report_is_dated_by_the_callers_clock() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let opts = super::AuditOptions {
            now,
            ..Default::default()
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ready-org");
        let (_, report) = super::audit_folder(&dir, &opts).unwrap();
        assert_eq!(report.scope.generated_at, "2026-12-01T09:30:00Z");
    }
}
