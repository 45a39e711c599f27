//! A small SOQL subset:
//! `SELECT f1, rel.f2 | COUNT() | AGG(f) [alias], ... FROM Object [WHERE ...] [GROUP BY f, ...]
//! [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]`.
//!
//! WHERE is evaluated when it is a conjunction (AND) of simple comparisons
//! (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `[NOT] IN (...)`) against string,
//! number, boolean or null literals, and `field = LAST_N_DAYS:n` (or `!=`) against the
//! org's fixed "now". Other comparisons with a date literal, and `INCLUDES`/`EXCLUDES`,
//! count as true; a WHERE with OR, NOT or parentheses is not applied at all.
//!
//! Aggregates: `COUNT(f)`, `COUNT_DISTINCT(f)`, `MAX(f)`, `MIN(f)`, `SUM(f)` with or without
//! GROUP BY, answered as real orgs do: records typed `AggregateResult`, unaliased
//! aggregates named `expr0`, `expr1`, ... in select order. Subqueries, HAVING and WITH are
//! refused as MALFORMED_QUERY (the fake does not support them).

use super::org::SObject;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::cmp::Ordering;

mod execute;
mod parse;

pub use execute::{execute, in_last_n_days, parse_datetime};
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
    /// `LAST_N_DAYS:n`: from the start of the day n days before "now" to the end of today.
    LastNDays(u32),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFn {
    Count,
    CountDistinct,
    Max,
    Min,
    Sum,
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

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    In,
    NotIn,
    Always,
}

#[derive(Debug, Clone)]
pub struct Cond {
    pub path: Vec<String>,
    pub col: usize,
    pub op: CmpOp,
    pub values: Vec<Lit>,
}

#[derive(Debug, Clone)]
pub struct OrderKey {
    pub path: Vec<String>,
    pub col: usize,
    pub asc: bool,
    pub nulls_first: bool,
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
    pub object_col: usize,
    /// `None`: no WHERE, or one we do not apply.
    pub conditions: Option<Vec<Cond>>,
    pub order: Vec<OrderKey>,
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
