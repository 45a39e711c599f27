//! Real SOAP and REST answers (../shared/corpus/soap and ../shared/corpus/rest, see its
//! SOURCES.md) fed to the live client's parsers: each parses, or is refused with its fault
//! named (fault and error samples). The real sObject and describeMetadata describes are
//! also held against the loopback test org's, so the test org stays the real API's shape.
//!
//! Read in place; without ../shared/corpus each test says so and passes.

use crate::fake_org;

use pkce_audit_io::salesforce::{rest, soap};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "notice: {} not found; the real-answer corpus tests are skipped",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// What each real SOAP answer must read as: the body element of a response, or the
/// fault code. A new file without an entry fails the test, so none is skipped silently.
const SOAP: &[(&str, Result<&str, &str>)] = &[
    (
        "congaengr__soapforce__query_more_response.xml",
        Ok("queryMoreResponse"),
    ),
    (
        "congaengr__soapforce__query_response.xml",
        Ok("queryResponse"),
    ),
    // A save error inside a normal response: not a SOAP fault.
    (
        "congaengr__soapforce__update_response_failure.xml",
        Ok("updateResponse"),
    ),
    (
        "ejholmes__metaforce__check_deploy_status__error.xml",
        Ok("checkDeployStatusResponse"),
    ),
    (
        "ejholmes__metaforce__check_retrieve_status__success.xml",
        Ok("checkRetrieveStatusResponse"),
    ),
    (
        "ejholmes__metaforce__describe_metadata__success.xml",
        Ok("describeMetadataResponse"),
    ),
    (
        "ejholmes__metaforce__foo__invalid_session.xml",
        Err("INVALID_SESSION_ID"),
    ),
    (
        "ejholmes__metaforce__list_metadata__no_result.xml",
        Ok("listMetadataResponse"),
    ),
    (
        "ejholmes__metaforce__list_metadata__objects.xml",
        Ok("listMetadataResponse"),
    ),
    (
        "ejholmes__metaforce__login__failure.xml",
        Err("INVALID_LOGIN"),
    ),
];

#[test]
fn real_soap_answers_parse_or_are_refused_with_their_fault_named() {
    let Some(dir) = corpus("soap") else { return };
    let samples = files(&dir);
    assert!(!samples.is_empty());
    for (name, bytes) in &samples {
        let want = SOAP
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}: new sample; say what it must read as"))
            .1;
        soap::check_bounds(bytes).unwrap_or_else(|e| panic!("{name}: over the bounds: {e}"));
        match (soap::parse_answer(bytes), want) {
            (Ok(soap::Answer::Response { body, .. }), Ok(op)) => {
                assert_eq!(body.name, op, "{name}");
                if op == "listMetadataResponse" {
                    let listed = soap::parse_list(&body)
                        .unwrap_or_else(|e| panic!("{name}: listMetadata: {e}"));
                    let names: Vec<&str> = listed
                        .iter()
                        .map(|l| l.full_name.as_str())
                        .filter(|n| !n.is_empty())
                        .collect();
                    if name.contains("no_result") {
                        assert!(listed.is_empty(), "{name}: {names:?}");
                    } else {
                        assert!(!names.is_empty(), "{name}: no fullName read");
                    }
                }
            }
            (Ok(soap::Answer::Fault { code, message }), Err(fault)) => {
                assert_eq!(code, fault, "{name}");
                assert!(!message.is_empty(), "{name}: the fault's message is kept");
            }
            (got, want) => panic!("{name}: read as {got:?}, want {want:?}"),
        }
    }
}

/// What each real REST answer is, and so which parser it goes to.
enum Rest {
    /// A query page: records, done, next.
    Page {
        records: usize,
        done: bool,
        next: bool,
    },
    /// An error body: `(errorCode or OAuth error)`.
    Error(&'static str),
    /// An sObject describe (compared with the test org's below).
    Describe(&'static str),
    /// A describeMetadata result in jsforce's JSON shape (compared below).
    DescribeMetadata,
}

const REST: &[(&str, Rest)] = &[
    (
        "amtrack__force-dev-tool__describe-metadata-result.json",
        Rest::DescribeMetadata,
    ),
    (
        "jawills__jira-sf-integration__ConnectedApplication.json",
        Rest::Describe("ConnectedApplication"),
    ),
    (
        "jawills__jira-sf-integration__OauthToken.json",
        Rest::Describe("OauthToken"),
    ),
    (
        "restforce__restforce__auth_error_response.json",
        Rest::Error("invalid_grant"),
    ),
    (
        "restforce__restforce__query_aggregate_success_response.json",
        Rest::Page {
            records: 3,
            done: true,
            next: false,
        },
    ),
    (
        "restforce__restforce__query_empty_response.json",
        Rest::Page {
            records: 0,
            done: true,
            next: false,
        },
    ),
    (
        "restforce__restforce__query_error_response.json",
        Rest::Error("INVALID_FIELD"),
    ),
    (
        "restforce__restforce__query_paginated_first_page_response.json",
        Rest::Page {
            records: 1,
            done: false,
            next: true,
        },
    ),
    (
        "restforce__restforce__query_success_response.json",
        Rest::Page {
            records: 1,
            done: true,
            next: false,
        },
    ),
    (
        "restforce__restforce__refresh_error_response.json",
        Rest::Error("invalid_grant"),
    ),
];

#[test]
fn real_rest_answers_parse_or_are_refused_with_their_error_named() {
    let Some(dir) = corpus("rest") else { return };
    let samples = files(&dir);
    assert!(!samples.is_empty());
    for (name, bytes) in &samples {
        let want = &REST
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}: new sample; say what it must read as"))
            .1;
        let page = rest::parse_query_page(bytes);
        match want {
            Rest::Page {
                records,
                done,
                next,
            } => {
                let p = page.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    (p.records.len(), p.done, p.next_records_url.is_some()),
                    (*records, *done, *next),
                    "{name}"
                );
                if let Some(n) = &p.next_records_url {
                    assert!(rest::next_page_path(n).is_some(), "{name}: {n}");
                }
            }
            Rest::Error(code) => {
                assert!(page.is_err(), "{name}: an error read as a page");
                let (c, _) = rest::parse_error(bytes).unwrap_or_else(|| panic!("{name}"));
                assert_eq!(c, *code, "{name}");
            }
            Rest::Describe(object) => {
                let e = page.expect_err("a describe is not a query page");
                assert!(e.starts_with("not a query result"), "{name}: {e}");
                let v: Value = serde_json::from_slice(bytes).unwrap();
                assert_eq!(v["name"], *object, "{name}");
            }
            Rest::DescribeMetadata => {
                let e = page.expect_err("a describe is not a query page");
                assert!(e.starts_with("not a query result"), "{name}: {e}");
            }
        }
    }
}

