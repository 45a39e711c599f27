//! The catalogue of well-known OAuth clients (data/clients.toml): how to recognise each,
//! who owns it, and what it does about PKCE, with a public source per entry.
//!
//! Metadata apps and apps known only from usage evidence that match an entry are judged by
//! it: a client known to send PKCE does not block, one known not to send it blocks with its
//! vendor named. See docs/clients.md to add an entry.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

crate::vocab::vocabulary! {
    /// What a client's current release does on the authorize request.
    pub enum ClientPkce {
        Sends = "sends",
        DoesNotSend = "does-not-send",
        Unknown = "unknown",
    }
}

crate::vocab::vocabulary! {
    /// Who makes a client: Salesforce, or a vendor (named in the entry's `vendor`).
    pub enum ClientOwner {
        Salesforce = "salesforce",
        Vendor = "vendor",
    }
}

/// One well-known client. Keys the tool does not use (`sources`, `history`, `found`, …)
/// stay in the file for the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub owner: ClientOwner,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Exact app labels (case-insensitive).
    #[serde(default)]
    pub labels: Vec<String>,
    /// Globs (`*` = any run of characters) on the label or API name.
    #[serde(default)]
    pub label_patterns: Vec<String>,
    /// Globs on callback URLs.
    #[serde(default)]
    pub callback_patterns: Vec<String>,
    pub pkce: ClientPkce,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_date: Option<String>,
    pub flows: Vec<String>,
    pub source: String,
    /// What the admin should do about this client's PKCE, for remediations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    pub notes: String,
    /// Some of the entry could not be confirmed in a primary source.
    #[serde(default)]
    pub unconfirmed: bool,
}

impl Client {
    /// Who to ask: the vendor, or Salesforce.
    pub fn who(&self) -> &str {
        match (self.owner, self.vendor.as_deref()) {
            (ClientOwner::Vendor, Some(v)) => v,
            (ClientOwner::Vendor, None) | (ClientOwner::Salesforce, _) => "Salesforce",
        }
    }

    /// "Salesforce CLI (sf / sfdx) … sends PKCE since 2.33.3 (source: …)", for messages.
    pub fn citation(&self) -> String {
        let since = self
            .since_version
            .as_deref()
            .map(|v| format!(" since {v}"))
            .unwrap_or_default();
        let unconfirmed = if self.unconfirmed {
            " (entry partly UNCONFIRMED)"
        } else {
            ""
        };
        format!(
            "known client '{}' (catalogue entry `{}`): {}{since}{unconfirmed}; source: {}",
            self.name,
            self.id,
            match self.pkce {
                ClientPkce::Sends => "sends PKCE",
                ClientPkce::DoesNotSend => "does not send PKCE",
                ClientPkce::Unknown => "PKCE behaviour unknown",
            },
            self.source
        )
    }

    fn matches_label(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
            || self.label_patterns.iter().any(|p| glob(p, label))
    }

    /// How well every one of `callbacks` fits this entry's patterns: the weakest fit;
    /// `No` for no callbacks.
    fn callbacks_fit(&self, callbacks: &[String]) -> Fit {
        callbacks
            .iter()
            .map(|u| {
                self.callback_patterns
                    .iter()
                    .map(|p| pattern_fit(p, u))
                    .max()
                    .unwrap_or(Fit::No)
            })
            .min()
            .unwrap_or(Fit::No)
    }
}

/// An app matched to a catalogue entry, and what the match proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub client: &'static Client,
    /// The entry's PKCE behaviour as far as this match shows it: a label (anyone can name
    /// an app `Workbench`) or a pattern that leaves the host or port open (n8n on any host,
    /// the CLI on any port) never shows `sends`; it is `unknown` then.
    pub pkce: ClientPkce,
    /// Every callback fits the entry's patterns at a fixed scheme, host and port.
    pub by_callbacks: bool,
}

