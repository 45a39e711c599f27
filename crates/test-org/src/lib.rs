//! The test org: what pkce-audit's tests, bench and examples run the pipeline
//! **input → inventory → rules → report** against. A loopback Salesforce ([`fake_org`])
//! speaking real SOAP and REST shapes, synthetic orgs of any size ([`synth`]), a hostile
//! server ([`hostile_server`]) and hostile folders ([`hostile_input`]). Dev-only: never
//! published, never a dependency of the tool.

pub mod fake_org;
pub mod hostile_input;
pub mod hostile_server;
pub mod synth;
