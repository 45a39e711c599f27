use super::*;
use crate::inventory::{build, Collected, Loaded, PackageInfo};
use crate::metadata::{parse_component, MetadataType};

fn report_of(parts: &[(MetadataType, &str, &str)]) -> Report {
    let components = parts
        .iter()
        .map(|(ty, name, xml)| Loaded {
            component: parse_component(
                &crate::xml::parse(xml.as_bytes()).unwrap(),
                Some(*ty),
                name,
            )
            .unwrap(),
            file: Some(format!("{name}.xml")),
            package: PackageInfo::default(),
        })
        .collect();
    let inv = build(Collected {
        components,
        ..Default::default()
    });
    build_report(&inv)
}

fn build_report(inv: &crate::inventory::Inventory) -> Report {
    super::build(
        inv,
        AuditScope {
            kind: "folder".into(),
            source: "x".into(),
            ..Default::default()
        },
    )
}

const SETTINGS: (MetadataType, &str, &str) = (
    MetadataType::OauthOidcSettings,
    "OauthOidc",
    "<OauthOidcSettings><blockOAuthUnPwFlow>true</blockOAuthUnPwFlow><blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow></OauthOidcSettings>",
);

#[test]
fn csv_cells_that_start_a_formula_are_neutralised() {
    for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(neutralise(bad).starts_with('\''), "{bad:?}");
    }
    assert_eq!(neutralise("ok=1"), "ok=1");
    assert_eq!(neutralise(""), "");
    // An app label is outside input: it must come out as text.
    let r = report_of(&[(
        MetadataType::ConnectedApp,
        "Evil",
        "<ConnectedApp><label>=HYPERLINK(\"http://x\")</label><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>",
    )]);
    let text = csv(&r);
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(!text.starts_with('\u{feff}'), "no BOM");
}

#[test]
fn csv_has_the_contract_columns_and_one_row_per_finding() {
    let r = report_of(&[SETTINGS, (
        MetadataType::ConnectedApp,
        "Web",
        "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>",
    )]);
    let text = csv(&r);
    let mut rd = ::csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "rule",
        "severity",
        "blocker",
        "app",
        "label",
        "kind",
        "owner",
        "namespace",
        "pkce_required",
        "message",
        "remediation",
    ] {
        assert!(headers.contains(&col.to_string()), "missing {col}");
    }
    let rows: Vec<::csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), r.findings.len());
    let first = &rows[0];
    assert_eq!(&first[0], "app-pkce-not-required");
    assert_eq!(&first[2], "true");
    assert_eq!(&first[8], "false");
    assert_eq!(&first[11], "Web.xml");
}

#[test]
fn json_has_the_contract_shape() {
    let r = report_of(&[
        SETTINGS,
        (
            MetadataType::ExternalClientApplication,
            "E",
            "<ExternalClientApplication><label>E app</label></ExternalClientApplication>",
        ),
    ]);
    let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(v["verdict"], "incomplete");
    assert!(v["org_settings"]["is_pkce_required"].is_boolean());
    let app = &v["apps"][0];
    assert_eq!(app["name"], "E");
    assert_eq!(app["kind"], "external-client-app");
    assert_eq!(app["owner"], "org");
    assert!(app["pkce_required"].is_null());
    assert!(app["flows"].is_null());
    let f = v["findings"].as_array().unwrap();
    let unknown = f.iter().find(|f| f["rule"] == "app-pkce-unknown").unwrap();
    assert_eq!(unknown["app"], "E");
    assert_eq!(unknown["blocker"], false);
    let org = f
        .iter()
        .find(|f| f["rule"] == "org-pkce-not-enforced")
        .unwrap();
    assert!(org["app"].is_null());
    assert!(v["incomplete"].is_array());
    // The report reads back (diff relies on it).
    let back: Report = serde_json::from_value(v).unwrap();
    assert_eq!(back.findings, r.findings);
}

