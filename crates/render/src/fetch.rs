//! What `fetch` prints once the snapshot is written: a line on what was written, the
//! usage evidence, the notes and what could not be read; or one JSON document.

use crate::report::text::{visible, visible_lines};
use crate::report::{evidence_line, wrap_prose, EvidenceScope};
use pkce_audit_model::inventory::Problem;
use serde::Serialize;
use std::path::Path;

/// The version of the `fetch --json` document (docs/output.md).
pub const FETCH_SCHEMA_VERSION: u32 = 1;

/// The facts of a written snapshot. Its fields are the JSON document's, in the order it
/// has always written them (by name).
#[derive(Debug, Serialize)]
pub struct FetchSummary<'a> {
    schema_version: u32,
    pub api_calls: u64,
    pub api_version: &'a str,
    pub components_written: usize,
    /// [`evidence_line`]: which sources the usage figures stand on.
    pub evidence: Option<String>,
    pub fetched_at: &'a str,
    pub instance_url: &'a str,
    pub notes: &'a [String],
    pub org_id: Option<&'a str>,
    pub problems: Vec<String>,
    pub snapshot: &'a Path,
}

/// Where the snapshot came from and what it holds.
pub struct Fetch<'a> {
    pub snapshot: &'a Path,
    pub instance_url: &'a str,
    pub org_id: Option<&'a str>,
    pub api_version: &'a str,
    pub fetched_at: &'a str,
    pub components_written: usize,
    pub api_calls: u64,
    pub evidence: Option<EvidenceScope>,
    pub notes: &'a [String],
    pub problems: &'a [Problem],
}

impl<'a> Fetch<'a> {
    pub fn summary(self) -> FetchSummary<'a> {
        FetchSummary {
            schema_version: FETCH_SCHEMA_VERSION,
            api_calls: self.api_calls,
            api_version: self.api_version,
            components_written: self.components_written,
            evidence: self.evidence.as_ref().map(evidence_line),
            fetched_at: self.fetched_at,
            instance_url: self.instance_url,
            notes: self.notes,
            org_id: self.org_id,
            problems: self.problems.iter().map(|p| p.to_string()).collect(),
            snapshot: self.snapshot,
        }
    }
}

/// `fetch --json`.
pub fn json(s: &FetchSummary) -> String {
    crate::json::document(s)
}

/// `fetch` in text within `width` columns; `quiet` leaves out what was written (the notes
/// and what could not be read stay). The org's answers (URL, id, problem text) are input:
/// shown, never applied.
pub fn text(s: &FetchSummary, quiet: bool, width: usize) -> String {
    let mut out = String::new();
    if !quiet {
        out += &format!(
            "Wrote {} component(s) of {} (org {}, API {}) to {} in {} API call(s).\n",
            s.components_written,
            s.instance_url,
            s.org_id.unwrap_or("id unknown"),
            s.api_version,
            s.snapshot.display(),
            s.api_calls
        );
        if let Some(e) = &s.evidence {
            out += &format!("{e}.\n");
        }
    }
    for n in s.notes {
        out += &format!("Note: {}\n", visible(n));
    }
    if !s.problems.is_empty() {
        out += &format!(
            "{} item(s) could not be read; every audit of this snapshot reports them:\n",
            s.problems.len()
        );
        for p in &s.problems {
            out += &format!("  - {}\n", visible(p));
        }
    }
    wrap_prose(&visible_lines(&out), width)
}
