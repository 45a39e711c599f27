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

#[cfg(test)]
mod tests {
    use super::*;

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