impl Match {
    fn new(client: &'static Client, proven: bool, by_callbacks: bool) -> Match {
        let pkce = match client.pkce {
            ClientPkce::Sends if !proven => ClientPkce::Unknown,
            p @ (ClientPkce::Sends | ClientPkce::DoesNotSend | ClientPkce::Unknown) => p,
        };
        Match {
            client,
            pkce,
            by_callbacks,
        }
    }

    /// The same match with `sends` unproven: for a public client only the callbacks prove it.
    pub fn unless_by_callbacks(self) -> Match {
        Match::new(self.client, self.by_callbacks, self.by_callbacks)
    }
}

#[derive(Deserialize)]
struct File {
    schema: u32,
    client: Vec<Client>,
}

/// The catalogue, parsed once from the embedded data/clients.toml.
pub fn catalogue() -> &'static [Client] {
    static CLIENTS: OnceLock<Vec<Client>> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let f: File = toml::from_str(include_str!("../../../data/clients.toml"))
            .expect("data/clients.toml parses (tested)");
        debug_assert_eq!(f.schema, 1);
        f.client
    })
}

/// The entry an app matches: by label or API name when its callbacks are that client's
/// too, else by its callbacks, else by label alone. A label alone proves `sends` only for
/// an app without callbacks (usage evidence of another org's app); beside callbacks that
/// are not the client's it is `unknown`.
pub fn find(name: &str, label: Option<&str>, callbacks: &[String]) -> Option<Match> {
    let labelled = catalogue()
        .iter()
        .find(|c| label.is_some_and(|l| c.matches_label(l)) || c.matches_label(name));
    if let Some(c) = labelled.filter(|c| c.callbacks_fit(callbacks) == Fit::Exact) {
        return Some(Match::new(c, true, true));
    }
    find_by_callbacks(callbacks)
        .or_else(|| labelled.map(|c| Match::new(c, callbacks.is_empty(), false)))
}

/// The entry whose callback patterns match every one of `callbacks` (none for no
/// callbacks), at fixed hosts and ports before open ones: the catalogue recognising a
/// client by where it receives the code.
pub fn find_by_callbacks(callbacks: &[String]) -> Option<Match> {
    let all = catalogue();
    let exact = all
        .iter()
        .find(|c| c.callbacks_fit(callbacks) == Fit::Exact);
    match exact {
        Some(c) => Some(Match::new(c, true, true)),
        None => all
            .iter()
            .find(|c| c.callbacks_fit(callbacks) == Fit::Open)
            .map(|c| Match::new(c, false, false)),
    }
}

/// How a callback URL fits one pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    No,
    /// The pattern leaves the host (`*/cb`) or the port (`localhost:*`) open: anyone's
    /// server, or any program on the machine, may be there.
    Open,
    /// Scheme, host and port as the pattern fixes them.
    Exact,
}

/// Fits a callback pattern on the URL as a browser parses it (WHATWG), part by part:
/// the scheme; the host label by label (`*` = exactly one label); the port (none = the
/// scheme's default, `*` = any); the path as a glob. A URL with a user name or password
/// fits nothing: `http://localhost:1717@evil.example/` goes to `evil.example`.
fn pattern_fit(pattern: &str, raw: &str) -> Fit {
    let Ok(url) = url::Url::parse(raw) else {
        return Fit::No;
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Fit::No;
    }
    let Some((scheme, rest)) = pattern.split_once("://") else {
        // `*/path`: any web host.
        let open_path = pattern.strip_prefix('*').filter(|p| p.starts_with('/'));
        let web = matches!(url.scheme(), "http" | "https");
        return match open_path {
            Some(p) if web && glob(p, url.path()) => Fit::Open,
            _ => Fit::No,
        };
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_fits = url.host_str().is_some_and(|h| {
        let (want, got): (Vec<&str>, Vec<&str>) =
            (host.split('.').collect(), h.split('.').collect());
        want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| !g.is_empty() && (*w == "*" || w.eq_ignore_ascii_case(g)))
    });
    if !url.scheme().eq_ignore_ascii_case(scheme) || !host_fits || !glob(path, url.path()) {
        return Fit::No;
    }
    let open = host == "*" && matches!(url.scheme(), "http" | "https");
    match port {
        None if url.port().is_none() => {
            if open {
                Fit::Open
            } else {
                Fit::Exact
            }
        }
        Some("*") => Fit::Open,
        Some(p) if p.parse::<u16>().ok() == url.port_or_known_default() => {
            if open {
                Fit::Open
            } else {
                Fit::Exact
            }
        }
        _ => Fit::No,
    }
}

