use super::*;

#[test]
fn the_commands_of_each_target() {
    let t = FixTarget::Project("my proj".into());
    assert_eq!(t.retrieve_first(), None);
    assert_eq!(
        t.org_setting_command(),
        "pkce-audit fix --source 'my proj' --org-setting"
    );
    let t = FixTarget::Retrieve;
    let first = t.retrieve_first().unwrap();
    assert!(
        first.starts_with("sf project generate --name pkce && (cd pkce && "),
        "{first}"
    );
    assert_eq!(
        t.org_setting_command(),
        "pkce-audit fix --source pkce --org-setting --target-org YOUR_ORG_ALIAS"
    );
    // No placeholder a shell reads as a redirection.
    assert!(!t.org_setting_command().contains(['<', '>']));
}

#[test]
fn a_value_is_one_word_and_never_read_as_an_option() {
    let t = FixTarget::Project("=ls".into());
    assert_eq!(
        t.apps_command(["--org-setting", "A b", "Ok"]),
        "pkce-audit fix --source '=ls' --app='--org-setting' --app 'A b' --app Ok"
    );
    assert_eq!(option("--source", "-dir"), "--source='-dir'");
    assert_eq!(option("--source", "~/p"), "--source '~/p'");
}

fn app(name: &str, kind: &str, owner: &str) -> App {
    serde_json::from_value(serde_json::json!({
        "name": name, "kind": kind, "owner": owner,
        "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
        "pkce_required": false, "callback_urls": [], "files": [],
    }))
    .unwrap()
}

#[test]
fn fix_changes_only_our_apps_with_oauth_and_an_api_name() {
    assert_eq!(fix_refusal(&app("ERP", "connected-app", "org")), None);
    let mut eca = app("Eca", "external-client-app", "org");
    assert!(fix_refusal(&eca).unwrap().contains("were not read"));
    eca.global_settings = Some("Eca_glbloauth".into());
    assert_eq!(fix_refusal(&eca), None);
    for (a, why) in [
        (app("ns__P", "connected-app", "isv"), "publisher"),
        (app("Vendor", "external", "external"), "another org"),
        (app("DEVHUB_X", "connected-app", "salesforce"), "Salesforce"),
        (
            app("Hl';touch x", "connected-app", "org"),
            "not a Salesforce API name",
        ),
        (
            app("-x", "connected-app", "org"),
            "not a Salesforce API name",
        ),
    ] {
        let got = fix_refusal(&a).unwrap_or_else(|| panic!("{} passed", a.name));
        assert!(got.contains(why), "{got}");
    }
    let mut off = app("NoOauth", "connected-app", "org");
    off.oauth_enabled = false;
    assert!(fix_refusal(&off).unwrap().contains("no OAuth"));
    let mut eca = app("Eca", "external-client-app", "org");
    eca.global_settings = Some("Eca glb".into());
    assert!(fix_refusal(&eca).is_some());
}
