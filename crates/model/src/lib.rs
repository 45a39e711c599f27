//! pkce-audit's model: the middle of the pipeline **input → inventory → rules → report**,
//! as plain data and pure functions.
//!
//! - [`metadata`]: the components the parsers (in pkce-audit-io) produce;
//! - [`inventory`]: apps, org settings, ownership, what could not be read, with the
//!   [`evidence`] of use and the [`clients`] catalogue;
//! - [`rules`]: findings and the verdict; [`waivers`] mark findings (dates in, decisions out);
//! - [`report`]: the one report value every format presents (pkce-audit-render), which
//!   [`diff`] compares and [`fleet`] gathers;
//! - [`verify`]: after the change, each app's state from the org's records, and the verdict;
//! - [`fix`] (what `fix` writes) and [`doctor`] (what a login can read): the data
//!   pkce-audit-io computes and pkce-audit-render presents.
//!
//! No file, network, terminal or clock is touched here. The crate graph: this crate ←
//! pkce-audit-io, this crate ← pkce-audit-render, the binary ← all three; the test org
//! (pkce-audit-test-org) only for tests.
//!
//! Every match on an enum names each variant: a new variant is a compile error wherever
//! it needs a decision, never a silent fall into `_`.

#![deny(clippy::wildcard_enum_match_arm)]

pub mod advice;
pub mod api_name;
pub mod callback;
pub mod calls;
pub mod clients;
pub mod commands;
pub mod deadlines;
pub mod diff;
pub mod doctor;
pub mod errors;
pub mod evidence;
pub mod fix;
pub mod fleet;
pub mod flow;
pub mod inventory;
pub mod login_status;
pub mod metadata;
pub mod report;
pub mod rules;
pub mod suggest;
pub mod text;
pub mod verify;
pub mod vocab;
pub mod waivers;