#[test]
fn exit_codes_follow_the_verdict_and_fail_on() {
    let ready = report_of(&[SETTINGS]);
    assert_eq!(ready.verdict(), Verdict::Ready);
    assert_eq!(exit_code(&ready, None), EXIT_OK);
    // org-pkce-not-enforced is info: --fail-on info trips, --fail-on low does not.
    assert_eq!(exit_code(&ready, Some(Severity::Info)), EXIT_NOT_READY);
    assert_eq!(exit_code(&ready, Some(Severity::Low)), EXIT_OK);
    let unknown = report_of(&[
        SETTINGS,
        (
            MetadataType::ExternalClientApplication,
            "E",
            "<ExternalClientApplication/>",
        ),
    ]);
    assert_eq!(exit_code(&unknown, None), EXIT_INCOMPLETE);
    assert_eq!(exit_code(&unknown, Some(Severity::High)), EXIT_NOT_READY);
    let blocked = report_of(&[SETTINGS, (MetadataType::ConnectedApp, "W", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>")]);
    assert_eq!(exit_code(&blocked, None), EXIT_NOT_READY);
    let mut enforced = blocked.clone();
    enforced.verdict = Some(Verdict::Enforced);
    assert_eq!(exit_code(&enforced, None), EXIT_OK);
}

#[test]
fn summary_groups_blockers_by_owner() {
    let r = report_of(&[
        SETTINGS,
        (MetadataType::ConnectedApp, "W", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "ns__A", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "ns__B", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
    ]);
    assert_eq!(r.summary.org_apps_to_fix, ["W"]);
    assert_eq!(r.summary.isv_actions.len(), 1);
    assert_eq!(r.summary.isv_actions[0].namespace, "ns");
    assert_eq!(r.summary.isv_actions[0].apps, ["ns__A", "ns__B"]);
    assert_eq!(r.summary.blockers, 3);
    assert_eq!(r.summary.by_severity[&Severity::High], 3);
}

#[test]
fn prose_wraps_with_a_hanging_indent_and_long_name_lists_are_capped() {
    let long = format!("  - {}", "word ".repeat(60));
    let w = wrap_prose(&long, 40);
    assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
    assert!(w.lines().skip(1).all(|l| l.starts_with("    ")), "{w}");
    assert_eq!(w.split_whitespace().count(), 61);
    let table_line = format!("│{}│", "x".repeat(120));
    assert_eq!(
        wrap_prose(&table_line, 40).trim_end(),
        table_line,
        "tables are left alone"
    );
    let parts: Vec<(MetadataType, String, String)> = (0..30)
        .map(|i| {
            (
                MetadataType::ConnectedApp,
                format!("App_{i:02}"),
                "<ConnectedApp><samlConfig><acsUrl>x</acsUrl></samlConfig></ConnectedApp>"
                    .to_string(),
            )
        })
        .collect();
    let refs: Vec<(MetadataType, &str, &str)> = parts
        .iter()
        .map(|(t, n, x)| (*t, n.as_str(), x.as_str()))
        .collect();
    let t = table(&report_of(&refs), 100);
    assert!(
        t.contains("… and 18 more (CSV and JSON list them all)"),
        "{t}"
    );
}

#[test]
fn table_fits_100_columns_and_groups_by_owner() {
    let r = report_of(&[
        SETTINGS,
        (MetadataType::ConnectedApp, "A_Rather_Long_Connected_App_Name", "<ConnectedApp><oauthConfig><callbackUrl>http://insecure.example.com/cb</callbackUrl><isConsumerSecretOptional>true</isConsumerSecretOptional><isCodeCredentialEnabled>true</isCodeCredentialEnabled></oauthConfig></ConnectedApp>"),
        (MetadataType::ConnectedApp, "vendor__X", "<ConnectedApp><oauthConfig><callbackUrl>https://x</callbackUrl></oauthConfig></ConnectedApp>"),
    ]);
    let t = table(&r, 100);
    for line in t.lines() {
        // Every line: tables and prose alike.
        assert!(line.chars().count() <= 100, "too wide: {line}");
    }
    assert!(t.contains("Verdict: NOT READY"));
    assert!(t.contains("Our org's apps"));
    assert!(t.contains("ISV package namespace 'vendor'"));
    assert!(
        t.contains("A_Rather_Long_Connected_App_Name"),
        "names are not broken"
    );
}
