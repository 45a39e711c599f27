//! Who runs an app's client: this org's own domains, clients at outside hosts, and the
//! Auth. Providers of this org that some callback points at (issue 20).
//!
//! The org's own domains are its hosts (live: the instance URL's host, which is the My
//! Domain host when the org has one), the registrable domain of the app's `contactEmail`,
//! and the `org_domains` list of pkce-audit.toml. A callback that can receive a code on a
//! public host outside them is someone else's server: yours on another domain, or a
//! vendor's. Only that person can make the client send PKCE.

use super::{App, AppKind, Owner};
use crate::callback::{self, CallbackClass, Exposure};
use serde::{Deserialize, Serialize};

/// This org's hosts and domains, as far as the audit knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnDomains {
    /// Hosts of this org, compared exactly (live: the instance URL's host). Empty for a
    /// folder without a snapshot: nothing shows which host is this org's.
    pub hosts: Vec<String>,
    /// `org_domains` of pkce-audit.toml: each domain and its subdomains.
    pub domains: Vec<String>,
}

impl OwnDomains {
    /// Whether `host` is this org's: one of its hosts, or within one of its domains
    /// (`extra`: the app's contact-email domain).
    fn owns(&self, host: &str, extra: Option<&str>) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || self
                .domains
                .iter()
                .map(String::as_str)
                .chain(extra)
                .any(|d| within(host, d))
    }

    /// Whether `host` is one of this org's hosts (not merely in one of its domains).
    pub fn is_org_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// `host` is `domain` or one of its subdomains.
fn within(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.to_ascii_lowercase(), domain.to_ascii_lowercase());
    let domain = domain.trim_end_matches('.');
    !domain.is_empty() && callback::under(&host, domain)
}

/// Two-label public suffixes under which a registrable domain has three labels. Not the
/// Public Suffix List: an approximation that covers the common country second levels.
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp", "co.in",
    "com.br", "com.cn", "co.za", "com.mx", "com.sg", "co.kr", "com.tr", "com.ar",
];

/// The registrable domain of a host or e-mail domain (`mail.acme.co.uk` → `acme.co.uk`);
/// `None` for a name without a dot.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let last_two = labels[labels.len() - 2..].join(".");
    let keep = if TWO_LABEL_SUFFIXES.contains(&last_two.as_str()) {
        3
    } else {
        2
    };
    (labels.len() >= keep).then(|| labels[labels.len() - keep..].join("."))
}

/// The registrable domain of an app's contact e-mail.
fn contact_domain(app: &App) -> Option<String> {
    let email = app.contact_email.as_deref()?;
    let (_, domain) = email.trim().rsplit_once('@')?;
    registrable_domain(domain)
}

/// The client of an app whose every callback that can receive a code is on a public
/// host outside the org's own domains, or that the catalogue recognises by its callbacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutsideClient {
    /// The hosts, sorted and once each.
    pub hosts: Vec<String>,
    /// The catalogue entry (data/clients.toml) that recognises the client, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<String>,
}

/// A public DNS name: at least two labels of letters, digits and hyphens, the last one
/// with a letter. IP addresses, single labels and template hosts (`{INSTANCE}.herokuapp.com`)
/// are no public host.
fn public_host(url: &url::Url) -> Option<String> {
    let url::Host::Domain(d) = url.host()? else {
        return None;
    };
    let d = d.to_ascii_lowercase();
    let labels: Vec<&str> = d.trim_end_matches('.').split('.').collect();
    let ldh = |l: &&str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let last = labels.last()?;
    (labels.len() >= 2 && labels.iter().all(ldh) && last.chars().any(|c| c.is_ascii_alphabetic()))
        .then_some(d)
}

