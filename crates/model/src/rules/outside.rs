//! Clients someone else runs: an app's client at an outside host (its remediation names
//! the host, or the vendor the catalogue knows), and this org's Auth. Providers (issue 20).

use super::*;
use crate::inventory::{AuthProviderInfo, OutsideClient, ProviderState};

/// The rules whose remediation tells the admin to change the client.
const CLIENT_FIXES: [RuleId; 3] = [
    RuleId::PublicClientWithoutPkce,
    RuleId::AppPkceNotRequired,
    RuleId::CodeCredentialsFlowWithoutPkce,
];

/// Rewrites the remediation of an app's blockers when its client is at an outside host:
/// the admin cannot change that client, only find out about it.
pub(super) fn name_outside_client(app: &App, findings: &mut [Finding]) {
    let Some(o) = &app.outside_client else { return };
    for f in findings
        .iter_mut()
        .filter(|f| f.blocker && CLIENT_FIXES.contains(&f.rule))
    {
        f.remediation = outside_remediation(app, o);
    }
}

fn outside_remediation(app: &App, o: &OutsideClient) -> String {
    let at = o
        .hosts
        .iter()
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let setup = super::setup_path(app);
    let known = o
        .catalogue
        .as_deref()
        .and_then(|id| crate::clients::catalogue().iter().find(|c| c.id == id));
    match known {
        Some(c) => format!(
            "The client at {at} is {} (run by {}): {} Then require PKCE on the app ({setup}). Source: {}.",
            c.name,
            c.who(),
            c.advice.as_deref().unwrap_or(
                "ask its maker whether it sends PKCE, and test it in a sandbox with PKCE required."
            ),
            c.source
        ),
        None => format!(
            "The client at {at} (yours or a vendor's): find out whether it sends PKCE (or turn on its PKCE option), then require PKCE on the app ({setup})."
        ),
    }
}

/// What the Auth. Providers behind an app's callbacks say: `Some(names)` when every
/// callback that can receive a code goes to a provider of this org that sends PKCE.
pub(super) fn providers_send_pkce(app: &App) -> Option<Vec<String>> {
    if app.auth_providers.is_empty() {
        return None;
    }
    let all = app
        .callbacks
        .iter()
        .filter(|c| c.class.exposure() == crate::callback::Exposure::CodeFlow)
        .all(|c| {
            app.auth_providers
                .iter()
                .any(|p| p.url == c.url && p.state == ProviderState::PkceEnabled)
        });
    all.then(|| {
        let mut names: Vec<String> = app.auth_providers.iter().map(|p| p.name.clone()).collect();
        names.dedup();
        names
    })
}

/// One sentence on each provider of this org that was read, or could not be, for the
/// finding on an app whose callbacks point at it; empty when none is this org's.
pub(super) fn provider_facts(app: &App) -> String {
    app.auth_providers
        .iter()
        .filter_map(|p| {
            let assumed = if p.assumed_host {
                format!(
                    " (assuming `{}` is this org: the provider is in the folder)",
                    p.host
                )
            } else {
                String::new()
            };
            let fact = match &p.state {
                ProviderState::PkceEnabled => "sends PKCE (isPkceEnabled true)".to_string(),
                ProviderState::PkceOff { explicit: true } => {
                    "does not send PKCE (isPkceEnabled false)".to_string()
                }
                ProviderState::PkceOff { explicit: false } => {
                    "does not send PKCE (isPkceEnabled absent, default false)".to_string()
                }
                ProviderState::NotRead => {
                    "could not be read, so whether it sends PKCE is unknown".to_string()
                }
                ProviderState::OtherOrg => return None,
            };
            Some(format!(
                " This org's Auth. Provider `{}`{assumed} {fact}.",
                p.name
            ))
        })
        .collect()
}

/// This org's Salesforce-type Auth. Providers that do not send PKCE.
pub(super) fn provider_findings(providers: &[AuthProviderInfo], out: &mut Vec<Finding>) {
    for p in providers.iter().filter(|p| {
        p.provider_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("Salesforce"))
            && p.is_pkce_enabled != Some(true)
    }) {
        let why = match p.is_pkce_enabled {
            Some(_) => "isPkceEnabled false",
            None => "isPkceEnabled absent, default false",
        };
        out.push(Finding::org(
            RuleId::SalesforceAuthProviderWithoutPkce,
            format!(
                "Auth. Provider `{}` (providerType Salesforce) does not send PKCE ({why}): single sign-on through it breaks when the org it logs in to requires PKCE.",
                p.name
            ),
            p.location.clone(),
        ));
    }
}
