//! Unit tests of pkce-audit-model that build their input with this crate's parsers
//! (XML text → components) or audit a fixture folder.

mod fleet_compare;
mod inventory;
mod outside;
mod rules;
