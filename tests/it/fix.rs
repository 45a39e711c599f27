//! `pkce-audit fix`, the real binary on temporary copies: every demo-org app and every
//! corpus Connected App round-trips (the app requires PKCE, nothing else changed: the
//! parsed component and the byte diff say so), formatting is kept, refusals touch
//! nothing, a second run changes nothing, and the manifests list exactly the changes.

use crate::diff::copy_dir;
use pkce_audit::fix::order::CONNECTED_APP_OAUTH_CONFIG;
use pkce_audit::inventory::{NAMESPACE_REGISTRY_CALLBACK, NAMESPACE_REGISTRY_LABEL};
use pkce_audit::metadata::{parse_component, Body, Component, Spanned};
use pkce_audit::xml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pkce-audit"))
        .arg("fix")
        .args(args)
        .current_dir(dir)
        .env("PKCE_AUDIT_TODAY", "2026-12-01")
        .env_remove("SF_TARGET_ORG")
        .env_remove("SF_ACCESS_TOKEN")
        .output()
        .expect("the binary runs")
}

/// Every part is in the text.
fn assert_has(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} in:\n{text}");
    }
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A copy of `fixtures/demo-org` in a scratch folder (as `demo`), run from there.
fn demo() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-org"),
        &dir,
    );
    (tmp, dir)
}

/// Every file below `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn component(bytes: &[u8]) -> Component {
    parse_component(&xml::parse(bytes).unwrap(), None, "X").unwrap()
}

fn zero(s: &mut Option<Spanned<bool>>) {
    if let Some(s) = s {
        s.line = 0;
    }
}

/// The component without line numbers (an insertion moves the lines below it).
fn lineless(mut c: Component) -> Component {
    c.line = 0;
    match &mut c.body {
        Body::ConnectedApp(ca) => {
            if let Some(o) = &mut ca.oauth {
                o.line = 0;
                o.callback_line = o.callback_line.map(|_| 0);
                zero(&mut o.is_pkce_required);
                zero(&mut o.is_consumer_secret_optional);
                zero(&mut o.is_code_credential_enabled);
            }
        }
        Body::EcaGlobalOauth(g) => {
            g.callback_line = g.callback_line.map(|_| 0);
            zero(&mut g.is_pkce_required);
            zero(&mut g.is_consumer_secret_optional);
            zero(&mut g.is_code_cred_flow_enabled);
        }
        Body::OauthOidc(s) => {
            s.line = 0;
            zero(&mut s.is_pkce_required);
            zero(&mut s.block_oauth_un_pw_flow);
            zero(&mut s.block_oauth_usr_agt_flow);
            zero(&mut s.oauth_cd_crdt_flow_enable);
        }
        _ => {}
    }
    c
}

fn pkce_mut(c: &mut Component) -> &mut Option<Spanned<bool>> {
    match &mut c.body {
        Body::ConnectedApp(ca) => &mut ca.oauth.as_mut().unwrap().is_pkce_required,
        Body::EcaGlobalOauth(g) => &mut g.is_pkce_required,
        Body::OauthOidc(s) => &mut s.is_pkce_required,
        other => panic!("no PKCE setting in {other:?}"),
    }
}

/// The parsed component requires PKCE and is otherwise the same.
fn assert_same_but_required(name: &str, before: &[u8], after: &[u8]) {
    let mut expected = lineless(component(before));
    *pkce_mut(&mut expected) = Some(Spanned {
        value: true,
        line: 0,
    });
    assert_eq!(lineless(component(after)), expected, "{name}");
}

