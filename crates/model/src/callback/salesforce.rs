//! Callbacks on Salesforce's own hosts, and the other placeholder tests that need more
//! than the URL: which paths there can receive a code, and which hosts are known SaaS.
//!
//! Salesforce hosts (issue 20): `*.salesforce.com` (login, test, My Domain
//! `*.my.salesforce.com`, instances), `*.force.com` (`*.lightning.force.com`, Visualforce
//! `*.vf.force.com`, sites) and `*.visualforce.com`. A code sent there reaches only:
//! - an Auth. Provider, `/services/authcallback/<name>` (classified before this module);
//! - a Visualforce page, `/apex/<Page>`, or a classic Salesforce page (`….apexp`, such as
//!   the Dev Hub's `/environmenthub/soma-callback.apexp`);
//! - an Apex REST resource, `/services/apexrest/…`;
//! - a Lightning page or app, `/lightning/…`, `/c/<App>.app`;
//! - an Experience Cloud or Salesforce Site, which serves any path (`*.my.site.com`, and
//!   the `*.force.com` site hosts), each of the above also behind a site path prefix.
//!
//! The known non-receivers ([`is_non_receiver`]: `/`, `/services/oauth2/callback`, a REST
//! data URL, a made-up `/oauth/_callback`) are no page that could read a code: nobody
//! receives one there. Any other path may be a page, so it is a receiver. Salesforce's success
//! page, `/services/oauth2/success`, is its own class: a client with an embedded browser
//! reads the code from that page's address (the user-agent flow's documented default
//! callback; REST API Developer Guide, "Understanding the User-Agent OAuth Flow").

use super::{under, CallbackClass};
use url::Url;

/// `https://` and `http://` with nothing after: no host at all (the URL does not parse).
pub(super) fn has_empty_authority(raw: &str) -> bool {
    let t = raw.trim_matches(|c: char| c <= ' ');
    let lower = t.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    rest.split(['/', '?', '#']).next().is_none_or(str::is_empty)
}

/// The callback is the canvas URL itself: same scheme, host, port, path (a trailing slash
/// aside) and query (an empty one is none). Another path or query on the same host may
/// be the app's own OAuth receiver.
pub(super) fn same_page(url: &Url, canvas: &str) -> bool {
    let Ok(c) = Url::parse(canvas) else {
        return false;
    };
    let path = |u: &Url| u.path().trim_end_matches('/').to_ascii_lowercase();
    let query = |u: &Url| u.query().filter(|q| !q.is_empty()).map(str::to_string);
    url.scheme() == c.scheme()
        && url.host_str().map(str::to_ascii_lowercase) == c.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == c.port_or_known_default()
        && path(url) == path(&c)
        && query(url) == query(&c)
}

/// The hosts of Salesforce's apps, Visualforce and content: not sites.
const NOT_SITES: &[&str] = &[
    "lightning.force.com",
    "vf.force.com",
    "visual.force.com",
    "file.force.com",
    "content.force.com",
    "documentforce.com",
];

/// The class of a callback on a Salesforce host (`None` when the host is not one).
pub(super) fn class_on_salesforce_host(url: &Url, host: &str) -> Option<CallbackClass> {
    let sf = under(host, "salesforce.com");
    let force = under(host, "force.com");
    if !(sf || force || under(host, "visualforce.com")) {
        return None;
    }
    let segments = page_segments(url.path());
    if host != "www.salesforce.com" && segments == ["services", "oauth2", "success"] {
        return Some(CallbackClass::SalesforceSuccessPage);
    }
    // A `*.force.com` site serves any path; the bare domain and `www` are no site.
    let site = force
        && !matches!(host, "force.com" | "www.force.com")
        && !NOT_SITES.iter().any(|s| under(host, s));
    if site || !is_non_receiver(&segments) {
        return Some(CallbackClass::Web);
    }
    Some(CallbackClass::SalesforceNonEndpoint)
}

/// The path's segments as Salesforce reads them: unreserved characters percent-decoded
/// (`%61pex` is `apex`), `;` parameters dropped (`apex;x=1`), empty segments skipped,
/// lower case. What is left encoded (`%2F`) stays so: no page name holds it.
pub(super) fn page_segments(path: &str) -> Vec<String> {
    path.split('/')
        .map(|s| decode_unreserved(s.split(';').next().unwrap_or("")).to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `%XX` of an unreserved character (RFC 3986 §2.3) decoded; every other byte kept.
fn decode_unreserved(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(c) if b[i] == b'%' && (c.is_ascii_alphanumeric() || b"-._~".contains(&c)) => {
                out.push(c);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    // Only ASCII bytes were decoded into whole UTF-8 text: nothing is lost.
    String::from_utf8_lossy(&out).into_owned()
}

/// The paths on a Salesforce host known to reach nothing that reads a code; any other
/// path may be a page (a Visualforce, Lightning, Aura or flow page, a namespaced app) and
/// is a receiver. Known non-receivers:
/// - the root (`/`, with or without a query): the login page or a redirect to it;
/// - `/services/…` but Apex REST (`/services/apexrest/…`) and Auth. Providers
///   (`/services/authcallback…`): Salesforce's own OAuth, REST and SOAP endpoints;
/// - `/secur/…` (login and logout) and `/apexrest/…` (Apex REST lives under `/services`);
/// - a made-up OAuth callback (`/RestTest/oauth/_callback`): a segment naming `oauth` or
///   `callback` with no page prefix or page extension, which Salesforce serves nowhere.
fn is_non_receiver(segments: &[String]) -> bool {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let page = |s: &[&str]| {
        matches!(s, ["apex" | "lightning" | "c" | "flow", _, ..])
            || s.last().is_some_and(|l| {
                [".apexp", ".app", ".page", ".cmp"]
                    .iter()
                    .any(|e| l.ends_with(e))
            })
    };
    // A page also behind one site path prefix (`/partners/apex/Login`).
    if page(&s) || s.get(1..).is_some_and(page) {
        return false;
    }
    match s.as_slice() {
        [] => true,
        ["services", "apexrest", ..] | ["services", "authcallback", ..] => false,
        [_, "services", "apexrest", ..] | [_, "services", "authcallback", ..] => false,
        ["services", ..] | ["secur", ..] | ["apexrest", ..] => true,
        _ => s
            .iter()
            .any(|seg| seg.contains("oauth") || seg.contains("callback")),
    }
}

/// A host (or its domain) that a catalogue client receives codes at (data/clients.toml
/// `callback_patterns`): its home page is no placeholder.
pub(super) fn is_known_saas_host(host: &str) -> bool {
    let bare = host.strip_prefix("www.").unwrap_or(host);
    crate::clients::catalogue()
        .iter()
        .flat_map(|c| &c.callback_patterns)
        .filter_map(|p| pattern_host(p))
        .any(|h| under(bare, h) || under(h, bare))
}

/// The fixed host part of a callback pattern (`https://*.example.com/cb` → `example.com`);
/// `None` when the pattern leaves the host open (`*/cb`).
fn pattern_host(pattern: &str) -> Option<&str> {
    let rest = pattern.split_once("://")?.1;
    let host = rest.split(['/', ':']).next()?;
    let host = host.strip_prefix("*.").unwrap_or(host);
    (!host.is_empty() && !host.contains('*')).then_some(host)
}
