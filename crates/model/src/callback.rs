//! Callback (redirect) URLs, read the way a browser reads them.
//!
//! A URL is parsed with the WHATWG URL Standard (the `url` crate), never by splitting
//! strings: what counts is the host the browser would send the authorization code to.
//! `http://evil.example.com\@localhost/cb` goes to `evil.example.com` (a backslash ends
//! the authority of an http URL), `http://localhost:1717@evil.example/` to
//! `evil.example` (`localhost:1717` is a user name and password), and
//! `http://127.0.0.1.nip.io/` to a public DNS name.
//!
//! A URL that does not parse is never loopback: when it claims the `http:` scheme it is
//! reported as insecure, since nothing shows that its code stays on the machine.

use std::net::{IpAddr, Ipv6Addr};
use url::{Host, Url};

/// Hosts that never leave the machine: native apps redirect there. Only real loopback
/// addresses (127.0.0.0/8, `::1`, and `::ffff:127.x.y.z`) and the reserved `localhost`
/// names (RFC 6761: `localhost`, `*.localhost`) are; `127.attacker.example` and
/// `localhost.evil.example` are not. A trailing dot (`localhost.`) is not accepted.
///
/// `host` is a host as [`Url::host_str`] spells it (IPv6 in brackets) or bare.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => is_loopback_ip(ip),
        Err(_) => is_localhost_name(bare),
    }
}

fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => is_loopback_v6(v6),
    }
}

fn is_loopback_v6(v6: Ipv6Addr) -> bool {
    v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

fn is_localhost_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "localhost"
        || lower
            .strip_suffix(".localhost")
            .is_some_and(|label| !label.is_empty() && !label.ends_with('.'))
}

/// Where a callback URL sends the authorization code, as far as this audit cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// `https:` to any host.
    Https,
    /// `http:` to a loopback address: allowed for native apps.
    HttpLoopback,
    /// `http:` to any other host: the code crosses the network in clear text.
    HttpRemote,
    /// A custom scheme (`com.acme.app://oauth`) or another scheme: not judged here.
    Other,
    /// Not a URL by the WHATWG rules. Never loopback.
    Unparseable { claims_http: bool },
}

/// Classifies one callback URL.
pub fn classify(raw: &str) -> Callback {
    let url = match Url::parse(raw) {
        Ok(u) => u,
        Err(_) => {
            // The parser would have trimmed these; the scheme test must see what it saw.
            let trimmed = raw.trim_matches(|c: char| c <= ' ');
            let claims_http = trimmed
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("http:"));
            return Callback::Unparseable { claims_http };
        }
    };
    match url.scheme() {
        "https" => Callback::Https,
        "http" => {
            let loopback = match url.host() {
                Some(Host::Ipv4(v4)) => v4.is_loopback(),
                Some(Host::Ipv6(v6)) => is_loopback_v6(v6),
                Some(Host::Domain(d)) => is_localhost_name(d),
                None => false,
            };
            if loopback {
                Callback::HttpLoopback
            } else {
                Callback::HttpRemote
            }
        }
        _ => Callback::Other,
    }
}

/// Whether a callback URL sends the code over plain HTTP off the machine (or claims
/// `http:` and cannot be parsed, so nothing shows it does not).
pub fn is_insecure(raw: &str) -> bool {
    matches!(
        classify(raw),
        Callback::HttpRemote | Callback::Unparseable { claims_http: true }
    )
}

/// The insecure callbacks among `urls`, in their order.
pub fn insecure_callbacks(urls: &[String]) -> Vec<&str> {
    urls.iter()
        .map(String::as_str)
        .filter(|u| is_insecure(u))
        .collect()
}

