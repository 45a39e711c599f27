//! The SOQL that pkce-audit and the real clients (the Salesforce CLI, jsforce,
//! simple-salesforce) send, and no more:
//! `SELECT f1, rel.f2 | COUNT() | COUNT(f) | MIN(f) | MAX(f) [alias], ... FROM Object
//! [WHERE f op value [AND ...]] [GROUP BY f, ...] [LIMIT n] [OFFSET n]`.
//!
//! WHERE is a conjunction of `field = literal` (string, number, boolean, null; strings
//! compared case-insensitively, as Salesforce does) and of `=`, `>=`, `>`, `<`, `<=`
//! against a number, a dateTime literal (`2026-12-01T09:00:00Z`) or a date literal
//! (`TODAY`, `LAST_N_DAYS:n`, ...: see [`dates`]; on the org's fixed clock in the user's
//! time zone). A literal of the wrong type for its field is refused as a real org does
//! (INVALID_FIELD). `columns=true` is answered by [`columns`]. Aggregates are answered as real orgs do: records
//! typed `AggregateResult`, unaliased aggregates named `expr0`, `expr1`, ... in select
//! order, at most [`AGGREGATE_BATCH`] groups. Anything else (`!=`, ordering on strings,
//! OR, ORDER BY, other aggregates, subqueries, HAVING, WITH) is refused as
//! MALFORMED_QUERY, so a new query the test org cannot answer fails loudly instead of
//! being answered wrongly.

use super::org::SObject;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::cmp::Ordering;

mod columns;
mod dates;
mod execute;
mod parse;

pub use columns::column_metadata;
pub use dates::{Clock, DateLit};
pub use execute::execute;
pub use parse::parse;

#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// `TODAY`, `LAST_N_DAYS:n`, ...: a range of time (see [`dates`]).
    Date(DateLit),
    /// An unquoted dateTime literal: `2026-12-01T09:00:00Z`, `...T09:00:00.000+0100`.
    DateTime(DateTime<Utc>),
}

/// A WHERE comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Aggregate results cannot be paged: they must fit one batch (2,000 records, REST query
/// resource), or the org refuses the whole query. REST body as received by restforce
/// (restforce/restforce#726; also SalesforceLabs/OrgCheck#46 for a GROUP BY query):
/// `[{"message":"Aggregate query does not support queryMore(), use LIMIT to restrict
/// the results to a single batch","errorCode":"EXCEEDED_ID_LIMIT"}]`.
pub const AGGREGATE_BATCH: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFn {
    Count,
    Min,
    Max,
}

/// One aggregate column of the SELECT list.
#[derive(Debug, Clone)]
pub struct Agg {
    pub func: AggFn,
    pub path: Vec<String>,
    pub col: usize,
    /// The alias, or `exprN` as Salesforce names unaliased aggregates.
    pub name: String,
}

/// `path op value`.
#[derive(Debug, Clone)]
pub struct Cond {
    pub path: Vec<String>,
    pub col: usize,
    pub op: Op,
    pub value: Lit,
}

#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    /// Selected field paths (`rel.Field` split on dots) with their columns.
    pub fields: Vec<(Vec<String>, usize)>,
    pub count_only: bool,
    pub aggs: Vec<Agg>,
    pub group_by: Vec<(Vec<String>, usize)>,
    pub object: String,
    /// The WHERE's conjunction (empty: no WHERE).
    pub conditions: Vec<Cond>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// The error a real org answers for a query it cannot run: the query, a caret under
/// the column, and what is wrong there.
fn caret_error(code: &'static str, text: &str, col: usize, what: &str) -> SoqlError {
    SoqlError {
        code,
        message: format!(
            "\n{text}\n{}^\nERROR at Row:1:Column:{col}\n{what}",
            " ".repeat(col.saturating_sub(1))
        ),
    }
}

#[cfg(test)]
mod tests;
