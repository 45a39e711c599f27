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

/// Where to require PKCE, so the remediation is an exact path, not a hint.
pub fn setup_path(app: &App) -> String {
    match &app.kind {
        AppKind::ConnectedApp => format!(
            "Setup > App Manager > {} > Edit > API (Enable OAuth Settings) > Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows",
            app.display_name()
        ),
        AppKind::ExternalClientApp => format!(
            "Setup > External Client App Manager > {} > Settings > OAuth Settings > Flow Enablement > Require Proof Key for Code Exchange (PKCE) extension for Supported Authorization Flows",
            app.display_name()
        ),
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
