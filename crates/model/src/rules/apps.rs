//! The app rules: PKCE on each app by owner, callbacks, flow use and dormancy.

use super::*;

use super::exposure::*;
use super::words::*;
use crate::flow::{Flow, LoginFlow};
use crate::inventory::{App, AppKind, OrgSettings, Owner, PkceBasis};

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
fn known_client_finding(app: &App, m: crate::clients::Match) -> Option<Finding> {
    use crate::clients::ClientPkce;
    let c = m.client;
    let usage = usage_text(app);
    let since = c
        .since_version
        .as_deref()
        .unwrap_or("the first release that sends it");
    let mut f = match m.pkce {
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
        .and_then(|m| known_client_finding(app, m))
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
                // A label never ends the judgement of a public client: only its
                // callbacks show which client holds it.
                crate::clients::find(&app.name, app.label.as_deref(), &app.callback_urls)
                    .map(|m| match app.public_client {
                        true => m.unless_by_callbacks(),
                        false => m,
                    })
                    .and_then(|m| known_client_finding(app, m))
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
                let cli_elsewhere: Vec<&str> = app
                    .callbacks
                    .iter()
                    .filter(|c| {
                        c.class == crate::callback::CallbackClass::SalesforceCliLoopback
                            && !c.public_client_may_rely()
                    })
                    .map(|c| c.url.as_str())
                    .collect();
                if !cli_elsewhere.is_empty() {
                    f.message.push_str(&format!(
                        " {} is the Salesforce CLI's loopback path, but not on its default port 1717 (or Data Loader's 7171): any program on the machine may listen there, so it does not clear a public client.",
                        cli_elsewhere.join(", ")
                    ));
                }
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
