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
    /// the order: see [`CallbackClass::exposure`].
    pub enum CallbackClass {
        /// `http://localhost:1717/OauthRedirect` (or 127.0.0.1): the Salesforce CLI's
        /// `sf org login web`. It sends PKCE since `@salesforce/core` 6.7.1 / `sf` 2.33.3
        /// (forcedotcom/sfdx-core PR #1035; forcedotcom/cli release notes, 2.33.3).
        SalesforceCliLoopback = "salesforce-cli-loopback",
        /// The bare root page of a well-known site (data/placeholders.toml): nobody
        /// receives a code there.
        Placeholder = "placeholder",
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
    /// Only placeholders: most likely another flow.
    Placeholder,
    /// Only the Salesforce CLI's loopback (and placeholders): `sf`, which sends PKCE.
    SalesforceCli,
    /// A real receiver: web, loopback, custom scheme or Auth. Provider.
    CodeFlow,
}

impl CallbackClass {
    /// The exposure this one callback shows; an app's is the strongest of its callbacks.
    pub fn exposure(&self) -> Exposure {
        match self {
            CallbackClass::Placeholder => Exposure::Placeholder,
            CallbackClass::SalesforceCliLoopback => Exposure::SalesforceCli,
            CallbackClass::AuthProvider
            | CallbackClass::CustomScheme
            | CallbackClass::Loopback
            | CallbackClass::Web => Exposure::CodeFlow,
        }
    }
}

/// One callback URL with its class, as `apps[].callbacks[]` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClassifiedCallback {
    pub url: String,
    pub class: CallbackClass,
}

/// The app's exposure: the strongest of its callbacks; `None` without callbacks.
pub fn exposure(callbacks: &[ClassifiedCallback]) -> Option<Exposure> {
    callbacks.iter().map(|c| c.class.exposure()).max()
}

/// Every URL of `urls` with its class, in order.
pub fn classify_all(urls: &[String]) -> Vec<ClassifiedCallback> {
    urls.iter()
        .map(|u| ClassifiedCallback {
            url: u.clone(),
            class: class_of(u),
        })
        .collect()
}

/// The Salesforce CLI's documented loopback port (`oauthLocalPort`, default 1717).
const SF_CLI_PORT: u16 = 1717;

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

