//! Clients at outside hosts and this org's Auth. Providers (issue 20): rule tests on
//! parsed XML, and the fixture folder fixtures/outside-org.

use super::rules::part;
use crate::metadata::MetadataType;
use pkce_audit_model::inventory::{build, Collected, Inventory, Loaded, OwnDomains};
use pkce_audit_model::rules::{evaluate, Finding, RuleId, Severity};
use std::path::Path;

/// A Connected App without PKCE: its label, contact e-mail, consumer secret optional or
/// not, and callbacks.
fn app(name: &str, label: &str, email: &str, public: bool, callbacks: &[&str]) -> Loaded {
    part(
        MetadataType::ConnectedApp,
        name,
        &format!(
            "<ConnectedApp><contactEmail>{email}</contactEmail><label>{label}</label><oauthConfig><callbackUrl>{}</callbackUrl><isConsumerSecretOptional>{public}</isConsumerSecretOptional><isPkceRequired>false</isPkceRequired></oauthConfig></ConnectedApp>",
            callbacks.join("\n")
        ),
    )
}

fn provider(name: &str, ty: &str, pkce: Option<bool>) -> Loaded {
    let flag = pkce
        .map(|v| format!("<isPkceEnabled>{v}</isPkceEnabled>"))
        .unwrap_or_default();
    part(
        MetadataType::AuthProvider,
        name,
        &format!("<AuthProvider><consumerSecret>S3cretValue123456</consumerSecret><friendlyName>{name}</friendlyName>{flag}<providerType>{ty}</providerType></AuthProvider>"),
    )
}

fn inventory(parts: Vec<Loaded>, own: OwnDomains) -> Inventory {
    build(Collected {
        components: parts,
        own,
        ..Default::default()
    })
}

fn on<'a>(findings: &'a [Finding], app: &str, rule: RuleId) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.app.as_deref() == Some(app) && f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} on {app}: {findings:#?}"))
}

