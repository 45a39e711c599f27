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

    fn matches_callback(&self, url: &str) -> bool {
        self.callback_patterns.iter().any(|p| glob(p, url))
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

/// The first entry an app matches: by label or API name, else by its callbacks, every one
/// of which must match the entry (a callback of someone else's beside it is another client).
pub fn find(name: &str, label: Option<&str>, callbacks: &[String]) -> Option<&'static Client> {
    let all = catalogue();
    all.iter()
        .find(|c| label.is_some_and(|l| c.matches_label(l)) || c.matches_label(name))
        .or_else(|| find_by_callbacks(callbacks))
}

/// The first entry whose callback patterns match every one of `callbacks` (none for no
/// callbacks): the catalogue recognising a client by where it receives the code.
pub fn find_by_callbacks(callbacks: &[String]) -> Option<&'static Client> {
    catalogue()
        .iter()
        .find(|c| !callbacks.is_empty() && callbacks.iter().all(|u| c.matches_callback(u)))
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
            find("X", Some("Salesforce CLI"), &[]).unwrap().id,
            "salesforce-cli"
        );
        let n8n = ["https://n8n.acme.example/rest/oauth2-credential/callback".to_string()];
        assert_eq!(find("Our_N8n", Some("Automation"), &n8n).unwrap().id, "n8n");
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
}
