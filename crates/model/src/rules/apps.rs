//! The app rules: PKCE on each app by owner, callbacks, flow use and dormancy.

use super::*;
use crate::callback::{CallbackClass, Exposure};
use crate::flow::{Flow, LoginFlow};
use crate::inventory::{App, AppKind, OrgSettings, Owner, PkceBasis};

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
            b.rule,
            app,
            format!(
                "{} {flow} login(s) in the last {} days{last}; blocking the {flow} flow will break this app.",
                seen.logins, u.window_days
            ),
            None,
        ));
    }
    let soap: Vec<_> = u
        .flows
        .iter()
        .flatten()
        .filter(|f| f.flow == LoginFlow::Flow(Flow::SoapLogin) && f.logins > 0)
        .collect();
    if !soap.is_empty() {
        let logins: u64 = soap.iter().map(|f| f.logins).sum();
        let last = soap
            .iter()
            .filter_map(|f| f.last_seen.as_deref())
            .max()
            .map(|d| format!(", last {d}"))
            .unwrap_or_default();
        out.push(Finding::app(
            RuleId::AppUsesSoapLogin,
            app,
            format!(
                "{logins} SOAP API login() login(s) with a password in the last {} days{last}; login() is retired in API 31.0 to 64.0 with Summer '27 and absent from API 65.0.",
                u.window_days
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

/// A finding from the catalogue of known clients, for an app that matches an entry whose
/// PKCE behaviour is known; `None` when it is unknown.
fn known_client_finding(app: &App, c: &crate::clients::Client) -> Option<Finding> {
    use crate::clients::ClientPkce;
    let usage = usage_text(app);
    let since = c
        .since_version
        .as_deref()
        .unwrap_or("the first release that sends it");
    let mut f = match c.pkce {
        ClientPkce::Sends => {
            let mut f = Finding::app(
                RuleId::KnownClientSendsPkce,
                app,
                format!(
                    "Matches the {}.{usage} Not blocking: its clients send PKCE.",
                    c.citation()
                ),
                None,
            );
            f.remediation = match app.kind {
                AppKind::External => format!("Make sure everyone runs {} {since} or later; nothing to change in this org.", c.name),
                AppKind::ConnectedApp | AppKind::ExternalClientApp => format!(
                    "Make sure everyone runs {} {since} or later, then require PKCE on the app ({}).",
                    c.name,
                    setup_path(app)
                ),
            };
            f
        }
        ClientPkce::DoesNotSend => {
            let mut f = Finding::app(
                RuleId::KnownClientWithoutPkce,
                app,
                format!(
                    "Matches the {}.{usage} Its owner: {}.",
                    c.citation(),
                    c.who()
                ),
                None,
            );
            f.remediation = if c.owner == crate::clients::ClientOwner::Salesforce {
                "Test it in a sandbox with PKCE required; if it fails, open a case with Salesforce."
                    .into()
            } else {
                format!("Ask {} for a release that sends PKCE (or move to a client that does), and test it in a sandbox with the org setting on.", c.who())
            };
            f
        }
        ClientPkce::Unknown => return None,
    };
    if let Some(u) = &app.usage {
        if f.blocker && !u.used_authorization_code() && (u.dormant() || u.only_non_code_flows()) {
            f = f.lowered_by_evidence(u);
        }
    }
    Some(f)
}

fn external_findings(app: &App, out: &mut Vec<Finding>) {
    if let Some(f) = crate::clients::find(&app.name, app.label.as_deref(), &app.callback_urls)
        .and_then(|c| known_client_finding(app, c))
    {
        out.push(f);
        return;
    }
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
    let start = out.len();
    match &app.owner {
        Owner::External => external_findings(app, out),
        Owner::Salesforce if app.kind == AppKind::External => external_findings(app, out),
        Owner::Org | Owner::Isv | Owner::Salesforce => metadata_findings(app, out),
    }
    super::outside::name_outside_client(app, &mut out[start..]);
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
        Owner::Salesforce => salesforce_findings(app, out),
        Owner::External => {}
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

/// An app Salesforce created in this org (a Dev Hub's namespace registry): nobody here can
/// change its client, so the remediation is a sandbox test and a case, never a client fix.
fn salesforce_findings(app: &App, out: &mut Vec<Finding>) {
    if app.pkce_required == Some(true) {
        return;
    }
    let (flows, usage) = (flows_text(app), usage_text(app));
    out.push(Finding::app(
        RuleId::SalesforceAppPkceNotRequired,
        app,
        format!(
            "Created and run by Salesforce ({}); it {}; flows: {flows}.{usage}",
            salesforce_reason(app),
            pkce_text(app)
        ),
        app.locations.pkce.clone(),
    ));
}

/// Why an app is taken for Salesforce's own, for messages.
fn salesforce_reason(app: &App) -> &'static str {
    if app.name.starts_with(crate::inventory::DEVHUB_PREFIX) {
        "a Dev Hub namespace-registry app: its name starts with DEVHUB_"
    } else if app
        .label
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case(crate::inventory::NAMESPACE_REGISTRY_LABEL))
    {
        "a Dev Hub namespace-registry app: labelled SalesforceDX Namespace Registry"
    } else {
        "a Dev Hub namespace-registry app: its callback is environmenthub/soma-callback.apexp"
    }
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
                AppKind::ConnectedApp | AppKind::External => {
                    format!("Its PKCE setting could not be read.{usage}")
                }
            },
            app.locations.pkce.clone(),
        )),
        Some(false) => {
            let weak = no_code_flow_client(app);
            let known = if weak.is_none() {
                crate::clients::find(&app.name, app.label.as_deref(), &app.callback_urls)
                    .and_then(|c| known_client_finding(app, c))
            } else {
                None
            };
            if let Some(f) = known {
                let sends = f.rule == RuleId::KnownClientSendsPkce;
                out.push(f);
                if sends || !app.public_client {
                    if app.has_flow(&Flow::CodeCredentials) {
                        out.push(Finding::app(
                            RuleId::CodeCredentialsFlowWithoutPkce,
                            app,
                            format!("The Authorization Code and Credentials flow is on, and the app {}.{usage}", pkce_text(app)),
                            app.locations.code_credentials.clone().or(app.locations.pkce.clone()),
                        ));
                    }
                    return;
                }
            }
            let mut specific = false;
            if app.public_client {
                specific = true;
                let mut f = Finding::app(
                    RuleId::PublicClientWithoutPkce,
                    app,
                    format!("Public client (consumer secret optional) that {}; flows: {flows}.{usage}", pkce_text(app)),
                    app.locations.public_client.clone().or(app.locations.pkce.clone()),
                );
                if let Some(e) = weak {
                    f.severity = Severity::Medium;
                    f.blocker = false;
                    f.message.push_str(&format!(
                        " Not blocking: no evidence of a code-flow client ({}).",
                        weak_reason(app, e)
                    ));
                }
                out.push(with_auth_provider(app, f));
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
            if let Some(e) = weak {
                out.push(weak_finding(app, e));
            } else if !specific {
                // The general rule only when no more specific one already names the app.
                out.push(with_auth_provider(
                    app,
                    lowered(
                        app,
                        Finding::app(
                            RuleId::AppPkceNotRequired,
                            app,
                            format!("Can run the authorization code flow and {}; flows: {flows}.{usage}", pkce_text(app)),
                            app.locations.pkce.clone(),
                        ),
                    ),
                ));
            }
        }
    }
}

