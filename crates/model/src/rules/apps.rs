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
                    "Matches the {}.{usage}{}",
                    c.citation(),
                    not_blocking(app, "its clients send PKCE")
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
    let stub = app.packaged_reference.as_deref().map(|what| {
        format!("this file only refers to a packaged Connected App ({what}), whose real settings live in the package (a live audit reads the real app and resolves this)")
    });
    let why = match app.pkce_basis {
        _ if stub.is_some() => stub.as_deref().unwrap_or_default(),
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
        None => {
            let mut f = Finding::app(
            RuleId::AppPkceUnknown,
            app,
            match app.kind {
                AppKind::ExternalClientApp => format!("No global OAuth settings (ExtlClntAppGlobalOauthSettings) were found for this External Client App, so whether it requires PKCE is unknown.{usage}"),
                AppKind::ConnectedApp | AppKind::External => {
                    match &app.packaged_reference {
                        Some(what) => format!("This file only refers to a packaged Connected App ({what}): its real OAuth settings live in the package and its packaging org, so whether it requires PKCE is unknown here. A live audit reads the real app and resolves this.{usage}"),
                        None => format!("Its PKCE setting could not be read.{usage}"),
                    }
                }
            },
            app.locations.pkce.clone(),
        );
            if app.packaged_reference.is_some() {
                f.remediation = "Run a live audit of an org where the package is installed (it reads the real app), or check the app's PKCE setting in its packaging org (Setup > App Manager).".into();
            }
            out.push(f);
        }
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
                        out.push(code_credentials_finding(app, true));
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
                    format!(
                        "Public client (consumer secret optional) that {}; flows: {flows}.{usage}",
                        pkce_text(app)
                    ),
                    app.locations
                        .public_client
                        .clone()
                        .or(app.locations.pkce.clone()),
                );
                if let Some(e) = weak {
                    f.severity = Severity::Medium;
                    f.blocker = false;
                    f.message.push_str(&not_blocking(
                        app,
                        &format!(
                            "no evidence of a code-flow client ({})",
                            weak_reason(app, e)
                        ),
                    ));
                    f.remediation = format!(
                        "Verify that no client runs the authorization code flow with it (Setup > Login History: no 'OAuth Web Server' logins for the app), then require PKCE on the app ({}).",
                        setup_path(app)
                    );
                }
                out.push(with_client_notes(app, f));
            }
            if app.has_flow(&Flow::CodeCredentials) {
                specific = true;
                out.push(code_credentials_finding(app, weak.is_some()));
            }
            if let Some(e) = weak {
                out.push(weak_finding(app, e));
            } else if !specific {
                // The general rule only when no more specific one already names the app.
                out.push(with_client_notes(
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

/// The callbacks show no code-flow client: only callbacks nobody receives a code at, the
/// Salesforce CLI's loopback, or Salesforce's success page. Usage evidence always wins: an
/// authorization code login in the window means there is one, whatever the callbacks say.
/// A public client is judged on its callbacks only when they are all ones it may rely on
/// ([`crate::callback::ClassInfo`]); a catalogue client known to run the web server flow
/// (Provar) keeps the success page a receiver.
fn no_code_flow_client(app: &App) -> Option<Exposure> {
    if app
        .usage
        .as_ref()
        .is_some_and(|u| u.used_authorization_code())
    {
        return None;
    }
    let e = app.callback_exposure()?;
    let public_relies = app
        .callbacks
        .iter()
        .all(|c| c.class.info().public_client_may_rely);
    match e {
        Exposure::CodeFlow => None,
        _ if app.public_client && !public_relies => None,
        Exposure::SuccessPage if web_flow_client(app).is_some() => None,
        Exposure::Placeholder | Exposure::SalesforceCli | Exposure::SuccessPage => Some(e),
    }
}

/// A catalogue client matched by the app's label or name that runs the web server flow
/// (data/clients.toml `flows`): at Salesforce's success page it reads the code in an
/// embedded browser.
fn web_flow_client(app: &App) -> Option<&'static crate::clients::Client> {
    crate::clients::find(&app.name, app.label.as_deref(), &[])
        .filter(|c| c.flows.iter().any(|f| f == "authorization-code"))
}

/// The Authorization Code and Credentials flow blocks this app: its finding fires and no
/// evidence lowers it.
fn code_credentials_blocks(app: &App) -> bool {
    app.owner == Owner::Org
        && app.pkce_required == Some(false)
        && app.in_pkce_scope()
        && app.has_flow(&Flow::CodeCredentials)
        && !app.usage.as_ref().is_some_and(|u| u.only_non_code_flows())
}

/// " Not blocking: {why}." for a finding that does not block; on an app that the
/// Authorization Code and Credentials flow blocks anyway, what this finding alone says,
/// so that one app's findings never contradict each other.
fn not_blocking(app: &App, why: &str) -> String {
    if code_credentials_blocks(app) {
        format!(" On its own this does not block ({why}); the Authorization Code and Credentials flow does (code-credentials-flow-without-pkce).")
    } else {
        format!(" Not blocking: {why}.")
    }
}

/// `code-credentials-flow-without-pkce`. `tool_only`: the callbacks show no client but a
/// tool (or none at all), so nothing in evidence is a headless client to update.
fn code_credentials_finding(app: &App, tool_only: bool) -> Finding {
    let mut f = lowered(
        app,
        Finding::app(
            RuleId::CodeCredentialsFlowWithoutPkce,
            app,
            format!(
                "The Authorization Code and Credentials flow is on, and the app {}.{}",
                pkce_text(app),
                usage_text(app)
            ),
            app.locations
                .code_credentials
                .clone()
                .or(app.locations.pkce.clone()),
        ),
    );
    if tool_only {
        f.remediation = format!(
            "Nothing here shows a headless client: if none uses the Authorization Code and Credentials flow, turn it off on the app; otherwise make that client send code_challenge/code_verifier. Then require PKCE on the app ({}).",
            setup_path(app)
        );
    }
    f
}

/// The callbacks of one class, for messages.
fn callbacks_of<'a>(app: &'a App, class: &CallbackClass) -> Vec<&'a str> {
    app.callbacks
        .iter()
        .filter(|c| &c.class == class)
        .map(|c| c.url.as_str())
        .collect()
}