/// The byte diff is the one element: a value replaced, or one element inserted on its own
/// line with its neighbour's line ending and indentation (or inline in a one-line file).
fn assert_minimal_bytes(name: &str, before: &[u8], after: &[u8]) {
    let (b, a) = (
        String::from_utf8(before.to_vec()).unwrap(),
        String::from_utf8(after.to_vec()).unwrap(),
    );
    const NEW: &str = "<isPkceRequired>true</isPkceRequired>";
    for old in [
        "<isPkceRequired>false</isPkceRequired>",
        "<isPkceRequired>0</isPkceRequired>",
    ] {
        if b.contains(old) {
            assert_eq!(a, b.replacen(old, NEW, 1), "{name}: only the value changes");
            return;
        }
    }
    assert_eq!(a.matches(NEW).count(), 1, "{name}");
    let at = a.find(NEW).unwrap();
    let indent_from = a[..at].trim_end_matches([' ', '\t']).len();
    let indent = &a[indent_from..at];
    let (cut, ending) = match &a[..indent_from] {
        s if s.ends_with("\r\n") => (indent_from - 2, "\r\n"),
        s if s.ends_with('\n') => (indent_from - 1, "\n"),
        _ => (at, ""),
    };
    assert_eq!(
        format!("{}{}", &a[..cut], &a[at + NEW.len()..]),
        b,
        "{name}: only the element is inserted"
    );
    if !ending.is_empty() {
        // The line before: same line ending, same indentation.
        let prev_start = a[..cut].rfind('\n').map_or(0, |i| i + 1);
        let prev = &a[prev_start..cut];
        assert!(
            prev.starts_with(indent) && !prev[indent.len()..].starts_with([' ', '\t']),
            "{name}: indentation {indent:?} of {prev:?}"
        );
        let prev_ending_crlf = a[..prev_start].ends_with("\r\n");
        if prev_start > 0 {
            assert_eq!(prev_ending_crlf, ending == "\r\n", "{name}: line ending");
        }
    }
}

fn oauth_ranks(bytes: &[u8]) -> Vec<(String, Option<usize>)> {
    let seq = CONNECTED_APP_OAUTH_CONFIG.elements;
    xml::parse(bytes)
        .unwrap()
        .child("oauthConfig")
        .unwrap()
        .children
        .iter()
        .map(|c| (c.name.clone(), seq.iter().position(|s| *s == c.name)))
        .collect()
}

/// `isPkceRequired` sits where the WSDL sequence puts it among the known elements: after
/// every element that precedes it, and, in a file that was in schema order, before every
/// element that follows it. (One corpus file, trailheadapps/ready-to-fly's slackApp, has
/// its `scopes` before `isAdminApproved`: there it goes after its predecessors.)
fn assert_schema_order(name: &str, before: &[u8], after: &[u8]) {
    let in_order = |ranks: &[(String, Option<usize>)]| {
        let known: Vec<usize> = ranks.iter().filter_map(|r| r.1).collect();
        known.windows(2).all(|w| w[0] <= w[1])
    };
    let ranks = oauth_ranks(after);
    let own = CONNECTED_APP_OAUTH_CONFIG
        .elements
        .iter()
        .position(|s| *s == "isPkceRequired")
        .unwrap();
    let at = ranks.iter().position(|r| r.0 == "isPkceRequired").unwrap();
    assert!(
        ranks[at + 1..].iter().all(|r| r.1.is_none_or(|r| r >= own)),
        "{name}: a predecessor after it: {ranks:?}"
    );
    if in_order(&oauth_ranks(before)) {
        assert!(in_order(&ranks), "{name}: {ranks:?}");
    }
}

const DEMO_APPS: &[(&str, &str)] = &[
    (
        "Customer_Portal",
        "force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml",
    ),
    (
        "ERP_Integration",
        "force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml",
    ),
    (
        "Field_Service_Mobile",
        "force-app/main/default/connectedApps/Field_Service_Mobile.connectedApp-meta.xml",
    ),
    (
        "Headless_Login",
        "force-app/main/default/connectedApps/Headless_Login.connectedApp-meta.xml",
    ),
    (
        "Expense_Tracker",
        "force-app/main/default/extlClntAppGlobalOauthSets/ExpTrkGlblOAuth.ecaGlblOauth-meta.xml",
    ),
    (
        "Partner_Public_SPA",
        "force-app/main/default/extlClntAppGlobalOauthSets/Partner_Public_SPA_glbloauth.ecaGlblOauth-meta.xml",
    ),
];

fn app_args<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    names.into_iter().flat_map(|n| ["--app", n]).collect()
}