crate::vocab::vocabulary! {
    /// What a callback URL says about the client that receives the authorization code.
    /// Declared from the strongest evidence of a code-flow client to the weakest is not
    /// the order: see [`CallbackClass::info`].
    pub enum CallbackClass {
        /// `http://localhost:<port>/OauthRedirect` (or 127.0.0.1), on any port: the
        /// Salesforce CLI's `sf org login web` (its port is `oauthLocalPort`, 1717 by
        /// default). It sends PKCE since `@salesforce/core` 6.7.1 / `sf` 2.33.3
        /// (forcedotcom/sfdx-core PR #1035; forcedotcom/cli release notes, 2.33.3).
        SalesforceCliLoopback = "salesforce-cli-loopback",
        /// The bare root page of a well-known site (data/placeholders.toml): nobody
        /// receives a code there.
        Placeholder = "placeholder",
        /// A path on a Salesforce host that is no page or endpoint a code can reach
        /// (`https://acme.my.salesforce.com/services/oauth2/callback`).
        SalesforceNonEndpoint = "salesforce-non-endpoint",
        /// A host no browser can reach (`https://.`, `https://`): no letter-bearing label.
        InvalidHost = "invalid-host",
        /// The root of a loopback address on a privileged port (`https://localhost`,
        /// `http://localhost:443/`): no native client listens there.
        LoopbackRoot = "loopback-root",
        /// The bare root of a `www.` home page (`https://www.acme.example`) of a domain that
        /// is no known SaaS host: weak evidence that nobody receives a code there.
        HomePage = "home-page",
        /// The canvas URL of a signed-request canvas app (`canvasConfig/accessMethod`
        /// `Post`): Salesforce POSTs a signed request there, never an authorization code.
        CanvasSignedRequest = "canvas-signed-request",
        /// Salesforce's own success page (`/services/oauth2/success`): only an
        /// embedded-browser client or a person copying the code can use it.
        SalesforceSuccessPage = "salesforce-success-page",
        /// `/services/authcallback/<name>` on a Salesforce host: a Salesforce Auth. Provider.
        AuthProvider = "auth-provider",
        /// `myapp://…`: a native or mobile client.
        CustomScheme = "custom-scheme",
        /// Another loopback redirect: a native or desktop client on the user's machine.
        Loopback = "loopback",
        /// A web host (or a URL that does not parse): someone's server-side client.
        Web = "web",
    }
}

/// How strongly callbacks show a client that runs the authorization code flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exposure {
    /// Only callbacks nobody receives a code at: most likely another flow.
    Placeholder,
    /// Only the Salesforce CLI's loopback (and placeholders): `sf`, which sends PKCE.
    SalesforceCli,
    /// Salesforce's success page (and weaker): an embedded-browser client or a person
    /// copying the code, if anyone; login history says which.
    SuccessPage,
    /// A real receiver: web, loopback, custom scheme or Auth. Provider.
    CodeFlow,
}

/// What one class means to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassInfo {
    pub exposure: Exposure,
    /// Why nobody receives a code there, for messages; `None` for a receiver.
    pub no_receiver: Option<&'static str>,
    /// A public client (consumer secret optional) whose callbacks are all of such classes
    /// may be judged on them. Only the long-standing placeholder list and the CLI
    /// loopback on a default tool port ([`TOOL_LOOPBACK_PORTS`]) qualify: the other placeholders are weaker evidence, and a public client
    /// with nobody's callback stays a blocker (issue 20).
    pub public_client_may_rely: bool,
}

impl CallbackClass {
    /// What this one callback shows; an app's exposure is the strongest of its callbacks.
    pub fn info(&self) -> ClassInfo {
        let (exposure, no_receiver, public_client_may_rely) = match self {
            CallbackClass::Placeholder => (
                Exposure::Placeholder,
                Some("the bare root page of a well-known site"),
                true,
            ),
            CallbackClass::SalesforceNonEndpoint => (
                Exposure::Placeholder,
                Some("a path on a Salesforce host that is no Auth. Provider, Visualforce, Apex REST, Lightning or site page"),
                false,
            ),
            CallbackClass::InvalidHost => (
                Exposure::Placeholder,
                Some("no valid host name"),
                false,
            ),
            CallbackClass::LoopbackRoot => (
                Exposure::Placeholder,
                Some("the root of a loopback address on a privileged port, where no native client listens"),
                false,
            ),
            CallbackClass::HomePage => (
                Exposure::Placeholder,
                Some("the bare root of a www home page (weak evidence)"),
                false,
            ),
            CallbackClass::CanvasSignedRequest => (
                Exposure::Placeholder,
                Some("the canvas URL of a signed-request canvas app: Salesforce POSTs a signed request there, not a code"),
                false,
            ),
            CallbackClass::SalesforceCliLoopback => (Exposure::SalesforceCli, None, true),
            CallbackClass::SalesforceSuccessPage => (Exposure::SuccessPage, None, false),
            CallbackClass::AuthProvider
            | CallbackClass::CustomScheme
            | CallbackClass::Loopback
            | CallbackClass::Web => (Exposure::CodeFlow, None, false),
        };
        ClassInfo {
            exposure,
            no_receiver,
            public_client_may_rely,
        }
    }

