//! Auth. Providers in a live audit (issue 20): listed and read only when some app's
//! callback points at one of this org's (`/services/authcallback/…` on its own host);
//! `isPkceEnabled` true makes the app ready, a denied read keeps the blocker and names the
//! source; a provider's `consumerSecret` and `ecKey` reach no output and no snapshot.

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::*;
use std::path::Path;

/// Every secret element value in the fixture's provider files.
fn provider_secrets(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for f in walk(dir) {
        if !f.to_string_lossy().ends_with(".authprovider-meta.xml") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        for tag in ["consumerSecret", "ecKey"] {
            if let Some(v) = text
                .split(&format!("<{tag}>"))
                .nth(1)
                .and_then(|r| r.split(&format!("</{tag}>")).next())
            {
                out.push(v.to_string());
            }
        }
    }
    assert_eq!(out.len(), 5, "4 consumer secrets and 1 ecKey: {out:?}");
    out
}

/// fixtures/outside-org with its Auth. Provider callbacks on `host` instead of the
/// fixture's My Domain host.
fn org_with_callbacks_on(tmp: &Path, host: &str) -> std::path::PathBuf {
    let dir = tmp.join("org");
    copy_dir(&fixture("outside-org"), &dir);
    for f in walk(&dir) {
        let text = std::fs::read_to_string(&f).unwrap();
        let moved = text.replace(
            "https://initech.my.salesforce.com/services/authcallback/",
            &format!("https://{host}/services/authcallback/"),
        );
        if moved != text {
            std::fs::write(&f, moved).unwrap();
        }
    }
    dir
}

fn finding<'a>(r: &'a serde_json::Value, app: &str) -> &'a serde_json::Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["app"] == app && f["rule"] == "app-pkce-not-required")
        .unwrap_or_else(|| panic!("no app-pkce-not-required on {app}"))
}

fn assert_no_provider_secret(text: &str, what: &str, secrets: &[String]) {
    for s in secrets {
        assert_no_secret_in_any_form(text, what, s);
    }
}

#[test]
fn providers_of_this_org_are_read_and_decide_the_blocker() {
    let tmp = tempfile::tempdir().unwrap();
    // The fake org's instance URL is http://127.0.0.1:<port>: its host is 127.0.0.1.
    let dir = org_with_callbacks_on(tmp.path(), "127.0.0.1");
    let secrets = provider_secrets(&dir);
    let org = FakeOrg::start(Config {
        org_dir: dir.clone(),
        ..Config::default()
    });
    let r = audit_live(&org.base_url, &["--no-usage"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_no_provider_secret(&r.stdout, "stdout", &secrets);
    assert_no_provider_secret(&r.stderr, "stderr", &secrets);
    let live = r.json();
    assert!(incomplete(&live).is_empty(), "{:?}", incomplete(&live));
    // isPkceEnabled true: ready for step 2, not a blocker.
    let ready = finding(&live, "Sso_Partner_Org");
    assert_eq!(
        (ready["severity"].as_str(), ready["blocker"].as_bool()),
        (Some("low"), Some(false))
    );
    assert!(
        ready["message"]
            .as_str()
            .unwrap()
            .contains("Auth. Provider `Partner_Org` sends PKCE (isPkceEnabled true)"),
        "{ready}"
    );
    assert!(
        !ready["message"].as_str().unwrap().contains("assuming"),
        "{ready}"
    );
    // isPkceEnabled false: today's blocker, the provider named.
    let off = finding(&live, "Sso_Okta");
    assert_eq!(off["blocker"], true);
    assert!(
        off["remediation"]
            .as_str()
            .unwrap()
            .contains("Auth. Provider `Okta_OIDC`"),
        "{off}"
    );
    // No provider of that name in the org: the blocker stays, said so.
    let missing = finding(&live, "Sso_Unknown");
    assert_eq!(missing["blocker"], true);
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("could not be read"),
        "{missing}"
    );
    // The Salesforce-type provider without isPkceEnabled.
    let hub: Vec<_> = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "salesforce-auth-provider-without-pkce")
        .collect();
    assert_eq!(hub.len(), 1, "{hub:?}");
    assert!(hub[0]["message"].as_str().unwrap().contains("`Hub_Login`"));
    // One listing more (AuthProvider alone), and one read of the four providers.
    let calls = org.calls();
    assert_eq!(calls.get("listMetadata"), Some(&3), "{calls:?}");
    assert!(
        org.names_per_read().contains(&4),
        "{:?}",
        org.names_per_read()
    );

    // The same read as a snapshot: no provider secret in any file, and the snapshot
    // audits the same (its manifest names the org's host).
    let out = tmp.path().join("snap");
    let f = fetch_live(&org.base_url, &out, &["--no-usage"]);
    assert_eq!(f.code, 0, "{}", f.stderr);
    assert!(
        walk(&out)
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".authprovider-meta.xml")),
        "the providers are in the snapshot"
    );
    for p in walk(&out) {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        assert_no_provider_secret(&text, &p.display().to_string(), &secrets);
        assert!(
            !text.contains("<consumerSecret>") && !text.contains("<ecKey>"),
            "{}",
            p.display()
        );
    }
    let snap = audit_folder(&out).json();
    assert_eq!(finding(&snap, "Sso_Partner_Org")["blocker"], false);
    assert_eq!(findings(&snap), findings(&live));
}

#[test]
fn no_callback_to_this_org_costs_no_provider_call() {
    // The fixture's callbacks are on initech.my.salesforce.com, not the fake org's host.
    let org = FakeOrg::start(Config {
        org_dir: fixture("outside-org"),
        ..Config::default()
    });
    let r = audit_live(&org.base_url, &["--no-usage"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let calls = org.calls();
    assert_eq!(calls.get("listMetadata"), Some(&2), "{calls:?}");
    assert!(
        !org.names_per_read().contains(&4),
        "{:?}",
        org.names_per_read()
    );
    let live = r.json();
    // Another org's providers: today's blocker, no provider read.
    assert_eq!(finding(&live, "Sso_Partner_Org")["blocker"], true);
    assert!(!live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "salesforce-auth-provider-without-pkce"));
}

#[test]
fn a_denied_provider_read_keeps_the_blocker_and_names_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = org_with_callbacks_on(tmp.path(), "127.0.0.1");
    let org = FakeOrg::start(Config {
        org_dir: dir,
        deny_read_types: vec!["AuthProvider".into()],
        ..Config::default()
    });
    let r = audit_live(&org.base_url, &["--no-usage"]);
    let live = r.json();
    assert_eq!(finding(&live, "Sso_Partner_Org")["blocker"], true);
    let problems = incomplete(&live);
    let p = problems
        .iter()
        .find(|p| p.to_string().contains("AuthProvider"))
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(p.to_string().contains("Manage Auth. Providers"), "{p}");
    assert_ne!(verdict(&live), "ready");
}
