//! The readiness rules and the verdict.
//!
//! Rule ids are a contract: never rename one (scripts, waivers and code-scanning alerts
//! refer to them). Each rule is documented in docs/rules.md; a test keeps the two in step.

use crate::inventory::{App, AppKind, Flow, Inventory, Location, OrgSettings, Owner, PkceBasis};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity '{s}' (expected critical, high, medium, low or info)")
            })
    }
}

/// What a rule is about, for grouping in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Org,
    App,
}

/// A rule's fixed description. `blocker` is the default; evidence may lower it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub blocker: bool,
    pub scope: Scope,
    /// One line for `pkce-audit rules`.
    pub summary: &'static str,
    /// Why it matters; shown by `pkce-audit rules <ID>` and in SARIF help.
    pub explanation: &'static str,
    /// What to do, in general terms; findings may say more.
    pub remediation: &'static str,
    /// The remediation in a few words, for the table.
    pub action: &'static str,
}

macro_rules! rule {
    ($name:ident, $id:literal, $sev:ident, $blocker:literal, $scope:ident, $summary:literal, $why:literal, $fix:literal, $action:literal) => {
        pub const $name: Rule = Rule {
            id: $id,
            severity: Severity::$sev,
            blocker: $blocker,
            scope: Scope::$scope,
            summary: $summary,
            explanation: $why,
            remediation: $fix,
            action: $action,
        };
    };
}

rule!(ORG_PKCE_NOT_ENFORCED, "org-pkce-not-enforced", Info, false, Org,
    "The org-wide 'Require PKCE for Supported Authorization Flows' setting is off.",
    "This is the change being planned. Once it is on, every authorization code flow (web server, hybrid web server, Authorization Code and Credentials and its headless variants) must send a code_challenge, for every app in the org, including apps defined elsewhere.",
    "Turn it on in Setup > OAuth and OpenID Connect Settings only after every blocker in this report is resolved.",
    "Turn it on only once every blocker is resolved.");
rule!(ORG_USERNAME_PASSWORD_FLOW_ALLOWED, "org-username-password-flow-allowed", Medium, false, Org,
    "The OAuth username-password flow is not blocked.",
    "Salesforce asks admins to block the username-password flow: it sends the user's password to the client and cannot use PKCE or MFA. Blocking it breaks whatever still uses it.",
    "Find the integrations that still log in with a username and password, move them to the JWT bearer or client credentials flow, then turn off 'Allow OAuth Username-Password Flows' (blockOAuthUnPwFlow = true).",
    "Move integrations off username-password, then block the flow.");
rule!(ORG_USER_AGENT_FLOW_ALLOWED, "org-user-agent-flow-allowed", Medium, false, Org,
    "The OAuth user-agent flow is not blocked.",
    "The user-agent (implicit) flow returns tokens in the browser URL and cannot use PKCE. Salesforce recommends the web server flow with PKCE instead. Blocking it breaks clients that still use it, including some older mobile apps.",
    "Move browser and mobile clients to the web server flow with PKCE, then turn off 'Allow OAuth User-Agent Flows' (blockOAuthUsrAgtFlow = true).",
    "Move clients to the web server flow with PKCE, then block the flow.");
rule!(ORG_CODE_CREDENTIALS_FLOW_ENABLED, "org-code-credentials-flow-enabled", Low, false, Org,
    "The Authorization Code and Credentials flow is allowed in the org.",
    "Headless login, registration and guest flows (Authorization Code and Credentials) fall under the org PKCE setting: every app using them must send a code_challenge once PKCE is required.",
    "Check that every app with the Authorization Code and Credentials flow on sends PKCE; if no app needs the flow, turn off 'Allow Authorization Code and Credentials Flows'.",
    "Check that headless apps send PKCE, or turn the flow off.");
