//! Rehearsals: faithful only when both orgs were read completely, and a sandbox that
//! differs from production only by the PKCE change it rehearses is faithful, with that
//! change listed under `rehearsed`.

use super::*;

/// A copy of the ready org in `dir` with `from` replaced by `to` in the file `rel`.
fn ready_with(dir: &Path, rel: &str, from: &str, to: &str) {
    copy_dir(&fixture("ready-org"), dir);
    let p = dir.join("force-app/main/default").join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{rel}");
    std::fs::write(&p, text.replace(from, to)).unwrap();
}

const GLOBAL: &str = "extlClntAppGlobalOauthSets/Acme_Web_Portal_glbloauth.ecaGlblOauth-meta.xml";
const SETTINGS: &str = "settings/OauthOidc.settings-meta.xml";

#[test]
fn a_sandbox_that_differs_only_by_the_pkce_change_it_rehearses_is_faithful() {
    let mut f = Fleet::new();
    // Production has not required PKCE on its app yet; the sandbox has, and has the org
    // setting on.
    let (prod_dir, uat_dir) = (f.path().join("prod-org"), f.path().join("uat-org"));
    ready_with(
        &prod_dir,
        GLOBAL,
        "<isPkceRequired>true",
        "<isPkceRequired>false",
    );
    ready_with(
        &uat_dir,
        SETTINGS,
        "<isPkceRequired>false",
        "<isPkceRequired>true",
    );
    let (prod, uat) = (serve(prod_dir), serve(uat_dir));
    f.rehearsal(&prod.base_url, &uat.base_url);
    let r = f.run(&["--json"]);
    // Production is not ready: its blocker is real there.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let h = &v["rehearsals"][0];
    assert_eq!(h["faithful"], true, "{h:#}");
    assert_eq!(
        (&h["production_verdict"], &h["sandbox_verdict"]),
        (&"not-ready".into(), &"enforced".into())
    );
    assert_eq!(h["production_verdict_after_change"], "enforced");
    assert_eq!(h["unread"], serde_json::json!([]));
    for none in [
        "pkce_differs",
        "org_settings",
        "blockers_only_in_production",
        "blockers_only_in_sandbox",
    ] {
        assert_eq!(h[none], serde_json::json!([]), "{none}: {h:#}");
    }
    let app = item(&h["rehearsed"], "change", "app");
    assert_eq!(app["name"], "Acme_Web_Portal");
    assert_eq!(app["kind"], "external-client-app");
    assert_eq!(
        (&app["production"], &app["sandbox"]),
        (&false.into(), &true.into())
    );
    assert_eq!(
        app["production_blockers"][0]["rule"],
        "app-pkce-not-required"
    );
    let setting = item(&h["rehearsed"], "change", "org-setting");
    assert_eq!(setting["name"], "isPkceRequired");
    assert_eq!(
        (&setting["production"], &setting["sandbox"]),
        (&false.into(), &true.into())
    );

    for format in ["table", "markdown"] {
        let text = f.run(&["--format", format]).stdout;
        assert!(
            text.contains("`uat` rehearses `prod`: FAITHFUL")
                || text.contains("uat rehearses prod: FAITHFUL"),
            "{text}"
        );
        assert!(!text.contains("NOT FAITHFUL"), "{text}");
        assert!(text.contains("Rehearsed PKCE change"), "{text}");
    }

    // The same sandbox against production as it is (PKCE already required on the app):
    // only the org setting is rehearsed.
    let ready = serve(fixture("ready-org"));
    let mut g = Fleet::new();
    g.rehearsal(&ready.base_url, &uat.base_url);
    let r = g.run(&["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = &r.json()["rehearsals"][0];
    assert_eq!(h["faithful"], true, "{h:#}");
    assert_eq!(h["rehearsed"].as_array().unwrap().len(), 1);
}

#[test]
fn a_sandbox_laxer_than_production_is_not_faithful() {
    // The other way round: production requires PKCE on the app, the sandbox does not.
    let mut f = Fleet::new();
    let uat_dir = f.path().join("uat-org");
    ready_with(
        &uat_dir,
        GLOBAL,
        "<isPkceRequired>true",
        "<isPkceRequired>false",
    );
    let (prod, uat) = (serve(fixture("ready-org")), serve(uat_dir));
    f.rehearsal(&prod.base_url, &uat.base_url);
    let h = &f.run(&["--json"]).json()["rehearsals"][0];
    assert_eq!(h["faithful"], false, "{h:#}");
    assert_eq!(h["rehearsed"], serde_json::json!([]));
    assert_eq!(h["pkce_differs"][0]["name"], "Acme_Web_Portal");
}

#[test]
fn a_rehearsal_of_orgs_not_read_completely_is_never_called_faithful() {
    // Neither org could be read.
    let mut f = Fleet::new();
    f.rehearsal(&unreachable_url(), &unreachable_url());
    let r = f.run(&["--json", "--timeout", "30"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let h = &r.json()["rehearsals"][0];
    assert!(h["faithful"].is_null(), "{h:#}");
    let unread: Vec<(&str, &str)> = h["unread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["org"].as_str().unwrap(), u["item"].as_str().unwrap()))
        .collect();
    assert_eq!(
        unread,
        [
            (
                "prod",
                "not read: the whole org, which could not be audited"
            ),
            ("uat", "not read: the whole org, which could not be audited")
        ]
    );
    assert!(f
        .run(&["--timeout", "30"])
        .stdout
        .contains("uat rehearses prod: NOT COMPARED"));

    // Both audited, the sandbox with a file it could not read: the rest is the same, but
    // what was not read may hide a difference.
    let g = Fleet::new();
    let uat_dir = g.path().join("uat-org");
    copy_dir(&fixture("ready-org"), &uat_dir);
    let broken = uat_dir.join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("Half_Written.connectedApp-meta.xml"),
        "<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\"><label>",
    )
    .unwrap();
    g.write(&format!(
        "[[org]]\nname = \"prod\"\nrole = \"production\"\nsource = \"{}\"\n\n[[org]]\nname = \"uat\"\nrole = \"sandbox\"\nrehearses = \"prod\"\nsource = \"uat-org\"\n",
        fixture("ready-org").display()
    ));
    let r = g.run(&["--json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let h = &r.json()["rehearsals"][0];
    assert!(h["faithful"].is_null(), "{h:#}");
    assert_eq!(h["unread"].as_array().unwrap().len(), 1, "{h:#}");
    assert_eq!(h["unread"][0]["org"], "uat");
    let what = h["unread"][0]["item"].as_str().unwrap();
    assert!(
        what.contains("Half_Written.connectedApp-meta.xml"),
        "{what}"
    );
    let table = g.run(&[]).stdout;
    assert!(
        table.contains("uat rehearses prod: UNKNOWN (not read completely)"),
        "{table}"
    );
    assert!(table.contains("Not read (1): uat: "), "{table}");
}
