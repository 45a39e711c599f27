//! The app rules: PKCE on each app by owner, callbacks, flow use and dormancy.

use super::*;
use crate::inventory::{App, AppKind, Flow, OrgSettings, Owner, PkceBasis};

fn flows_text(app: &App) -> String {
    match &app.flows {
        Some(f) if !f.is_empty() => f.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "),
        Some(_) => "none".into(),
        None => "unknown".into(),
    }
}

fn pkce_text(app: &App) -> &'static str {
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
        AppKind::Other(kind) => format!(
            "{} is a '{kind}', a kind this version does not know: check it in Setup",
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
fn usage_text(app: &App) -> String {
    app.usage
        .as_ref()
        .map(|u| format!(" Usage: {}.", u.describe()))
        .unwrap_or_default()
}

/// Flow-use findings (username-password, user-agent) and dormancy, from evidence.
fn usage_findings(app: &App, org: Option<&OrgSettings>, out: &mut Vec<Finding>) {
    let Some(u) = &app.usage else { return };
    for b in &BLOCKABLE_FLOWS {
        let Some(seen) = u.logins_with(&b.flow).filter(|f| f.logins > 0) else {
            continue;
        };
        // Already blocked: the app is failing, not about to break; the flow report stays quiet.
        if org.and_then(|o| o.blocks(&b.flow)) == Some(true) {
            continue;
        }
        let last = seen
            .last_seen
            .as_deref()
            .map(|d| format!(", last {d}"))
            .unwrap_or_default();
        let flow = &b.flow;
        out.push(Finding::app(
            b.rule.clone(),
            app,
            format!(
                "{} {flow} login(s) in the last {} days{last}; blocking the {flow} flow will break this app.",
                seen.logins, u.window_days
            ),
            None,
        ));
    }
    if u.dormant() {
        out.push(Finding::app(
            RuleId::DormantApp,
            app,
            format!(
                "No token used and no OAuth login in the last {} days.",
                u.window_days
            ),
            None,
        ));
    }
}

fn external_findings(app: &App, out: &mut Vec<Finding>) {
    let finding = Finding::app(
        RuleId::ExternalAppUnverified,
        app,
        format!(
            "Used in this org but defined in another org, so its PKCE setting cannot be read here.{}",
            usage_text(app)
        ),
        None,
    );
    let Some(u) = &app.usage else {
        out.push(finding);
        return;
    };
    // Informational only when evidence shows it cannot break: dormant, or no code flow.
    if !u.used_authorization_code() && (u.dormant() || u.only_non_code_flows()) {
        let why = if u.dormant() {
            "dormant in the window"
        } else {
            "seen only with flows that carry no authorization code"
        };
        let mut f = finding;
        f.severity = Severity::Info;
        f.blocker = false;
        f.message.push_str(&format!(" Not blocking: {why}."));
        out.push(f);
    } else {
        out.push(finding);
    }
}

/// Every finding about one app, dispatched on who owns it.
pub(super) fn app_findings(app: &App, org: Option<&OrgSettings>, out: &mut Vec<Finding>) {
    usage_findings(app, org, out);
    match &app.owner {
        Owner::External => external_findings(app, out),
        Owner::Org | Owner::Isv => metadata_findings(app, out),
        // The inventory never builds one: only a report read back holds such an owner.
        Owner::Other(_) => {}
    }
}

/// Findings on an app read from metadata (ours or an installed package's).
fn metadata_findings(app: &App, out: &mut Vec<Finding>) {
    if app.owner == Owner::Org && app.kind == AppKind::ConnectedApp {
        out.push(Finding::app(
            RuleId::ConnectedAppLegacy,
            app,
            "Connected App; Salesforce now recommends External Client Apps for new work.".into(),
            None,
        ));
    }
    let insecure = insecure_callbacks(&app.callback_urls);
    if !insecure.is_empty() {
        out.push(Finding::app(
            RuleId::InsecureCallbackUrl,
            app,
            format!("Redirects over plain HTTP: {}.", insecure.join(", ")),
            app.locations.callback.clone(),
        ));
    }
    if let Some(reason) = &app.outside_scope_reason {
        out.push(Finding::app(
            RuleId::AppOutsidePkceScope,
            app,
            format!("{}.", capitalise(reason)),
            None,
        ));
        return;
    }
    match &app.owner {
        Owner::Isv => isv_findings(app, out),
        Owner::Org => org_app_findings(app, out),
        Owner::External | Owner::Other(_) => {}
    }
}

/// Evidence says the app never runs a code flow: its PKCE finding no longer blocks.
fn lowered(app: &App, f: Finding) -> Finding {
    match &app.usage {
        Some(u) if u.only_non_code_flows() => f.lowered_by_evidence(u),
        _ => f,
    }
}

/// An installed package's app: only its publisher can make it require PKCE.
fn isv_findings(app: &App, out: &mut Vec<Finding>) {
    if app.pkce_required == Some(true) {
        return;
    }
    let ns = app.namespace.as_deref().unwrap_or("unknown");
    let package = app
        .package
        .as_ref()
        .map(|p| format!(" (package {} {})", p.name, p.version))
        .unwrap_or_default();
    let why = match app.pkce_basis {
        PkceBasis::Unknown if app.kind == AppKind::ExternalClientApp => {
            "its global OAuth settings, which hold PKCE, live in the publisher's org"
        }
        PkceBasis::Unknown => "its PKCE setting could not be read",
        PkceBasis::Default => "it does not state isPkceRequired (default false)",
        PkceBasis::Explicit | PkceBasis::NotApplicable => "it does not require PKCE",
    };
    let public = if app.public_client {
        " It is a public client (consumer secret optional)."
    } else {
        ""
    };
    let (flows, usage) = (flows_text(app), usage_text(app));
    out.push(lowered(
        app,
        Finding::app(
            RuleId::ManagedAppNeedsIsv,
            app,
            format!("From package namespace '{ns}'{package}: {why}; flows: {flows}.{public} Only the publisher can change it.{usage}"),
            app.locations.pkce.clone(),
        ),
    ));
}

/// One of our apps: the PKCE blockers, the most specific first.
fn org_app_findings(app: &App, out: &mut Vec<Finding>) {
    let (flows, usage) = (flows_text(app), usage_text(app));
    match app.pkce_required {
        Some(true) => {}
        None => out.push(Finding::app(
            RuleId::AppPkceUnknown,
            app,
            match app.kind {
                AppKind::ExternalClientApp => format!("No global OAuth settings (ExtlClntAppGlobalOauthSettings) were found for this External Client App, so whether it requires PKCE is unknown.{usage}"),
                AppKind::ConnectedApp | AppKind::External | AppKind::Other(_) => {
                    format!("Its PKCE setting could not be read.{usage}")
                }
            },
            app.locations.pkce.clone(),
        )),
        Some(false) => {
            let mut specific = false;
            if app.public_client {
                specific = true;
                out.push(Finding::app(
                    RuleId::PublicClientWithoutPkce,
                    app,
                    format!("Public client (consumer secret optional) that {}; flows: {flows}.{usage}", pkce_text(app)),
                    app.locations.public_client.clone().or(app.locations.pkce.clone()),
                ));
            }
            if app.has_flow(&Flow::CodeCredentials) {
                specific = true;
                out.push(Finding::app(
                    RuleId::CodeCredentialsFlowWithoutPkce,
                    app,
                    format!("The Authorization Code and Credentials flow is on, and the app {}.{usage}", pkce_text(app)),
                    app.locations.code_credentials.clone().or(app.locations.pkce.clone()),
                ));
            }
            // The general rule only when no more specific one already names the app.
            if !specific {
                out.push(lowered(
                    app,
                    Finding::app(
                        RuleId::AppPkceNotRequired,
                        app,
                        format!("Can run the authorization code flow and {}; flows: {flows}.{usage}", pkce_text(app)),
                        app.locations.pkce.clone(),
                    ),
                ));
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