fn describe_fields(v: &Value) -> BTreeMap<String, (String, bool, bool)> {
    v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                (
                    f["type"].as_str().unwrap().to_string(),
                    f["aggregatable"].as_bool().unwrap(),
                    f["groupable"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

/// The test org's describes of ConnectedApplication and OauthToken hold the real fields
/// with the real type, `aggregatable` and `groupable` (OauthToken: nothing aggregatable).
#[test]
fn the_test_org_describes_objects_as_a_real_org_does() {
    let Some(dir) = corpus("rest") else { return };
    let org = fake_org::FakeOrg::start(fake_org::Config::default());
    let token = fake_org::Config::default().access_token;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (object, file) in [
        (
            "ConnectedApplication",
            "jawills__jira-sf-integration__ConnectedApplication.json",
        ),
        (
            "OauthToken",
            "jawills__jira-sf-integration__OauthToken.json",
        ),
    ] {
        let real: Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let ours: Value = rt.block_on(async {
            reqwest::Client::new()
                .get(format!(
                    "{}/services/data/v66.0/sobjects/{object}/describe",
                    org.base_url
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        assert_eq!(ours["name"], object);
        let (real, ours) = (describe_fields(&real), describe_fields(&ours));
        let missing: Vec<&String> = real.keys().filter(|k| !ours.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "{object}: the test org lacks {missing:?}"
        );
        for (name, want) in &real {
            assert_eq!(
                &ours[name], want,
                "{object}.{name} (type, aggregatable, groupable)"
            );
        }
    }
}

/// The test org's describeMetadata answers in the real shape (`DescribeMetadataResult`),
/// and each type it shares with a real answer has that answer's directory and suffix.
#[test]
fn the_test_org_describes_metadata_as_a_real_org_does() {
    let Some(dir) = corpus("soap") else { return };
    let real = pkce_audit_io::xml::parse(
        &std::fs::read(dir.join("ejholmes__metaforce__describe_metadata__success.xml")).unwrap(),
    )
    .unwrap();
    let json_dir = corpus("rest").unwrap();
    let real_json: Value = serde_json::from_slice(
        &std::fs::read(json_dir.join("amtrack__force-dev-tool__describe-metadata-result.json"))
            .unwrap(),
    )
    .unwrap();
    let org = fake_org::FakeOrg::start(fake_org::Config::default());
    let token = fake_org::Config::default().access_token;
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:met="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><met:SessionHeader><met:sessionId>{token}</met:sessionId></met:SessionHeader></soapenv:Header><soapenv:Body><met:describeMetadata><met:asOfVersion>66.0</met:asOfVersion></met:describeMetadata></soapenv:Body></soapenv:Envelope>"#
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/services/Soap/m/66.0", org.base_url))
            .header("Content-Type", "text/xml; charset=UTF-8")
            .header("SOAPAction", "\"\"")
            .body(body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    let ours = match soap::parse_answer(&answer).unwrap() {
        soap::Answer::Response { body, .. } => body,
        other => panic!("{other:?}"),
    };
    let result = |resp: &pkce_audit_io::xml::Element| {
        let r = resp.child("result").expect("a result").clone();
        let shape: Vec<String> = r
            .children
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| n != "metadataObjects")
            .collect();
        let types: BTreeMap<String, (String, String)> = r
            .children_named("metadataObjects")
            .map(|o| {
                (
                    o.child_text("xmlName").unwrap_or("").to_string(),
                    (
                        o.child_text("directoryName").unwrap_or("").to_string(),
                        o.child_text("suffix").unwrap_or("").to_string(),
                    ),
                )
            })
            .collect();
        (shape, types)
    };
    let real_body = real.find("describeMetadataResponse").unwrap();
    let (real_shape, real_types) = result(real_body);
    let (our_shape, our_types) = result(&ours);
    assert_eq!(
        our_shape, real_shape,
        "result elements after metadataObjects"
    );
    assert!(our_types.contains_key("ConnectedApp"));
    let json_types: BTreeMap<String, (String, String)> = real_json["metadataObjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["xmlName"].as_str().unwrap().to_string(),
                (
                    o["directoryName"].as_str().unwrap_or("").to_string(),
                    o["suffix"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect();
    let mut shared = 0;
    for (name, ours) in &our_types {
        for real in [real_types.get(name), json_types.get(name)]
            .into_iter()
            .flatten()
        {
            assert_eq!(ours, real, "{name} (directoryName, suffix)");
            shared += 1;
        }
    }
    assert!(
        shared >= 5,
        "only {shared} types in common with the real answers"
    );
}
