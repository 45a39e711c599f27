//! pkce-audit's documents: the end of the pipeline **input → inventory → rules → report**.
//! Every format of every document: the report ([`report`]: table, CSV, JSON, Markdown, HTML ([`html`]),
//! SARIF), its diff, the fleet report ([`fleet`]), `fix`'s plan ([`fix`]), `verify`'s
//! answer ([`verify`]) and the listings of rules, clients and doctor ([`listing`]).
//!
//! It depends on pkce-audit-model alone: it renders the model's values (`fix`'s plan and
//! the doctor's checks included) and reads and writes nothing. Its tests build reports
//! through the dev-only test org (pkce-audit-test-org).

pub mod fetch;
pub mod fix;
pub mod fleet;
pub mod html;
pub mod json;
pub mod listing;
pub mod md;
pub mod report;
pub mod verify;
