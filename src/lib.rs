//! pkce-audit: which OAuth apps break when a Salesforce org requires PKCE, who must fix
//! each one, and whether the org is ready.
//!
//! The pipeline is **input → inventory → rules → report**:
//! - input: [`source`] (a folder) or [`salesforce`] (a live org), both through the
//!   parsers in [`metadata`] over [`xml`];
//! - [`inventory`]: apps, org settings, ownership, what could not be read;
//! - [`rules`]: findings and the verdict;
//! - [`report`]: one report value, presented as table, CSV or JSON, and the exit code.

pub mod diff;
pub mod evidence;
pub mod inventory;
pub mod metadata;
pub mod report;
pub mod rules;
pub mod snapshot;
pub mod source;
pub mod waivers;
pub mod xml;

use std::path::Path;

/// Options that shape an audit, whatever the input.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// Overrides the namespace read from sfdx-project.json or the org.
    pub org_namespace: Option<String>,
}

/// Audits a folder: the whole offline pipeline.
pub fn audit_folder(
    path: &Path,
    opts: &AuditOptions,
) -> Result<(inventory::Inventory, report::Report), source::SourceError> {
    let (mut collected, discovery) = source::collect(path)?;
    if let Some(ns) = &opts.org_namespace {
        collected.org_namespace = Some(ns.clone()).filter(|n| !n.is_empty());
    }
    let inv = inventory::build(collected);
    let mut scope = report::AuditScope {
        kind: "folder".into(),
        source: path.display().to_string(),
        layout: discovery.layout.map(|l| {
            serde_json::to_value(l)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        }),
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ..Default::default()
    };
    if let Some(m) = &discovery.manifest {
        scope.org_id = m.org_id.clone();
        scope.api_version = m.api_version.clone();
        scope.generated_at = m.fetched_at.clone();
    }
    let report = report::build(&inv, scope);
    Ok((inv, report))
}