#[test]
fn demo_org_apps_round_trip_with_their_manifest_and_a_second_run_changes_nothing() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let mut args = vec!["--source", "demo"];
    let names = DEMO_APPS.iter().map(|(n, _)| *n).chain([
        "Secure_Web_App",
        "Legacy_Reporting",
        "Data_Loader_Plus",
    ]);
    args.extend(app_args(names));
    let o = run(dir.parent().unwrap(), &args);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let after = tree(&dir);
    for (name, file) in DEMO_APPS {
        let (b, a) = (&before[Path::new(file)], &after[Path::new(file)]);
        assert_ne!(b, a, "{name} changed");
        assert_same_but_required(name, b, a);
        assert_minimal_bytes(name, b, a);
        assert!(text.contains(&format!("{name} (")), "{text}");
    }
    assert_has(
        &text,
        &[
            "Customer_Portal (Connected App): isPkceRequired inserted as true at force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml:13",
            "Test after deploying: restart the client of Customer_Portal",
            "Secure_Web_App (Connected App): already requires PKCE",
        ],
    );
    // Only those files and the manifest differ.
    let changed: Vec<&PathBuf> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(changed.len(), DEMO_APPS.len() + 1, "{changed:?}");
    let manifest =
        String::from_utf8(after[Path::new("manifest/pkce-step2-apps.xml")].clone()).unwrap();
    assert_eq!(
        manifest,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>Customer_Portal</members>
        <members>ERP_Integration</members>
        <members>Field_Service_Mobile</members>
        <members>Headless_Login</members>
        <name>ConnectedApp</name>
    </types>
    <types>
        <members>ExpTrkGlblOAuth</members>
        <members>Partner_Public_SPA_glbloauth</members>
        <name>ExtlClntAppGlobalOauthSettings</name>
    </types>
    <version>63.0</version>
</Package>
"#
    );
    assert!(
        text.contains(
            "sf project deploy start --manifest manifest/pkce-step2-apps.xml --target-org <alias>"
        ),
        "{text}"
    );

    // The audit now reads every one of them as requiring PKCE.
    let audit = Command::new(env!("CARGO_BIN_EXE_pkce-audit"))
        .args(["audit", "--source", "demo", "--json", "--no-waivers"])
        .current_dir(dir.parent().unwrap())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    for (name, _) in DEMO_APPS {
        let app = report["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == *name)
            .unwrap();
        assert_eq!(app["pkce_required"], true, "{name}");
    }

    let o = run(dir.parent().unwrap(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("Nothing to change"), "{}", out(&o));
    assert_eq!(tree(&dir), after, "the second run touches no file");
}

fn sfdx_project(root: &Path) -> PathBuf {
    std::fs::write(
        root.join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "66.0"}"#,
    )
    .unwrap();
    let apps = root.join("force-app/main/default/connectedApps");
    std::fs::create_dir_all(&apps).unwrap();
    apps
}

