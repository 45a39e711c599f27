//! Issue 20's callback classes and app-level precision: the fixture of every class, the
//! success page's verdict, and one check over every fixture and corpus app that no app's
//! findings contradict each other on blocking.

use crate::cli::{assert_matches_readme, audit_json};
use crate::harness::{pkce, repo};
use pkce_audit_io::metadata::parse_component;
use pkce_audit_io::xml;
use pkce_audit_model::inventory::{self, Collected, Loaded, PackageInfo};
use pkce_audit_model::rules::{self, Finding};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn callback_classes_org_matches_its_readme() {
    let (code, v) = audit_json("callback-classes-org");
    assert_eq!((code, v["verdict"].as_str()), (1, Some("not-ready")));
    assert_matches_readme("callback-classes-org", &v);
    let message = |app: &str, rule: &str| -> (String, String) {
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["app"] == app && f["rule"] == rule)
            .unwrap_or_else(|| panic!("{app}: {rule}"));
        (
            f["message"].as_str().unwrap().to_string(),
            f["remediation"].as_str().unwrap().to_string(),
        )
    };
    // Each placeholder names its reason.
    for (app, why) in [
        ("Sf_Callback_Path", "a path on a Salesforce host"),
        ("Dot_Host", "no valid host name"),
        ("Localhost_Root", "privileged port"),
        ("Www_Home", "www home page (weak evidence)"),
        ("Canvas_Signed", "signed-request canvas app"),
    ] {
        let (m, _) = message(app, "app-callback-placeholder-only");
        assert!(
            m.contains(why) && m.contains("Not blocking: verify"),
            "{app}: {m}"
        );
    }
    let (m, r) = message("Desktop_Success", "app-callback-success-page");
    assert!(
        m.contains("embedded browser") && m.contains("Login History"),
        "{m}"
    );
    assert!(r.contains("Login History"), "{r}");
    let (m, r) = message("Provar_Regression", "app-pkce-not-required");
    assert!(m.contains("catalogue entry `provar`"), "{m}");
    assert!(r.starts_with("Ask Provar"), "{r}");
    let (m, _) = message("Public_Sf_Path", "public-client-without-pkce");
    assert!(m.contains("a public client is not judged on them"), "{m}");
    let (_, r) = message("Cli_And_Headless", "code-credentials-flow-without-pkce");
    assert!(!r.contains("Update the headless client"), "{r}");
    let (m, _) = message("Cli_Custom_Port", "app-callback-sf-cli-only");
    assert!(m.contains("http://localhost:1718/OauthRedirect") && m.contains("oauthLocalPort"));
    let (m, r) = message("Field_App", "app-pkce-unknown");
    assert!(
        m.contains("developerName, version") && m.contains("A live audit"),
        "{m}"
    );
    assert!(!r.contains("ExtlClntAppGlobalOauthSettings"), "{r}");
}

const MAIN: &str = "force-app/main/default";

/// A temp copy of callback-classes-org's project file, org settings and `apps` (paths under
/// force-app/main/default).
fn classes_org_part(apps: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = repo().join("fixtures/callback-classes-org");
    let files = ["sfdx-project.json".to_string()].into_iter().chain(
        std::iter::once("settings/OauthOidc.settings-meta.xml")
            .chain(apps.iter().copied())
            .map(|f| format!("{MAIN}/{f}")),
    );
    for file in files {
        let to = dir.path().join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&file), to).unwrap();
    }
    dir
}

/// Alone, the success page leaves the verdict `incomplete`: no login history, no `ready`.
#[test]
fn the_success_page_alone_is_incomplete_not_ready() {
    let dir = classes_org_part(&["connectedApps/Desktop_Success.connectedApp-meta.xml"]);
    let run = pkce()
        .args(["audit", "--source"])
        .arg(dir.path())
        .arg("--json")
        .run();
    run.status(3);
    let v = run.json();
    assert_eq!(v["verdict"], "incomplete");
    let reason = v["verdict_reason"].as_str().unwrap();
    assert!(reason.contains("success page"), "{reason}");
}

/// Contradictions on blocking within one app's findings, named.
fn contradictions(findings: &[Finding]) -> Vec<String> {
    let mut by_app: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if let Some(app) = f.app.as_deref() {
            by_app.entry(app).or_default().push(f);
        }
    }
    let mut out = Vec::new();
    for (app, fs) in by_app {
        let blocked = fs.iter().any(|f| f.blocker);
        for f in fs {
            let says_not = f.message.contains("Not blocking");
            let says_blocks =
                f.message.contains("this app blocks") || f.remediation.contains("this app blocks");
            if f.blocker && says_not {
                out.push(format!("{app}: blocking {} says 'Not blocking'", f.rule));
            }
            if !f.blocker && says_blocks {
                out.push(format!(
                    "{app}: non-blocking {} says the app blocks",
                    f.rule
                ));
            }
            if blocked && !f.blocker && says_not {
                out.push(format!(
                    "{app}: {} says 'Not blocking' beside a blocker",
                    f.rule
                ));
            }
        }
    }
    out
}

