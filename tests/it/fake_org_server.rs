//! Exercises the fake org directly over HTTP: the SOAP and REST shapes go through the
//! library's own parsers, limits and faults behave like the real API, and the knobs
//! (expiry, denials, faults, truncation, latency) do what the tests of the client need.

use crate::fake_org;

use fake_org::{Config, FakeOrg};
use pkce_audit_io::metadata::{self, Body, MetadataType};
use pkce_audit_io::xml::{self, Element};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-org")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

const TOKEN: &str = "00DFAKE0000000001!AQoAQFakeAccessToken";

/// A request envelope like the ones in salesforce-api.md §4.1 (`met:` prefix).
fn envelope(token: &str, op: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:met="http://soap.sforce.com/2006/04/metadata">
  <soapenv:Header><met:SessionHeader><met:sessionId>{token}</met:sessionId></met:SessionHeader></soapenv:Header>
  <soapenv:Body>{op}</soapenv:Body>
</soapenv:Envelope>"#
    )
}

fn list_op(types: &[&str]) -> String {
    let queries: String = types
        .iter()
        .map(|t| format!("<met:queries><met:type>{t}</met:type></met:queries>"))
        .collect();
    format!("<met:listMetadata>{queries}<met:asOfVersion>66.0</met:asOfVersion></met:listMetadata>")
}

fn read_op(ty: &str, names: &[&str]) -> String {
    let names: String = names
        .iter()
        .map(|n| format!("<met:fullNames>{}</met:fullNames>", xml::escape(n)))
        .collect();
    format!("<met:readMetadata><met:type>{ty}</met:type>{names}</met:readMetadata>")
}

async fn soap(c: &reqwest::Client, base: &str, token: &str, op: &str) -> (u16, String) {
    let r = c
        .post(format!("{base}/services/Soap/m/66.0"))
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(envelope(token, op))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// (faultcode, faultstring) of a SOAP fault body.
fn fault_of(body: &str) -> (String, String) {
    let env = xml::parse(body.as_bytes()).unwrap();
    let f = env.find("Fault").expect("a SOAP fault");
    (
        f.child_text("faultcode").unwrap().to_string(),
        f.child_text("faultstring").unwrap().to_string(),
    )
}

fn results(body: &str) -> Vec<Element> {
    let env = xml::parse(body.as_bytes()).unwrap();
    let resp = env
        .find("listMetadataResponse")
        .expect("listMetadataResponse");
    resp.children_named("result").cloned().collect()
}

fn records(body: &str) -> Vec<Element> {
    let env = xml::parse(body.as_bytes()).unwrap();
    let result = env
        .find("readMetadataResponse")
        .expect("readMetadataResponse")
        .child("result")
        .expect("result");
    result.children_named("records").cloned().collect()
}

/// Debug text of a body with every line number zeroed, to compare a record with its file.
fn without_lines(body: &Body) -> String {
    let text = format!("{body:?}");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("line: ") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        if let Some(r) = rest.strip_prefix("Some(") {
            out.push_str("Some(");
            rest = r;
        }
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            out.push('0');
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn list_metadata_reports_files_packages_and_settings() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &list_op(&["ConnectedApp", "ExternalClientApplication", "Settings"]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rows = results(&body);
    let by_name: BTreeMap<String, &Element> = rows
        .iter()
        .map(|r| (r.child_text("fullName").unwrap().to_string(), r))
        .collect();
    // 9 Connected Apps (the .forceignore'd decoy is not in the org), 5 ECAs, OauthOidc.
    assert_eq!(rows.len(), 9 + 5 + 1, "{:?}", by_name.keys());
    assert!(!by_name.contains_key("Old_Decommissioned_App"));

    let cpq = by_name["acmecpq__CPQ_Connector"];
    assert_eq!(cpq.child_text("manageableState"), Some("installed"));
    assert_eq!(cpq.child_text("namespacePrefix"), Some("acmecpq"));
    assert_eq!(cpq.child_text("type"), Some("ConnectedApp"));
    assert_eq!(
        cpq.child_text("fileName"),
        Some("connectedApps/acmecpq__CPQ_Connector.connectedApp")
    );

    let portal = by_name["Customer_Portal"];
    assert_eq!(portal.child_text("manageableState"), Some("unmanaged"));
    // The demo org has no namespace: an empty element, like the metaforce sample.
    let ns = portal.child("namespacePrefix").expect("namespacePrefix");
    assert!(ns.text.is_empty());
    let id = portal.child_text("id").unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("0H4"));
    for field in [
        "createdById",
        "createdByName",
        "createdDate",
        "lastModifiedById",
        "lastModifiedByName",
        "lastModifiedDate",
    ] {
        assert!(portal.child_text(field).is_some(), "{field}");
    }
    // Elements in WSDL (FileProperties sequence) order.
    let names: Vec<&str> = portal.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "createdById",
            "createdByName",
            "createdDate",
            "fileName",
            "fullName",
            "id",
            "lastModifiedById",
            "lastModifiedByName",
            "lastModifiedDate",
            "manageableState",
            "namespacePrefix",
            "type"
        ]
    );

    let vendor = by_name["vendorx__Vendor_Connector"];
    assert_eq!(vendor.child_text("namespacePrefix"), Some("vendorx"));
    assert_eq!(
        vendor.child_text("fileName"),
        Some("externalClientApps/vendorx__Vendor_Connector.eca")
    );

    let settings = by_name["OauthOidc"];
    assert_eq!(settings.child_text("type"), Some("Settings"));
    assert_eq!(
        settings.child_text("fileName"),
        Some("settings/OauthOidc.settings")
    );

    // A type the org has none of: the empty response element.
    let (status, body) = soap(&c, &org.base_url, TOKEN, &list_op(&["ApexClass"])).await;
    assert_eq!(status, 200);
    assert!(body.contains("<listMetadataResponse/>"), "{body}");
    assert!(results(&body).is_empty());
}

