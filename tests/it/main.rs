//! The one integration-test binary (ripgrep/cargo style): every suite is a module, the
//! test org (crate pkce-audit-test-org) and the other support code are compiled once.

use pkce_audit_test_org::{fake_org, hostile_input, hostile_server, synth};

mod architecture;
mod callback_classes;
mod cli;
mod conventions;
mod corpus;
mod credentials;
mod diff;
mod enclosing_project;
mod error_codes;
mod errors;
mod fake_org_server;
mod faults;
mod fix;
mod fleet;
mod fuzz_regressions;
mod harness;
mod hostile;
mod html;
mod live_connect;
mod live_corpus;
mod live_evidence;
mod live_fetch;
mod live_outputs;
mod live_support;
mod output_docs;
mod pty;
mod query_pages;
mod review;
mod safe_writes;
mod schema_versions;
mod secrets;
mod snapshot_names;
mod synth_org;
mod waived_enforced;
mod widths;

// Issue 20, Auth. Providers in live audits (kept last: suites added by parallel work).
mod live_auth_providers;

// Issue 21, `verify`: the status decoder in docs/verify.md.
mod verify;
mod verify_docs;

// Issue 22, the rollout with the real sf CLI: the test org's retrieve and deploy.
mod fake_org_deploy;

// Issue 24, what a new user tripped over: shell completion in real shells; fixtures/README.md.
mod completions;
mod fixture_counts;
