use super::names::*;
use super::write::*;
use super::*;
use crate::salesforce::FetchedRecord;

/// A record as a fetch read it (also for the round trips in `source`'s tests).
pub(crate) fn record(ty: MetadataType, name: &str, xml: &str) -> FetchedRecord {
    FetchedRecord {
        ty,
        full_name: name.into(),
        package: PackageInfo::default(),
        element: crate::xml::parse(xml.as_bytes()).unwrap(),
    }
}

#[test]
fn file_names_are_portable() {
    for ordinary in [
        "My_App",
        "ns__App",
        "App_glbloauth",
        "OauthOidc",
        "a.b-c",
        "x1",
    ] {
        assert_eq!(portable_stem(ordinary), ordinary);
    }
    for (name, stem) in [
        ("CON", "CO%4E"),
        ("con", "co%6E"),
        ("Aux.", "Aux%2E"),
        ("NUL.txt", "NU%4C.txt"),
        ("com1", "com%31"),
        ("LPT9.x.y", "LPT%39.x.y"),
        ("COM10", "COM10"),
        ("CONSOLE", "CONSOLE"),
        ("App ", "App%20"),
        ("a:b", "a%3Ab"),
        ("<>:\"/\\|?*", "%3C%3E%3A%22%2F%5C%7C%3F%2A"),
        ("a\u{1b}b\tc", "a%1Bb%09c"),
        ("../evil", "%2E.%2Fevil"),
        (".hidden", "%2Ehidden"),
        ("Crédit", "Cr%C3%A9dit"),
        ("50%~", "50%25%7E"),
    ] {
        assert_eq!(portable_stem(name), stem, "{name}");
        assert!(!is_windows_device(stem), "{stem}");
    }
    assert!(is_windows_device("nul") && is_windows_device("Com3.x") && is_windows_device("AUX ."));
    let long = "é".repeat(100);
    let stem = portable_stem(&long);
    assert!(stem.len() <= MAX_STEM && stem.len() > 100, "{stem}");
    assert!(stem.ends_with("%A9"), "no escape is cut: {stem}");
}

#[test]
fn file_names_are_unique_regardless_of_case() {
    let ca = MetadataType::ConnectedApp;
    let eca = MetadataType::ExternalClientApplication;
    let names = [
        (ca, "App"),
        (ca, "APP"),
        (ca, "app"),
        (ca, "CON"),
        (ca, "CO%4E"),
        (ca, "Aux."),
        (ca, "Aux%2E"),
        (eca, "App"),
    ];
    let stems = portable_stems(names);
    // Names that need no change keep them: the first in byte order wins a case clash.
    assert_eq!(stems[&(ca, "APP")], "APP");
    assert_eq!(stems[&(ca, "App")], "App~2");
    assert_eq!(stems[&(ca, "app")], "app~3");
    assert_eq!(stems[&(eca, "App")], "App", "another folder");
    assert_eq!(stems[&(ca, "CON")], "CO%4E");
    assert_eq!(stems[&(ca, "CO%4E")], "CO%254E");
    assert_eq!(stems[&(ca, "Aux.")], "Aux%2E");
    let mut seen = std::collections::HashSet::new();
    for ((ty, _), stem) in &stems {
        assert!(
            seen.insert((*ty, stem.to_ascii_lowercase())),
            "{stem} twice"
        );
    }
    // The same input, the same files.
    assert_eq!(portable_stems(names.iter().rev().copied()), stems);
}

#[test]
fn record_documents_drop_full_name_and_secrets_and_keep_nil() {
    let r = record(
        MetadataType::ExtlClntAppGlobalOauthSettings,
        "App_glbloauth",
        "<records xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"ExtlClntAppGlobalOauthSettings\"><fullName>App_glbloauth</fullName><callbackUrl>https://a.example.com/cb\nhttps://b.example.com/cb</callbackUrl><consumerSecret>FAKESECRET</consumerSecret><externalClientApplication>App</externalClientApplication><isConsumerSecretOptional>false</isConsumerSecretOptional><isPkceRequired>true</isPkceRequired><isTokenExchangeEnabled xsi:nil=\"true\"/><shouldRotateConsumerSecret>false</shouldRotateConsumerSecret></records>",
    );
    let doc = record_document(&r);
    assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExtlClntAppGlobalOauthSettings xmlns=\"http://soap.sforce.com/2006/04/metadata\" xmlns:xsi="), "{doc}");
    assert!(
        !doc.contains("FAKESECRET") && !doc.contains("consumerSecret>"),
        "{doc}"
    );
    assert!(!doc.contains("fullName"), "{doc}");
    assert!(
        doc.contains(
            "<callbackUrl>https://a.example.com/cb\nhttps://b.example.com/cb</callbackUrl>"
        ),
        "{doc}"
    );
    assert!(
        doc.contains("<isTokenExchangeEnabled xsi:nil=\"true\"/>"),
        "{doc}"
    );
    assert!(doc.contains("<isConsumerSecretOptional>false</isConsumerSecretOptional>"));
    assert!(doc.contains("<shouldRotateConsumerSecret>false</shouldRotateConsumerSecret>"));
    // The file parses as the record did.
    let el = crate::xml::parse(doc.as_bytes()).unwrap();
    let c = crate::metadata::parse_component(&el, Some(r.ty), "App_glbloauth").unwrap();
    assert_eq!(c.parent.as_deref(), Some("App"));
}

#[test]
fn a_manifest_from_before_problem_kinds_still_reads() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(MANIFEST_FILE),
        r#"{"format":1,"tool_version":"0.1.0","fetched_at":"2026-01-01T00:00:00Z","components":[],"problems":[{"component":"ConnectedApp X","reason":"r"}]}"#,
    )
    .unwrap();
    let mut problems = Vec::new();
    let m = read_manifest(tmp.path(), &mut problems).expect("the manifest reads");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(m.problems.len(), 1);
    assert_eq!(
        m.problems[0].kind,
        pkce_audit_model::inventory::ProblemKind::Unreadable
    );
}