#[tokio::test]
async fn read_metadata_records_parse_like_the_files() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let (collected, _) = pkce_audit_io::source::collect(&demo_dir()).unwrap();
    let mut compared = 0;
    for &ty in MetadataType::FETCHED {
        let (_, body) = soap(&c, &org.base_url, TOKEN, &list_op(&[ty.name()])).await;
        let names: Vec<String> = results(&body)
            .iter()
            .map(|r| r.child_text("fullName").unwrap().to_string())
            .collect();
        for batch in names.chunks(10) {
            let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
            let (status, body) = soap(&c, &org.base_url, TOKEN, &read_op(ty.name(), &batch)).await;
            assert_eq!(status, 200, "{body}");
            let recs = records(&body);
            assert_eq!(recs.len(), batch.len());
            for (rec, name) in recs.iter().zip(&batch) {
                assert_eq!(rec.attr("xsi:type"), Some(ty.name()));
                let parsed = metadata::parse_component(rec, Some(ty), "ignored").unwrap();
                assert_eq!(parsed.full_name, *name);
                let from_file = collected
                    .components
                    .iter()
                    .find(|l| l.component.ty == ty && l.component.full_name == *name)
                    .unwrap_or_else(|| panic!("{ty} {name} is in the folder"));
                assert_eq!(parsed.parent, from_file.component.parent);
                assert_eq!(
                    without_lines(&parsed.body),
                    without_lines(&from_file.component.body),
                    "{ty} {name}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 9 + 5 + 3, "compared {compared}");

    // Secrets: never for a Connected App, always (when readable) for ECA global settings.
    let (_, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op("ConnectedApp", &["Customer_Portal", "ERP_Integration"]),
    )
    .await;
    assert!(!body.contains("consumerSecret"), "{body}");
    let (_, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op(
            "ExtlClntAppGlobalOauthSettings",
            &["Data_Loader_Plus_glbloauth"],
        ),
    )
    .await;
    let rec = &records(&body)[0];
    assert_eq!(
        rec.child_text("consumerSecret"),
        Some("FAKESECRET-do-not-print-0123456789")
    );
    assert_eq!(
        rec.child_text("fullName"),
        Some("Data_Loader_Plus_glbloauth")
    );
    // Envelope with the metadata namespace as default, like the real samples.
    assert!(body.contains(r#"xmlns="http://soap.sforce.com/2006/04/metadata""#));
    assert!(body.contains(r#"<records xsi:type="ExtlClntAppGlobalOauthSettings">"#));
}

#[tokio::test]
async fn org_settings_and_nil_records() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op("OauthOidcSettings", &["OauthOidc"]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rec = &records(&body)[0];
    assert_eq!(rec.attr("xsi:type"), Some("OauthOidcSettings"));
    let comp = metadata::parse_component(rec, Some(MetadataType::OauthOidcSettings), "x").unwrap();
    assert_eq!(comp.full_name, "OauthOidc");
    match comp.body {
        Body::OauthOidc(s) => {
            assert!(!s.is_pkce_required.unwrap().value);
            assert!(s.oauth_cd_crdt_flow_enable.unwrap().value);
        }
        other => panic!("{other:?}"),
    }

    // Unknown names are nil records, not faults, in their request order.
    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op("ConnectedApp", &["No_Such_App", "Okta_SSO"]),
    )
    .await;
    assert_eq!(status, 200);
    let recs = records(&body);
    assert_eq!(recs.len(), 2);
    assert!(recs[0].is_nil());
    assert_eq!(recs[1].child_text("fullName"), Some("Okta_SSO"));

    // An org folder without settings: the settings record is nil.
    let no_settings = FakeOrg::start(Config {
        org_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/no-settings-org"),
        ..Config::default()
    });
    let (status, body) = soap(
        &c,
        &no_settings.base_url,
        TOKEN,
        &read_op("OauthOidcSettings", &["OauthOidc"]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(records(&body)[0].is_nil(), "{body}");
}

#[tokio::test]
async fn soap_limits_types_and_request_faults() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let eleven: Vec<String> = (0..11).map(|i| format!("App_{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let (status, body) = soap(&c, &org.base_url, TOKEN, &read_op("ConnectedApp", &eleven)).await;
    assert_eq!(status, 500);
    let (code, string) = fault_of(&body);
    assert_eq!(code, "sf:EXCEEDED_ID_LIMIT");
    assert!(string.contains("record limit reached"), "{string}");
    let (status, _) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op("ConnectedApp", &eleven[..10]),
    )
    .await;
    assert_eq!(status, 200);

    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &list_op(&[
            "ConnectedApp",
            "ExternalClientApplication",
            "Settings",
            "ApexClass",
        ]),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "sf:EXCEEDED_ID_LIMIT");

    let (status, body) = soap(&c, &org.base_url, TOKEN, &list_op(&["NoSuchType"])).await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "sf:INVALID_TYPE");
    let (_, body) = soap(&c, &org.base_url, TOKEN, &read_op("NoSuchType", &["X"])).await;
    assert_eq!(fault_of(&body).0, "sf:INVALID_TYPE");

    let (status, body) = soap(&c, &org.base_url, TOKEN, "<met:retrieve/>").await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "soapenv:Client");

    // Version not served; content type and SOAPAction are required like the real endpoint.
    let r = c
        .post(format!("{}/services/Soap/m/99.0", org.base_url))
        .header("Content-Type", "text/xml")
        .header("SOAPAction", "\"\"")
        .body(envelope(TOKEN, &list_op(&["ConnectedApp"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        fault_of(&r.text().await.unwrap()).0,
        "sf:UNSUPPORTED_API_VERSION"
    );
    let r = c
        .post(format!("{}/services/Soap/m/66.0", org.base_url))
        .header("Content-Type", "text/xml")
        .body(envelope(TOKEN, &list_op(&["ConnectedApp"])))
        .send()
        .await
        .unwrap();
    assert_eq!(fault_of(&r.text().await.unwrap()).0, "soapenv:Client");
}

#[tokio::test]
async fn wrong_token_is_invalid_session_on_soap_and_rest() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let (status, body) = soap(
        &c,
        &org.base_url,
        "00Dbogus!token",
        &list_op(&["ConnectedApp"]),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        fault_of(&body),
        (
            "sf:INVALID_SESSION_ID".to_string(),
            "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session"
                .to_string()
        )
    );
    let r = c
        .get(format!("{}/services/data/v66.0/query", org.base_url))
        .query(&[("q", "SELECT Id FROM Organization")])
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert_eq!(org.calls()["invalid_session"], 2);
}

/// An org folder with no metadata and an evidence file.
fn evidence_org(records: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}],"name":"evidence-org","namespace":"acme"}"#,
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("force-app")).unwrap();
    std::fs::create_dir_all(dir.path().join("evidence")).unwrap();
    let rows: Vec<Value> = (0..records)
        .map(|i| {
            json!({
                "Id": format!("0YaFAKE{i:08}"),
                "Application": if i % 2 == 0 { "Customer Portal" } else { "ERP Integration" },
                "LoginSubType": if i % 3 == 0 { "OauthWebServer" } else { "OauthRefreshToken" },
                "LoginTime": format!("2026-01-{:02}T10:00:00.000+0000", 1 + i % 28),
                "UserId": format!("005FAKE{:08}", i % 4),
            })
        })
        .collect();
    std::fs::write(
        dir.path().join("evidence/LoginHistory.json"),
        serde_json::to_string_pretty(&rows).unwrap(),
    )
    .unwrap();
    dir
}

async fn query(
    c: &reqwest::Client,
    base: &str,
    path: &str,
    soql: &str,
) -> (u16, Option<String>, Value) {
    let r = c
        .get(format!("{base}{path}"))
        .query(&[("q", soql)])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let limit = r
        .headers()
        .get("Sforce-Limit-Info")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), limit, r.json().await.unwrap())
}

#[tokio::test]
async fn rest_query_pages_over_more_than_page_size() {
    let dir = evidence_org(5);
    let org = FakeOrg::start(Config {
        org_dir: dir.path().to_path_buf(),
        page_size: 2,
        ..Config::default()
    });
    let c = client();
    let (status, limit, first) = query(
        &c,
        &org.base_url,
        "/services/data/v66.0/query",
        "SELECT Id, Application, LoginSubType FROM LoginHistory",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(limit.as_deref(), Some("api-usage=1001/100000"));
    assert_eq!(first["totalSize"], 5);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 2);
    let rec = &first["records"][0];
    assert_eq!(rec["attributes"]["type"], "LoginHistory");
    assert_eq!(
        rec["attributes"]["url"],
        "/services/data/v66.0/sobjects/LoginHistory/0YaFAKE00000000"
    );
    assert!(rec.get("UserId").is_none(), "only selected fields");
    let mut next = first["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with("/services/data/v66.0/query/01gFAKE"),
        "{next}"
    );
    assert!(next.ends_with("-2"), "{next}");
    let mut ids: Vec<String> = first["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    loop {
        let r = c
            .get(format!("{}{next}", org.base_url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        assert_eq!(page["totalSize"], 5);
        ids.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["Id"].as_str().unwrap().to_string()),
        );
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        next = page["nextRecordsUrl"].as_str().unwrap().to_string();
    }
    let expected: Vec<String> = (0..5).map(|i| format!("0YaFAKE{i:08}")).collect();
    assert_eq!(ids, expected);
    let calls = org.calls();
    assert_eq!(calls["query"], 1);
    assert_eq!(calls["queryMore"], 2);
    assert_eq!(org.api_usage(), 1003);

    // A bad locator.
    let r = c
        .get(format!(
            "{}/services/data/v66.0/query/01gNOPE-2",
            org.base_url
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0]["errorCode"], "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn rest_query_subset_and_errors() {
    let dir = evidence_org(6);
    let mut sobjects = BTreeMap::new();
    sobjects.insert(
        "InstalledSubscriberPackage".to_string(),
        vec![json!({
            "Id": "0A3FAKE00000001",
            "SubscriberPackage": {"NamespacePrefix": "acmecpq", "Name": "Acme CPQ"},
        })],
    );
    let org = FakeOrg::start(Config {
        org_dir: dir.path().to_path_buf(),
        deny_queries: vec!["OauthToken".into()],
        sobjects,
        ..Config::default()
    });
    let c = client();
    let data = "/services/data/v66.0/query";
    let tooling = "/services/data/v66.0/tooling/query/";

    let (status, _, v) = query(
        &c,
        &org.base_url,
        data,
        "SELECT Id, Name, NamespacePrefix, IsSandbox, OrganizationType FROM Organization",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let o = &v["records"][0];
    assert_eq!(o["Id"], "00DFAKE00000001");
    assert_eq!(o["Name"], "evidence-org");
    assert_eq!(o["NamespacePrefix"], "acme");
    assert_eq!(o["IsSandbox"], false);
    assert_eq!(o["OrganizationType"], "Enterprise Edition");
    assert_eq!(v["done"], true);

    // The logins are of January 2026; the org's "now" is 2026-11-21.
    for (days, n) in [(365, 2), (90, 0)] {
        let (_, _, v) = query(
            &c,
            &org.base_url,
            data,
            &format!("select count() from LoginHistory where LoginSubType = 'oauthwebserver' and LoginTime = LAST_N_DAYS:{days}"),
        )
        .await;
        assert_eq!(v["totalSize"], n, "{days} days: {v}");
        assert_eq!(v["records"], json!([]));
    }

    let (_, _, v) = query(
        &c,
        &org.base_url,
        data,
        "SELECT Application FROM LoginHistory WHERE UserId = '005fake00000001' LIMIT 2",
    )
    .await;
    let apps: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Application"].as_str().unwrap())
        .collect();
    assert_eq!(apps, ["ERP Integration", "ERP Integration"]);

    let (status, _, v) = query(&c, &org.base_url, data, "SELECT Id FROM BotDefinition").await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!([{"message": "sObject type 'BotDefinition' is not supported.", "errorCode": "INVALID_TYPE"}])
    );
    let (status, _, v) = query(&c, &org.base_url, data, "SELECT Id LoginHistory").await;
    assert_eq!(status, 400);
    assert_eq!(v[0]["errorCode"], "MALFORMED_QUERY");
    let (status, _, v) = query(
        &c,
        &org.base_url,
        data,
        "SELECT Id, Bogus FROM LoginHistory",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v[0]["errorCode"], "INVALID_FIELD");
    let (status, _, v) = query(&c, &org.base_url, data, "SELECT Id FROM OauthToken").await;
    assert_eq!(status, 403);
    assert_eq!(v[0]["errorCode"], "INSUFFICIENT_ACCESS");

    // Tooling-only objects are not on the data API; relationship fields nest.
    let soql = "SELECT Id, SubscriberPackage.NamespacePrefix FROM InstalledSubscriberPackage";
    let (status, _, _) = query(&c, &org.base_url, data, soql).await;
    assert_eq!(status, 400);
    let (status, _, v) = query(&c, &org.base_url, tooling, soql).await;
    assert_eq!(status, 200, "{v}");
    let rec = &v["records"][0];
    assert_eq!(rec["SubscriberPackage"]["NamespacePrefix"], "acmecpq");
    assert!(rec["SubscriberPackage"].get("Name").is_none());
    assert_eq!(
        rec["attributes"]["url"],
        "/services/data/v66.0/tooling/sobjects/InstalledSubscriberPackage/0A3FAKE00000001"
    );

    // Unknown API version.
    let (status, _, _) = query(
        &c,
        &org.base_url,
        "/services/data/v12.0/query",
        "SELECT Id FROM Organization",
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn versions_endpoint_lists_versions() {
    let org = FakeOrg::start(Config::default());
    let v: Value = client()
        .get(format!("{}/services/data", org.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = v.as_array().unwrap();
    // 31.0 (Summer '14) to 66.0, as real orgs offer them.
    assert_eq!(list.len(), 36);
    assert_eq!(
        list[0],
        json!({"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"})
    );
    assert_eq!(
        list.last().unwrap(),
        &json!({"label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"})
    );
    assert_eq!(org.calls()["versions"], 1);
}

async fn refresh(c: &reqwest::Client, base: &str, refresh_token: &str) -> (u16, Value) {
    let r = c
        .post(format!("{base}/services/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=refresh_token&client_id=PlatformCLI&refresh_token={refresh_token}"
        ))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn session_expires_and_refresh_issues_a_new_token() {
    let org = FakeOrg::start(Config {
        expire_session_after: Some(2),
        ..Config::default()
    });
    let c = client();
    let op = list_op(&["ConnectedApp"]);
    assert_eq!(soap(&c, &org.base_url, TOKEN, &op).await.0, 200);
    assert_eq!(soap(&c, &org.base_url, TOKEN, &op).await.0, 200);
    let (status, body) = soap(&c, &org.base_url, TOKEN, &op).await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "sf:INVALID_SESSION_ID");
    assert_ne!(org.current_token(), TOKEN);
    let (status, _, _) = query(
        &c,
        &org.base_url,
        "/services/data/v66.0/query",
        "SELECT Id FROM Organization",
    )
    .await;
    assert_eq!(status, 401);

    let (status, v) = refresh(&c, &org.base_url, "wrong").await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!({"error": "invalid_grant", "error_description": "expired access/refresh token"})
    );

    let (status, v) = refresh(&c, &org.base_url, "5Aep861FakeRfrTkn9xQ2v").await;
    assert_eq!(status, 200, "{v}");
    let new = v["access_token"].as_str().unwrap().to_string();
    assert_eq!(new, org.current_token());
    assert_ne!(new, TOKEN);
    assert_eq!(v["instance_url"], org.base_url.as_str());
    assert_eq!(
        v["id"],
        format!(
            "{}/id/00DFAKE00000001/{}",
            org.base_url,
            fake_org::user_id()
        )
        .as_str()
    );
    assert_eq!(v["token_type"], "Bearer");
    assert!(v["issued_at"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(v["signature"].as_str().is_some());

    assert_eq!(soap(&c, &org.base_url, &new, &op).await.0, 200);
    assert_eq!(
        soap(&c, &org.base_url, TOKEN, &op).await.0,
        500,
        "old token is gone"
    );
    assert_eq!(org.calls()["token"], 2);
}

#[tokio::test]
async fn denied_types_give_insufficient_access() {
    let org = FakeOrg::start(Config {
        deny_read_types: vec!["ExtlClntAppGlobalOauthSettings".into()],
        ..Config::default()
    });
    let c = client();
    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &list_op(&["ExtlClntAppGlobalOauthSettings"]),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "sf:INSUFFICIENT_ACCESS");
    let (status, body) = soap(
        &c,
        &org.base_url,
        TOKEN,
        &read_op("ExtlClntAppGlobalOauthSettings", &["ExpTrkGlblOAuth"]),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(fault_of(&body).0, "sf:INSUFFICIENT_ACCESS");
    let (status, _) = soap(&c, &org.base_url, TOKEN, &list_op(&["ConnectedApp"])).await;
    assert_eq!(status, 200);
}

/// What one request produced, for comparing fault sequences.
async fn outcome(c: &reqwest::Client, base: &str, soap_call: bool) -> String {
    let r = if soap_call {
        c.post(format!("{base}/services/Soap/m/66.0"))
            .header("Content-Type", "text/xml")
            .header("SOAPAction", "\"\"")
            .body(envelope(TOKEN, &list_op(&["ConnectedApp"])))
            .send()
            .await
    } else {
        c.get(format!("{base}/services/data/v66.0/query"))
            .query(&[("q", "SELECT Id FROM Organization")])
            .bearer_auth(TOKEN)
            .send()
            .await
    };
    match r {
        Err(_) => "dropped".into(),
        Ok(r) => {
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get("Retry-After")
                .map(|v| format!(" retry-after={}", v.to_str().unwrap()))
                .unwrap_or_default();
            let body = r.text().await.unwrap_or_default();
            let code = if body.contains("<faultcode>") {
                format!(" {}", fault_of(&body).0)
            } else if body.starts_with('[') {
                let v: Value = serde_json::from_str(&body).unwrap();
                format!(" {}", v[0]["errorCode"].as_str().unwrap())
            } else {
                String::new()
            };
            format!("{status}{retry}{code}")
        }
    }
}

async fn fault_sequence(seed: u64, rate: f64, n: usize) -> (Vec<String>, BTreeMap<String, u64>) {
    let org = FakeOrg::start(Config {
        fault_rate: rate,
        seed,
        ..Config::default()
    });
    let c = client();
    let mut out = Vec::new();
    for i in 0..n {
        out.push(outcome(&c, &org.base_url, i % 2 == 0).await);
    }
    (out, org.calls())
}

#[tokio::test]
async fn faults_are_deterministic_by_seed_and_spare_the_token_endpoint() {
    let (a, calls) = fault_sequence(7, 0.5, 40).await;
    let (b, _) = fault_sequence(7, 0.5, 40).await;
    let (other, _) = fault_sequence(8, 0.5, 40).await;
    assert_eq!(a, b, "same seed, same faults");
    assert_ne!(a, other, "another seed, other faults");
    let faults = a.iter().filter(|o| !o.starts_with("200")).count() as u64;
    assert!(faults > 5 && faults < 35, "{a:?}");
    assert_eq!(calls["faults_injected"], faults);

    // At rate 1 every kind shows up, and the token endpoint still answers.
    let org = FakeOrg::start(Config {
        fault_rate: 1.0,
        seed: 3,
        ..Config::default()
    });
    let c = client();
    let mut kinds = std::collections::BTreeSet::new();
    for i in 0..80 {
        kinds.insert(outcome(&c, &org.base_url, i % 2 == 0).await);
    }
    for expected in [
        "dropped",
        "503",
        "500 sf:SERVER_UNAVAILABLE",
        "500 sf:REQUEST_LIMIT_EXCEEDED",
        "403 REQUEST_LIMIT_EXCEEDED",
        "503 SERVER_UNAVAILABLE",
    ] {
        assert!(kinds.contains(expected), "{expected} not in {kinds:?}");
    }
    assert!(
        kinds.iter().any(|k| k.starts_with("429 retry-after=")),
        "{kinds:?}"
    );
    assert!(!kinds.iter().any(|k| k.starts_with("200")));
    let (status, _) = refresh(&c, &org.base_url, "5Aep861FakeRfrTkn9xQ2v").await;
    assert_eq!(status, 200);
    assert_eq!(org.calls()["faults_injected"], 80);
}

#[tokio::test]
async fn counts_batches_and_concurrency() {
    let org = FakeOrg::start(Config {
        latency: Duration::from_millis(300),
        ..Config::default()
    });
    let c = client();
    let ops = [
        read_op(
            "ConnectedApp",
            &["Customer_Portal", "Okta_SSO", "Headless_Login"],
        ),
        read_op("ConnectedApp", &["Secure_Web_App"]),
        read_op(
            "ExternalClientApplication",
            &["Expense_Tracker", "Analytics_Bridge"],
        ),
        list_op(&["ConnectedApp"]),
    ];
    let futures = ops.iter().map(|op| soap(&c, &org.base_url, TOKEN, op));
    let done = futures::future::join_all(futures).await;
    assert!(done.iter().all(|(s, _)| *s == 200));
    // All four were in flight at once: the latency (300 ms) holds each one open. (How long
    // the batch took is not checked: no test measures the clock.)
    assert_eq!(org.max_concurrent(), 4);
    let mut sizes = org.names_per_read();
    sizes.sort();
    assert_eq!(sizes, [1, 2, 3]);
    let calls = org.calls();
    assert_eq!(calls["readMetadata"], 3);
    assert_eq!(calls["listMetadata"], 1);
    assert_eq!(calls.get("faults_injected"), None);
    assert_eq!(org.api_usage(), 1004);
}

#[tokio::test]
async fn truncates_every_second_body() {
    let org = FakeOrg::start(Config {
        truncate_bodies: true,
        ..Config::default()
    });
    let c = client();
    let op = read_op("ConnectedApp", &["Customer_Portal"]);
    let (_, first) = soap(&c, &org.base_url, TOKEN, &op).await;
    let (status, second) = soap(&c, &org.base_url, TOKEN, &op).await;
    let (_, third) = soap(&c, &org.base_url, TOKEN, &op).await;
    assert!(xml::parse(first.as_bytes()).is_ok());
    assert_eq!(status, 200);
    assert_eq!(second.len(), first.len() / 2);
    assert!(xml::parse(second.as_bytes()).is_err());
    assert_eq!(first, third);
    // The token endpoint is left alone.
    for _ in 0..2 {
        assert_eq!(
            refresh(&c, &org.base_url, "5Aep861FakeRfrTkn9xQ2v").await.0,
            200
        );
    }
}

async fn get_json(c: &reqwest::Client, url: &str, token: Option<&str>) -> (u16, String) {
    let mut r = c.get(url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// What real clients call first: UserInfo, the identity URL, the resource directory, the
/// running User, describes, limits; refusals in the identity service's own words.
#[tokio::test]
async fn identity_describe_and_limits_answer_like_a_real_org() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let base = &org.base_url;
    let user = fake_org::user_id();
    let (status, body) =
        get_json(&c, &format!("{base}/services/oauth2/userinfo"), Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["user_id"], user.as_str());
    assert_eq!(info["organization_id"], "00DFAKE00000001");
    assert_eq!(info["preferred_username"], "admin@acme-crm.example.com");
    assert_eq!(
        info["urls"]["rest"],
        format!("{base}/services/data/v{{version}}/").as_str()
    );
    let userinfo = format!("{base}/services/oauth2/userinfo");
    assert_eq!(
        get_json(&c, &userinfo, Some("nope")).await,
        (403, "Bad_OAuth_Token".to_string())
    );
    assert_eq!(
        get_json(&c, &userinfo, None).await,
        (403, "Missing_OAuth_Token".to_string())
    );

    // The directory names the identity URL; jsforce reads it with `oauth_token`.
    let (_, dir) = get_json(&c, &format!("{base}/services/data/v50.0"), Some(TOKEN)).await;
    let dir: Value = serde_json::from_str(&dir).unwrap();
    let identity = dir["identity"].as_str().unwrap().to_string();
    assert_eq!(identity, format!("{base}/id/00DFAKE00000001/{user}"));
    assert_eq!(dir["sobjects"], "/services/data/v50.0/sobjects");
    let url = format!(
        "{identity}?format=json&oauth_token={}",
        TOKEN.replace('!', "%21")
    );
    let (status, id) = get_json(&c, &url, None).await;
    assert_eq!(status, 200, "{id}");
    let id: Value = serde_json::from_str(&id).unwrap();
    assert_eq!(id["username"], "admin@acme-crm.example.com");
    let other = format!("{base}/id/00DOTHER00000001/{user}");
    assert_eq!(
        get_json(&c, &other, Some(TOKEN)).await,
        (403, "Wrong_Org".to_string())
    );

    // The running user, as the Salesforce CLI reads it (v51.0).
    let me = format!("{base}/services/data/v51.0/sobjects/User/{user}");
    let (status, u) = get_json(&c, &me, Some(TOKEN)).await;
    assert_eq!(status, 200, "{u}");
    let u: Value = serde_json::from_str(&u).unwrap();
    assert_eq!(u["Username"], "admin@acme-crm.example.com");
    let nobody = format!("{base}/services/data/v51.0/sobjects/User/005000000000000AAA");
    assert_eq!(get_json(&c, &nobody, Some(TOKEN)).await.0, 404);

    let global = format!("{base}/services/data/v66.0/sobjects");
    let (_, g) = get_json(&c, &global, Some(TOKEN)).await;
    let g: Value = serde_json::from_str(&g).unwrap();
    let names: Vec<&str> = g["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for n in [
        "ConnectedApplication",
        "LoginHistory",
        "OauthToken",
        "Organization",
        "User",
        "ExternalClientApplication",
    ] {
        assert!(names.contains(&n), "{n}: {names:?}");
    }
    assert!(!names.contains(&"SandboxProcess"), "Tooling only");
    let tooling = format!("{base}/services/data/v66.0/tooling/sobjects");
    assert!(get_json(&c, &tooling, Some(TOKEN))
        .await
        .1
        .contains("\"SandboxProcess\""));
    let none = format!("{base}/services/data/v66.0/sobjects/NoSuch/describe");
    assert_eq!(get_json(&c, &none, Some(TOKEN)).await.0, 404);

    let (_, l) = get_json(
        &c,
        &format!("{base}/services/data/v66.0/limits"),
        Some(TOKEN),
    )
    .await;
    let l: Value = serde_json::from_str(&l).unwrap();
    assert_eq!(l["DailyApiRequests"]["Max"], 100_000);
    assert!(l["DailyApiRequests"]["Remaining"].as_u64().unwrap() < 100_000);

    // describeMetadata: the real result's shape.
    let op = "<met:describeMetadata><met:asOfVersion>66.0</met:asOfVersion></met:describeMetadata>";
    let (status, body) = soap(&c, base, TOKEN, op).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<xmlName>ConnectedApp</xmlName>")
            && body.contains("<organizationNamespace></organizationNamespace><partialSaveAllowed>true</partialSaveAllowed><testRequired>false</testRequired>"),
        "{body}"
    );
}

/// Tooling SandboxProcess has no rows on a production org; the ECA SOQL objects come from
/// the served External Client Apps; OFFSET is limited to 2,000 except on OauthToken.
#[tokio::test]
async fn sandbox_eca_objects_and_offset_limits() {
    let org = FakeOrg::start(Config::default());
    let c = client();
    let q = |tooling: bool, soql: &str| {
        let t = if tooling { "/tooling" } else { "" };
        format!(
            "{}/services/data/v66.0{t}/query?q={}",
            org.base_url,
            soql.replace(' ', "+").replace('\'', "%27")
        )
    };
    let json = |body: &str| serde_json::from_str::<Value>(body).unwrap();
    let (status, body) = get_json(
        &c,
        &q(true, "SELECT Id, SandboxName FROM SandboxProcess"),
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["totalSize"], 0);
    let (status, _) = get_json(&c, &q(false, "SELECT Id FROM SandboxProcess"), Some(TOKEN)).await;
    assert_eq!(status, 400, "Tooling only");

    let soql = "SELECT Id, DeveloperName, NamespacePrefix, DistributionState FROM ExternalClientApplication WHERE DistributionState = 'Packaged'";
    let (status, body) = get_json(&c, &q(false, soql), Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["totalSize"], 1, "{v}");
    assert_eq!(v["records"][0]["DeveloperName"], "Vendor_Connector");
    assert_eq!(v["records"][0]["NamespacePrefix"], "vendorx");
    let eca_id = v["records"][0]["Id"].as_str().unwrap().to_string();
    let soql = "SELECT ExternalClientApplicationId, DeveloperName FROM ExtlClntAppOauthSettings";
    let v = json(&get_json(&c, &q(true, soql), Some(TOKEN)).await.1);
    assert!(
        v["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ExternalClientApplicationId"] == eca_id.as_str()),
        "{v}"
    );
    let soql = "SELECT DeveloperName, IsTokenExchangeFlowEnabled, PermittedUsersPolicyType FROM ExtlClntAppOauthPlcyCnfg WHERE DeveloperName = 'Data_Loader_Plus_oauthPlcy'";
    let v = json(&get_json(&c, &q(false, soql), Some(TOKEN)).await.1);
    assert_eq!(v["records"][0]["IsTokenExchangeFlowEnabled"], false, "{v}");
    assert_eq!(
        v["records"][0]["PermittedUsersPolicyType"],
        "AdminApprovedPreAuthorized"
    );

    let soql = "SELECT Id FROM ConnectedApplication LIMIT 10 OFFSET 2001";
    let (status, body) = get_json(&c, &q(false, soql), Some(TOKEN)).await;
    assert_eq!(status, 400);
    assert!(body.contains("NUMBER_OUTSIDE_VALID_RANGE"), "{body}");
    let soql = "SELECT AppName FROM OauthToken LIMIT 2500 OFFSET 2500";
    let (status, body) = get_json(&c, &q(false, soql), Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
}

/// The HTTPS listener serves the same org and sessions, with the certificate it is given.
#[tokio::test]
async fn the_tls_listener_serves_the_same_org() {
    // A CA and a server certificate it signs (rustls takes no CA as the server's own).
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let made = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]) && openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "key.pem",
        "-out",
        "req.csr",
    ]) && openssl(&[
        "x509",
        "-req",
        "-in",
        "req.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        "-out",
        "cert.pem",
    ]);
    if !made {
        eprintln!("notice: openssl is not available; the TLS listener test is skipped");
        return;
    }
    let (cert, key) = (p("cert.pem"), p("key.pem"));
    let org = FakeOrg::start(Config {
        tls: Some(fake_org::TlsConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            cert_pem: cert.clone(),
            key_pem: key,
        }),
        ..Config::default()
    });
    let https = org.tls_base_url.clone().unwrap();
    assert!(https.starts_with("https://127.0.0.1:"), "{https}");
    let pem = std::fs::read(p("ca.pem")).unwrap();
    let c = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let userinfo = format!("{https}/services/oauth2/userinfo");
    let (status, body) = get_json(&c, &userinfo, Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    // Absolute URLs name the URL the request came in on.
    assert!(body.contains(&format!("\"sub\":\"{https}/id/")), "{body}");
    let (_, body) = soap(&c, &https, TOKEN, &list_op(&["ConnectedApp"])).await;
    assert!(body.contains("<type>ConnectedApp</type>"), "{body}");
    // A client that does not trust the certificate is refused; the org keeps serving.
    assert!(client()
        .get(format!("{https}/services/data"))
        .send()
        .await
        .is_err());
    assert_eq!(
        get_json(&c, &format!("{https}/services/data"), None)
            .await
            .0,
        200
    );
}

// LoginHistory as `verify` reads it: one aggregate query per window.

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

const VERIFY_WINDOW: &str = "SELECT Application, LoginType, LoginSubType, Status, COUNT(Id), MIN(LoginTime), MAX(LoginTime) FROM LoginHistory WHERE LoginTime >= 2026-12-01T09:00:00Z AND LoginTime < 2026-12-02T00:00:00Z GROUP BY Application, LoginType, LoginSubType, Status";

/// An org with logins around a change deployed 2026-12-01T09:00Z.
fn login_org(dir: &tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> FakeOrg {
    use fake_org::logins::{self, Login};
    let web = "OauthWebServer";
    let mut password = Login::oauth(
        "Customer Portal",
        web,
        logins::INVALID_PASSWORD,
        at("2026-12-01T09:10:00Z"),
    );
    password.login_type = "Application".into();
    password.login_sub_type = None;
    let mut cfg = Config {
        org_dir: dir.path().to_path_buf(),
        now: at("2026-12-05T00:00:00Z"),
        page_size: 2,
        logins: vec![
            // Baseline, and a refresh one second before the change.
            Login::oauth(
                "Customer Portal",
                web,
                logins::SUCCESS,
                at("2026-11-30T10:00:00Z"),
            ),
            Login::oauth(
                "ERP Integration",
                "OauthRefreshToken",
                logins::SUCCESS,
                at("2026-12-01T08:59:59Z"),
            ),
            // After: PKCE failures, then successes.
            Login::oauth(
                "Customer Portal",
                web,
                logins::INVALID_CODE_VERIFIER,
                at("2026-12-01T09:45:00Z"),
            ),
            Login::oauth(
                "Customer Portal",
                web,
                logins::INVALID_CODE_VERIFIER,
                at("2026-12-01T09:30:00Z"),
            ),
            Login::oauth(
                "Customer Portal",
                web,
                logins::SUCCESS,
                at("2026-12-01T12:00:00Z"),
            ),
            Login::oauth(
                "Customer Portal",
                web,
                logins::SUCCESS,
                at("2026-12-01T10:00:00Z"),
            ),
            Login::oauth(
                "Mobile",
                web,
                logins::INVALID_CODE_CHALLENGE,
                at("2026-12-01T13:00:00Z"),
            ),
            password,
            // At the window's end: outside it.
            Login::oauth(
                "Mobile",
                "OauthUserAgent",
                logins::INVALID_CALLBACK_URL,
                at("2026-12-02T00:00:00Z"),
            ),
        ],
        ..Config::default()
    };
    tweak(&mut cfg);
    FakeOrg::start(cfg)
}

#[tokio::test]
async fn login_history_answers_the_verify_window_query() {
    let dir = evidence_org(0);
    let org = login_org(&dir, |_| {});
    let c = client();
    let data = "/services/data/v66.0/query";
    let (status, _, v) = query(&c, &org.base_url, data, VERIFY_WINDOW).await;
    assert_eq!(status, 200, "{v}");
    // Never paged, whatever the page size.
    assert_eq!(v["done"], true, "{v}");
    assert!(v.get("nextRecordsUrl").is_none(), "{v}");
    assert_eq!(v["totalSize"], 4, "{v}");
    let mut groups: Vec<Value> = v["records"].as_array().unwrap().clone();
    groups.sort_by_key(|g| g.to_string());
    let group = |app: &str, ty: &str, sub: Value, status: &str, n: u64, min: &str, max: &str| {
        json!({"attributes": {"type": "AggregateResult"}, "Application": app, "LoginType": ty,
               "LoginSubType": sub, "Status": status, "expr0": n,
               "expr1": format!("2026-12-01T{min}:00.000+0000"),
               "expr2": format!("2026-12-01T{max}:00.000+0000")})
    };
    let mut want = vec![
        group(
            "Customer Portal",
            "Remote Access 2.0",
            json!("OauthWebServer"),
            "Failed: Invalid Code Verifier",
            2,
            "09:30",
            "09:45",
        ),
        group(
            "Customer Portal",
            "Remote Access 2.0",
            json!("OauthWebServer"),
            "Success",
            2,
            "10:00",
            "12:00",
        ),
        group(
            "Mobile",
            "Remote Access 2.0",
            json!("OauthWebServer"),
            "Failed: Invalid Code Challenge",
            1,
            "13:00",
            "13:00",
        ),
        group(
            "Customer Portal",
            "Application",
            Value::Null,
            "Invalid Password",
            1,
            "09:10",
            "09:10",
        ),
    ];
    want.sort_by_key(|g| g.to_string());
    assert_eq!(groups, want);

    // The same window through `>` / `<=`, and a date literal: every login of the last 7
    // days (from 2026-11-28), none before.
    for (soql, n) in [
        ("SELECT COUNT() FROM LoginHistory WHERE LoginTime > 2026-12-01T08:59:59Z AND LoginTime <= 2026-12-02T00:00:00Z", 7),
        ("SELECT COUNT() FROM LoginHistory WHERE LoginTime >= LAST_N_DAYS:7", 9),
        ("SELECT COUNT() FROM LoginHistory WHERE LoginTime < LAST_N_DAYS:7", 0),
        ("SELECT COUNT() FROM LoginHistory WHERE LoginTime < 2026-12-01T10:00:00+01:00", 2),
    ] {
        let (status, _, v) = query(&c, &org.base_url, data, soql).await;
        assert_eq!((status, &v["totalSize"]), (200, &json!(n)), "{soql}: {v}");
    }
}

#[tokio::test]
async fn login_history_refuses_like_a_real_org() {
    let dir = evidence_org(0);
    let org = login_org(&dir, |_| {});
    let c = client();
    let data = "/services/data/v66.0/query";
    // Status and Application may be grouped, not filtered.
    for field in ["Status", "Application"] {
        let soql = format!("SELECT COUNT(Id) FROM LoginHistory WHERE LoginTime >= 2026-12-01T09:00:00Z AND {field} = 'x'");
        let (status, _, v) = query(&c, &org.base_url, data, &soql).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v[0]["errorCode"], "INVALID_FIELD");
        let msg = v[0]["message"].as_str().unwrap();
        assert!(
            msg.contains(&format!(
                "field '{field}' can not be filtered in query call"
            )),
            "{msg}"
        );
        assert!(msg.contains("ERROR at Row:1:Column:80"), "{msg}");
    }
    let (_, d) = get_json(
        &c,
        &format!(
            "{}/services/data/v66.0/sobjects/LoginHistory/describe",
            org.base_url
        ),
        Some(TOKEN),
    )
    .await;
    let d: Value = serde_json::from_str(&d).unwrap();
    let filterable = |name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["filterable"]
            .clone()
    };
    assert_eq!(filterable("Status"), false);
    assert_eq!(filterable("LoginTime"), true);

    // A quoted dateTime is a string, with `=` or an ordering.
    for op in ["=", ">="] {
        let soql =
            format!("SELECT COUNT() FROM LoginHistory WHERE LoginTime {op} '2026-12-01T09:00:00Z'");
        let (status, _, v) = query(&c, &org.base_url, data, &soql).await;
        assert_eq!(
            (status, &v[0]["errorCode"]),
            (400, &json!("INVALID_FIELD")),
            "{v}"
        );
        let msg = v[0]["message"].as_str().unwrap();
        assert!(msg.ends_with("value of filter criterion for field 'LoginTime' must be of type dateTime and should not be enclosed in quotes"), "{msg}");
    }

    // With the switch off, the filter applies.
    let open = login_org(&dir, |c| c.login_history_filter_refusals = false);
    let soql = "SELECT COUNT() FROM LoginHistory WHERE Status = 'failed: invalid code verifier'";
    let (status, _, v) = query(&c, &open.base_url, data, soql).await;
    assert_eq!((status, &v["totalSize"]), (200, &json!(2)), "{v}");

    // LoginHistory denied.
    let denied = login_org(&dir, |c| c.deny_queries = vec!["LoginHistory".into()]);
    let (status, _, v) = query(&c, &denied.base_url, data, VERIFY_WINDOW).await;
    assert_eq!(status, 403, "{v}");
    assert_eq!(
        v,
        json!([{"errorCode": "INSUFFICIENT_ACCESS", "message": "Insufficient privileges: you don't have access to LoginHistory. Ask your Salesforce admin for help."}])
    );
}

#[tokio::test]
async fn login_history_aggregates_stop_at_2000_groups() {
    use fake_org::logins::{self, Login};
    let dir = evidence_org(0);
    let org = FakeOrg::start(Config {
        org_dir: dir.path().to_path_buf(),
        now: at("2026-12-05T00:00:00Z"),
        logins: (0..2001)
            .map(|i| {
                Login::oauth(
                    &format!("App {i:04}"),
                    "OauthWebServer",
                    logins::SUCCESS,
                    at("2026-12-01T10:00:00Z"),
                )
            })
            .collect(),
        ..Config::default()
    });
    let c = client();
    let data = "/services/data/v66.0/query";
    let (status, _, v) = query(&c, &org.base_url, data, VERIFY_WINDOW).await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(
        v,
        json!([{"errorCode": "EXCEEDED_ID_LIMIT", "message": "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch"}])
    );
    // A narrower window (the split verify makes) is answered.
    let (status, _, v) = query(
        &c,
        &org.base_url,
        data,
        &format!("{VERIFY_WINDOW} LIMIT 2000"),
    )
    .await;
    assert_eq!(
        (status, &v["totalSize"], &v["done"]),
        (200, &json!(2000), &json!(true))
    );
    let (status, _, v) = query(
        &c,
        &org.base_url,
        data,
        &VERIFY_WINDOW.replace("2026-12-02T00:00:00Z", "2026-12-01T09:59:59Z"),
    )
    .await;
    assert_eq!((status, &v["totalSize"]), (200, &json!(0)), "{v}");
}

// `sf data query`: the rows, then the columns (`&columns=true`), with date literals.

fn evidence_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/evidence-org")
}

async fn columns(c: &reqwest::Client, base: &str, soql: &str) -> (u16, Value) {
    let r = c
        .get(format!("{base}/services/data/v66.0/query"))
        .query(&[("q", soql), ("columns", "true")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The fixture's rows whose `field` is at or after `from`, by `key`.
fn fixture_rows_from(object: &str, field: &str, from: &str, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(evidence_fixture().join(format!("evidence/{object}.json")))
        .unwrap();
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    let from = at(from);
    rows.iter()
        .filter(|r| {
            let t = r[field].as_str().unwrap().replace("+0000", "Z");
            at(&t) >= from
        })
        .map(|r| r[key].to_string())
        .collect()
}

#[tokio::test]
async fn sf_data_query_gets_its_columns_and_date_literal_rows() {
    let org = FakeOrg::start(Config {
        org_dir: evidence_fixture(),
        ..Config::default()
    });
    let c = client();
    let data = "/services/data/v66.0/query";
    // `>= LAST_N_DAYS:90` on 2026-11-21: from 2026-08-23T00:00Z (GMT user), future too.
    let soql = "SELECT AppName, UseCount, LastUsedDate, User.Username FROM OauthToken WHERE LastUsedDate >= LAST_N_DAYS:90";
    let (status, _, v) = query(&c, &org.base_url, data, soql).await;
    assert_eq!(status, 200, "{v}");
    let got: Vec<String> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["LastUsedDate"].to_string())
        .collect();
    let want = fixture_rows_from(
        "OauthToken",
        "LastUsedDate",
        "2026-08-23T00:00:00Z",
        "LastUsedDate",
    );
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let (status, cols) = columns(&c, &org.base_url, soql).await;
    assert_eq!(status, 200, "{cols}");
    assert!(cols.get("records").is_none(), "{cols}");
    assert_eq!(cols["entityName"], "OauthToken");
    let names: Vec<&str> = cols["columnMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["columnName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["AppName", "UseCount", "LastUsedDate", "User"]);
    assert_eq!(
        cols["columnMetadata"][3]["joinColumns"][0]["columnName"],
        "Username"
    );
    // `<` is before the range: the rest of the rows.
    let (_, _, older) = query(
        &c,
        &org.base_url,
        data,
        "SELECT LastUsedDate FROM OauthToken WHERE LastUsedDate < LAST_N_DAYS:90",
    )
    .await;
    let (_, _, all) = query(&c, &org.base_url, data, "SELECT COUNT() FROM OauthToken").await;
    assert_eq!(
        older["totalSize"].as_u64().unwrap() + v["totalSize"].as_u64().unwrap(),
        all["totalSize"].as_u64().unwrap()
    );
    // Aggregates on LoginHistory: expr0 and an alias.
    let (status, cols) = columns(
        &c,
        &org.base_url,
        "SELECT Application, COUNT(Id), MAX(LoginTime) last FROM LoginHistory WHERE LoginTime = LAST_N_DAYS:90 GROUP BY Application",
    )
    .await;
    assert_eq!(status, 200, "{cols}");
    assert_eq!(cols["groupBy"], true);
    let m = &cols["columnMetadata"];
    assert_eq!(
        (&m[1]["columnName"], &m[1]["displayName"]),
        (&json!("expr0"), &json!("count(Id)"))
    );
    assert_eq!(m[2]["columnName"], "last");
    // A bad query is refused with the columns too, as without.
    let (status, e) = columns(
        &c,
        &org.base_url,
        "SELECT Id FROM OauthToken WHERE UseCount = '3'",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(e[0]["errorCode"], "INVALID_FIELD", "{e}");
    assert!(e[0]["message"]
        .as_str()
        .unwrap()
        .contains("must be of type integer and should not be enclosed in quotes"));
    let (status, _, e) = query(
        &c,
        &org.base_url,
        data,
        "SELECT Id FROM LoginHistory WHERE LoginTime = THIS_FISCAL_QUARTER",
    )
    .await;
    assert_eq!(
        (status, &e[0]["errorCode"]),
        (400, &json!("MALFORMED_QUERY"))
    );
}

#[tokio::test]
async fn date_literals_count_days_in_the_users_time_zone() {
    let dir = evidence_org(0);
    let org = login_org(&dir, |cfg| {
        cfg.now = at("2026-12-02T03:00:00Z");
        cfg.page_size = 2000;
        cfg.user_time_zone = fake_org::UserTimeZone {
            sid_key: "America/Los_Angeles".into(),
            offset: chrono::FixedOffset::west_opt(8 * 3600).unwrap(),
        };
    });
    let c = client();
    let data = "/services/data/v66.0/query";
    // 03:00 GMT on the 2nd is 19:00 on the 1st in Los Angeles: TODAY is the 1st there,
    // 08:00 GMT on the 1st up to 08:00 GMT on the 2nd.
    let (status, _, v) = query(
        &c,
        &org.base_url,
        data,
        "SELECT LoginTime FROM LoginHistory WHERE LoginTime = TODAY",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let mut times: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["LoginTime"].as_str().unwrap())
        .collect();
    times.sort();
    assert_eq!(times.len(), 8, "{times:?}");
    assert_eq!(times[0], "2026-12-01T08:59:59.000+0000");
    assert_eq!(times[7], "2026-12-02T00:00:00.000+0000");
    let (_, _, before) = query(
        &c,
        &org.base_url,
        data,
        "SELECT COUNT() FROM LoginHistory WHERE LoginTime < TODAY",
    )
    .await;
    assert_eq!(before["totalSize"], 1, "the 30 November login");
    let (_, _, me) = query(&c, &org.base_url, data, "SELECT TimeZoneSidKey FROM User").await;
    assert_eq!(me["records"][0]["TimeZoneSidKey"], "America/Los_Angeles");
}
