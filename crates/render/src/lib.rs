//! pkce-audit's documents: the end of the pipeline **input → inventory → rules → report**.
//! Every format of every document: the report ([`report`]: table, CSV, JSON, Markdown,
//! SARIF), its diff, the fleet report ([`fleet`]), `fix`'s plan ([`fix`]) and the listings
//! of rules, clients and doctor ([`listing`]).
//!
//! It renders pkce-audit-model's values, and two of pkce-audit-io's (`fix`'s plan and the
//! doctor's checks); it reads and writes nothing.

pub mod fix;
pub mod fleet;
pub mod listing;
pub mod report;
