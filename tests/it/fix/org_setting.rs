//! Step 3 (`fix --org-setting`): written only when the audit of the folder says ready or
//! enforced; what the project cannot hold read from the test org; the settings file's
//! other fields compared with the org's, listed, and pinned where the org blocks a flow;
//! the check before the deploy. Every refusal leaves every file as it was.

use super::*;
use crate::fake_org::{Config, FakeOrg};
use crate::harness::Run;
use crate::live_support::{assert_no_secrets, assert_no_secrets_in_files, TOKEN};

const NS: &str = "http://soap.sforce.com/2006/04/metadata";
const SETTINGS: &str = "force-app/main/default/settings/OauthOidc.settings-meta.xml";
const MANIFEST: &str = "manifest/pkce-step3-org.xml";

/// An OauthOidc settings file with these fields, as `sf project retrieve` writes one.
fn settings_xml(fields: &[(&str, &str)]) -> String {
    let body: String = fields
        .iter()
        .map(|(n, v)| format!("    <{n}>{v}</{n}>\n"))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings xmlns=\"{NS}\">\n{body}</OauthOidcSettings>\n")
}

/// An SFDX project holding one Connected App that requires PKCE (Secure_Web_App), and
/// the settings file when given: an audit of it has nothing open but what this adds.
fn ready_project(root: &Path, settings: Option<&str>) {
    let apps = sfdx_project(root);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/demo-org/force-app/main/default/connectedApps/Secure_Web_App.connectedApp-meta.xml"),
        apps.join("Secure_Web_App.connectedApp-meta.xml"),
    )
    .unwrap();
    if let Some(s) = settings {
        write(root, SETTINGS, s);
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The test org serving `dir`; the metadata types in `deny` are refused to this login
/// (`INSUFFICIENT_ACCESS`).
fn org_of(dir: &Path, deny: &[&str]) -> FakeOrg {
    FakeOrg::start(Config {
        org_dir: dir.to_path_buf(),
        deny_read_types: deny.iter().map(|t| t.to_string()).collect(),
        ..Config::default()
    })
}

/// The test org of a ready project whose OauthOidc settings hold `fields` (its folder
/// lives as long as the org is used).
fn org_with(fields: &[(&str, &str)], deny: &[&str]) -> (TempDir, FakeOrg) {
    let dir = tempfile::tempdir().unwrap();
    ready_project(dir.path(), Some(&settings_xml(fields)));
    let org = org_of(dir.path(), deny);
    (dir, org)
}

/// Step 3 on `dir`, connected to `org` by --instance-url (the token in SF_ACCESS_TOKEN)
/// when given. No credential of the test org reaches any output.
fn step3(dir: &Path, org: Option<&FakeOrg>, extra: &[&str]) -> Run {
    let mut args = vec!["--source", ".", "--org-setting"];
    if let Some(o) = org {
        args.extend(["--instance-url", o.base_url.as_str()]);
    }
    args.extend_from_slice(extra);
    let o = run_env(dir, &args, &[("SF_ACCESS_TOKEN", TOKEN)]);
    assert_no_secrets(&out(&o), "fix output");
    o
}

/// Refused: exit 2, one line on standard error naming every part, nothing written.
fn assert_refused(o: &Run, dir: &Path, before: &BTreeMap<PathBuf, Vec<u8>>, parts: &[&str]) {
    let text = out(o);
    assert_eq!(o.code, 2, "{text}");
    assert!(o.stdout.is_empty(), "{text}");
    assert_eq!(o.stderr.as_str().lines().count(), 1, "{text}");
    assert_has(&text, parts);
    assert_eq!(&tree(dir), before, "no file touched: {text}");
}

/// Step 3 on `dir` (see [`step3`]) is refused, naming `parts`, and leaves every file as
/// it was; its output.
fn refused(dir: &Path, org: Option<&FakeOrg>, extra: &[&str], parts: &[&str]) -> String {
    let before = tree(dir);
    let o = step3(dir, org, extra);
    assert_refused(&o, dir, &before, parts);
    out(&o)
}

fn json_of(o: &Run) -> serde_json::Value {
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

/// A ready project with `settings` and an External Client App of ours whose PKCE setting
/// the project does not hold (no global OAuth settings).
fn with_unknown_eca(root: &Path, settings: &str) {
    ready_project(root, Some(settings));
    write(
        root,
        "force-app/main/default/externalClientApps/My_Eca.eca-meta.xml",
        &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExternalClientApplication xmlns=\"{NS}\">\n    <distributionState>Local</distributionState>\n    <label>My Eca</label>\n</ExternalClientApplication>\n"),
    );
}

#[test]
fn step_3_waits_for_the_verdict_of_the_audit_itself() {
    let settings = settings_xml(&[("isPkceRequired", "false")]);
    // An External Client App of ours whose PKCE setting the project does not hold.
    let tmp = tempfile::tempdir().unwrap();
    with_unknown_eca(tmp.path(), &settings);
    refused(
        tmp.path(),
        None,
        &[],
        &[
            "OauthOidc: the audit of this folder says incomplete, not ready: unknown PKCE setting on My_Eca",
            "not in the project: the global OAuth settings (ExtlClntAppGlobalOauthSettings) of External Client App(s) My_Eca, which -o/--target-org <alias>",
        ],
    );

    // A file the audit could not read.
    let tmp = tempfile::tempdir().unwrap();
    ready_project(tmp.path(), Some(&settings));
    write(
        tmp.path(),
        "force-app/main/default/connectedApps/Broken.connectedApp-meta.xml",
        "<ConnectedApp><oauthConfig>",
    );
    let text = refused(
        tmp.path(),
        None,
        &[],
        &[
            "says incomplete, not ready: not read: force-app/main/default/connectedApps/Broken.connectedApp-meta.xml",
        ],
    );
    assert!(!text.contains("not in the project"), "{text}");

    // A project with no metadata at all: not ready, even with the org's settings read.
    let tmp = tempfile::tempdir().unwrap();
    sfdx_project(tmp.path());
    refused(
        tmp.path(),
        None,
        &[],
        &["holds no metadata file", "org OAuth settings not found"],
    );
    let (_org_dir, org) = org_with(&[("isPkceRequired", "false")], &[]);
    let text = refused(tmp.path(), Some(&org), &[], &["holds no metadata file"]);
    assert!(!text.contains("org OAuth settings not found"), "{text}");
}

/// The stub `sf` answering `org display` and `org auth show-access-token` for `-o prod`.
#[cfg(unix)]
fn stub_sf(dir: &Path, base_url: &str) {
    crate::live_support::script(
        dir,
        "sf",
        &format!(
            "#!/bin/sh\ncase \"$*\" in\n  'org display '*) printf '%s' '{{\"status\":0,\"result\":{{\"id\":\"00DFAKE00000001\",\"apiVersion\":\"66.0\",\"accessToken\":\"{TOKEN}\",\"instanceUrl\":\"{base_url}\",\"username\":\"admin@acme.example.com\",\"connectedStatus\":\"Connected\"}}}}' ;;\n  'org auth show-access-token '*) printf '%s' '{{\"status\":0,\"result\":{{\"accessToken\":\"{TOKEN}\"}}}}' ;;\n  *) exit 1 ;;\nesac\n"
        ),
    );
}

#[test]
fn a_missing_settings_file_is_read_from_the_org_and_created_with_its_values() {
    let tmp = tempfile::tempdir().unwrap();
    ready_project(tmp.path(), None);
    refused(
        tmp.path(),
        None,
        &[],
        &[
            "says incomplete, not ready: not read: OauthOidcSettings OauthOidc: org OAuth settings not found",
            "not in the project: the org's OAuth and OpenID Connect settings (no settings/OauthOidc.settings-meta.xml), which -o/--target-org <alias> (or --instance-url, --auth-url-file) reads from the org",
        ],
    );

    // The org holds every field; the file step 3 creates carries each, in schema order.
    let (_org_dir, org) = org_with(
        &[
            ("oAuthCdCrdtFlowEnable", "false"),
            ("isPkceRequired", "false"),
            ("blockOAuthUsrAgtFlow", "true"),
            ("blockOAuthUnPwFlow", "true"),
            ("agentAuthLinking", "false"),
        ],
        &[],
    );
    let expected = settings_xml(&[
        ("agentAuthLinking", "false"),
        ("blockOAuthUnPwFlow", "true"),
        ("blockOAuthUsrAgtFlow", "true"),
        ("isPkceRequired", "true"),
        ("oAuthCdCrdtFlowEnable", "false"),
    ]);

    let o = step3(tmp.path(), Some(&org), &["--dry-run", "--json"]);
    let v = json_of(&o);
    assert_eq!(o.code, 0, "{v}");
    assert!(
        !tmp.path().join(SETTINGS).exists(),
        "a dry run writes nothing"
    );
    assert!(
        !tmp.path().join(MANIFEST).exists(),
        "a dry run writes nothing"
    );
    assert_eq!(v["changes"][0]["action"], "created");
    assert_eq!(v["changes"][0]["line"], 6);
    let fields: Vec<(String, String, bool)> = v["settings_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["org"], f["value"], "{f}");
            (
                f["field"].as_str().unwrap().to_string(),
                f["value"].as_str().unwrap().to_string(),
                f["from_org"].as_bool().unwrap(),
            )
        })
        .collect();
    let from_org = |n: &str, v: &str| (n.to_string(), v.to_string(), true);
    assert_eq!(
        fields,
        [
            from_org("agentAuthLinking", "false"),
            from_org("blockOAuthUnPwFlow", "true"),
            from_org("blockOAuthUsrAgtFlow", "true"),
            from_org("oAuthCdCrdtFlowEnable", "false"),
        ]
    );
    assert_eq!(v["org"]["instance_url"], org.base_url.as_str());
    assert_eq!(v["org"]["target_org"], serde_json::Value::Null);
    assert_eq!(
        v["org"]["taken"],
        serde_json::json!(["OauthOidcSettings OauthOidc"])
    );
    assert_eq!(
        v["manifest"]["deploy_check"],
        "sf project deploy start --dry-run --manifest manifest/pkce-step3-org.xml --target-org YOUR_ORG_ALIAS"
    );
    assert_eq!(
        v["manifest"]["deploy"],
        "sf project deploy start --manifest manifest/pkce-step3-org.xml --target-org YOUR_ORG_ALIAS"
    );
    assert!(
        v["diff"].as_str().unwrap().contains("+    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>\n+    <isPkceRequired>true</isPkceRequired>\n"),
        "{v}"
    );

    // With -o the org is the one the Salesforce CLI knows, and the commands name it.
    #[cfg(unix)]
    {
        let bin = tempfile::tempdir().unwrap();
        stub_sf(bin.path(), &org.base_url);
        let path = bin.path().to_str().unwrap();
        let o = run_env(
            tmp.path(),
            &["--source", ".", "--org-setting", "-o", "prod"],
            &[("PATH", path)],
        );
        let text = out(&o);
        assert_no_secrets(&text, "fix output");
        assert_eq!(o.code, 0, "{text}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(SETTINGS)).unwrap(),
            expected
        );
        assert_has(
            &text,
            &[
                &format!("OauthOidc (org OAuth and OpenID Connect settings): file created with isPkceRequired true and the org's 4 other field(s) at {SETTINGS}:6"),
                "A deploy sets every field of the settings file, not only isPkceRequired:\n  agentAuthLinking = false (written from the org's value)\n  blockOAuthUnPwFlow = true (written from the org's value)\n  blockOAuthUsrAgtFlow = true (written from the org's value)\n  oAuthCdCrdtFlowEnable = false (written from the org's value)\n",
                &format!("Read from the org {}: its OAuth and OpenID Connect settings, compared with the project; counted as read for the audit, as the project does not hold them: OauthOidcSettings OauthOidc\n", org.base_url),
                // Check, then deploy: the dry run comes first.
                "Check, then deploy this step alone, from the project folder:\n  $ sf project deploy start --dry-run --manifest manifest/pkce-step3-org.xml --target-org prod\n  $ sf project deploy start --manifest manifest/pkce-step3-org.xml --target-org prod\n",
            ],
        );
        assert!(tmp.path().join(MANIFEST).is_file());
    }
    #[cfg(not(unix))]
    {
        let o = step3(tmp.path(), Some(&org), &[]);
        assert_eq!(o.code, 0, "{}", out(&o));
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(SETTINGS)).unwrap(),
            expected
        );
    }
    // The project now holds the settings: a second run has nothing to change.
    let again = step3(tmp.path(), Some(&org), &[]);
    assert_eq!(again.code, 0, "{}", out(&again));
    assert_has(
        &out(&again),
        &["already requires PKCE", "Nothing to change"],
    );
}

