//! The rule catalog: every rule's id, severity, blocker default, scope and texts.
//!
//! Rule ids are a contract: never rename one (scripts, waivers and code-scanning alerts
//! refer to them). Each rule is documented in docs/rules.md; a test keeps the two in step.

use crate::vocab::{order_by_text, vocabulary};
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
    /// A waiver file entry (expired, unused) rather than the org or an app.
    Waiver,
}

/// A rule's fixed description. `blocker` is the default; evidence may lower it.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: RuleId,
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

/// The one table of rules: each row gives the [`RuleId`] variant and its public id, the
/// severity, `blocker` or `advisory`, the scope, then the summary, the explanation, the
/// remediation and the short action. Generates [`RuleId`] and [`RULES`] in the same order,
/// the report order, so a rule added here is known everywhere the id is matched.
macro_rules! catalog {
    (@blocker blocker) => { true };
    (@blocker advisory) => { false };
    ( $( $variant:ident = $id:literal, $sev:ident, $blocker:ident, $scope:ident,
         $summary:literal, $why:literal, $fix:literal, $action:literal; )+ ) => {
        vocabulary! {
            /// A rule's id. Its kebab-case spelling is the public id, a contract: never
            /// renamed. Declared in report order (the order of [`RULES`]).
            pub enum RuleId {
                $( $variant = $id, )+
            }
        }

        /// Every rule, in report order: the order of [`RuleId`]. Ids are unique (tested).
        pub const RULES: &[Rule] = &[
            $( Rule {
                id: RuleId::$variant,
                severity: Severity::$sev,
                blocker: catalog!(@blocker $blocker),
                scope: Scope::$scope,
                summary: $summary,
                explanation: $why,
                remediation: $fix,
                action: $action,
            }, )+
        ];
    };
}

