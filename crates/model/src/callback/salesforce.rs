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
//! Anything else there (`/services/oauth2/callback`, `/services/oauth2/token`, `/`, a REST
//! data URL) is no page that could read a code: nobody receives one. Salesforce's success
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

/// The callback is the canvas URL itself: same scheme, host, port and path (a trailing
/// slash aside). Another path on the same host may be the app's own OAuth receiver.
pub(super) fn same_page(url: &Url, canvas: &str) -> bool {
    let Ok(c) = Url::parse(canvas) else {
        return false;
    };
    let path = |u: &Url| u.path().trim_end_matches('/').to_ascii_lowercase();
    url.scheme() == c.scheme()
        && url.host_str().map(str::to_ascii_lowercase) == c.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == c.port_or_known_default()
        && path(url) == path(&c)
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
    let path = url.path().trim_end_matches('/').to_ascii_lowercase();
    if sf && host != "www.salesforce.com" && path == "/services/oauth2/success" {
        return Some(CallbackClass::SalesforceSuccessPage);
    }
    // A `*.force.com` site serves any path; the bare domain and `www` are no site.
    let site = force
        && !matches!(host, "force.com" | "www.force.com")
        && !NOT_SITES.iter().any(|s| under(host, s));
    if site || can_receive(&path) {
        return Some(CallbackClass::Web);
    }
    Some(CallbackClass::SalesforceNonEndpoint)
}

/// A path (lower case) that reaches a page or resource that can read a code, directly or
/// behind one site path prefix (`/partners/apex/Login`).
fn can_receive(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.last().is_some_and(|s| s.ends_with(".apexp"))
        || path.contains("/services/authcallback")
    {
        return true;
    }
    let reaches = |s: &[&str]| {
        matches!(
            s,
            ["apex" | "lightning" | "c", _, ..] | ["services", "apexrest", ..]
        )
    };
    reaches(&segments) || segments.get(1..).is_some_and(reaches)
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