/// A host of Salesforce's own (`*.salesforce.com`, `*.force.com`, …).
pub fn is_salesforce_host(host: &str) -> bool {
    SALESFORCE_HOST_SUFFIXES
        .iter()
        .any(|s| host == *s || host.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
}

/// The Auth. Provider's name in a `/services/authcallback/…` path (its last segment).
pub fn auth_provider_name(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    let path = url.path();
    let i = path.to_ascii_lowercase().find("/services/authcallback/")?;
    path[i + "/services/authcallback/".len()..]
        .split('/')
        .rfind(|s| !s.is_empty())
        .map(str::to_string)
}

/// What one callback URL says about its client.
pub fn class_of(raw: &str) -> CallbackClass {
    let Ok(url) = Url::parse(raw) else {
        return CallbackClass::Web;
    };
    let scheme = url.scheme();
    if scheme != "http" && scheme != "https" {
        return CallbackClass::CustomScheme;
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(Host::Ipv4(v4)) => v4.to_string(),
        Some(Host::Ipv6(v6)) => format!("[{v6}]"),
        None => return CallbackClass::Web,
    };
    if is_loopback_host(&host) {
        let cli = scheme == "http"
            && (host == "localhost" || host == "127.0.0.1")
            && url.port() == Some(SF_CLI_PORT)
            && url.path().eq_ignore_ascii_case("/OauthRedirect");
        return if cli {
            CallbackClass::SalesforceCliLoopback
        } else {
            CallbackClass::Loopback
        };
    }
    if is_salesforce_host(&host)
        && url
            .path()
            .to_ascii_lowercase()
            .contains("/services/authcallback/")
        && auth_provider_name(raw).is_some()
    {
        return CallbackClass::AuthProvider;
    }
    let bare_root = matches!(url.path(), "" | "/") && url.query().is_none();
    if bare_root && url.port().is_none() && placeholder_hosts().iter().any(|p| p.host == host) {
        return CallbackClass::Placeholder;
    }
    CallbackClass::Web
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_data_parses_and_is_lower_case() {
        let hosts = placeholder_hosts();
        assert!(hosts.len() >= 8);
        for h in hosts {
            assert_eq!(h.host, h.host.to_ascii_lowercase());
            assert!(!h.why.trim().is_empty(), "{}", h.host);
        }
    }

    #[test]
    fn callback_classes() {
        use CallbackClass::*;
        let cases: &[(&str, CallbackClass)] = &[
            ("http://localhost:1717/OauthRedirect", SalesforceCliLoopback),
            ("http://127.0.0.1:1717/OauthRedirect", SalesforceCliLoopback),
            ("http://localhost:1717/oauthredirect", SalesforceCliLoopback),
            ("http://localhost:1718/OauthRedirect", Loopback),
            ("http://localhost:8080/callback", Loopback),
            ("http://[::1]:1717/OauthRedirect", Loopback),
            ("https://google.co.in", Placeholder),
            ("https://www.google.com/", Placeholder),
            ("https://www.salesforce.com", Placeholder),
            ("https://login.salesforce.com", Placeholder),
            ("https://test.salesforce.com/", Placeholder),
            ("http://example.com", Placeholder),
            // A real path, a query or a port is someone's receiver.
            ("https://www.google.com/oauth/callback", Web),
            ("https://login.salesforce.com/?x=1", Web),
            ("https://app.example.com/oauth/callback", Web),
            ("https://example.com:8443/", Web),
            (
                "https://acme.my.salesforce.com/services/authcallback/Partner_Org",
                AuthProvider,
            ),
            (
                "https://login.salesforce.com/services/authcallback/00D000000000001/Okta",
                AuthProvider,
            ),
            (
                "https://acme.my.site.com/partners/services/authcallback/Hub",
                AuthProvider,
            ),
            // Not a Salesforce host: someone imitating the path.
            ("https://evil.example/services/authcallback/X", Web),
            ("https://notsalesforce.com/services/authcallback/X", Web),
            ("myapp://oauth/done", CustomScheme),
            ("sfdc://success", CustomScheme),
            ("https://app.acme.example/cb", Web),
            ("http://reports.example.com/cb", Web),
            ("http://exa mple.com/cb", Web),
        ];
        for (url, want) in cases {
            assert_eq!(class_of(url), *want, "{url}");
        }
        assert_eq!(
            auth_provider_name(
                "https://login.salesforce.com/services/authcallback/00D000000000001/Okta"
            ),
            Some("Okta".into())
        );
    }

    #[test]
    fn exposure_is_the_strongest_callback() {
        let of = |urls: &[&str]| {
            exposure(&classify_all(
                &urls.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
            ))
        };
        assert_eq!(of(&[]), None);
        assert_eq!(of(&["https://www.google.com"]), Some(Exposure::Placeholder));
        assert_eq!(
            of(&[
                "https://www.google.com",
                "http://localhost:1717/OauthRedirect"
            ]),
            Some(Exposure::SalesforceCli)
        );
        assert_eq!(
            of(&[
                "http://localhost:1717/OauthRedirect",
                "https://app.acme.example/cb"
            ]),
            Some(Exposure::CodeFlow)
        );
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "app.localhost",
            "127.0.0.1",
            "127.0.0.2",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "",
            "127.attacker.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost.",
            ".localhost",
            "x..localhost",
            "evil-localhost",
            "[::2]",
            "10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn hosts_are_what_a_browser_would_contact() {
        use Callback::*;
        let cases: &[(&str, Callback)] = &[
            ("http://localhost:1717/OauthRedirect", HttpLoopback),
            ("http://127.0.0.1/cb", HttpLoopback),
            ("http://[::1]:8080/cb", HttpLoopback),
            ("http://app.localhost/cb", HttpLoopback),
            ("HTTP://LOCALHOST/cb", HttpLoopback),
            // IPv4 in other notations is still 127.0.0.1 to a browser.
            ("http://0x7f.1/cb", HttpLoopback),
            ("http://2130706433/cb", HttpLoopback),
            // A backslash ends the authority of an http URL: the host is evil.example.com.
            ("http://evil.example.com\\@localhost/cb", HttpRemote),
            ("http://localhost.evil.example/", HttpRemote),
            ("http://127.0.0.1.nip.io/", HttpRemote),
            // User info is not the host.
            ("http://[::1]@evil/", HttpRemote),
            ("http://localhost:1717@evil.example/", HttpRemote),
            ("http://user@evil.example.com/cb", HttpRemote),
            ("http://127.attacker.example/cb", HttpRemote),
            ("http://localhost%2eevil.example/cb", HttpRemote),
            ("http:evil.example.com/cb", HttpRemote),
            ("http://reports.example.com/cb", HttpRemote),
            ("HTTP://Example.com:8080", HttpRemote),
            ("https://secure.example.com", Https),
            ("https://localhost/cb", Https),
            ("com.acme.app://oauth", Other),
            ("sfdc://success", Other),
            // Not URLs: never loopback; an http: one is reported.
            ("http://exa mple.com/cb", Unparseable { claims_http: true }),
            ("http://[::1/cb", Unparseable { claims_http: true }),
            (
                "http://localhost:99999/cb",
                Unparseable { claims_http: true },
            ),
            ("  http://", Unparseable { claims_http: true }),
            ("localhost/cb", Unparseable { claims_http: false }),
            ("", Unparseable { claims_http: false }),
        ];
        for (url, want) in cases {
            assert_eq!(classify(url), *want, "{url}");
        }
    }

    #[test]
    fn insecure_ones_are_listed_in_order() {
        let urls: Vec<String> = [
            "https://ok.example.com/cb",
            "http://evil.example.com\\@localhost/cb",
            "http://localhost/cb",
            "http://exa mple.com/cb",
            "com.acme.app://oauth",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            insecure_callbacks(&urls),
            [
                "http://evil.example.com\\@localhost/cb",
                "http://exa mple.com/cb"
            ]
        );
    }
}
