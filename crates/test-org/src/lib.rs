//! The test org: what pkce-audit's tests, bench and examples run the pipeline
//! **input → inventory → rules → report** against. A loopback Salesforce ([`fake_org`])
//! speaking real SOAP and REST shapes, synthetic orgs of any size ([`synth`]), a hostile
//! server ([`hostile_server`]), hostile folders ([`hostile_input`]) and reports built
//! through the real parsers for the tests of what presents them ([`reports`]). Dev-only: never
//! published, never a dependency of the tool.

pub mod fake_org;
pub mod hostile_input;
pub mod hostile_server;
pub mod reports;
pub mod synth;
pub mod verifications;