    /// The exposure this one callback shows.
    pub fn exposure(&self) -> Exposure {
        self.info().exposure
    }
}

/// One callback URL with its class, as `apps[].callbacks[]` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassifiedCallback {
    pub url: String,
    pub class: CallbackClass,
}

/// The loopback ports a public client may rely on as a tool's that sends PKCE: the
/// Salesforce CLI's default `oauthLocalPort` 1717 (forcedotcom/sfdx-core
/// src/webOAuthServer.ts) and Data Loader's 7171 (forcedotcom/dataloader AppConfig.java,
/// `DEFAULT_OAUTH_PKCE_PORT`). On another port the CLI class stays, but any program may
/// listen there, so it does not clear a public client.
pub const TOOL_LOOPBACK_PORTS: &[u16] = &[1717, 7171];

impl ClassifiedCallback {
    /// A public client (consumer secret optional) may be judged on this callback: its
    /// class allows it ([`ClassInfo::public_client_may_rely`]) and, for the CLI's
    /// loopback, it is on a default tool port ([`TOOL_LOOPBACK_PORTS`]).
    pub fn public_client_may_rely(&self) -> bool {
        let default_port = || {
            Url::parse(&self.url)
                .ok()
                .and_then(|u| u.port())
                .is_some_and(|p| TOOL_LOOPBACK_PORTS.contains(&p))
        };
        self.class.info().public_client_may_rely
            && (self.class != CallbackClass::SalesforceCliLoopback || default_port())
    }
}

/// The app's exposure: the strongest of its callbacks; `None` without callbacks.
pub fn exposure(callbacks: &[ClassifiedCallback]) -> Option<Exposure> {
    callbacks.iter().map(|c| c.class.exposure()).max()
}

/// What the app says about its callbacks beyond their URLs.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppContext<'a> {
    /// The `canvasUrl` of a canvas app whose `accessMethod` is `Post` (signed request).
    pub canvas_signed_request_url: Option<&'a str>,
}

/// Every URL of `urls` with its class, in order.
pub fn classify_all(urls: &[String], ctx: AppContext<'_>) -> Vec<ClassifiedCallback> {
    urls.iter()
        .map(|u| ClassifiedCallback {
            url: u.clone(),
            class: class_in(u, ctx),
        })
        .collect()
}

/// Host suffixes that are Salesforce's own: an Auth. Provider's callback lives there.
const SALESFORCE_HOST_SUFFIXES: &[&str] = &[
    "salesforce.com",
    "force.com",
    "salesforce-sites.com",
    "cloudforce.com",
    "database.com",
    "site.com",
    "salesforce.mil",
    "sfcrmproducts.cn",
];

#[derive(serde::Deserialize)]
struct PlaceholderFile {
    host: Vec<PlaceholderHost>,
}

/// One entry of data/placeholders.toml.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlaceholderHost {
    pub host: String,
    pub why: String,
}

/// The placeholder hosts (data/placeholders.toml), parsed once.
pub fn placeholder_hosts() -> &'static [PlaceholderHost] {
    static HOSTS: std::sync::OnceLock<Vec<PlaceholderHost>> = std::sync::OnceLock::new();
    HOSTS.get_or_init(|| {
        toml::from_str::<PlaceholderFile>(include_str!("../../../data/placeholders.toml"))
            .expect("data/placeholders.toml parses (tested)")
            .host
    })
}

/// `host` is `suffix` or a subdomain of it.
pub(crate) fn under(host: &str, suffix: &str) -> bool {
    host == suffix
        || host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// A host of Salesforce's own (`*.salesforce.com`, `*.force.com`, …).
pub fn is_salesforce_host(host: &str) -> bool {
    SALESFORCE_HOST_SUFFIXES.iter().any(|s| under(host, s))
}

/// An Auth. Provider callback's parts: `[/<site prefix>]/services/authcallback/[<orgId>/]<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCallback {
    pub name: String,
    /// The 15- or 18-character org id, when the path names the org.
    pub org_id: Option<String>,
}