/// The callbacks show no code-flow client: only the Salesforce CLI's loopback and/or
/// placeholders. Usage evidence always wins: an authorization code login in the window
/// means there is one, whatever the callbacks say.
fn no_code_flow_client(app: &App) -> Option<Exposure> {
    if app
        .usage
        .as_ref()
        .is_some_and(|u| u.used_authorization_code())
    {
        return None;
    }
    match app.callback_exposure() {
        Some(e @ (Exposure::Placeholder | Exposure::SalesforceCli)) => Some(e),
        Some(Exposure::CodeFlow) | None => None,
    }
}

/// The callbacks of one class, for messages.
fn callbacks_of<'a>(app: &'a App, class: &CallbackClass) -> Vec<&'a str> {
    app.callbacks
        .iter()
        .filter(|c| &c.class == class)
        .map(|c| c.url.as_str())
        .collect()
}

/// Why the app shows no code-flow client, in a few words.
fn weak_reason(app: &App, e: Exposure) -> String {
    let what = match e {
        Exposure::SalesforceCli => "its only code-flow callback is the Salesforce CLI's loopback",
        Exposure::Placeholder | Exposure::CodeFlow => "its callbacks are placeholders",
    };
    let other: Vec<&str> = app
        .flows
        .iter()
        .flatten()
        .filter(|f| matches!(f, Flow::JwtBearer | Flow::ClientCredentials))
        .map(|f| f.as_str())
        .collect();
    if other.is_empty() {
        what.to_string()
    } else {
        format!("{what}; it uses {}", other.join(" and "))
    }
}

