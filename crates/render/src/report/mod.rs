//! The report in every format. The report itself is pkce-audit-model's, re-exported here
//! so a format and the value it presents are named from one place.

pub mod cells;
mod csv;
pub mod diff;
pub mod html;
pub mod layout;
mod markdown;
pub(crate) mod plan;
mod render;
mod sarif;
pub mod style;
mod table;
pub use pkce_audit_model::text;
mod wrap;

pub(crate) use self::csv::cell as csv_cell;
pub use self::csv::{csv, csv_apps, neutralise};
pub use self::markdown::markdown;
pub use self::render::{json, render, CsvRows, Format, RenderOptions};
pub use self::sarif::{fingerprint, sarif};
pub(crate) use self::table::joined;
pub use self::table::{evidence_line, table};
pub use self::wrap::{wrap_hanging, wrap_paragraphs, wrap_prose, wrap_words};
pub use pkce_audit_model::report::*;

#[cfg(test)]
mod tests;