catalog! {
    PublicClientWithoutPkce = "public-client-without-pkce", Critical, blocker, App,
        "A public client (consumer secret optional) does not require PKCE.",
        "With the secret optional, nothing but PKCE binds an authorization code to the client that asked for it: an intercepted code can be redeemed by anyone. Such clients (mobile apps, single-page apps) are also the most likely not to send code_challenge today. When it breaks: turning the org setting on does not revoke tokens already issued; a client that sends no code_challenge fails at its next authorization (a new login, a re-consent, or when its refresh token expires or idles out). How: the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string), some clients show `OAUTH_APPROVAL_ERROR_GENERIC` (which has other causes too), and native apps may show a bare 'An internal server error has occurred' (one report, unconfirmed by Salesforce).",
        "Ship a client release that sends code_challenge (S256), then require PKCE on the app; until then this app blocks the org setting.",
        "Ship a client that sends PKCE, then require PKCE on the app.";
    AppPkceNotRequired = "app-pkce-not-required", High, blocker, App,
        "An org-owned OAuth app that can run the authorization code flow does not require PKCE.",
        "Salesforce's rollout is: redeploy the client so it sends code_challenge, require PKCE on the app, and only then turn on the org setting. An app that does not require PKCE may have clients that do not send it; they break when the org setting goes on. When it breaks: turning the org setting on does not revoke tokens already issued; a client that sends no code_challenge fails at its next authorization (a new login, a re-consent, or when its refresh token expires or idles out). How: the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string), some clients show `OAUTH_APPROVAL_ERROR_GENERIC` (which has other causes too), and native apps may show a bare 'An internal server error has occurred' (one report, unconfirmed by Salesforce).",
        "Update the client to send code_challenge/code_verifier (S256), require PKCE on the app, test in a sandbox, then redeploy.",
        "Make the client send PKCE, then require PKCE on the app.";
    CodeCredentialsFlowWithoutPkce = "code-credentials-flow-without-pkce", High, blocker, App,
        "The Authorization Code and Credentials flow is on for an app that does not require PKCE.",
        "Headless login, registration and guest flows are authorization code flows: once the org requires PKCE their clients must send a code_challenge. When it breaks: turning the org setting on does not revoke tokens already issued; a client that sends no code_challenge fails at its next authorization (a new login, a re-consent, or when its refresh token expires or idles out). How: the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string), some clients show `OAUTH_APPROVAL_ERROR_GENERIC` (which has other causes too), and native apps may show a bare 'An internal server error has occurred' (one report, unconfirmed by Salesforce).",
        "Update the headless client to send code_challenge/code_verifier, then require PKCE on the app.",
        "Make the headless client send PKCE, then require it on the app.";
    ManagedAppNeedsIsv = "managed-app-needs-isv", High, blocker, App,
        "An app from an installed package (another namespace) is not confirmed to require PKCE; only its publisher can fix it.",
        "Apps installed from a managed package, and packaged External Client Apps whose OAuth settings live in the publisher's org, cannot be changed by the subscriber. Salesforce requires ISVs to enable PKCE; until the publisher ships a PKCE-ready version, the org setting may break the app. When it breaks: turning the org setting on does not revoke tokens already issued; a client that sends no code_challenge fails at its next authorization (a new login, a re-consent, or when its refresh token expires or idles out). How: the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string), some clients show `OAUTH_APPROVAL_ERROR_GENERIC` (which has other causes too), and native apps may show a bare 'An internal server error has occurred' (one report, unconfirmed by Salesforce).",
        "Ask the publisher (namespace shown) for a version that requires and sends PKCE, upgrade the package, and confirm in a sandbox with the org setting on.",
        "Ask the publisher for a PKCE-ready version and upgrade.";
    SalesforceAppPkceNotRequired = "salesforce-app-pkce-not-required", High, advisory, App,
        "An app Salesforce created and runs in this org (a Dev Hub's namespace-registry app) does not require PKCE.",
        "A Dev Hub creates a Connected App (DEVHUB_<random>, 'SalesforceDX Namespace Registry', callback …/environmenthub/soma-callback.apexp) for linking namespaces. Its client is Salesforce's, not the org's: nobody here can make it send PKCE. The Link Namespace popup has been seen failing with `error=invalid_request&error_description=missing required code challenge` once PKCE is required (a public report, not Salesforce documentation). It fails at its next authorization, not before; it is not counted as a blocker because no change in this org can fix the client.",
        "Test it in a sandbox with PKCE required (Dev Hub > Namespace Registries > Link Namespace); if it fails, open a case with Salesforce. Do not change its client.",
        "Test in a sandbox; if it fails, open a case with Salesforce.";
    ExternalAppUnverified = "external-app-unverified", High, blocker, App,
        "An app used in this org but defined elsewhere: its PKCE setting cannot be read here.",
        "Users authorized this app, but it was created in another org (a vendor's app, a Salesforce tool), so neither the Metadata API nor pkce-audit can see whether its clients send PKCE. The org setting applies to it all the same. It blocks when it ran the authorization code flow in the evidence window or its usage is unknown; a dormant app, or one seen only with flows that carry no authorization code, is informational. When it breaks: turning the org setting on does not revoke tokens already issued; a client that sends no code_challenge fails at its next authorization (a new login, a re-consent, or when its refresh token expires or idles out). How: the authorize redirect carries `error=invalid_request&error_description=missing required code challenge` (seen in public reports; Salesforce does not document the string), some clients show `OAUTH_APPROVAL_ERROR_GENERIC` (which has other causes too), and native apps may show a bare 'An internal server error has occurred' (one report, unconfirmed by Salesforce).",
        "Confirm with the vendor that its client sends PKCE, or test it in a sandbox with the org setting on; revoke it if nobody needs it.",
        "Confirm PKCE with the vendor, or test in a sandbox.";
    KnownClientWithoutPkce = "known-client-without-pkce", High, blocker, App,
        "The app is a well-known client that does not send PKCE (data/clients.toml), and nothing requires it yet.",
        "The catalogue of known clients (data/clients.toml, each entry with its public source) says this client's current release sends no code_challenge. It breaks at its next authorization once the org requires PKCE: a new login, a re-consent, or when its refresh token expires or idles out; the user sees `error=invalid_request&error_description=missing required code challenge` on the authorize redirect (or `OAUTH_APPROVAL_ERROR_GENERIC`, or a bare 'internal server error' for native apps). Tokens already issued keep working until then.",
        "Ask the vendor named in the finding for a release that sends PKCE (or move to a client that does), and test it in a sandbox with the org setting on before turning it on.",
        "Get a PKCE-ready release from the vendor named.";
    AppPkceUnknown = "app-pkce-unknown", High, advisory, App,
        "The app's PKCE setting could not be read.",
        "Without the setting, pkce-audit cannot tell whether this app will break. For External Client Apps the flag lives in the global OAuth settings, which need 'Allow Access to OAuth Consumer Secrets via Metadata API' to be read. The verdict cannot be 'ready' while this is unknown.",
        "Make the setting readable (retrieve the ExtlClntAppGlobalOauthSettings, or grant the permission) and run the audit again, or check the app in Setup.",
        "Make the global OAuth settings readable and run again.";
    InsecureCallbackUrl = "insecure-callback-url", Medium, advisory, App,
        "A callback URL uses plain http:// to a host that is not loopback.",
        "Authorization codes sent over plain HTTP can be read in transit. PKCE limits what a stolen code is worth, but the redirect should still be HTTPS. Loopback addresses (localhost, 127.0.0.1, [::1]) are exempt: native apps use them.",
        "Change the callback to https:// (and update the client), or remove the unused URL.",
        "Switch the callback to https://.";
    AppCallbackPlaceholderOnly = "app-callback-placeholder-only", Medium, advisory, App,
        "An app that does not require PKCE has only placeholder callbacks: verify that no client runs the code flow with it.",
        "The callbacks are places where nobody can receive an authorization code: the bare root pages of well-known sites (https://www.google.com/, https://login.salesforce.com, …; data/placeholders.toml), paths on a Salesforce host that are no Auth. Provider, Visualforce, Apex REST, Lightning or site page (https://acme.my.salesforce.com/services/oauth2/callback), invalid hosts (https://.), the root of a loopback address on a privileged port (https://localhost), the bare root of a www home page (weak), or the canvas URL of a signed-request canvas app. The finding names the reason for each. The form needs a callback, so integrations that use another flow (JWT bearer, client credentials, username-password) fill one in. A public client (consumer secret optional) is judged this way only on the well-known placeholder pages: with the other kinds it stays a blocker. That is weak evidence of a code-flow client, so the app does not block; but a callback proves nothing, and login history does (an OAuth Web Server login in the window makes it a blocker).",
        "Verify with the app's owner that no client runs the authorization code flow with it (Setup > Login History: no 'OAuth Web Server' logins for the app), then require PKCE on the app: that cannot break a client that never receives a code.",
        "Verify it runs no code flow, then require PKCE on the app.";
    AppCallbackSuccessPage = "app-callback-success-page", Medium, advisory, App,
        "An app that does not require PKCE has Salesforce's success page (/services/oauth2/success) as its callback: verify in Login History who receives codes there.",
        "Salesforce's own success page (/services/oauth2/success on login.salesforce.com, test.salesforce.com, a My Domain or another Salesforce host but www.salesforce.com) is no one's server: only a client with an embedded browser (a desktop or mobile app that reads the code from its own window) or a person copying the code from the address bar can receive a code there. Such clients exist (test tools such as Provar run the web server flow there), so the callback alone proves nothing either way. Without usage evidence the verdict stays 'incomplete'; complete login history without web-server logins makes it low, and web-server logins make the app a blocker (app-pkce-not-required). On an app that is otherwise SAML or a signed-request canvas app (accessMethod Post), it is low and does not hold the verdict.",
        "Check Setup > Login History for 'OAuth Web Server' logins with the app (a live audit reads them): with none, require PKCE on the app; with some, find that desktop client or person and make it send PKCE first.",
        "Check Login History for web-server logins, then require PKCE.";
    AppCallbackSfCliOnly = "app-callback-sf-cli-only", Low, advisory, App,
        "An app that does not require PKCE is used only through the Salesforce CLI's loopback callback: make sure users run sf 2.33.3 or later.",
        "Its only code-flow callback is http://localhost:<port>/OauthRedirect (1717 unless `oauthLocalPort` in sfdx-project.json sets another port), the Salesforce CLI's `sf org login web --client-id …` receiver. The CLI sends PKCE by default since @salesforce/core 6.7.1 / sf 2.33.3 (2024-03-20; forcedotcom/sfdx-core PR #1035, forcedotcom/cli release notes 2.33.3); releases from @salesforce/core 3.7.0 up to 6.7.0, and old sfdx builds, send no code_challenge and fail at their next web login once PKCE is required (`error=invalid_request&error_description=missing required code challenge`). JWT logins (`sf org login jwt`) are not affected.",
        "Require PKCE on the app, and make sure everyone who logs in with it runs sf 2.33.3 or later (`sf version`; `sf update`).",
        "Require PKCE; make sure users run sf >= 2.33.3.";
    KnownClientSendsPkce = "known-client-sends-pkce", Low, advisory, App,
        "The app is a well-known client that sends PKCE since a known release (data/clients.toml).",
        "The catalogue of known clients (data/clients.toml, each entry with its public source) says this client sends code_challenge since the release named. It does not block; releases older than that may not send PKCE and fail at their next authorization once the org requires it.",
        "Make sure everyone runs the release named or later; for an app defined in this org, then require PKCE on it.",
        "Make sure users run the release named or later.";
    AppUsesUsernamePasswordFlow = "app-uses-username-password-flow", Medium, advisory, App,
        "The app logged in with the username-password flow in the evidence window, and the org still allows that flow.",
        "Salesforce asks admins to block the username-password flow. Blocking it will break this app: move it to the JWT bearer or client credentials flow first.",
        "Move the integration to the JWT bearer or client credentials flow before blocking the username-password flow.",
        "Move it off username-password before blocking the flow.";
    AppUsesSoapLogin = "app-uses-soap-login", Medium, advisory, App,
        "The app logged in with a password through SOAP API login() in the evidence window.",
        "LoginHistory records these logins with the SoapApiLogin sub-types. SOAP API login() does not exist in API 65.0 and later, is off by default in new orgs, and is retired in API 31.0 to 64.0 with Summer '27 (2027-06-01 in a partner's notice; Salesforce's pages say Summer '27). PKCE does not affect it, but the client stops working then, and it sends a password rather than using OAuth.",
        "Move the client to OAuth (an External Client App with the JWT bearer, client credentials or web server flow with PKCE) before Summer '27.",
        "Move it from SOAP login() to OAuth before Summer '27.";
    AppUsesUserAgentFlow = "app-uses-user-agent-flow", Medium, advisory, App,
        "The app logged in with the user-agent flow in the evidence window, and the org still allows that flow.",
        "The user-agent (implicit) flow cannot use PKCE, and blocking it will break this app: move its clients to the web server flow with PKCE first.",
        "Move the client to the web server flow with PKCE before blocking the user-agent flow.",
        "Move it to the web server flow with PKCE first.";
    SalesforceAuthProviderWithoutPkce = "salesforce-auth-provider-without-pkce", Medium, advisory, Org,
        "An Auth. Provider of type Salesforce in this org does not send PKCE (isPkceEnabled false or absent).",
        "A Salesforce-type Auth. Provider logs users in through another Salesforce org: this org is that org's OAuth client. Its option *Use Proof Key for Code Exchange (PKCE) Extension* (metadata `AuthProvider.isPkceEnabled`, WSDL v66) decides whether it sends code_challenge. Without it, single sign-on through the provider breaks when the org it logs in to requires PKCE (that org's setting, not this one's). pkce-audit reads the providers of a folder, and in a live audit only when some app's callback points at one.",
        "Turn on *Use Proof Key for Code Exchange (PKCE) Extension* on the Auth. Provider (Setup > Auth. Providers > Edit), then test single sign-on through it; tell the admin of the org it logs in to when it is done.",
        "Turn on the Auth. Provider's PKCE option.";
    OrgUsernamePasswordFlowAllowed = "org-username-password-flow-allowed", Medium, advisory, Org,
        "The OAuth username-password flow is not blocked.",
        "Salesforce asks admins to block the username-password flow: it sends the user's password to the client and cannot use PKCE or MFA. Blocking it breaks whatever still uses it.",
        "Find the integrations that still log in with a username and password, move them to the JWT bearer or client credentials flow, then turn off 'Allow OAuth Username-Password Flows' (blockOAuthUnPwFlow = true).",
        "Move integrations off username-password, then block the flow.";
    OrgUserAgentFlowAllowed = "org-user-agent-flow-allowed", Medium, advisory, Org,
        "The OAuth user-agent flow is not blocked.",
        "The user-agent (implicit) flow returns tokens in the browser URL and cannot use PKCE. Salesforce recommends the web server flow with PKCE instead. Blocking it breaks clients that still use it, including some older mobile apps.",
        "Move browser and mobile clients to the web server flow with PKCE, then turn off 'Allow OAuth User-Agent Flows' (blockOAuthUsrAgtFlow = true).",
        "Move clients to the web server flow with PKCE, then block the flow.";
    OrgCodeCredentialsFlowEnabled = "org-code-credentials-flow-enabled", Low, advisory, Org,
        "The Authorization Code and Credentials flow is allowed in the org.",
        "Headless login, registration and guest flows (Authorization Code and Credentials) fall under the org PKCE setting: every app using them must send a code_challenge once PKCE is required.",
        "Check that every app with the Authorization Code and Credentials flow on sends PKCE; if no app needs the flow, turn off 'Allow Authorization Code and Credentials Flows'.",
        "Check that headless apps send PKCE, or turn the flow off.";
    OrgPkceNotEnforced = "org-pkce-not-enforced", Info, advisory, Org,
        "The org-wide 'Require PKCE for Supported Authorization Flows' setting is off.",
        "This is the change being planned. Once it is on, every authorization code flow (web server, hybrid web server, Authorization Code and Credentials and its headless variants) must send a code_challenge, for every app in the org, including apps defined elsewhere.",
        "Turn it on in Setup > OAuth and OpenID Connect Settings only after every blocker in this report is resolved.",
        "Turn it on only once every blocker is resolved.";
    ConnectedAppLegacy = "connected-app-legacy", Info, advisory, App,
        "Org-owned Connected App: Salesforce now recommends External Client Apps.",
        "Since Spring '26 customers cannot create new Connected Apps, and External Client Apps require PKCE by default. Existing Connected Apps keep working.",
        "When this app is next changed, consider moving it to an External Client App.",
        "Consider moving it to an External Client App.";
    AppOutsidePkceScope = "app-outside-pkce-scope", Info, advisory, App,
        "The app's enabled flows never use an authorization code: the PKCE setting does not affect it.",
        "PKCE applies to authorization code flows only. SAML, canvas, or an app with OAuth switched off is not affected by the org setting.",
        "Nothing to do for PKCE.",
        "Nothing to do for PKCE.";
    DormantApp = "dormant-app", Info, advisory, App,
        "No token use and no login in the evidence window.",
        "An app nobody used in the window is cheaper to remove than to fix; removing it also removes a way into the org.",
        "Confirm with its owner that it is unused, then remove it (or revoke its tokens) rather than fixing it.",
        "Remove it rather than fix it.";
    WaiverExpired = "waiver-expired", Low, advisory, Waiver,
        "A waiver has passed its expiry date and no longer applies.",
        "Waivers are time-limited on purpose: the finding it covered counts again toward the verdict and the exit code until the underlying problem is fixed or the waiver is renewed by its approver.",
        "Fix the finding, or have the approver renew the waiver with a new expiry date.",
        "Fix the finding or renew the waiver.";
    WaiverUnused = "waiver-unused", Info, advisory, Waiver,
        "A waiver matches no finding.",
        "The app was fixed, renamed or removed, or the waiver names the wrong rule or app. Stale waivers hide future problems with the same name.",
        "Remove the waiver from the file, or correct its rule or app.",
        "Remove or correct the waiver.";
}

