//! Step 2 edits: every demo-org app, every corpus Connected App, odd formatting, mdapi
//! folders and symbolic links; each a minimal, schema-ordered, idempotent change.

use super::*;

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
    assert_eq!(o.code, 0, "{text}");
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
<!-- pkce-audit fix step 2: require PKCE on each app. Deploy it alone; fix adds the apps of later runs to it -->
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>Customer_Portal</members>
        <members>ERP_Integration</members>
        <members>Field_Service_Mobile</members>
        <members>Headless_Login</members>
        <members>Legacy_Reporting</members>
        <members>Secure_Web_App</members>
        <name>ConnectedApp</name>
    </types>
    <types>
        <members>Data_Loader_Plus_glbloauth</members>
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
            "sf project deploy start --manifest manifest/pkce-step2-apps.xml --target-org YOUR_ORG_ALIAS\n  (replace YOUR_ORG_ALIAS with the alias or username of the org to deploy to)\n"
        ),
        "{text}"
    );

    // The audit now reads every one of them as requiring PKCE.
    let report = crate::harness::pkce()
        .args(["audit", "--source", "demo", "--json", "--no-waivers"])
        .dir(dir.parent().unwrap())
        .run()
        .json();
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
    assert_eq!(o.code, 0, "{}", out(&o));
    assert!(out(&o).contains("Nothing to change"), "{}", out(&o));
    assert_eq!(tree(&dir), after, "the second run touches no file");
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
    assert_eq!(o.code, 0, "{}", out(&o));
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
    assert_eq!(o.code, 0, "{}", out(&o));
    assert_eq!(tree(tmp.path()), written, "the second run touches no file");
    // Apps fix must not touch: each refused with its reason, nothing written.
    for (name, why) in [
        (&no_oauth[0], "no OAuth configuration"),
        (&salesforce[0], "created and run by Salesforce"),
        (&unreadable[0], "not safe to edit"),
    ] {
        let o = run(tmp.path(), &["--source", ".", "--app", name]);
        assert_eq!(o.code, 2, "{}", out(&o));
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
    assert_eq!(o.code, 0, "{}", out(&o));
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
    assert_eq!(o.code, 0, "{text}");
    let file = Path::new("connectedApps/Web_Portal.connectedApp");
    let after = tree(&dir);
    assert_same_but_required("Web_Portal", &before[file], &after[file]);
    assert_minimal_bytes("Web_Portal", &before[file], &after[file]);
    assert_eq!(
        text.matches("Web_Portal (Connected App)").count(),
        1,
        "named once: {text}"
    );
    // No deploy command that would deploy the whole folder: the output says there is
    // no single-step deploy of an mdapi folder, and how to make one.
    assert!(
        !text.contains("sf project deploy start --metadata-dir mdapi"),
        "{text}"
    );
    assert_has(
        &text,
        &[
            "an mdapi folder has no single-step deploy",
            "copy the files the step manifest lists into an empty folder",
        ],
    );
    // The manifest lies next to the folder, never inside the deployed folder.
    let changed: Vec<&PathBuf> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(
        changed,
        [&file.to_path_buf()],
        "only the app file changes inside"
    );
    let manifest = std::fs::read_to_string(tmp.path().join("mdapi-pkce-step2-apps.xml")).unwrap();
    assert_has(
        &manifest,
        &["<members>Web_Portal</members>", "<version>63.0</version>"],
    );
}