/// The callbacks nobody receives a code at, each with the reason: "url (why)".
fn no_receivers(app: &App) -> String {
    app.callbacks
        .iter()
        .filter_map(|c| Some(format!("{} ({})", c.url, c.class.info().no_receiver?)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The app's flows that are among `wanted`, for messages.
fn flows_among<'a>(app: &'a App, wanted: &[Flow]) -> Vec<&'a str> {
    app.flows
        .iter()
        .flatten()
        .filter(|f| wanted.contains(f))
        .map(|f| f.as_str())
        .collect()
}

/// Why the app shows no code-flow client, in a few words.
fn weak_reason(app: &App, e: Exposure) -> String {
    let what = match e {
        Exposure::SalesforceCli => "its only code-flow callback is the Salesforce CLI's loopback",
        Exposure::SuccessPage => "its only code-flow callback is Salesforce's success page",
        Exposure::Placeholder | Exposure::CodeFlow => "its callbacks are placeholders",
    };
    let other = flows_among(app, &[Flow::JwtBearer, Flow::ClientCredentials]);
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
        Exposure::SalesforceCli => {
            let cli = callbacks_of(app, &CallbackClass::SalesforceCliLoopback);
            // Another port than the default is still the CLI's (oauthLocalPort); Data
            // Loader listens on the same path at 7171 and sends PKCE too (data/clients.toml).
            let port = if cli.iter().all(|u| u.contains(":1717/")) {
                ""
            } else {
                " (a port other than 1717 is the CLI's `oauthLocalPort`; Data Loader uses the same path on 7171 and sends PKCE since 64.1.0)"
            };
            (
                RuleId::AppCallbackSfCliOnly,
                format!(
                    "Its only code-flow callback is the Salesforce CLI's loopback ({}){port}: the client is `sf org login web`, which sends PKCE since sf 2.33.3 (@salesforce/core 6.7.1). The app {pkce}; flows: {flows}.{usage}{}",
                    cli.join(", "),
                    not_blocking(app, "no evidence of another code-flow client")
                ),
            )
        }
        Exposure::SuccessPage => return success_page_finding(app),
        Exposure::Placeholder | Exposure::CodeFlow => (
            RuleId::AppCallbackPlaceholderOnly,
            format!(
                "Its callbacks are places no client can receive a code at: {}. The app most likely uses another flow. The app {pkce}; flows: {flows}.{usage}{}",
                no_receivers(app),
                not_blocking(app, "verify")
            ),
        ),
    };
    let mut f = Finding::app(rule, app, message, app.locations.callback.clone());
    f.remediation = format!("{} ({})", f.remediation, setup_path(app));
    f
}

