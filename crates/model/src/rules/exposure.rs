//! What an app's callbacks and usage say about its client: whether they show one that
//! runs the authorization code flow, and the findings and wording that follow from it.

use super::words::{flows_text, lowered, pkce_text, setup_path, usage_text};
use super::*;
use crate::callback::{CallbackClass, Exposure};
use crate::flow::Flow;
use crate::inventory::{App, Owner};

/// The callbacks show no code-flow client: only callbacks nobody receives a code at, the
/// Salesforce CLI's loopback, or Salesforce's success page. Usage evidence always wins: an
/// authorization code login in the window means there is one, whatever the callbacks say.
/// A public client is judged on its callbacks only when they are all ones it may rely on
/// ([`crate::callback::ClassInfo`]); a catalogue client known to run the web server flow
/// (Provar) keeps the success page a receiver.
pub(super) fn no_code_flow_client(app: &App) -> Option<Exposure> {
    if app
        .usage
        .as_ref()
        .is_some_and(|u| u.used_authorization_code())
    {
        return None;
    }
    let e = app.callback_exposure()?;
    let public_relies = app.callbacks.iter().all(|c| c.public_client_may_rely());
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
pub(super) fn web_flow_client(app: &App) -> Option<&'static crate::clients::Client> {
    crate::clients::find(&app.name, app.label.as_deref(), &[])
        .map(|m| m.client)
        .filter(|c| c.flows.iter().any(|f| f == "authorization-code"))
}

/// The Authorization Code and Credentials flow blocks this app: its finding fires and no
/// evidence lowers it.
pub(super) fn code_credentials_blocks(app: &App) -> bool {
    app.owner == Owner::Org
        && app.pkce_required == Some(false)
        && app.in_pkce_scope()
        && app.has_flow(&Flow::CodeCredentials)
        && !app.usage.as_ref().is_some_and(|u| u.only_non_code_flows())
}

/// " Not blocking: {why}." for a finding that does not block; on an app that the
/// Authorization Code and Credentials flow blocks anyway, what this finding alone says,
/// so that one app's findings never contradict each other.
pub(super) fn not_blocking(app: &App, why: &str) -> String {
    if code_credentials_blocks(app) {
        format!(" On its own this does not block ({why}); the Authorization Code and Credentials flow does (code-credentials-flow-without-pkce).")
    } else {
        format!(" Not blocking: {why}.")
    }
}

/// `code-credentials-flow-without-pkce`. `tool_only`: the callbacks show no client but a
/// tool (or none at all), so nothing in evidence is a headless client to update.
pub(super) fn code_credentials_finding(app: &App, tool_only: bool) -> Finding {
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
pub(super) fn callbacks_of<'a>(app: &'a App, class: &CallbackClass) -> Vec<&'a str> {
    app.callbacks
        .iter()
        .filter(|c| &c.class == class)
        .map(|c| c.url.as_str())
        .collect()
}

/// The callbacks nobody receives a code at, each with the reason: "url (why)".
pub(super) fn no_receivers(app: &App) -> String {
    app.callbacks
        .iter()
        .filter_map(|c| Some(format!("{} ({})", c.url, c.class.info().no_receiver?)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The app's flows that are among `wanted`, for messages.
pub(super) fn flows_among<'a>(app: &'a App, wanted: &[Flow]) -> Vec<&'a str> {
    app.flows
        .iter()
        .flatten()
        .filter(|f| wanted.contains(f))
        .map(|f| f.as_str())
        .collect()
}

/// Why the app shows no code-flow client, in a few words.
pub(super) fn weak_reason(app: &App, e: Exposure) -> String {
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
pub(super) fn weak_finding(app: &App, e: Exposure) -> Finding {
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
pub(super) fn success_page_finding(app: &App) -> Finding {
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
    // An OAuth (`Get`) canvas app runs the web-server flow itself: only a signed-request
    // canvas app is another flow.
    let mut beside = flows_among(app, &[Flow::Saml]);
    if app.canvas_signed_request {
        beside.extend(flows_among(app, &[Flow::Canvas]));
    }
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
pub(super) fn with_client_notes(app: &App, mut f: Finding) -> Finding {
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

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(flows: &[&str], signed_request: bool) -> App {
        let mut app: App = serde_json::from_value(serde_json::json!({
            "name": "A", "kind": "connected-app", "owner": "org",
            "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
            "flows": flows,
            "callback_urls": ["https://login.salesforce.com/services/oauth2/success"],
            "callbacks": [{
                "url": "https://login.salesforce.com/services/oauth2/success",
                "class": "salesforce-success-page",
            }],
            "files": [],
        }))
        .unwrap();
        app.canvas_signed_request = signed_request;
        app
    }

    /// Review of issue 20, finding 7: only a signed-request canvas app is "otherwise canvas".
    #[test]
    fn the_success_page_beside_canvas_needs_a_signed_request() {
        let flows = ["authorization-code", "canvas"];
        assert_eq!(
            success_page_finding(&app(&flows, true)).severity,
            Severity::Low
        );
        let f = success_page_finding(&app(&flows, false));
        assert_eq!(f.severity, Severity::Medium);
        assert!(f.awaits_usage_evidence(), "{}", f.message);
        assert_eq!(
            success_page_finding(&app(&["authorization-code", "saml"], false)).severity,
            Severity::Low
        );
    }
}