fn evaluate(collected: Collected) -> Vec<Finding> {
    rules::evaluate(&inventory::build(collected))
}

#[test]
fn no_fixture_app_has_findings_that_contradict_each_other_on_blocking() {
    let mut checked = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok((collected, _)) = pkce_audit_io::source::collect(&dir) else {
            continue;
        };
        let findings = evaluate(collected);
        let bad = contradictions(&findings);
        assert!(bad.is_empty(), "{}: {bad:#?}", dir.display());
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} fixtures read");
}

/// Every corpus app, one repository at a time (an External Client App's files join within
/// their repository). The corpus is read in place; without it the test says so and passes.
#[test]
fn no_corpus_app_has_findings_that_contradict_each_other_on_blocking() {
    let Some(dir) = crate::corpus::corpus() else {
        return;
    };
    let mut repos: BTreeMap<String, Vec<Loaded>> = BTreeMap::new();
    for sub in ["connected-apps", "external-client-apps"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let Some((repo, name)) = corpus_name(&path) else {
                continue;
            };
            let Ok(root) = xml::parse(&std::fs::read(&path).unwrap()) else {
                continue;
            };
            // The two unfilled templates are refused by the parser (tests/it/corpus.rs).
            let Ok(component) = parse_component(&root, None, &name) else {
                continue;
            };
            repos.entry(repo).or_default().push(Loaded {
                component,
                file: Some(path.display().to_string()),
                package: PackageInfo::default(),
            });
        }
    }
    let mut apps = 0;
    for (repo, components) in repos {
        let inv = inventory::build(Collected {
            components,
            ..Default::default()
        });
        apps += inv.apps.len();
        let bad = contradictions(&rules::evaluate(&inv));
        assert!(bad.is_empty(), "{repo}: {bad:#?}");
    }
    assert!(apps >= 120, "only {apps} corpus apps judged");
}

/// `owner__repo__[tag__]Name.suffix…` → (`owner__repo`, `Name`).
fn corpus_name(path: &Path) -> Option<(String, String)> {
    let file = path.file_name()?.to_str()?;
    let parts: Vec<&str> = file.split("__").collect();
    let (repo, last) = (parts.get(..2)?.join("__"), parts.last()?);
    Some((repo, last.split('.').next()?.to_string()))
}

/// Review of issue 20, findings 1-3: public clients labelled `Workbench`, on a loopback
/// smuggled behind a user name, and on the CLI's loopback at another port all block.
#[test]
fn hostile_public_clients_are_not_cleared_by_label_pattern_or_port() {
    let dir = classes_org_part(&[]);
    let apps = [
        (
            "Own_Workbench",
            "Workbench",
            "https://internal.initech.example.com/oauth/cb",
        ),
        (
            "Smuggled",
            "Smuggled",
            "http://localhost:1717@evil.example/OauthRedirect",
        ),
        (
            "Other_Port",
            "Other Port",
            "http://localhost:8080/OauthRedirect",
        ),
    ];
    for (name, label, callback) in apps {
        let to = dir
            .path()
            .join(format!("{MAIN}/connectedApps/{name}.connectedApp-meta.xml"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(
            to,
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">
    <contactEmail>admins@initech.example.com</contactEmail>
    <label>{label}</label>
    <oauthConfig>
        <callbackUrl>{callback}</callbackUrl>
        <consumerKey>3MVG9DEMO.Hostile.NOT_A_REAL_KEY</consumerKey>
        <isConsumerSecretOptional>true</isConsumerSecretOptional>
        <isPkceRequired>false</isPkceRequired>
        <scopes>Api</scopes>
    </oauthConfig>
</ConnectedApp>
"#
            ),
        )
        .unwrap();
    }
    let run = pkce()
        .args(["audit", "--source"])
        .arg(dir.path())
        .arg("--json")
        .run();
    run.status(1);
    let v = run.json();
    assert_eq!(v["verdict"], "not-ready", "{v}");
    let findings = v["findings"].as_array().unwrap();
    for (name, _, _) in apps {
        let blocks = findings.iter().any(|f| {
            f["app"] == name && f["rule"] == "public-client-without-pkce" && f["blocker"] == true
        });
        assert!(blocks, "{name} must block: {findings:#?}");
        assert!(
            !findings
                .iter()
                .any(|f| f["app"] == name && f["rule"] == "known-client-sends-pkce"),
            "{name}"
        );
    }
    // The CLI's class stays on another port: the class and the blocker both say so.
    let other = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Other_Port")
        .unwrap();
    assert_eq!(other["callbacks"][0]["class"], "salesforce-cli-loopback");
    let said = findings
        .iter()
        .find(|f| f["app"] == "Other_Port" && f["rule"] == "public-client-without-pkce")
        .unwrap();
    assert!(
        said["message"]
            .as_str()
            .unwrap()
            .contains("Salesforce CLI's loopback path, but not on its default port"),
        "{said}"
    );
}

/// One Connected App file with OAuth on, PKCE not required, the given callbacks and extra
/// top-level XML (a canvas configuration).
fn hostile_app(dir: &Path, name: &str, callbacks: &[&str], extra: &str) {
    let path = dir.join(format!(
        "force-app/main/default/connectedApps/{name}.connectedApp-meta.xml"
    ));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let callbacks = callbacks
        .iter()
        .map(|c| c.replace('&', "&amp;"))
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(
        path,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">{extra}
    <contactEmail>admins@initech.example.com</contactEmail>
    <label>{name}</label>
    <oauthConfig>
        <callbackUrl>{callbacks}</callbackUrl>
        <consumerKey>3MVG9DEMO.Hostile.NOT_A_REAL_KEY.{name}</consumerKey>
        <isAdminApproved>true</isAdminApproved>
        <isPkceRequired>false</isPkceRequired>
        <scopes>Api</scopes>
    </oauthConfig>
</ConnectedApp>
"#
        ),
    )
    .unwrap();
}