#[test]
fn eca_global_settings_kept_out_of_source_are_read_from_the_org() {
    let (_tmp, dir) = demo();
    let parent = dir.parent().unwrap();
    // Step 2 on every app we own, waivers for the publishers' apps.
    let mut args = vec!["--source", "demo"];
    args.extend(app_args(DEMO_APPS.iter().map(|(n, _)| *n)));
    assert_eq!(run(parent, &args).code, 0);
    std::fs::write(
        dir.join("pkce-audit.toml"),
        "[[waiver]]\nrule = \"managed-app-needs-isv\"\napp = \"*\"\nreason = \"publishers confirmed PKCE-ready versions\"\napproved_by = \"cab\"\nexpires = 2027-06-30\n",
    )
    .unwrap();
    let before = tree(&dir);
    // Analytics_Bridge's global OAuth settings are not in the project (as Salesforce
    // advises): unread, its PKCE setting is unknown, and step 3 waits.
    refused(
        &dir,
        None,
        &[],
        &[
            "unknown PKCE setting on Analytics_Bridge",
            "of External Client App(s) Analytics_Bridge, vendorx__Vendor_Connector, which -o/--target-org <alias>",
        ],
    );

    // The org holds them.
    let org_dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-org"),
        org_dir.path(),
    );
    write(
        org_dir.path(),
        "force-app/main/default/extlClntAppGlobalOauthSets/Analytics_Bridge_glbloauth.ecaGlblOauth-meta.xml",
        &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExtlClntAppGlobalOauthSettings xmlns=\"{NS}\">\n    <callbackUrl>https://bi.acme.example.com/oauth/callback</callbackUrl>\n    <externalClientApplication>Analytics_Bridge</externalClientApplication>\n    <isPkceRequired>true</isPkceRequired>\n    <label>Analytics_Bridge_glbloauth</label>\n</ExtlClntAppGlobalOauthSettings>\n"),
    );

    // A login without the permission that gates them: refused, naming it.
    let denied = org_of(org_dir.path(), &["ExtlClntAppGlobalOauthSettings"]);
    refused(
        &dir,
        Some(&denied),
        &[],
        &[
            "unknown PKCE setting on Analytics_Bridge",
            "not read: ExtlClntAppGlobalOauthSettings: listMetadata failed",
            "INSUFFICIENT_ACCESS",
            "Allow Access to OAuth Consumer Secrets via Metadata API",
        ],
    );

    let org = org_of(org_dir.path(), &[]);
    // The waivers that took the publishers' blockers out of the gate are named, with
    // their file: a waiver never clears step 3 without a trace.
    let waived = "managed-app-needs-isv on acmecpq__CPQ_Connector (waived: publishers confirmed PKCE-ready versions; approved by cab; expires 2027-06-30)";
    let o = step3(&dir, Some(&org), &["--dry-run"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &out(&o),
        &[&format!(
            "Waived, so not counted by the gate (2 blocker(s), waiver file pkce-audit.toml):\n  {waived}\n  managed-app-needs-isv on vendorx__Vendor_Connector"
        )],
    );
    let o = step3(&dir, Some(&org), &["--json"]);
    let v = json_of(&o);
    assert_eq!(o.code, 0, "{v}");
    assert_eq!(v["outcome"], "changed");
    assert_eq!(v["waived"]["waiver_file"], "pkce-audit.toml");
    assert_eq!(
        v["waived"]["blockers"][0],
        serde_json::json!({
            "rule": "managed-app-needs-isv",
            "app": "acmecpq__CPQ_Connector",
            "reason": "publishers confirmed PKCE-ready versions",
            "approved_by": "cab",
            "expires": "2027-06-30",
        })
    );
    assert_eq!(
        v["org"]["taken"],
        serde_json::json!(["ExtlClntAppGlobalOauthSettings Analytics_Bridge_glbloauth"])
    );
    // The org's settings equal the project's: every other field as in the file, none new.
    let listed: Vec<(&str, &str, &str)> = v["settings_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["from_org"], false, "{f}");
            (
                f["field"].as_str().unwrap(),
                f["value"].as_str().unwrap(),
                f["org"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("blockOAuthUnPwFlow", "false", "false"),
            ("blockOAuthUsrAgtFlow", "false", "false"),
            ("oAuthCdCrdtFlowEnable", "true", "true")
        ]
    );
    let (b, a) = (
        &before[Path::new(SETTINGS)],
        std::fs::read(dir.join(SETTINGS)).unwrap(),
    );
    assert_same_but_required("OauthOidc", b, &a);
    assert_minimal_bytes("OauthOidc", b, &a);
    assert_eq!(
        std::fs::read_to_string(dir.join(MANIFEST)).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- pkce-audit fix step 3: require PKCE org-wide (OAuth and OpenID Connect Settings). Deploy it alone -->\n<!-- Step 3 passed its gate with 2 blocker(s) waived by pkce-audit.toml: managed-app-needs-isv on acmecpq__CPQ_Connector (waived: publishers confirmed PKCE-ready versions; approved by cab; expires 2027-06-30); managed-app-needs-isv on vendorx__Vendor_Connector (waived: publishers confirmed PKCE-ready versions; approved by cab; expires 2027-06-30) -->\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\">\n    <types>\n        <members>OauthOidc</members>\n        <name>Settings</name>\n    </types>\n    <version>63.0</version>\n</Package>\n"
    );
    // The org's ECA settings counted as read; none of them (its secret least of all)
    // went into the project.
    assert!(!dir
        .join("force-app/main/default/extlClntAppGlobalOauthSets/Analytics_Bridge_glbloauth.ecaGlblOauth-meta.xml")
        .exists());
    assert_no_secrets_in_files(&dir);
}

#[test]
fn an_org_that_cannot_be_read_stops_step_3() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = settings_xml(&[("isPkceRequired", "false")]);
    ready_project(tmp.path(), Some(&settings));
    let before = tree(tmp.path());
    // Nothing listens there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let o = run_env(
        tmp.path(),
        &[
            "--source",
            ".",
            "--org-setting",
            "--instance-url",
            &closed,
            "--json",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(o.code, 2, "{}", out(&o));
    let v = json_of(&o);
    assert_eq!(v["name"], "OrgError", "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("fix --org-setting reads the org before it writes, and could not; nothing was written: "),
        "{v}"
    );
    assert_eq!(tree(tmp.path()), before);

    // The org answers, but not with its OAuth settings.
    let (_org_dir, org) = org_with(&[("isPkceRequired", "false")], &["OauthOidcSettings"]);
    refused(
        tmp.path(),
        Some(&org),
        &["--force", "--reason", "CAB-9"],
        &[
            &format!(
                "OauthOidc: the org's OAuth and OpenID Connect settings could not be read from {}",
                org.base_url
            ),
            "INSUFFICIENT_ACCESS",
            "step 3 compares them with the project before it writes",
        ],
    );
}

#[test]
fn a_stale_settings_field_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    // The project would re-allow the username-password flow the org blocks.
    ready_project(
        tmp.path(),
        Some(&settings_xml(&[
            ("blockOAuthUnPwFlow", "false"),
            ("isPkceRequired", "false"),
        ])),
    );
    let (_org_dir, org) = org_with(
        &[
            ("blockOAuthUnPwFlow", "true"),
            ("isPkceRequired", "false"),
            ("oAuthCdCrdtFlowEnable", "true"),
        ],
        &[],
    );
    refused(
        tmp.path(),
        Some(&org),
        &[],
        &[
            &format!("OauthOidc: {SETTINGS} sets field(s) besides isPkceRequired to values the org does not have"),
            "blockOAuthUnPwFlow (the file sets false, the org has true)",
            "sf project retrieve start --metadata Settings:OauthOidc",
        ],
    );
    // Without the org nothing is compared, and the listing says so.
    let o = step3(tmp.path(), None, &["--dry-run"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &out(&o),
        &["  blockOAuthUnPwFlow = false (as in the file; the org was not read (-o compares it))\n"],
    );

    let reason = "CAB-7: the username-password flow stays allowed until the ERP moves";
    let o = step3(tmp.path(), Some(&org), &["--force", "--reason", reason]);
    let text = out(&o);
    assert_eq!(o.code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(SETTINGS)).unwrap(),
        settings_xml(&[("blockOAuthUnPwFlow", "false"), ("isPkceRequired", "true")])
    );
    let item = "blockOAuthUnPwFlow (the file sets false, the org has true)";
    assert_has(
        &text,
        &[
            "  blockOAuthUnPwFlow = false (as in the file; the org has true)\n",
            &format!("Forced past 1 open item(s), because: {reason}\n  Still open: {item}\n"),
        ],
    );
    let manifest = std::fs::read_to_string(tmp.path().join(MANIFEST)).unwrap();
    assert!(
        manifest.contains(&format!(
            "<!-- Step 3 forced past 1 open item(s); reason: {reason}; still open: {item} -->"
        )),
        "{manifest}"
    );
}