rule!(APP_PKCE_NOT_REQUIRED, "app-pkce-not-required", High, true, App,
    "An org-owned OAuth app that can run the authorization code flow does not require PKCE.",
    "Salesforce's rollout is: redeploy the client so it sends code_challenge, require PKCE on the app, and only then turn on the org setting. An app that does not require PKCE may have clients that do not send it; they break when the org setting goes on.",
    "Update the client to send code_challenge/code_verifier (S256), require PKCE on the app, test in a sandbox, then redeploy.",
    "Make the client send PKCE, then require PKCE on the app.");
rule!(PUBLIC_CLIENT_WITHOUT_PKCE, "public-client-without-pkce", Critical, true, App,
    "A public client (consumer secret optional) does not require PKCE.",
    "With the secret optional, nothing but PKCE binds an authorization code to the client that asked for it: an intercepted code can be redeemed by anyone. Such clients (mobile apps, single-page apps) are also the most likely not to send code_challenge today.",
    "Ship a client release that sends code_challenge (S256), then require PKCE on the app; until then this app blocks the org setting.",
    "Ship a client that sends PKCE, then require PKCE on the app.");
rule!(CODE_CREDENTIALS_FLOW_WITHOUT_PKCE, "code-credentials-flow-without-pkce", High, true, App,
    "The Authorization Code and Credentials flow is on for an app that does not require PKCE.",
    "Headless login, registration and guest flows are authorization code flows: once the org requires PKCE their clients must send a code_challenge.",
    "Update the headless client to send code_challenge/code_verifier, then require PKCE on the app.",
    "Make the headless client send PKCE, then require it on the app.");
rule!(MANAGED_APP_NEEDS_ISV, "managed-app-needs-isv", High, true, App,
    "An app from an installed package (another namespace) is not confirmed to require PKCE; only its publisher can fix it.",
    "Apps installed from a managed package, and packaged External Client Apps whose OAuth settings live in the publisher's org, cannot be changed by the subscriber. Salesforce requires ISVs to enable PKCE; until the publisher ships a PKCE-ready version, the org setting may break the app.",
    "Ask the publisher (namespace shown) for a version that requires and sends PKCE, upgrade the package, and confirm in a sandbox with the org setting on.",
    "Ask the publisher for a PKCE-ready version and upgrade.");
rule!(APP_PKCE_UNKNOWN, "app-pkce-unknown", High, false, App,
    "The app's PKCE setting could not be read.",
    "Without the setting, pkce-audit cannot tell whether this app will break. For External Client Apps the flag lives in the global OAuth settings, which need 'Allow Access to OAuth Consumer Secrets via Metadata API' to be read. The verdict cannot be 'ready' while this is unknown.",
    "Make the setting readable (retrieve the ExtlClntAppGlobalOauthSettings, or grant the permission) and run the audit again, or check the app in Setup.",
    "Make the global OAuth settings readable and run again.");
rule!(INSECURE_CALLBACK_URL, "insecure-callback-url", Medium, false, App,
    "A callback URL uses plain http:// to a host that is not loopback.",
    "Authorization codes sent over plain HTTP can be read in transit. PKCE limits what a stolen code is worth, but the redirect should still be HTTPS. Loopback addresses (localhost, 127.0.0.1, [::1]) are exempt: native apps use them.",
    "Change the callback to https:// (and update the client), or remove the unused URL.",
    "Switch the callback to https://.");
rule!(CONNECTED_APP_LEGACY, "connected-app-legacy", Info, false, App,
    "Org-owned Connected App: Salesforce now recommends External Client Apps.",
    "Since Spring '26 customers cannot create new Connected Apps, and External Client Apps require PKCE by default. Existing Connected Apps keep working.",
    "When this app is next changed, consider moving it to an External Client App.",
    "Consider moving it to an External Client App.");
rule!(APP_OUTSIDE_PKCE_SCOPE, "app-outside-pkce-scope", Info, false, App,
    "The app's enabled flows never use an authorization code: the PKCE setting does not affect it.",
    "PKCE applies to authorization code flows only. SAML, canvas, or an app with OAuth switched off is not affected by the org setting.",
    "Nothing to do for PKCE.",
    "Nothing to do for PKCE.");