/// `app-callback-success-page`: medium, and the verdict open, until login history settles
/// it; low beside SAML or canvas, or when complete login history shows no web-server login.
fn success_page_finding(app: &App) -> Finding {
    let (flows, usage, pkce) = (flows_text(app), usage_text(app), pkce_text(app));
    let mut f = Finding::app(
        RuleId::AppCallbackSuccessPage,
        app,
        format!(
            "Its code-flow callback is Salesforce's own success page ({}): only a client with an embedded browser (a desktop or mobile app that reads the code from its own window) or a person copying the code from the address bar can receive a code there. The app {pkce}; flows: {flows}.{usage}",
            callbacks_of(app, &CallbackClass::SalesforceSuccessPage).join(", ")
        ),
        app.locations.callback.clone(),
    );
    let beside = flows_among(app, &[Flow::Saml, Flow::Canvas]);
    // Complete login history: the absence of web-server logins is evidence.
    let settled = app
        .usage
        .as_ref()
        .filter(|u| u.flows.is_some() && !u.partial);
    if !beside.is_empty() {
        f.severity = Severity::Low;
        f.message.push_str(&not_blocking(
            app,
            &format!(
                "the app is otherwise {}, and the OAuth form needs a callback",
                beside.join(" and ")
            ),
        ));
    } else if let Some(u) = settled {
        f.severity = Severity::Low;
        f.message.push_str(&not_blocking(
            app,
            &format!("no web-server login in the last {} days", u.window_days),
        ));
    } else {
        f.message.push_str(&not_blocking(
            app,
            "unconfirmed; check Setup > Login History for web-server logins ('OAuth Web Server') with this app. Without usage evidence the verdict stays incomplete",
        ));
    }
    f.remediation = format!(
        "Check Setup > Login History for 'OAuth Web Server' logins with the app (a live audit reads them): with none, require PKCE on the app ({}); with some, find that desktop client or person and make it send PKCE first.",
        setup_path(app)
    );
    f
}

/// A blocking finding on an app whose callbacks name its client: a native client, a
/// Salesforce Auth. Provider (whose fix is the provider's own PKCE option), or
/// Salesforce's success page with a client known to receive codes there.
fn with_client_notes(app: &App, mut f: Finding) -> Finding {
    let native = callbacks_of(app, &CallbackClass::CustomScheme);
    if !native.is_empty() {
        f.message.push_str(&format!(
            " Custom-scheme callback ({}): a native or mobile client; without PKCE it may fail with a bare 'An internal server error has occurred' (custom-scheme PKCE requirement in the Summer '26 release note: UNCONFIRMED).",
            native.join(", ")
        ));
    }
    let pages = callbacks_of(app, &CallbackClass::SalesforceSuccessPage);
    let nobody = no_receivers(app);
    if f.rule == RuleId::PublicClientWithoutPkce && f.blocker && !nobody.is_empty() {
        f.message.push_str(&format!(
            " Its callbacks show no receiver ({nobody}), but a public client is not judged on them: it stays a blocker."
        ));
    }
    if f.blocker && !pages.is_empty() {
        let who = match web_flow_client(app) {
            Some(c) => {
                f.remediation = format!(
                    "Ask {} whether its client sends PKCE (or turn on its PKCE option), test it in a sandbox with PKCE required, then require PKCE on the app ({}).",
                    c.who(),
                    setup_path(app)
                );
                format!(
                    "the {}, which runs the web server flow there in an embedded browser (catalogue entry `{}`; source: {})",
                    c.name, c.id, c.source
                )
            }
            None if app.public_client => {
                "a public client such as a desktop app with an embedded browser".into()
            }
            None => "a client with an embedded browser, or a person copying the code (web-server logins in the evidence window)".into(),
        };
        f.message.push_str(&format!(
            " Its callback includes Salesforce's success page ({}): the client there is {who}.",
            pages.join(", ")
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