/// A flow the org blocks that the file does not name is written into it, whether or not
/// the file already requires PKCE (then the change is `pinned`, on the last pin's line).
#[test]
fn a_flow_the_org_blocks_is_written_into_the_file_explicitly() {
    let (_org_dir, org) = org_with(
        &[
            ("blockOAuthUnPwFlow", "true"),
            ("blockOAuthUsrAgtFlow", "true"),
            ("isPkceRequired", "false"),
            ("oAuthCdCrdtFlowEnable", "false"),
        ],
        &[],
    );
    for (pkce, action, line) in [("false", "changed", 5), ("true", "pinned", 6)] {
        let tmp = tempfile::tempdir().unwrap();
        ready_project(
            tmp.path(),
            Some(&settings_xml(&[
                ("blockOAuthUnPwFlow", "true"),
                ("isPkceRequired", pkce),
            ])),
        );
        let o = step3(tmp.path(), Some(&org), &["--json"]);
        let v = json_of(&o);
        assert_eq!(o.code, 0, "{v}");
        // The user-agent flow is blocked ("true") and the Authorization Code and
        // Credentials flow is blocked ("false": its field enables it): both pinned, in
        // schema order. A deploy of the file as it was would re-allow them.
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(SETTINGS)).unwrap(),
            settings_xml(&[
                ("blockOAuthUnPwFlow", "true"),
                ("blockOAuthUsrAgtFlow", "true"),
                ("isPkceRequired", "true"),
                ("oAuthCdCrdtFlowEnable", "false"),
            ]),
            "{pkce}"
        );
        assert_eq!(v["changes"][0]["action"], action);
        assert_eq!(v["changes"][0]["line"], line);
        assert_eq!(
            v["settings_fields"],
            serde_json::json!([
                {"field": "blockOAuthUnPwFlow", "value": "true", "org": "true", "from_org": false},
                {"field": "blockOAuthUsrAgtFlow", "value": "true", "org": "true", "from_org": true},
                {"field": "oAuthCdCrdtFlowEnable", "value": "false", "org": "false", "from_org": true},
            ])
        );
        assert_eq!(v["org"]["taken"], serde_json::json!([]));
        assert_eq!(v["org"]["is_pkce_required"], false);
        // Named now: a second run has nothing to change.
        let again = step3(tmp.path(), Some(&org), &[]);
        assert_eq!(again.code, 0, "{}", out(&again));
        assert_has(
            &out(&again),
            &["already requires PKCE", "Nothing to change"],
        );
    }
}

