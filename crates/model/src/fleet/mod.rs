//! The fleet report's model and the comparisons across orgs (shared blockers, packages,
//! rehearsals). Reading the fleet file is pkce-audit-io's; running the orgs, the binary's.

pub mod compare;
pub mod model;

pub use model::*;