#[test]
fn every_corpus_connected_app_round_trips() {
    let Some(corpus) = crate::corpus::corpus().map(|c| c.join("connected-apps")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let apps = sfdx_project(tmp.path());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // Each file under a plain name: corpus names hold `__`, which reads as a namespace.
    let (mut editable, mut no_oauth, mut unreadable) = (Vec::new(), Vec::new(), Vec::new());
    let mut salesforce = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let name = format!("Corpus_{i:03}");
        let bytes = std::fs::read(path).unwrap();
        std::fs::write(apps.join(format!("{name}.connectedApp-meta.xml")), &bytes).unwrap();
        let parsed = xml::parse(&bytes)
            .ok()
            .and_then(|r| parse_component(&r, None, &name).ok());
        match parsed.map(|c| c.body) {
            // A Dev Hub's namespace-registry app is Salesforce's, not the project's.
            Some(Body::ConnectedApp(ca))
                if ca.label.as_deref() == Some(NAMESPACE_REGISTRY_LABEL)
                    || ca.oauth.as_ref().is_some_and(|o| {
                        o.callback_urls
                            .iter()
                            .any(|u| u.ends_with(NAMESPACE_REGISTRY_CALLBACK))
                    }) =>
            {
                salesforce.push(name)
            }
            Some(Body::ConnectedApp(ca)) if ca.oauth.is_some() => {
                editable.push((name, path, bytes))
            }
            Some(_) => no_oauth.push(name),
            None => unreadable.push(name),
        }
    }
    assert!(editable.len() >= 100, "{} editable", editable.len());
    let mut args = vec!["--source", "."];
    args.extend(app_args(editable.iter().map(|(n, _, _)| n.as_str())));
    let o = run(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let (mut changed, mut crlf) = (0, 0);
    for (name, path, before) in &editable {
        let label = format!("{name} ({})", path.file_name().unwrap().to_string_lossy());
        let after = std::fs::read(apps.join(format!("{name}.connectedApp-meta.xml"))).unwrap();
        let was = match component(before).body {
            Body::ConnectedApp(ca) => ca.oauth.unwrap().is_pkce_required.map(|p| p.value),
            _ => unreachable!(),
        };
        if was == Some(true) {
            assert_eq!(&after, before, "{label}: already required, untouched");
            continue;
        }
        changed += 1;
        if before.windows(2).any(|w| w == b"\r\n") {
            crlf += 1;
        }
        assert_same_but_required(&label, before, &after);
        assert_minimal_bytes(&label, before, &after);
        assert_schema_order(&label, before, &after);
    }
    eprintln!(
        "corpus round trip: {} editable, {changed} changed ({crlf} with CRLF), {} Salesforce's, {} without OAuth, {} unreadable",
        editable.len(),
        salesforce.len(),
        no_oauth.len(),
        unreadable.len()
    );
    assert!(changed >= 60 && crlf >= 1, "{changed} changed, {crlf} CRLF");
    let written = tree(tmp.path());
    let o = run(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(tree(tmp.path()), written, "the second run touches no file");
    // Apps fix must not touch: each refused with its reason, nothing written.
    for (name, why) in [
        (&no_oauth[0], "no OAuth configuration"),
        (&salesforce[0], "created and run by Salesforce"),
        (&unreadable[0], "not safe to edit"),
    ] {
        let o = run(tmp.path(), &["--source", ".", "--app", name]);
        assert_eq!(o.status.code(), Some(2), "{}", out(&o));
        assert!(out(&o).contains(why), "{}", out(&o));
        assert_eq!(tree(tmp.path()), written);
    }
}

#[test]
fn crlf_tabs_comments_and_split_tags_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = sfdx_project(tmp.path());
    let before = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n<!-- exported by hand -->\r\n<ConnectedApp xmlns=\"http://soap.sforce.com/2006/04/metadata\">\r\n\t<contactEmail>a@example.com</contactEmail>\r\n\t<label>Odd</label>\r\n\t<oauthConfig>\r\n\t\t<callbackUrl\r\n\t\t\t>https://odd.example.com/cb</callbackUrl>\r\n\t\t<consumerKey>KEY</consumerKey> <!-- rotated 2025 -->\r\n\t\t<isTokenExchangeFlowEnabled>false</isTokenExchangeFlowEnabled>\r\n\t\t<scopes>Api</scopes>\r\n\t</oauthConfig>\r\n</ConnectedApp>";
    let file = apps.join("Odd.connectedApp-meta.xml");
    std::fs::write(&file, before).unwrap();
    let o = run(tmp.path(), &["--source", ".", "--app", "Odd"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        after,
        before.replace(
            "<!-- rotated 2025 -->\r\n",
            "<!-- rotated 2025 -->\r\n\t\t<isPkceRequired>true</isPkceRequired>\r\n"
        )
    );
    assert!(
        out(&o).contains("Odd.connectedApp-meta.xml:10"),
        "{}",
        out(&o)
    );
    let manifest =
        std::fs::read_to_string(tmp.path().join("manifest/pkce-step2-apps.xml")).unwrap();
    assert!(
        manifest.contains("<members>Odd</members>") && manifest.contains("<version>66.0</version>"),
        "{manifest}"
    );
}

#[test]
fn refusals_touch_no_file_and_exit_2() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let parent = dir.parent().unwrap();
    for (app, why) in [
        (
            "acmecpq__CPQ_Connector",
            "comes from package namespace 'acmecpq': only its publisher can change it",
        ),
        ("vendorx__Vendor_Connector", "namespace 'vendorx'"),
        (
            "Analytics_Bridge",
            "no ExtlClntAppGlobalOauthSettings for 'Analytics_Bridge'",
        ),
        (
            "No_Such_App",
            "no Connected App or External Client App named 'No_Such_App'",
        ),
    ] {
        // Together with an app that could be changed: still nothing is written.
        let o = run(
            parent,
            &["--source", "demo", "--app", "Customer_Portal", "--app", app],
        );
        let text = out(&o);
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(
            text.contains(&format!("  {app}: ")) && text.contains(why),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("  ")).count(),
            1,
            "one line: {text}"
        );
        assert_eq!(tree(&dir), before, "{app}: no file touched");
    }
    // Not a project that deploys.
    let loose = parent.join("loose/connectedApps");
    std::fs::create_dir_all(&loose).unwrap();
    std::fs::copy(
        dir.join(DEMO_APPS[0].1),
        loose.join("Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    let o = run(parent, &["--source", "loose", "--app", "Customer_Portal"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("not an SFDX project"), "{}", out(&o));
    assert_eq!(tree(&parent.join("loose")).len(), 1);
    // Usage errors.
    for args in [
        vec!["--source", "demo"],
        vec!["--source", "demo", "--app", "X", "--org-setting"],
        vec!["--source", "demo", "--org-setting", "--force"],
        vec!["--source", "demo", "--app", "X", "--force", "--reason", "r"],
    ] {
        let o = run(parent, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", out(&o));
    }
    assert_eq!(tree(&dir), before);
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let (_tmp, dir) = demo();
    let before = tree(&dir);
    let o = run(
        dir.parent().unwrap(),
        &["--source", "demo", "--app", "ERP_Integration", "--dry-run"],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(tree(&dir), before);
    assert_has(
        &text,
        &[
            "--- a/force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml\n+++ b/force-app/main/default/connectedApps/ERP_Integration.connectedApp-meta.xml\n",
            "\n-        <isPkceRequired>false</isPkceRequired>\n+        <isPkceRequired>true</isPkceRequired>\n",
            "--- /dev/null\n+++ b/manifest/pkce-step2-apps.xml\n",
            "+        <members>ERP_Integration</members>\n",
        ],
    );

    let o = run(
        dir.parent().unwrap(),
        &[
            "--source",
            "demo",
            "--app",
            "ERP_Integration",
            "--dry-run",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outcome"], "would-change");
    assert_eq!(v["changes"][0]["action"], "changed");
    assert_eq!(v["changes"][0]["from"], "false");
    assert_eq!(v["changes"][0]["type"], "ConnectedApp");
    assert_eq!(v["manifest"]["written"], false);
    assert!(v["diff"]
        .as_str()
        .unwrap()
        .contains("+        <isPkceRequired>true</isPkceRequired>"));
    assert_eq!(tree(&dir), before);
}

#[test]
fn the_org_setting_needs_a_clear_audit_or_a_forced_reason() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    let before = tree(&dir);
    let o = run(parent, &["--source", "demo", "--org-setting"]);
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(
        out(&o).contains("blocker app-pkce-not-required on Customer_Portal"),
        "{}",
        out(&o)
    );
    assert_eq!(tree(&dir), before);

    // Step 2 on every app we own, then waivers for the publishers' apps: the audit is
    // clear and step 3 goes through without --force.
    let mut args = vec!["--source", "demo"];
    args.extend(app_args(DEMO_APPS.iter().map(|(n, _)| *n)));
    assert_eq!(run(parent, &args).status.code(), Some(0));
    std::fs::write(
        dir.join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"managed-app-needs-isv\"\napp = \"*\"\nreason = \"publishers confirmed PKCE-ready versions\"\napproved_by = \"cab\"\nexpires = 2027-06-30\n",
    )
    .unwrap();
    let o = run(parent, &["--source", "demo", "--org-setting", "--json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(&o)));
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(v["outcome"], "changed");
    assert_eq!(v["changes"][0]["type"], "Settings");
    assert_eq!(v["changes"][0]["member"], "OauthOidc");
    let settings = "force-app/main/default/settings/OauthOidc.settings-meta.xml";
    let (b, a) = (
        &before[Path::new(settings)],
        std::fs::read(dir.join(settings)).unwrap(),
    );
    assert_same_but_required("OauthOidc", b, &a);
    assert_minimal_bytes("OauthOidc", b, &a);
    let manifest = std::fs::read_to_string(dir.join("manifest/pkce-step3-org.xml")).unwrap();
    assert_eq!(
        manifest,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>OauthOidc</members>\n        <name>Settings</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
    );
}

#[test]
fn a_forced_org_setting_names_its_reason_in_the_manifest_and_the_output() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    let o = run(
        parent,
        &[
            "--source",
            "demo",
            "--org-setting",
            "--force",
            "--reason",
            "CAB-1234: the CISO accepts the break",
            "--manifest",
            "step3.xml",
        ],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("because: CAB-1234: the CISO accepts the break"),
        "{text}"
    );
    assert!(
        text.contains("blocker app-pkce-not-required on Customer_Portal"),
        "{text}"
    );
    assert!(
        !dir.join("manifest").exists(),
        "--manifest replaces the default path"
    );
    let manifest = std::fs::read_to_string(parent.join("step3.xml")).unwrap();
    assert!(manifest.contains("<!-- Step 3 forced past an audit that is not clear (8); reason: CAB-1234: the CISO accepts the break -->"), "{manifest}");
    assert!(manifest.contains("<members>OauthOidc</members>"));
}

#[test]
fn a_project_without_org_settings_gets_a_file_with_only_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = sfdx_project(tmp.path());
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo-org")
            .join("force-app/main/default/connectedApps/Secure_Web_App.connectedApp-meta.xml"),
        apps.join("Secure_Web_App.connectedApp-meta.xml"),
    )
    .unwrap();
    let o = run(tmp.path(), &["--source", ".", "--org-setting"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let created = std::fs::read_to_string(
        tmp.path()
            .join("force-app/main/default/settings/OauthOidc.settings-meta.xml"),
    )
    .unwrap();
    assert_eq!(
        created,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <isPkceRequired>true</isPkceRequired>\n</OauthOidcSettings>\n"
    );
    let again = run(tmp.path(), &["--source", ".", "--org-setting"]);
    assert_eq!(again.status.code(), Some(0), "{}", out(&again));
    assert!(
        out(&again).contains("already requires PKCE"),
        "{}",
        out(&again)
    );
}

#[test]
fn an_mdapi_folder_is_edited_and_deployed_through_its_package_xml() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mdapi");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mdapi-org"),
        &dir,
    );
    let before = tree(&dir);
    let o = run(
        tmp.path(),
        &[
            "--source",
            "mdapi",
            "--app",
            "Web_Portal",
            "--app",
            "web_portal",
        ],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let file = Path::new("connectedApps/Web_Portal.connectedApp");
    let after = tree(&dir);
    assert_same_but_required("Web_Portal", &before[file], &after[file]);
    assert_minimal_bytes("Web_Portal", &before[file], &after[file]);
    assert_eq!(
        text.matches("Web_Portal (Connected App)").count(),
        1,
        "named once: {text}"
    );
    assert_has(
        &text,
        &["sf project deploy start --metadata-dir mdapi --target-org <alias>"],
    );
    let manifest =
        String::from_utf8(after[Path::new("manifest/pkce-step2-apps.xml")].clone()).unwrap();
    assert_has(
        &manifest,
        &["<members>Web_Portal</members>", "<version>63.0</version>"],
    );
    assert_eq!(
        after[Path::new("package.xml")],
        before[Path::new("package.xml")]
    );
}

#[cfg(unix)]
#[test]
fn a_file_reached_through_a_symbolic_link_is_edited_in_place() {
    let (_tmp, dir) = demo();
    let link = dir.join(DEMO_APPS[0].1);
    let real = dir.join("shared/Customer_Portal.xml");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(&link, &real).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = std::fs::read(&real).unwrap();
    let o = run(
        dir.parent().unwrap(),
        &["--source", "demo", "--app", "Customer_Portal"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_same_but_required("Customer_Portal", &before, &std::fs::read(&real).unwrap());
}
