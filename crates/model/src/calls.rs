//! API traffic of a live audit, counted by the client and held by the report.

use crate::vocab::{order_by_text, vocabulary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

vocabulary! {
    /// A kind of API call, as the live audit counts them.
    pub enum CallKind {
        /// An OAuth token request (login or refresh).
        Token = "token",
        /// The REST versions list.
        Versions = "versions",
        ListMetadata = "listMetadata",
        ReadMetadata = "readMetadata",
        Query = "query",
        QueryMore = "queryMore",
        /// `checkDeployStatus`: when `verify` dates the change by its deploy.
        CheckDeployStatus = "checkDeployStatus",
    }
}

order_by_text!(CallKind);

/// Calls made, by kind, in the order of their names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallCounts(BTreeMap<CallKind, u64>);

impl CallCounts {
    /// The count of one kind, for `+= n`.
    pub fn entry(
        &mut self,
        kind: CallKind,
    ) -> std::collections::btree_map::Entry<'_, CallKind, u64> {
        self.0.entry(kind)
    }

    pub fn record(&mut self, kind: CallKind) {
        *self.entry(kind).or_default() += 1;
    }

    pub fn get(&self, kind: &CallKind) -> Option<u64> {
        self.0.get(kind).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&CallKind, &u64)> {
        self.0.iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &u64> {
        self.0.values()
    }
}

/// API traffic of a live audit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiUsage {
    /// Calls made, by kind (`listMetadata`, `readMetadata`, `query`, ...).
    pub calls: CallCounts,
    pub retries: u64,
    /// From the last `Sforce-Limit-Info` header: `api-usage=used/limit`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_api_used: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub org_api_limit: Option<u64>,
}

impl ApiUsage {
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }
}