const POSTMAN: &str = "force-app/main/default/connectedApps/Postman.connectedApp-meta.xml";

/// The review's project: Postman, a Connected App with a callback and no isPkceRequired
/// (a blocker), and a settings file with these fields.
fn postman_project(root: &Path, settings: &[(&str, &str)]) {
    sfdx_project(root);
    write(
        root,
        POSTMAN,
        &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp xmlns=\"{NS}\">\n    <contactEmail>admin@acme.example.com</contactEmail>\n    <label>Postman</label>\n    <oauthConfig>\n        <callbackUrl>https://oauth.pstmn.io/v1/callback</callbackUrl>\n        <consumerKey>3MVG9postman</consumerKey>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n"),
    );
    write(root, SETTINGS, &settings_xml(settings));
}

/// The verdict `audit` gives the folder.
fn audit_verdict(dir: &Path) -> String {
    let a = crate::live_support::run(&["audit", "--source", dir.to_str().unwrap(), "--json"], &[]);
    a.json()["verdict"].as_str().unwrap().to_string()
}

#[test]
fn enforced_on_the_projects_own_word_does_not_open_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    postman_project(
        tmp.path(),
        &[
            ("blockOAuthUnPwFlow", "true"),
            ("blockOAuthUsrAgtFlow", "false"),
            ("isPkceRequired", "true"),
        ],
    );
    // The project's settings file says PKCE is required: the audit says enforced.
    assert_eq!(audit_verdict(tmp.path()), "enforced");
    let blocker = "blocker app-pkce-not-required on Postman";
    refused(
        tmp.path(),
        None,
        &[],
        &[
            "the audit of this folder says enforced only because its own settings file requires PKCE (the org was not read), not ready:",
            blocker,
        ],
    );
    // The org read has it off: the org's setting is the one that counts.
    let (_org_dir, org) = org_with(
        &[
            ("blockOAuthUnPwFlow", "true"),
            ("blockOAuthUsrAgtFlow", "false"),
            ("isPkceRequired", "false"),
        ],
        &[],
    );
    refused(
        tmp.path(),
        Some(&org),
        &[],
        &[
            "(the org's isPkceRequired, the one that counts, is false), not ready:",
            blocker,
        ],
    );

    // An unknown PKCE setting (an External Client App without its global settings, no
    // connection) keeps it shut too.
    let tmp = tempfile::tempdir().unwrap();
    with_unknown_eca(tmp.path(), &settings_xml(&[("isPkceRequired", "true")]));
    refused(
        tmp.path(),
        None,
        &[],
        &[
            "says enforced only because",
            "unknown PKCE setting on My_Eca",
        ],
    );

    // Nothing open, the file already requiring PKCE and the org not: nothing to change
    // in the file, and the output says the org's setting is still off.
    let tmp = tempfile::tempdir().unwrap();
    ready_project(
        tmp.path(),
        Some(&settings_xml(&[("isPkceRequired", "true")])),
    );
    let (_org_dir, org) = org_with(&[("isPkceRequired", "false")], &[]);
    let o = step3(tmp.path(), Some(&org), &[]);
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_has(
        &out(&o),
        &[
            "already requires PKCE",
            "The org itself does not require PKCE yet (its isPkceRequired is false): deploying this step turns it on.",
        ],
    );
}