rule!(EXTERNAL_APP_UNVERIFIED, "external-app-unverified", High, true, App,
    "An app used in this org but defined elsewhere: its PKCE setting cannot be read here.",
    "Users authorized this app, but it was created in another org (a vendor's app, a Salesforce tool), so neither the Metadata API nor pkce-audit can see whether its clients send PKCE. The org setting applies to it all the same. It blocks when it ran the authorization code flow in the evidence window or its usage is unknown; a dormant app, or one seen only with flows that carry no authorization code, is informational.",
    "Confirm with the vendor that its client sends PKCE, or test it in a sandbox with the org setting on; revoke it if nobody needs it.",
    "Confirm PKCE with the vendor, or test in a sandbox.");
rule!(APP_USES_USERNAME_PASSWORD_FLOW, "app-uses-username-password-flow", Medium, false, App,
    "The app logged in with the username-password flow in the evidence window, and the org still allows that flow.",
    "Salesforce asks admins to block the username-password flow. Blocking it will break this app: move it to the JWT bearer or client credentials flow first.",
    "Move the integration to the JWT bearer or client credentials flow before blocking the username-password flow.",
    "Move it off username-password before blocking the flow.");
rule!(APP_USES_USER_AGENT_FLOW, "app-uses-user-agent-flow", Medium, false, App,
    "The app logged in with the user-agent flow in the evidence window, and the org still allows that flow.",
    "The user-agent (implicit) flow cannot use PKCE, and blocking it will break this app: move its clients to the web server flow with PKCE first.",
    "Move the client to the web server flow with PKCE before blocking the user-agent flow.",
    "Move it to the web server flow with PKCE first.");
rule!(DORMANT_APP, "dormant-app", Info, false, App,
    "No token use and no login in the evidence window.",
    "An app nobody used in the window is cheaper to remove than to fix; removing it also removes a way into the org.",
    "Confirm with its owner that it is unused, then remove it (or revoke its tokens) rather than fixing it.",
    "Remove it rather than fix it.");
rule!(WAIVER_EXPIRED, "waiver-expired", Low, false, App,
    "A waiver has passed its expiry date and no longer applies.",
    "Waivers are time-limited on purpose: the finding it covered counts again toward the verdict and the exit code until the underlying problem is fixed or the waiver is renewed by its approver.",
    "Fix the finding, or have the approver renew the waiver with a new expiry date.",
    "Fix the finding or renew the waiver.");
rule!(WAIVER_UNUSED, "waiver-unused", Info, false, App,
    "A waiver matches no finding.",
    "The app was fixed, renamed or removed, or the waiver names the wrong rule or app. Stale waivers hide future problems with the same name.",
    "Remove the waiver from the file, or correct its rule or app.",
    "Remove or correct the waiver.");