/// A glob with `*` for any run of characters, case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_every_entry_has_a_source() {
        let all = catalogue();
        assert!(all.len() >= 25);
        let mut ids = std::collections::HashSet::new();
        for c in all {
            assert!(ids.insert(c.id.as_str()), "duplicate {}", c.id);
            assert!(!c.source.trim().is_empty(), "{}", c.id);
            assert!(
                c.owner == ClientOwner::Salesforce || c.vendor.is_some(),
                "{}",
                c.id
            );
        }
        let cli = all.iter().find(|c| c.id == "salesforce-cli").unwrap();
        assert_eq!(
            (cli.pkce, cli.since_version.as_deref()),
            (ClientPkce::Sends, Some("2.33.3"))
        );
    }

    #[test]
    fn globs() {
        assert!(glob("DEVHUB_*", "devhub_00D"));
        assert!(glob(
            "*/rest/oauth2-credential/callback",
            "https://n8n.acme.example/rest/oauth2-credential/callback"
        ));
        assert!(glob(
            "http://localhost:*/OauthRedirect",
            "http://localhost:7171/OauthRedirect"
        ));
        assert!(!glob(
            "http://localhost:*/OauthRedirect",
            "http://localhost:7171/other"
        ));
        assert!(glob("a*b*c", "abc") && glob("a*b*c", "axxbyyc") && !glob("a*b*c", "acb"));
        assert!(glob("exact", "EXACT") && !glob("exact", "exactly"));
    }

    #[test]
    fn apps_are_found_by_label_then_callback() {
        assert_eq!(
            find("X", Some("Salesforce CLI"), &[]).unwrap().client.id,
            "salesforce-cli"
        );
        let n8n = ["https://n8n.acme.example/rest/oauth2-credential/callback".to_string()];
        let m = find("Our_N8n", Some("Automation"), &n8n).unwrap();
        assert_eq!(m.client.id, "n8n");
        assert_eq!(
            (m.pkce, m.by_callbacks),
            (ClientPkce::Unknown, false),
            "a host-open pattern proves nothing"
        );
        let zap = ["https://zapier.com/dashboard/auth/oauth/return/SalesforceCLIAPI/".to_string()];
        assert_eq!(find("Z", None, &zap).unwrap().pkce, ClientPkce::DoesNotSend);
        assert!(find(
            "Mine",
            Some("Mine"),
            &["https://app.acme.example/cb".into()]
        )
        .is_none());
        let mixed = [zap[0].clone(), "https://app.acme.example/cb".to_string()];
        assert!(
            find("Mixed", None, &mixed).is_none(),
            "another client beside it"
        );
    }

    fn cb(u: &str) -> Vec<String> {
        vec![u.to_string()]
    }

    /// Review of issue 20, finding 1: anyone can label an app `Workbench`.
    #[test]
    fn a_label_proves_sends_only_beside_the_clients_own_callbacks() {
        let own = cb("https://internal.initech.example.com/oauth/cb");
        let m = find("Workbench", Some("Workbench"), &own).unwrap();
        assert_eq!(
            (m.client.id.as_str(), m.pkce),
            ("workbench", ClientPkce::Unknown)
        );
        let real = cb("https://workbench.developerforce.com/login.php");
        let m = find("Workbench", Some("Workbench"), &real).unwrap();
        assert_eq!((m.pkce, m.by_callbacks), (ClientPkce::Sends, true));
        // Beside the CLI's default loopback, the callbacks name the client, not the label.
        let m = find(
            "Workbench",
            Some("Workbench"),
            &cb("http://localhost:1717/OauthRedirect"),
        )
        .unwrap();
        assert_eq!(
            (m.client.id.as_str(), m.pkce),
            ("salesforce-cli", ClientPkce::Sends)
        );
        // Without callbacks (another org's app in usage evidence) the label stands, but a
        // public client is judged on its callbacks only.
        let m = find("X", Some("Workbench"), &[]).unwrap();
        assert_eq!(m.pkce, ClientPkce::Sends);
        assert_eq!(m.unless_by_callbacks().pkce, ClientPkce::Unknown);
    }

    /// Review of issue 20, finding 2: patterns fit the parsed URL part by part.
    #[test]
    fn callback_patterns_fit_the_parsed_url() {
        let cli = "http://localhost:*/OauthRedirect";
        assert_eq!(
            pattern_fit(cli, "http://localhost:1717@evil.example/OauthRedirect"),
            Fit::No
        );
        assert_eq!(
            pattern_fit(cli, "http://a:b@localhost:1717/OauthRedirect"),
            Fit::No
        );
        assert_eq!(
            pattern_fit(cli, "http://localhost.evil.example:1717/OauthRedirect"),
            Fit::No
        );
        assert_eq!(
            pattern_fit(cli, "http://localhost:8080/OauthRedirect"),
            Fit::Open
        );
        let exact = "http://localhost:1717/OauthRedirect";
        assert_eq!(
            pattern_fit(exact, "http://localhost:1717/OauthRedirect"),
            Fit::Exact
        );
        assert_eq!(
            pattern_fit(exact, "http://localhost:1718/OauthRedirect"),
            Fit::No
        );
        assert_eq!(
            pattern_fit(exact, "https://localhost:1717/OauthRedirect"),
            Fit::No
        );
        let n8n = "*/rest/oauth2-credential/callback";
        assert_eq!(
            pattern_fit(
                n8n,
                "https://n8n.acme.example/rest/oauth2-credential/callback"
            ),
            Fit::Open
        );
        assert_eq!(
            pattern_fit(
                n8n,
                "https://x@evil.example/rest/oauth2-credential/callback"
            ),
            Fit::No
        );
        assert_eq!(
            pattern_fit(n8n, "myapp://x/rest/oauth2-credential/callback"),
            Fit::No
        );
        let star = "https://*.my.salesforce.com/environmenthub/soma-callback.apexp";
        assert_eq!(
            pattern_fit(
                star,
                "https://acme.my.salesforce.com/environmenthub/soma-callback.apexp"
            ),
            Fit::Exact
        );
        assert_eq!(
            pattern_fit(
                star,
                "https://a.b.my.salesforce.com/environmenthub/soma-callback.apexp"
            ),
            Fit::No,
            "one label"
        );
        assert_eq!(
            pattern_fit(
                star,
                "https://acme.my.salesforce.com.evil.example/environmenthub/soma-callback.apexp"
            ),
            Fit::No
        );
        assert_eq!(
            pattern_fit(
                "https://workbench.developerforce.com/*",
                "https://workbench.developerforce.com:8443/x"
            ),
            Fit::No
        );
        // Public client on the smuggled loopback: no catalogue client at all.
        assert!(
            find_by_callbacks(&cb("http://localhost:1717@evil.example/OauthRedirect")).is_none()
        );
        let any_port = find_by_callbacks(&cb("http://localhost:8080/OauthRedirect")).unwrap();
        assert_eq!(
            (any_port.client.id.as_str(), any_port.pkce),
            ("salesforce-cli", ClientPkce::Unknown)
        );
        let dl = find_by_callbacks(&cb("http://localhost:7171/OauthRedirect")).unwrap();
        assert_eq!(
            (dl.client.id.as_str(), dl.pkce),
            ("data-loader", ClientPkce::Sends)
        );
    }
}
