use super::*;
use std::path::Path;

fn fixture(name: &str) -> OrgRun {
    OrgRun {
        outcome: Ok(Audited {
            report: pkce_audit_test_org::reports::of_fixture(name),
            packages: None,
        }),
    }
}

fn failed() -> OrgRun {
    OrgRun {
        outcome: Err("tcp connect error: Connection refused".into()),
    }
}

/// A fleet file of `n` orgs named o0, o1, … (o0 production, o1 its sandbox).
fn config(n: usize) -> FleetConfig {
    let mut text = String::new();
    for i in 0..n {
        text += &format!("[[org]]\nname = \"o{i}\"\nsource = \"d{i}\"\n");
        match i {
            0 => text += "role = \"production\"\n",
            1 => text += "role = \"sandbox\"\nrehearses = \"o0\"\n",
            _ => {}
        }
    }
    config::parse(&text, Path::new("fleet.toml")).unwrap()
}

fn verdict_of(runs: Vec<OrgRun>) -> (Verdict, String, i32) {
    verdict_failing_on(runs, None)
}

fn verdict_failing_on(runs: Vec<OrgRun>, fail_on: Option<Severity>) -> (Verdict, String, i32) {
    let r = build(
        &config(runs.len()),
        &runs,
        &[],
        fail_on,
        "2026-11-21T00:00:00Z".into(),
    );
    (r.verdict, r.verdict_reason.clone(), crate::exit::fleet(&r))
}

#[test]
fn the_fleet_is_as_ready_as_its_least_ready_org() {
    let (v, why, code) = verdict_of(vec![
        fixture("ready-org"),
        failed(),
        fixture("demo-org"),
        fixture("enforced-org"),
    ]);
    assert_eq!((v, code), (Verdict::NotReady, 1));
    assert_eq!(
        why,
        "4 org(s): 1 not ready, 1 incomplete (1 could not be audited), 1 ready, 1 enforced."
    );
    let (v, _, code) = verdict_of(vec![fixture("ready-org"), failed()]);
    assert_eq!((v, code), (Verdict::Incomplete, 3));
    let (v, _, code) = verdict_of(vec![fixture("no-settings-org"), fixture("ready-org")]);
    assert_eq!((v, code), (Verdict::Incomplete, 3));
    let (v, _, code) = verdict_of(vec![fixture("ready-org"), fixture("enforced-org")]);
    assert_eq!((v, code), (Verdict::Ready, 0));
    let (v, why, code) = verdict_of(vec![fixture("enforced-org"), fixture("enforced-org")]);
    assert_eq!((v, code), (Verdict::Enforced, 0), "{why}");
}

#[test]
fn fail_on_fails_the_fleet_as_it_fails_one_audit() {
    let runs = || vec![fixture("ready-org"), fixture("ready-org")];
    assert_eq!(verdict_of(runs()).2, 0);
    // The ready org's one finding is org-pkce-not-enforced, at info: the report says not
    // ready, and the exit status is the one its verdict stands for.
    let (v, why, code) = verdict_failing_on(runs(), Some(Severity::Info));
    assert_eq!((v, code), (Verdict::NotReady, 1));
    assert_eq!(
        why,
        "2 org(s): 2 ready. --fail-on info matched in 2 org(s)."
    );
    let (v, why, code) = verdict_failing_on(runs(), Some(Severity::Low));
    assert_eq!(
        (v, why.as_str(), code),
        (Verdict::Ready, "2 org(s): 2 ready.", 0)
    );
    // A match outweighs an org that could not be audited, as for `audit`.
    let (v, _, code) =
        verdict_failing_on(vec![fixture("ready-org"), failed()], Some(Severity::Info));
    assert_eq!((v, code), (Verdict::NotReady, 1));
}

#[test]
fn each_org_entry_carries_its_reports_summary_or_its_failure() {
    let runs = vec![fixture("demo-org"), failed()];
    let links = vec![Some("out/o0.json".to_string()), None];
    let r = build(&config(2), &runs, &links, None, "t".into());
    let demo = &r.orgs[0];
    assert_eq!(demo.role, Some(Role::Production));
    assert_eq!(demo.blockers.findings, 8);
    assert_eq!(demo.blockers.apps(), 8);
    assert_eq!(demo.blockers.isv.len(), 2);
    assert_eq!(demo.report.as_deref(), Some("out/o0.json"));
    assert_eq!(demo.api_calls, None);
    assert!(demo.error.is_none());
    let down = &r.orgs[1];
    assert_eq!(down.verdict, Verdict::Incomplete);
    assert_eq!(down.rehearses.as_deref(), Some("o0"));
    assert!(down
        .error
        .as_deref()
        .unwrap()
        .contains("Connection refused"));
    assert_eq!(down.blockers, Blockers::default());
    assert_eq!(r.rehearsals.len(), 1);
    assert_eq!(r.rehearsals[0].faithful, None);
    // The fleet JSON has the documented top-level keys and per-org keys.
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "schema_version",
        "verdict",
        "orgs",
        "packages",
        "rehearsals",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    for key in ["name", "role", "verdict", "blockers", "report"] {
        assert!(v["orgs"][0].get(key).is_some(), "{key}");
    }
    let back: FleetReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn report_files_are_portable_and_unique_whatever_the_org_names() {
    let text = [
        "Acme Prod",
        "acme%20prod",
        "CON",
        "../up",
        "a/b",
        "Plain-Name_1",
    ]
    .iter()
    .map(|n| format!("[[org]]\nname = \"{n}\"\ntarget_org = \"x\"\n"))
    .collect::<String>();
    let c = config::parse(&text, Path::new("f.toml")).unwrap();
    let names = report_file_names(&c);
    for n in &names {
        assert!(!n.contains(['/', '\\', ' ']) && !n.starts_with('.'), "{n}");
    }
    let lower: std::collections::BTreeSet<String> =
        names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(lower.len(), names.len(), "{names:?}");
    assert_eq!(names[5], "Plain-Name_1.json");
    assert_ne!(names[2].to_uppercase(), "CON.JSON");
}