/// The finding for an app whose callbacks show no code-flow client.
fn weak_finding(app: &App, e: Exposure) -> Finding {
    let (flows, usage, pkce) = (flows_text(app), usage_text(app), pkce_text(app));
    let (rule, message) = match e {
        Exposure::SalesforceCli => (
            RuleId::AppCallbackSfCliOnly,
            format!(
                "Its only code-flow callback is the Salesforce CLI's loopback ({}): the client is `sf org login web`, which sends PKCE since sf 2.33.3 (@salesforce/core 6.7.1). The app {pkce}; flows: {flows}.{usage} Not blocking: no evidence of another code-flow client.",
                callbacks_of(app, &CallbackClass::SalesforceCliLoopback).join(", ")
            ),
        ),
        Exposure::Placeholder | Exposure::CodeFlow => (
            RuleId::AppCallbackPlaceholderOnly,
            format!(
                "Its callbacks look like placeholders no client can receive a code on ({}): the app most likely uses another flow. The app {pkce}; flows: {flows}.{usage} Not blocking: verify.",
                callbacks_of(app, &CallbackClass::Placeholder).join(", ")
            ),
        ),
    };
    let mut f = Finding::app(rule, app, message, app.locations.callback.clone());
    f.remediation = format!("{} ({})", f.remediation, setup_path(app));
    f
}

/// A finding on an app whose callbacks go to Salesforce Auth. Providers: the client is
/// the Auth. Provider, and its fix is the provider's own PKCE option.
fn with_auth_provider(app: &App, mut f: Finding) -> Finding {
    let native = callbacks_of(app, &CallbackClass::CustomScheme);
    if !native.is_empty() {
        f.message.push_str(&format!(
            " Custom-scheme callback ({}): a native or mobile client; without PKCE it may fail with a bare 'An internal server error has occurred' (custom-scheme PKCE requirement in the Summer '26 release note: UNCONFIRMED).",
            native.join(", ")
        ));
    }
    if app.auth_providers.is_empty() {
        return f;
    }
    f.message.push_str(&super::outside::provider_facts(app));
    // This org's providers that send PKCE are ready: the app can require it (step 2).
    if let Some(names) = super::outside::providers_send_pkce(app) {
        f.severity = Severity::Low;
        f.blocker = false;
        f.message.push_str(&format!(
            " Not blocking: its only client is this org's Auth. Provider {}, which sends PKCE: ready for step 2.",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ));
        f.remediation = format!("Require PKCE on the app ({}).", setup_path(app));
        return f;
    }
    let providers: Vec<String> = app
        .auth_providers
        .iter()
        .filter(|p| p.state != crate::inventory::ProviderState::PkceEnabled)
        .map(|p| {
            format!(
                "turn on *Use Proof Key for Code Exchange (PKCE) Extension* on the Auth. Provider `{}` in the org at `{}`",
                p.name, p.host
            )
        })
        .collect();
    let only = app
        .callbacks
        .iter()
        .filter(|c| c.class.exposure() == Exposure::CodeFlow)
        .all(|c| app.auth_providers.iter().any(|p| p.url == c.url));
    f.message.push_str(
        " Its client is a Salesforce Auth. Provider (callback /services/authcallback/…): single sign-on through it breaks when the org requires PKCE.",
    );
    let fix = capitalise(&providers.join("; "));
    f.remediation = if only {
        format!("{fix}, then require PKCE on the app.")
    } else {
        format!("{} For the Auth. Provider callbacks: {fix}.", f.remediation)
    };
    f
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