fn domains(d: &[&str]) -> OwnDomains {
    OwnDomains {
        hosts: Vec::new(),
        domains: d.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn an_outside_host_names_the_client_and_keeps_the_owner() {
    let inv = inventory(
        vec![
            app(
                "Sync",
                "Sync",
                "it@acme.example.com",
                false,
                &["https://sync.vendor.example.net/cb"],
            ),
            app(
                "Mobile",
                "Mobile",
                "it@acme.example.com",
                true,
                &["https://m.vendor.example.net/cb"],
            ),
            app(
                "Ours",
                "Ours",
                "it@acme.example.com",
                false,
                &["https://portal.acme.example.com/cb"],
            ),
            app(
                "Cfg",
                "Cfg",
                "it@other.example",
                false,
                &["https://app.mine.example.org/cb"],
            ),
            app(
                "Mixed",
                "Mixed",
                "it@other.example",
                false,
                &[
                    "https://a.vendor.example.net/cb",
                    "https://b.mine.example.org/cb",
                ],
            ),
        ],
        domains(&["mine.example.org"]),
    );
    let f = evaluate(&inv);
    let sync = on(&f, "Sync", RuleId::AppPkceNotRequired);
    assert!(sync.blocker);
    assert_eq!(sync.owner, pkce_audit_model::inventory::Owner::Org);
    assert!(
        sync.remediation.starts_with("The client at `sync.vendor.example.net` (yours or a vendor's): find out whether it sends PKCE (or turn on its PKCE option), then require PKCE on the app (Setup > App Manager > Sync"),
        "{}",
        sync.remediation
    );
    // A public client stays critical and blocking; only who to ask changes.
    let mobile = on(&f, "Mobile", RuleId::PublicClientWithoutPkce);
    assert_eq!(
        (mobile.severity, mobile.blocker),
        (Severity::Critical, true)
    );
    assert!(mobile.remediation.contains("`m.vendor.example.net`"));
    // The contact e-mail's domain, org_domains, and a callback of ours beside an outside
    // one: the usual remediation.
    for ours in ["Ours", "Cfg", "Mixed"] {
        let r = &on(&f, ours, RuleId::AppPkceNotRequired).remediation;
        assert!(!r.contains("The client at"), "{ours}: {r}");
    }
    let mut outside: Vec<&str> = inv
        .apps
        .iter()
        .filter(|a| a.outside_client.is_some())
        .map(|a| a.name.as_str())
        .collect();
    outside.sort();
    assert_eq!(outside, ["Mobile", "Sync"]);
}

#[test]
fn the_catalogue_names_the_vendor_by_callbacks_or_label() {
    let inv = inventory(
        vec![
            // Its support address is the vendor's: the callbacks still name it.
            app(
                "Demandbase_ABM",
                "Demandbase ABM",
                "support@demandbase.com",
                false,
                &["https://web.demandbase.com/admin/oauthcallback"],
            ),
            app(
                "Tests",
                "Provar Regression",
                "qa@acme.example.com",
                false,
                &["https://runner.qa-tools.example.net/oauth"],
            ),
        ],
        OwnDomains::default(),
    );
    let f = evaluate(&inv);
    let d = on(&f, "Demandbase_ABM", RuleId::AppPkceNotRequired);
    assert!(d.blocker);
    assert!(
        d.remediation.contains("run by Demandbase")
            && d.remediation
                .contains("Source: https://support.demandbase.com/"),
        "{}",
        d.remediation
    );
    let p = on(&f, "Tests", RuleId::AppPkceNotRequired);
    assert!(
        p.remediation.contains("(run by Provar)"),
        "{}",
        p.remediation
    );
}

const MY: &str = "https://acme.my.salesforce.com/services/authcallback";

#[test]
fn this_orgs_auth_provider_with_pkce_makes_the_app_ready() {
    let parts = || {
        vec![
            app(
                "Sso_On",
                "Sso On",
                "it@acme.example.com",
                false,
                &[&format!("{MY}/On")],
            ),
            app(
                "Sso_Off",
                "Sso Off",
                "it@acme.example.com",
                false,
                &[&format!("{MY}/00D000000000001/Off")],
            ),
            app(
                "Sso_Site",
                "Sso Site",
                "it@acme.example.com",
                false,
                &["https://acme.my.site.com/partners/services/authcallback/On"],
            ),
            app(
                "Sso_Mixed",
                "Sso Mixed",
                "it@acme.example.com",
                false,
                &[&format!("{MY}/On"), "https://app.acme.example.com/cb"],
            ),
            app(
                "Sso_Other",
                "Sso Other",
                "it@acme.example.com",
                false,
                &["https://globex.my.salesforce.com/services/authcallback/On"],
            ),
            provider("On", "OpenIdConnect", Some(true)),
            provider("Off", "Salesforce", Some(false)),
            provider("Hub", "Salesforce", None),
            provider("Okta", "OpenIdConnect", None),
        ]
    };
    // Live: this org's host is known.
    let live = inventory(
        parts(),
        OwnDomains {
            hosts: vec!["acme.my.salesforce.com".into()],
            domains: Vec::new(),
        },
    );
    let f = evaluate(&live);
    let on_ = on(&f, "Sso_On", RuleId::AppPkceNotRequired);
    assert_eq!((on_.severity, on_.blocker), (Severity::Low, false));
    assert!(on_.message.contains("ready for step 2") && !on_.message.contains("assuming"));
    assert!(on_
        .remediation
        .starts_with("Require PKCE on the app (Setup > App Manager > Sso On"));
    let off = on(&f, "Sso_Off", RuleId::AppPkceNotRequired);
    assert!(
        off.blocker
            && off
                .message
                .contains("`Off` does not send PKCE (isPkceEnabled false)")
    );
    // A site's host is not the org's My Domain host: nothing says whose it is.
    assert!(on(&f, "Sso_Site", RuleId::AppPkceNotRequired).blocker);
    // Another code-flow client beside the provider keeps the blocker.
    assert!(on(&f, "Sso_Mixed", RuleId::AppPkceNotRequired).blocker);
    assert!(on(&f, "Sso_Other", RuleId::AppPkceNotRequired).blocker);
    // Only the Salesforce-type providers without PKCE, absent or false.
    let mut hub: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == RuleId::SalesforceAuthProviderWithoutPkce)
        .map(|x| x.message.split('`').nth(1).unwrap())
        .collect();
    hub.sort();
    assert_eq!(hub, ["Hub", "Off"]);

    // A folder: the provider being there is what makes the host this org's, and the
    // message says so; a site path prefix is read the same.
    let folder = evaluate(&inventory(parts(), OwnDomains::default()));
    let on_ = on(&folder, "Sso_On", RuleId::AppPkceNotRequired);
    assert!(!on_.blocker);
    assert!(
        on_.message
            .contains("assuming `acme.my.salesforce.com` is this org"),
        "{}",
        on_.message
    );
    assert!(!on(&folder, "Sso_Site", RuleId::AppPkceNotRequired).blocker);
    assert!(!on(&folder, "Sso_Other", RuleId::AppPkceNotRequired).blocker);
}

#[test]
fn a_public_client_behind_a_provider_with_pkce_is_ready_too() {
    let inv = inventory(
        vec![
            app(
                "Sso_Public",
                "Sso Public",
                "it@acme.example.com",
                true,
                &[&format!("{MY}/On")],
            ),
            provider("On", "OpenIdConnect", Some(true)),
        ],
        OwnDomains::default(),
    );
    let f = evaluate(&inv);
    assert!(!on(&f, "Sso_Public", RuleId::PublicClientWithoutPkce).blocker);
}

#[test]
fn the_fixture_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/outside-org");
    let text = std::fs::read_to_string(dir.join("pkce-audit.toml")).unwrap();
    let config = crate::waivers::parse_file(&text, Path::new("pkce-audit.toml")).unwrap();
    assert_eq!(config.org_domains, ["initech-group.example.org"]);
    let opts = crate::AuditOptions {
        org_domains: config.org_domains,
        ..Default::default()
    };
    let (_, report) = crate::audit_folder(&dir, &opts).unwrap();
    assert_eq!(
        report.summary.outside_clients,
        ["Boomi_Sync", "Demandbase_ABM", "Vendor_Sync"]
    );
    let blockers: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.blocker)
        .filter_map(|f| f.app.as_deref())
        .collect();
    assert!(!blockers.contains(&"Sso_Partner_Org"), "{blockers:?}");
    assert_eq!(blockers.len(), 7, "{blockers:?}");
    // Without org_domains, the portal on initech-group.example.org is someone else's too.
    let (_, bare) = crate::audit_folder(&dir, &crate::AuditOptions::default()).unwrap();
    assert!(bare
        .summary
        .outside_clients
        .contains(&"Own_Portal".to_string()));
}

#[test]
fn org_domains_must_be_host_names() {
    let parse = |t: &str| crate::waivers::parse_file(t, Path::new("pkce-audit.toml"));
    assert_eq!(
        parse("org_domains = [\"Acme.COM.\", \"eu.acme.com\"]")
            .unwrap()
            .org_domains,
        ["acme.com", "eu.acme.com"]
    );
    for bad in [
        "\"https://acme.com\"",
        "\"acme\"",
        "\"\"",
        "\"acme.com/x\"",
        "\"*.acme.com\"",
    ] {
        let e = parse(&format!("\n\norg_domains = [{bad}]"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("pkce-audit.toml:3:"), "{bad}: {e}");
        assert!(e.contains("`org_domains` holds host names"), "{e}");
    }
    assert!(parse("org_domain = [\"acme.com\"]").is_err(), "unknown key");
}