order_by_text!(RuleId);

/// The org-wide PKCE toggle (Setup > OAuth and OpenID Connect Settings).
const ORG_PKCE: &str = "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows (Setup > OAuth and OpenID Connect Settings)";
/// The per-app PKCE checkbox: Connected App, then External Client App and its
/// security-hardening control (the control's English title is partly unconfirmed).
const APP_PKCE: &str = concat!(
    "Require Proof Key for Code Exchange (PKCE) Extension for Supported Authorization Flows (Connected App: API (Enable OAuth Settings); External Client App: ",
    super::words::eca_pkce_section!(),
    "; security control \"Security: Require Proof Key for Code Exchange (PKCE)\")"
);
/// The Auth. Provider's own PKCE option (metadata `AuthProvider.isPkceEnabled`).
const AUTH_PROVIDER_PKCE: &str =
    "Use Proof Key for Code Exchange (PKCE) Extension (Setup > Auth. Providers)";
const UN_PW: &str = "Allow OAuth Username-Password Flows (Setup > OAuth and OpenID Connect Settings; Help: \"Block Authorization Flows to Improve Security\")";
const USER_AGENT: &str = "Allow OAuth User-Agent Flows (Setup > OAuth and OpenID Connect Settings; Help: \"Block Authorization Flows to Improve Security\")";
const CODE_CREDS: &str =
    "Allow Authorization Code and Credentials Flows (Setup > OAuth and OpenID Connect Settings)";

