//! What `pkce-audit doctor` found: for each source an audit reads, whether this login can
//! read it and what grants it. pkce-audit-io probes the org; pkce-audit-render lists it.

use crate::calls::ApiUsage;
use serde::Serialize;

/// One source and whether this login can read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What an audit reads: a metadata type, the org settings, an object.
    pub source: String,
    /// The call that probed it.
    pub probe: String,
    /// The query, for a SOQL source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soql: Option<String>,
    pub readable: bool,
    /// A count for what was readable, the error for what was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The permission or setting that grants access, when not readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

/// The doctor's report: the org and API version asked, the usage window, every check and
/// the API calls made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doctor {
    pub instance_url: String,
    pub api_version: String,
    pub window_days: u32,
    pub checks: Vec<Check>,
    pub api: ApiUsage,
}

impl Doctor {
    /// Whether this login can read every source an audit reads.
    pub fn all_readable(&self) -> bool {
        self.checks.iter().all(|c| c.readable)
    }
}
