//! Query results that contradict themselves, as the test org answers them on request
//! (`Config::inconsistent_pages`): `done: false` without a `nextRecordsUrl`, a
//! `nextRecordsUrl` given twice, a `totalSize` above the rows the pages hold. Each makes
//! the source partial, with the reason, and the audit `incomplete`: nothing is called done
//! on an answer that cannot be whole.

use crate::fake_org::{Config, FakeOrg, PageFault};
use crate::live_support::*;
use pkce_audit_model::evidence::EvidenceSource;
use serde_json::Value;

const FAULTS: [(PageFault, &str); 3] = [
    (
        PageFault::NotDoneWithoutNext,
        "page 1 of the query result says done: false but gives no nextRecordsUrl",
    ),
    (
        PageFault::RepeatedNext,
        "page 2 of the query result gives again the nextRecordsUrl of an earlier page",
    ),
    (PageFault::TotalAboveRows, "the query result says totalSize"),
];

/// The ready org, live, with `object`'s query pages answered with `fault`.
fn ready_org(faults: Vec<(String, PageFault)>) -> FakeOrg {
    FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        inconsistent_pages: faults,
        ..Config::default()
    })
}

fn incomplete(r: &Value) -> String {
    r["incomplete"].to_string()
}

#[test]
fn each_self_contradicting_page_makes_its_source_partial_and_the_audit_incomplete() {
    // As served whole, the ready org is ready: what follows is the pages' doing.
    let whole = audit_live(&ready_org(Vec::new()).base_url, &[]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    assert_eq!(
        whole.json()["scope"]["evidence"]["sources"][EvidenceSource::ConnectedApplication.as_str()]
            ["partial"],
        false
    );

    for (fault, reason) in FAULTS {
        for source in [
            EvidenceSource::ConnectedApplication.as_str(),
            EvidenceSource::OauthToken.as_str(),
        ] {
            let org = ready_org(vec![(source.into(), fault)]);
            let r = audit_live(&org.base_url, &[]);
            assert_eq!(r.code, 3, "{fault:?} on {source}: {}", r.stderr);
            let v = r.json();
            assert_eq!(v["verdict"], "incomplete", "{fault:?} on {source}");
            let state = &v["scope"]["evidence"]["sources"][source];
            assert_eq!(state["state"], "read", "{state}");
            assert_eq!(state["partial"], true, "{fault:?} on {source}: {state}");
            let why = state["reason"].as_str().unwrap_or_default();
            assert!(why.starts_with(reason), "{fault:?} on {source}: {why}");
            assert!(
                incomplete(&v).contains(&format!("{source} was read only in part: {reason}")),
                "{fault:?} on {source}: {}",
                incomplete(&v)
            );
            // The other sources stay whole.
            for other in EvidenceSource::KNOWN
                .iter()
                .map(|s| s.as_str())
                .filter(|s| *s != source)
            {
                assert_eq!(
                    v["scope"]["evidence"]["sources"][other]["partial"], false,
                    "{other} with {fault:?} on {source}"
                );
            }
            // A page that names itself again is not fetched a third time.
            if fault == PageFault::RepeatedNext {
                assert_eq!(org.calls().get("queryMore"), Some(&1), "{:?}", org.calls());
            }
        }
    }
}

#[test]
fn the_table_names_the_partial_source_and_its_reason() {
    let org = ready_org(vec![(
        EvidenceSource::ConnectedApplication.as_str().into(),
        PageFault::TotalAboveRows,
    )]);
    let r = run(
        &["audit", "--instance-url", &org.base_url],
        &[("SF_ACCESS_TOKEN", TOKEN), ("COLUMNS", "200")],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stdout.contains("INCOMPLETE"), "{}", r.stdout);
    assert!(r.stdout.contains("ConnectedApplication"), "{}", r.stdout);
    assert!(r.stdout.contains("PARTIAL"), "{}", r.stdout);
    let joined = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains("ConnectedApplication was read only in part: the query result says totalSize 5 but its pages hold 0 row(s)"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_self_contradicting_organization_query_is_an_unread_item() {
    // Not a usage source: the whole query fails with the reason, as a broken answer does.
    let org = ready_org(vec![("Organization".into(), PageFault::NotDoneWithoutNext)]);
    let r = audit_live(&org.base_url, &["--no-usage"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = r.json();
    assert!(
        incomplete(&v).contains("done: false but gives no nextRecordsUrl"),
        "{}",
        incomplete(&v)
    );
}