/// The app's outside client, if it has one. Only this org's apps (owner `org`) are
/// judged: a package's or another org's client is already someone else's.
pub fn outside_client(app: &App, own: &OwnDomains) -> Option<OutsideClient> {
    if app.owner != Owner::Org || app.kind == AppKind::External {
        return None;
    }
    let code: Vec<_> = app
        .callbacks
        .iter()
        .filter(|c| c.class.exposure() == Exposure::CodeFlow)
        .collect();
    if code.is_empty() {
        return None;
    }
    let mut hosts = Vec::new();
    for c in &code {
        if c.class != CallbackClass::Web {
            return None;
        }
        let host = url::Url::parse(&c.url)
            .ok()
            .as_ref()
            .and_then(public_host)?;
        if callback::is_salesforce_host(&host) {
            return None;
        }
        hosts.push(host);
    }
    hosts.sort();
    hosts.dedup();
    // The catalogue's recognition (every callback matches one entry) outweighs a contact
    // e-mail: a vendor's setup guide often has its support address put there.
    // A pattern open to any host (n8n's) recognises no host as the vendor's.
    let by_callbacks = crate::clients::find_by_callbacks(&app.callback_urls);
    let contact = contact_domain(app);
    if !by_callbacks.is_some_and(|m| m.by_callbacks)
        && hosts.iter().any(|h| own.owns(h, contact.as_deref()))
    {
        return None;
    }
    // Else the catalogue may know it by its label (an outside host is someone's).
    let catalogue = by_callbacks
        .or_else(|| crate::clients::find(&app.name, app.label.as_deref(), &[]))
        .map(|m| m.client);
    Some(OutsideClient {
        hosts,
        catalogue: catalogue.map(|c| c.id.clone()),
    })
}

/// An Auth. Provider of this org, as read (folder or live).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthProviderInfo {
    /// The provider's API name (`authproviders/<name>.authprovider-meta.xml`).
    pub name: String,
    pub provider_type: Option<String>,
    /// `isPkceEnabled`; `None` when absent (default false).
    pub is_pkce_enabled: Option<bool>,
    pub location: Option<super::Location>,
}

/// What is known of the Auth. Provider behind one callback of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderState {
    /// Read: `isPkceEnabled` true.
    PkceEnabled,
    /// Read: `isPkceEnabled` false or absent.
    PkceOff { explicit: bool },
    /// The callback's host is this org's, but no provider of that name was read (not in
    /// the folder, or not readable: the problems say why).
    NotRead,
    /// The callback is on another org's host, or nothing shows the host is this org's.
    OtherOrg,
}

/// One `/services/authcallback/[<orgId>/]<name>` callback of an app, with its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLink {
    pub url: String,
    pub name: String,
    pub host: String,
    pub state: ProviderState,
    /// Folder audits: the host was taken for this org's because the provider is in the
    /// folder (nothing else shows which org a host is).
    pub assumed_host: bool,
}