/// The review of issue 20 (findings 4, 5, 6, 7, 9): callbacks that can receive a code,
/// spelled to look like placeholders, an Auth. Provider trusted on the wrong host or path,
/// a canvas URL with another query, and the success page beside an OAuth canvas. Each
/// keeps its blocker (or holds the verdict), and the audit exits 1.
#[test]
fn hostile_callbacks_keep_their_blockers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}],"sourceApiVersion":"63.0"}"#,
    )
    .unwrap();
    let prov = d.join("force-app/main/default/authproviders/Prov.authprovider-meta.xml");
    std::fs::create_dir_all(prov.parent().unwrap()).unwrap();
    std::fs::write(
        prov,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<AuthProvider xmlns="http://soap.sforce.com/2006/04/metadata">
    <friendlyName>Prov</friendlyName>
    <isPkceEnabled>true</isPkceEnabled>
    <providerType>Salesforce</providerType>
</AuthProvider>
"#,
    )
    .unwrap();
    let canvas = |method: &str| {
        format!(
            "\n    <canvasConfig>\n        <accessMethod>{method}</accessMethod>\n        <canvasUrl>https://canvas.initech.example/app</canvasUrl>\n        <locations>Visualforce</locations>\n    </canvasConfig>"
        )
    };
    let blocked: &[(&str, &[&str], String)] = &[
        (
            "Encoded_Apex",
            &["https://initech.my.salesforce.com/%61pex/Receiver"],
            String::new(),
        ),
        (
            "Param_Apex",
            &["https://initech.my.salesforce.com/apex;x=1/Receiver"],
            String::new(),
        ),
        (
            "Namespaced_Aura",
            &["https://initech.lightning.force.com/acme/Receiver.app"],
            String::new(),
        ),
        (
            "Flow_Page",
            &["https://initech.my.salesforce.com/flow/Receiver"],
            String::new(),
        ),
        (
            "Two_Org_Providers",
            &[
                "https://acme.my.salesforce.com/services/authcallback/Prov",
                "https://othercorp.my.salesforce.com/services/authcallback/Prov",
            ],
            String::new(),
        ),
        (
            "Other_Org_Id",
            &["https://login.salesforce.com/services/authcallback/00D000000000OTHER/Prov"],
            String::new(),
        ),
        (
            "Apex_Provider_Path",
            &["https://acme.my.salesforce.com/apex/Evil/services/authcallback/Prov"],
            String::new(),
        ),
        (
            "Canvas_Query",
            &["https://canvas.initech.example/app?oauth=1"],
            canvas("Post"),
        ),
    ];
    for (name, callbacks, extra) in blocked {
        hostile_app(d, name, callbacks, extra);
    }
    hostile_app(
        d,
        "Get_Canvas_Success",
        &["https://login.salesforce.com/services/oauth2/success"],
        &canvas("Get"),
    );
    hostile_app(
        d,
        "Lightning_Success",
        &["https://acme.lightning.force.com/services/oauth2/success"],
        "",
    );
    let run = pkce()
        .args(["audit", "--source"])
        .arg(d)
        .arg("--json")
        .run();
    run.status(1);
    let v = run.json();
    let findings = v["findings"].as_array().unwrap();
    for (name, _, _) in blocked {
        assert!(
            findings
                .iter()
                .any(|f| f["app"] == *name && f["blocker"] == true),
            "{name}: no blocker in {findings:#?}"
        );
    }
    // The success page beside an OAuth (Get) canvas holds the verdict: medium, not low.
    for name in ["Get_Canvas_Success", "Lightning_Success"] {
        let f = findings
            .iter()
            .find(|f| f["app"] == name && f["rule"] == "app-callback-success-page")
            .unwrap_or_else(|| panic!("{name}: {findings:#?}"));
        assert_eq!(f["severity"], "medium", "{name}");
    }
    let class = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Lightning_Success")
        .map(|a| a["callbacks"][0]["class"].clone());
    assert_eq!(class, Some("salesforce-success-page".into()));
}