/// Every rule, in report order. Ids are unique (tested).
pub const RULES: &[Rule] = &[
    PUBLIC_CLIENT_WITHOUT_PKCE,
    APP_PKCE_NOT_REQUIRED,
    CODE_CREDENTIALS_FLOW_WITHOUT_PKCE,
    MANAGED_APP_NEEDS_ISV,
    EXTERNAL_APP_UNVERIFIED,
    APP_PKCE_UNKNOWN,
    INSECURE_CALLBACK_URL,
    APP_USES_USERNAME_PASSWORD_FLOW,
    APP_USES_USER_AGENT_FLOW,
    ORG_USERNAME_PASSWORD_FLOW_ALLOWED,
    ORG_USER_AGENT_FLOW_ALLOWED,
    ORG_CODE_CREDENTIALS_FLOW_ENABLED,
    ORG_PKCE_NOT_ENFORCED,
    CONNECTED_APP_LEGACY,
    APP_OUTSIDE_PKCE_SCOPE,
    DORMANT_APP,
    WAIVER_EXPIRED,
    WAIVER_UNUSED,
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Who has to act on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingOwner {
    Org,
    Isv,
    External,
}

impl From<Owner> for FindingOwner {
    fn from(o: Owner) -> Self {
        match o {
            Owner::Org => FindingOwner::Org,
            Owner::Isv => FindingOwner::Isv,
            Owner::External => FindingOwner::External,
        }
    }
}

impl FindingOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingOwner::Org => "org",
            FindingOwner::Isv => "isv",
            FindingOwner::External => "external",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waived {
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub blocker: bool,
    /// The app's API name; `None` for org-level findings.
    pub app: Option<String>,
    pub label: Option<String>,
    pub kind: Option<AppKind>,
    pub owner: FindingOwner,
    pub namespace: Option<String>,
    pub pkce_required: Option<bool>,
    pub message: String,
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waived: Option<Waived>,
    /// Authorization code logins in the evidence window: how many would break first.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code_logins: Option<u64>,
}

impl Finding {
    /// A finding about the org (or a file, such as a waiver) rather than an app.
    pub(crate) fn org(rule: &Rule, message: String, location: Option<Location>) -> Self {
        Finding {
            rule: rule.id.to_string(),
            severity: rule.severity,
            blocker: rule.blocker,
            app: None,
            label: None,
            kind: None,
            owner: FindingOwner::Org,
            namespace: None,
            pkce_required: None,
            message,
            remediation: rule.remediation.to_string(),
            location,
            waived: None,
            code_logins: None,
        }
    }

    fn app(rule: &Rule, app: &App, message: String, location: Option<Location>) -> Self {
        Finding {
            rule: rule.id.to_string(),
            severity: rule.severity,
            blocker: rule.blocker,
            app: Some(app.name.clone()),
            label: app.label.clone(),
            kind: Some(app.kind),
            owner: app.owner.into(),
            namespace: app.namespace.clone(),
            pkce_required: app.pkce_required,
            message,
            remediation: rule.remediation.to_string(),
            location: location.or_else(|| app.locations.app.clone()),
            waived: None,
            code_logins: app
                .usage
                .as_ref()
                .and_then(|u| u.logins_with("authorization-code"))
                .map(|f| f.logins),
        }
    }

    /// Evidence says the app never runs an authorization code flow: keep the finding, at
    /// low severity and not blocking, with the reason.
    fn lowered_by_evidence(mut self, usage: &crate::evidence::Usage) -> Self {
        self.severity = Severity::Low;
        self.blocker = false;
        self.message.push_str(&format!(
            " Not blocking: in the last {} days it was seen only with flows that carry no authorization code.",
            usage.window_days
        ));
        self
    }

    /// Counts toward the verdict and exit code.
    pub fn is_active_blocker(&self) -> bool {
        self.blocker && self.waived.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Ready,
    NotReady,
    Incomplete,
    Enforced,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotReady => "not-ready",
            Verdict::Incomplete => "incomplete",
            Verdict::Enforced => "enforced",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The callback URL helpers live in [`crate::callback`] (WHATWG parsing); re-exported
/// here for callers that still name them through the rules.
pub use crate::callback::{insecure_callbacks, is_loopback_host};

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
    match app.kind {
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
    for (flow, rule, blocked) in [
        (
            "username-password",
            &APP_USES_USERNAME_PASSWORD_FLOW,
            org.map(|o| o.block_username_password_flow),
        ),
        (
            "user-agent",
            &APP_USES_USER_AGENT_FLOW,
            org.map(|o| o.block_user_agent_flow),
        ),
    ] {
        let Some(seen) = u.logins_with(flow).filter(|f| f.logins > 0) else {
            continue;
        };
        // Already blocked: the app is failing, not about to break; the flow report stays quiet.
        if blocked == Some(true) {
            continue;
        }
        let last = seen
            .last_seen
            .as_deref()
            .map(|d| format!(", last {d}"))
            .unwrap_or_default();
        out.push(Finding::app(
            rule,
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
            &DORMANT_APP,
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
        &EXTERNAL_APP_UNVERIFIED,
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

fn app_findings(app: &App, org: Option<&OrgSettings>, out: &mut Vec<Finding>) {
    usage_findings(app, org, out);
    if app.owner == Owner::External {
        external_findings(app, out);
        return;
    }
    if app.owner == Owner::Org && app.kind == AppKind::ConnectedApp {
        out.push(Finding::app(
            &CONNECTED_APP_LEGACY,
            app,
            "Connected App; Salesforce now recommends External Client Apps for new work.".into(),
            None,
        ));
    }
    let insecure = insecure_callbacks(&app.callback_urls);
    if !insecure.is_empty() {
        out.push(Finding::app(
            &INSECURE_CALLBACK_URL,
            app,
            format!("Redirects over plain HTTP: {}.", insecure.join(", ")),
            app.locations.callback.clone(),
        ));
    }
    if let Some(reason) = &app.outside_scope_reason {
        out.push(Finding::app(
            &APP_OUTSIDE_PKCE_SCOPE,
            app,
            format!("{}.", capitalise(reason)),
            None,
        ));
        return;
    }
    let flows = flows_text(app);
    let usage = usage_text(app);
    let lower = |f: Finding| match &app.usage {
        Some(u) if u.only_non_code_flows() => f.lowered_by_evidence(u),
        _ => f,
    };
    if app.owner == Owner::Isv {
        if app.pkce_required != Some(true) {
            let ns = app.namespace.as_deref().unwrap_or("unknown");
            let package = app
                .package
                .as_ref()
                .map(|p| format!(" (package {} {})", p.name, p.version))
                .unwrap_or_default();
            let why = match (app.kind, app.pkce_basis) {
                (AppKind::ExternalClientApp, PkceBasis::Unknown) => {
                    "its global OAuth settings, which hold PKCE, live in the publisher's org"
                }
                (_, PkceBasis::Unknown) => "its PKCE setting could not be read",
                (_, PkceBasis::Default) => "it does not state isPkceRequired (default false)",
                _ => "it does not require PKCE",
            };
            let public = if app.public_client {
                " It is a public client (consumer secret optional)."
            } else {
                ""
            };
            out.push(lower(Finding::app(
                &MANAGED_APP_NEEDS_ISV,
                app,
                format!("From package namespace '{ns}'{package}: {why}; flows: {flows}.{public} Only the publisher can change it.{usage}"),
                app.locations.pkce.clone(),
            )));
        }
        return;
    }
    match app.pkce_required {
        Some(true) => {}
        None => out.push(Finding::app(
            &APP_PKCE_UNKNOWN,
            app,
            match app.kind {
                AppKind::ExternalClientApp => format!("No global OAuth settings (ExtlClntAppGlobalOauthSettings) were found for this External Client App, so whether it requires PKCE is unknown.{usage}"),
                _ => format!("Its PKCE setting could not be read.{usage}"),
            },
            app.locations.pkce.clone(),
        )),
        Some(false) => {
            let mut specific = false;
            if app.public_client {
                specific = true;
                out.push(Finding::app(
                    &PUBLIC_CLIENT_WITHOUT_PKCE,
                    app,
                    format!("Public client (consumer secret optional) that {}; flows: {flows}.{usage}", pkce_text(app)),
                    app.locations.public_client.clone().or(app.locations.pkce.clone()),
                ));
            }
            if app.has_flow(Flow::CodeCredentials) {
                specific = true;
                out.push(Finding::app(
                    &CODE_CREDENTIALS_FLOW_WITHOUT_PKCE,
                    app,
                    format!("The Authorization Code and Credentials flow is on, and the app {}.{usage}", pkce_text(app)),
                    app.locations.code_credentials.clone().or(app.locations.pkce.clone()),
                ));
            }
            // The general rule only when no more specific one already names the app.
            if !specific {
                out.push(lower(Finding::app(
                    &APP_PKCE_NOT_REQUIRED,
                    app,
                    format!("Can run the authorization code flow and {}; flows: {flows}.{usage}", pkce_text(app)),
                    app.locations.pkce.clone(),
                )));
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

/// Applies every rule to the inventory. Findings come out in a stable order.
pub fn evaluate(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &inv.org_settings {
        if !s.is_pkce_required {
            out.push(Finding::org(
                &ORG_PKCE_NOT_ENFORCED,
                "The org does not yet require PKCE for supported authorization flows (isPkceRequired is off).".into(),
                s.location_of("isPkceRequired"),
            ));
        }
        if !s.block_username_password_flow {
            out.push(Finding::org(
                &ORG_USERNAME_PASSWORD_FLOW_ALLOWED,
                "The OAuth username-password flow is allowed (blockOAuthUnPwFlow is not true)."
                    .into(),
                s.location_of("blockOAuthUnPwFlow"),
            ));
        }
        if !s.block_user_agent_flow {
            out.push(Finding::org(
                &ORG_USER_AGENT_FLOW_ALLOWED,
                "The OAuth user-agent flow is allowed (blockOAuthUsrAgtFlow is not true).".into(),
                s.location_of("blockOAuthUsrAgtFlow"),
            ));
        }
        if s.code_credentials_flow_enabled {
            out.push(Finding::org(
                &ORG_CODE_CREDENTIALS_FLOW_ENABLED,
                "The Authorization Code and Credentials flow is allowed (oAuthCdCrdtFlowEnable is true); headless flows fall under the PKCE setting.".into(),
                s.location_of("oAuthCdCrdtFlowEnable"),
            ));
        }
    }
    for app in &inv.apps {
        app_findings(app, inv.org_settings.as_ref(), &mut out);
    }
    sort_findings(&mut out);
    out
}

fn rule_rank(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(RULES.len())
}

/// Blockers first, those with the most authorization code logins (the most impact) ahead,
/// then by severity, rule order, owner and app.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.is_active_blocker()
            .cmp(&a.is_active_blocker())
            .then(b.code_logins.unwrap_or(0).cmp(&a.code_logins.unwrap_or(0)))
            .then(b.severity.cmp(&a.severity))
            .then(rule_rank(&a.rule).cmp(&rule_rank(&b.rule)))
            .then(a.owner.cmp(&b.owner))
            .then(a.app.cmp(&b.app))
    });
}

/// The verdict and why, in one sentence. `org_enforced`: the org toggle is on;
/// `unreadable`: how many things could not be read.
pub fn verdict(org_enforced: bool, unreadable: usize, findings: &[Finding]) -> (Verdict, String) {
    let blockers: Vec<&Finding> = findings.iter().filter(|f| f.is_active_blocker()).collect();
    if org_enforced {
        let tail = if blockers.is_empty() {
            String::new()
        } else {
            format!(
                " {} blocking finding(s) show apps that may already be failing.",
                blockers.len()
            )
        };
        return (
            Verdict::Enforced,
            format!("The org already requires PKCE for supported authorization flows.{tail}"),
        );
    }
    if !blockers.is_empty() {
        let apps: std::collections::BTreeSet<_> =
            blockers.iter().filter_map(|f| f.app.as_deref()).collect();
        return (
            Verdict::NotReady,
            format!(
                "{} blocking finding(s) on {} app(s) must be resolved before PKCE is required org-wide.",
                blockers.len(),
                apps.len()
            ),
        );
    }
    // Waived or not: a waiver accepts a risk, it cannot make an unread setting read.
    let unknown = findings
        .iter()
        .filter(|f| f.rule == APP_PKCE_UNKNOWN.id)
        .count();
    if unreadable > 0 || unknown > 0 {
        let mut parts = Vec::new();
        if unreadable > 0 {
            parts.push(format!("{unreadable} item(s) could not be read"));
        }
        if unknown > 0 {
            parts.push(format!("{unknown} app(s) have an unknown PKCE setting"));
        }
        return (
            Verdict::Incomplete,
            format!(
                "No blocker found, but {}: the org cannot be declared ready.",
                parts.join(" and ")
            ),
        );
    }
    (
        Verdict::Ready,
        "No blocker found and everything was read: the org setting can be turned on.".into(),
    )
}

/// The verdict for an inventory and its findings.
pub fn verdict_of(inv: &Inventory, findings: &[Finding]) -> (Verdict, String) {
    verdict(
        inv.org_settings
            .as_ref()
            .is_some_and(|s| s.is_pkce_required),
        inv.problems.len(),
        findings,
    )
}

#[cfg(test)]
mod tests;