impl RuleId {
    /// Salesforce's own names for the security controls a rule is about, so a review board
    /// recognises them (sources: the research notes, docs/rules.md). Empty when none applies.
    pub fn controls(&self) -> &'static [&'static str] {
        match self {
            RuleId::PublicClientWithoutPkce
            | RuleId::AppPkceNotRequired
            | RuleId::ManagedAppNeedsIsv
            | RuleId::SalesforceAppPkceNotRequired
            | RuleId::KnownClientWithoutPkce
            | RuleId::KnownClientSendsPkce
            | RuleId::AppPkceUnknown
            | RuleId::AppCallbackPlaceholderOnly
            | RuleId::AppCallbackSuccessPage
            | RuleId::AppCallbackSfCliOnly => &[APP_PKCE, ORG_PKCE],
            RuleId::CodeCredentialsFlowWithoutPkce => &[APP_PKCE, CODE_CREDS],
            RuleId::ExternalAppUnverified | RuleId::OrgPkceNotEnforced => &[ORG_PKCE],
            RuleId::SalesforceAuthProviderWithoutPkce => &[AUTH_PROVIDER_PKCE],
            RuleId::AppUsesUsernamePasswordFlow | RuleId::OrgUsernamePasswordFlowAllowed => {
                &[UN_PW]
            }
            RuleId::AppUsesUserAgentFlow | RuleId::OrgUserAgentFlowAllowed => &[USER_AGENT],
            RuleId::OrgCodeCredentialsFlowEnabled => &[CODE_CREDS],
            RuleId::AppUsesSoapLogin => {
                &["Use Any API Auth (user permission for SOAP API login(), Summer '26)"]
            }
            RuleId::InsecureCallbackUrl
            | RuleId::ConnectedAppLegacy
            | RuleId::AppOutsidePkceScope
            | RuleId::DormantApp
            | RuleId::WaiverExpired
            | RuleId::WaiverUnused => &[],
        }
    }

    /// The rule's description.
    pub fn rule(&self) -> &'static Rule {
        &RULES[self.index()]
    }

    /// Position in report order.
    pub fn rank(&self) -> usize {
        self.index()
    }

    /// A waiver-file rule (`waiver-expired`, `waiver-unused`).
    pub fn is_waiver(&self) -> bool {
        self.rule().scope == Scope::Waiver
    }
}

/// The rule with this public id, whatever its case (the ids are lowercase, as `fix --app`
/// takes an API name whatever its case), if this version knows it.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RuleId::known(&id.to_ascii_lowercase()).map(|id| id.rule())
}