/// The Auth. Provider callbacks of an app with what is known of each provider. A
/// callback belongs to this org when its host is one of the org's hosts (live, or a
/// snapshot's) or within `org_domains`. With no host known (a folder), it is assumed to
/// be this org's when a provider of that name is in the folder and every Auth. Provider
/// callback of the app is on that one host: callbacks on two hosts show that at least
/// one is another org's, and nothing says which.
pub fn provider_links(
    app: &App,
    providers: &[AuthProviderInfo],
    own: &OwnDomains,
) -> Vec<ProviderLink> {
    let candidates: Vec<(&String, String, String)> = app
        .callback_urls
        .iter()
        .filter_map(|u| {
            let name = callback::auth_provider_name(u)?;
            let host = url::Url::parse(u).ok()?.host_str()?.to_ascii_lowercase();
            // A Salesforce host, or this org's own host (a test org's may be any host).
            (own.owns(&host, None) || callback::class_of(u) == CallbackClass::AuthProvider)
                .then_some((u, name, host))
        })
        .collect();
    let one_host = candidates.windows(2).all(|w| w[0].2 == w[1].2);
    let folder = own.hosts.is_empty();
    candidates
        .into_iter()
        .map(|(u, name, host)| {
            let on_org_host = own.owns(&host, None);
            let found = providers
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&name));
            let assumed_host = !on_org_host && folder && one_host && found.is_some();
            let state = match (on_org_host || assumed_host, found) {
                (false, _) => ProviderState::OtherOrg,
                (true, None) => ProviderState::NotRead,
                (true, Some(p)) => match p.is_pkce_enabled {
                    Some(true) => ProviderState::PkceEnabled,
                    Some(false) => ProviderState::PkceOff { explicit: true },
                    None => ProviderState::PkceOff { explicit: false },
                },
            };
            ProviderLink {
                url: u.clone(),
                name,
                host,
                state,
                assumed_host,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("mail.acme.com").as_deref(),
            Some("acme.com")
        );
        assert_eq!(
            registrable_domain("acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(
            registrable_domain("x.acme.co.uk").as_deref(),
            Some("acme.co.uk")
        );
        assert_eq!(registrable_domain("localhost"), None);
        assert_eq!(registrable_domain("a..b"), None);
    }

    #[test]
    fn public_hosts_are_dns_names() {
        let host = |u: &str| public_host(&url::Url::parse(u).unwrap());
        assert_eq!(
            host("https://App.Vendor.example/cb").as_deref(),
            Some("app.vendor.example")
        );
        assert_eq!(host("https://{HEROKUINSTANCE}.herokuapp.com/cb"), None);
        assert_eq!(host("https://10.0.0.1/cb"), None);
        assert_eq!(host("https://intranet/cb"), None);
        assert_eq!(
            host("https://xn--bcher-kva.example/cb").as_deref(),
            Some("xn--bcher-kva.example")
        );
    }

    fn app_with(callbacks: &[&str]) -> App {
        serde_json::from_value(serde_json::json!({
            "name": "A", "kind": "connected-app", "owner": "org",
            "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
            "callback_urls": callbacks, "files": [],
        }))
        .unwrap()
    }

    /// Review of issue 20, finding 5: the folder assumption needs the one host and the
    /// exact Auth. Provider path.
    #[test]
    fn a_folder_provider_is_assumed_only_on_one_host() {
        let prov = [AuthProviderInfo {
            name: "Prov".into(),
            provider_type: Some("Salesforce".into()),
            is_pkce_enabled: Some(true),
            location: None,
        }];
        let states = |urls: &[&str], own: &OwnDomains| -> Vec<(ProviderState, bool)> {
            provider_links(&app_with(urls), &prov, own)
                .into_iter()
                .map(|l| (l.state, l.assumed_host))
                .collect()
        };
        let folder = OwnDomains::default();
        assert_eq!(
            states(
                &["https://acme.my.salesforce.com/services/authcallback/Prov"],
                &folder
            ),
            [(ProviderState::PkceEnabled, true)]
        );
        assert_eq!(
            states(
                &[
                    "https://acme.my.salesforce.com/services/authcallback/Prov",
                    "https://othercorp.my.salesforce.com/services/authcallback/Prov",
                ],
                &folder
            ),
            [
                (ProviderState::OtherOrg, false),
                (ProviderState::OtherOrg, false)
            ]
        );
        for url in [
            "https://login.salesforce.com/services/authcallback/00D000000000OTHER/Prov",
            "https://acme.my.salesforce.com/apex/Evil/services/authcallback/Prov",
        ] {
            assert_eq!(states(&[url], &folder), [], "{url}");
        }
        // org_domains names the org's host: no assumption needed, on any number of hosts.
        let own = OwnDomains {
            hosts: vec![],
            domains: vec!["acme.my.salesforce.com".into()],
        };
        assert_eq!(
            states(
                &[
                    "https://acme.my.salesforce.com/services/authcallback/Prov",
                    "https://othercorp.my.salesforce.com/services/authcallback/Prov",
                ],
                &own
            ),
            [
                (ProviderState::PkceEnabled, false),
                (ProviderState::OtherOrg, false)
            ]
        );
    }

    #[test]
    fn own_domains_cover_subdomains_only() {
        let own = OwnDomains {
            hosts: vec!["acme.my.salesforce.com".into()],
            domains: vec!["acme.example".into()],
        };
        assert!(own.owns("acme.example", None));
        assert!(own.owns("app.acme.example", None));
        assert!(!own.owns("notacme.example", None));
        assert!(own.owns("ACME.my.salesforce.com", None));
        assert!(own.owns("crm.partner.example", Some("partner.example")));
        assert!(!own.owns("vendor.example", Some("partner.example")));
    }
}