#[test]
fn a_forced_step_3_is_not_laundered_by_a_plain_run() {
    let tmp = tempfile::tempdir().unwrap();
    postman_project(
        tmp.path(),
        &[
            ("blockOAuthUnPwFlow", "true"),
            ("blockOAuthUsrAgtFlow", "false"),
            ("isPkceRequired", "false"),
        ],
    );
    let o = step3(tmp.path(), None, &["--force", "--reason", "CAB-9"]);
    assert_eq!(o.code, 0, "{}", out(&o));
    let manifest = std::fs::read_to_string(tmp.path().join(MANIFEST)).unwrap();
    assert!(
        manifest.contains("forced past 1 open item(s); reason: CAB-9; still open: blocker app-pkce-not-required on Postman"),
        "{manifest}"
    );
    // The file now requires PKCE, so the audit says enforced; a plain run is still
    // refused while Postman blocks, and the manifest keeps its record.
    assert_eq!(audit_verdict(tmp.path()), "enforced");
    refused(
        tmp.path(),
        None,
        &[],
        &["blocker app-pkce-not-required on Postman"],
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(MANIFEST)).unwrap(),
        manifest
    );
}

#[test]
fn a_project_without_any_app_is_an_open_item() {
    let tmp = tempfile::tempdir().unwrap();
    sfdx_project(tmp.path());
    write(
        tmp.path(),
        SETTINGS,
        &settings_xml(&[("isPkceRequired", "false")]),
    );
    let item = "the project holds no Connected App or External Client App: nothing shows the org's apps are ready; audit the org (`pkce-audit audit -o ALIAS`) first";
    refused(
        tmp.path(),
        None,
        &[],
        &["says ready, but step 3 waits for: ", item],
    );
    let o = step3(
        tmp.path(),
        None,
        &["--force", "--reason", "apps audited in the org"],
    );
    assert_eq!(o.code, 0, "{}", out(&o));
    let manifest = std::fs::read_to_string(tmp.path().join(MANIFEST)).unwrap();
    assert!(
        manifest.contains(&format!(
            "forced past 1 open item(s); reason: apps audited in the org; still open: {item}"
        )),
        "{manifest}"
    );
}
