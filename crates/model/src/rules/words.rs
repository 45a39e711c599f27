//! How an app is named in its findings: its flows, its PKCE setting, where in Setup it
//! is changed, its usage, and a finding lowered by evidence.

use super::*;
use crate::inventory::{App, PkceBasis};

pub(super) fn flows_text(app: &App) -> String {
    match &app.flows {
        Some(f) if !f.is_empty() => f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
        Some(_) => "none".into(),
        None => "unknown".into(),
    }
}

pub(super) fn pkce_text(app: &App) -> &'static str {
    match (app.pkce_required, app.pkce_basis) {
        (Some(true), _) => "requires PKCE",
        (Some(false), PkceBasis::Default) => {
            "does not require PKCE (isPkceRequired absent, default false)"
        }
        (Some(false), _) => "does not require PKCE (isPkceRequired false)",
        (None, _) => "PKCE setting unknown",
    }
}

/// The Setup section of an External Client App that holds its PKCE checkbox: a literal,
/// so the catalogue's control names can be built from it at compile time.
macro_rules! eca_pkce_section {
    () => {
        "Settings > OAuth Settings > Security"
    };
}
pub(super) use eca_pkce_section;

/// [`eca_pkce_section`] as a value: the controls table's short wording
/// ("External Client App: Settings > OAuth Settings > Security"), checked against
/// [`eca_pkce_path`] wherever it is written (tests/it/conventions.rs).
pub const ECA_PKCE_SECTION: &str = eca_pkce_section!();

/// An External Client App's PKCE checkbox, as Salesforce spells it in the control
/// "External Client Apps: Security: Require Proof Key for Code Exchange (PKCE)" (Help,
/// xcloud.shr_security_require_proof_key_for_code_exchange_pkce.htm): "extension" in
/// lower case, unlike the Connected App's and the org's boxes.
pub const ECA_PKCE_BOX: &str =
    "Require Proof Key for Code Exchange (PKCE) extension for Supported Authorization Flows";

/// Where an External Client App's PKCE checkbox is: the one wording of every output, and
/// of docs/*.md (tested).
pub fn eca_pkce_path(app: &str) -> String {
    format!("Setup > External Client App Manager > {app} > {ECA_PKCE_SECTION} > {ECA_PKCE_BOX}")
}

/// Where to require PKCE, so the remediation is an exact path, not a hint.
pub fn setup_path(app: &App) -> String {
    match &app.kind {
        AppKind::ConnectedApp => format!(
            "Setup > App Manager > {} > Edit > API (Enable OAuth Settings) > Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows",
            app.display_name()
        ),
        AppKind::ExternalClientApp => eca_pkce_path(app.display_name()),
        AppKind::External => format!(
            "{} is defined in another org: its owner changes it there (Setup > Connected Apps OAuth Usage shows it here)",
            app.display_name()
        ),
    }
}

/// A flow the org can block outright, with the rule that warns an app still uses it and
/// the Setup checkbox that allows it.
pub struct BlockableFlow {
    pub flow: Flow,
    pub rule: RuleId,
    pub setting: &'static str,
}

/// The flows an org can block: username-password, then user-agent.
pub const BLOCKABLE_FLOWS: [BlockableFlow; 2] = [
    BlockableFlow {
        flow: Flow::UsernamePassword,
        rule: RuleId::AppUsesUsernamePasswordFlow,
        setting: "Allow OAuth Username-Password Flows",
    },
    BlockableFlow {
        flow: Flow::UserAgent,
        rule: RuleId::AppUsesUserAgentFlow,
        setting: "Allow OAuth User-Agent Flows",
    },
];

/// Usage facts for messages: "" when no evidence was read.
pub(super) fn usage_text(app: &App) -> String {
    app.usage
        .as_ref()
        .map(|u| format!(" Usage: {}.", u.describe()))
        .unwrap_or_default()
}

/// Evidence says the app never runs a code flow: its PKCE finding no longer blocks.
pub(super) fn lowered(app: &App, f: Finding) -> Finding {
    match &app.usage {
        Some(u) if u.only_non_code_flows() => f.lowered_by_evidence(u),
        _ => f,
    }
}