/// The Auth. Provider behind a callback whose path has exactly the shape
/// `[/<site prefix>]/services/authcallback/[<orgId>/]<name>[/]`: a site path prefix (one
/// segment) only off `*.salesforce.com`, where sites live; an org id of 15 or 18 letters
/// and digits starting `00D`. Anything else (`/apex/Evil/services/authcallback/X`) is no
/// Auth. Provider's callback.
pub fn auth_provider_callback(raw: &str) -> Option<AuthCallback> {
    let url = Url::parse(raw).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let path = url.path();
    let path = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let at = segments.windows(2).position(|w| {
        w[0].eq_ignore_ascii_case("services") && w[1].eq_ignore_ascii_case("authcallback")
    })?;
    let prefix_ok = match at {
        0 => true,
        1 => !under(&host, "salesforce.com") && !segments[0].is_empty(),
        _ => false,
    };
    let org_id = |s: &str| {
        (s.len() == 15 || s.len() == 18)
            && s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("00D"))
            && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    let (org_id, name) = match &segments[at + 2..] {
        [name] => (None, *name),
        [id, name] if org_id(id) => (Some(id.to_string()), *name),
        _ => return None,
    };
    (prefix_ok && !name.is_empty()).then(|| AuthCallback {
        name: name.to_string(),
        org_id,
    })
}

/// The Auth. Provider's name in a `/services/authcallback/[<orgId>/]<name>` callback.
pub fn auth_provider_name(raw: &str) -> Option<String> {
    auth_provider_callback(raw).map(|c| c.name)
}

/// What one callback URL says about its client, on its own.
pub fn class_of(raw: &str) -> CallbackClass {
    class_in(raw, AppContext::default())
}

/// The path is nothing but slashes and there is no query: the root of the host.
fn is_root(url: &Url) -> bool {
    url.path().chars().all(|c| c == '/') && url.query().is_none()
}

/// What one callback URL says about its client, given what the app says about it.
pub fn class_in(raw: &str, ctx: AppContext<'_>) -> CallbackClass {
    let Ok(url) = Url::parse(raw) else {
        // `https://` has no host at all; anything else that does not parse might still
        // be someone's receiver once fixed, so it stays a web callback.
        return if salesforce::has_empty_authority(raw) {
            CallbackClass::InvalidHost
        } else {
            CallbackClass::Web
        };
    };
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return CallbackClass::CustomScheme;
    }
    if ctx
        .canvas_signed_request_url
        .is_some_and(|c| salesforce::same_page(&url, c))
    {
        return CallbackClass::CanvasSignedRequest;
    }
    let host = match url.host() {
        Some(Host::Domain(d)) if !d.chars().any(|c| c.is_ascii_alphabetic()) => {
            return CallbackClass::InvalidHost
        }
        Some(Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(Host::Ipv4(v4)) => v4.to_string(),
        Some(Host::Ipv6(v6)) => format!("[{v6}]"),
        None => return CallbackClass::Web,
    };
    if is_loopback_host(&host) {
        return loopback_class(&url, &host);
    }
    if is_salesforce_host(&host) && auth_provider_callback(raw).is_some() {
        return CallbackClass::AuthProvider;
    }
    let bare_root = is_root(&url) && url.port().is_none();
    if bare_root && placeholder_hosts().iter().any(|p| p.host == host) {
        return CallbackClass::Placeholder;
    }
    if let Some(class) = salesforce::class_on_salesforce_host(&url, &host) {
        return class;
    }
    if bare_root && host.starts_with("www.") && !salesforce::is_known_saas_host(&host) {
        return CallbackClass::HomePage;
    }
    CallbackClass::Web
}

/// A loopback callback: the CLI's, the root of a privileged port, or a native client's.
fn loopback_class(url: &Url, host: &str) -> CallbackClass {
    // The CLI listens on `oauthLocalPort` (sfdx-project.json, default 1717) at
    // /OauthRedirect: any port is the CLI's (forcedotcom/sfdx-core src/webOAuthServer.ts).
    let cli = url.scheme() == "http"
        && (host == "localhost" || host == "127.0.0.1")
        && url.path().eq_ignore_ascii_case("/OauthRedirect");
    if cli {
        return CallbackClass::SalesforceCliLoopback;
    }
    // Ports below 1024 need root: a native app listens on a high port (RFC 8252 §7.3).
    if is_root(url) && url.port_or_known_default().is_some_and(|p| p < 1024) {
        return CallbackClass::LoopbackRoot;
    }
    CallbackClass::Loopback
}

mod salesforce;

#[cfg(test)]
mod tests;
