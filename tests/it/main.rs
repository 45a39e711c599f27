//! The one integration-test binary (ripgrep/cargo style): every suite is a module, the
//! test org and the other support code are compiled once.

#[path = "../fake_org/mod.rs"]
mod fake_org;
#[path = "../hostile_input/mod.rs"]
mod hostile_input;
#[path = "../live_support/hostile.rs"]
mod hostile_server;
#[path = "../live_support/mod.rs"]
mod live_support;
#[path = "../synth/mod.rs"]
mod synth;

mod cli;
mod conventions;
mod corpus;
mod diff;
mod enclosing_project;
mod errors;
mod fake_org_server;
mod faults;
mod fix;
mod fleet;
mod fuzz_regressions;
mod hostile;
mod live_connect;
mod live_corpus;
mod live_evidence;
mod live_fetch;
mod live_outputs;
mod output_docs;
mod pty;
mod query_pages;
mod review;
mod secrets;
mod snapshot_names;
mod synth_org;
mod waived_enforced;
mod widths;
