//! Live audits and snapshots: what is read, in what batches and how many at once,
//! retries under injected faults, permanent faults as named problems, and the same
//! findings from the org, from its snapshot and from the folder it was built from.

use crate::fake_org;
use crate::live_support as support;

use fake_org::{Config, FakeOrg};
use std::path::Path;
use std::time::Duration;
use support::*;

fn demo() -> Config {
    Config::default()
}

fn with_dir(dir: &Path) -> Config {
    Config {
        org_dir: dir.to_path_buf(),
        ..Config::default()
    }
}

/// An org with more than ten components of several types, to see the batching.
fn big_org(dir: &Path, connected_apps: usize, ecas: usize) {
    let md = dir.join("force-app/main/default");
    let write = |rel: String, body: String| {
        let p = md.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    };
    const NS: &str = "xmlns=\"http://soap.sforce.com/2006/04/metadata\"";
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("sfdx-project.json"),
        r#"{"packageDirectories":[{"path":"force-app","default":true}],"namespace":""}"#,
    )
    .unwrap();
    for i in 0..connected_apps {
        write(
            format!("connectedApps/App_{i:02}.connectedApp-meta.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ConnectedApp {NS}>\n    <contactEmail>it@acme.example.com</contactEmail>\n    <label>App {i}</label>\n    <oauthConfig>\n        <callbackUrl>https://app{i}.acme.example.com/cb\nhttps://alt{i}.acme.example.com/cb</callbackUrl>\n        <consumerKey>3MVG9DEMO.NOT_A_REAL_KEY.{i}</consumerKey>\n        <isPkceRequired>{}</isPkceRequired>\n        <scopes>Api</scopes>\n    </oauthConfig>\n</ConnectedApp>\n", i % 3 != 0),
        );
    }
    for i in 0..ecas {
        write(
            format!("externalClientApps/Eca_{i:02}.eca-meta.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExternalClientApplication {NS}>\n    <distributionState>Local</distributionState>\n    <label>Eca {i}</label>\n</ExternalClientApplication>\n"),
        );
        write(
            format!("extlClntAppGlobalOauthSets/Eca_{i:02}_glbloauth.ecaGlblOauth-meta.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExtlClntAppGlobalOauthSettings {NS}>\n    <callbackUrl>https://eca{i}.acme.example.com/cb</callbackUrl>\n    <externalClientApplication>Eca_{i:02}</externalClientApplication>\n    <isPkceRequired>{}</isPkceRequired>\n    <label>Eca {i}</label>\n</ExtlClntAppGlobalOauthSettings>\n", i % 2 == 0),
        );
        write(
            format!("extlClntAppPolicies/Eca_{i:02}_plcy.ecaPlcy-meta.xml"),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ExtlClntAppConfigurablePolicies {NS}>\n    <externalClientApplication>Eca_{i:02}</externalClientApplication>\n    <isEnabled>true</isEnabled>\n    <isOauthPluginEnabled>true</isOauthPluginEnabled>\n    <label>Eca {i}</label>\n</ExtlClntAppConfigurablePolicies>\n"),
        );
    }
    write(
        "settings/OauthOidc.settings-meta.xml".into(),
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OauthOidcSettings {NS}>\n    <blockOAuthUnPwFlow>true</blockOAuthUnPwFlow>\n    <blockOAuthUsrAgtFlow>true</blockOAuthUsrAgtFlow>\n    <isPkceRequired>false</isPkceRequired>\n    <oAuthCdCrdtFlowEnable>false</oAuthCdCrdtFlowEnable>\n</OauthOidcSettings>\n"),
    );
}

#[test]
fn reads_in_batches_of_ten_names_of_one_type() {
    let tmp = tempfile::tempdir().unwrap();
    big_org(tmp.path(), 23, 12);
    let org = FakeOrg::start(with_dir(tmp.path()));
    // Metadata only: the folder has no usage evidence to compare with.
    let r = audit_live(&org.base_url, &["--no-usage"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let live = r.json();
    let folder = audit_folder(tmp.path()).json();
    assert_eq!(findings(&live), findings(&folder));
    assert_eq!(apps(&live), apps(&folder));
    assert_eq!(live["apps"].as_array().unwrap().len(), 35);
    assert!(incomplete(&live).is_empty(), "{:?}", incomplete(&live));

    let per_read = org.names_per_read();
    assert!(
        per_read.iter().all(|&n| (1..=10).contains(&n)),
        "{per_read:?}"
    );
    // 23 apps: 3 calls; 12 ECAs, 12 global settings, 12 policies: 2 each; the settings: 1.
    assert_eq!(per_read.len(), 3 + 2 + 2 + 2 + 1, "{per_read:?}");
    assert_eq!(per_read.iter().sum::<usize>(), 23 + 12 * 3 + 1);
    let calls = org.calls();
    assert_eq!(calls.get("listMetadata"), Some(&2), "{calls:?}");
    assert_eq!(calls.get("query"), Some(&1), "{calls:?}");
    assert_eq!(calls.get("versions"), Some(&1), "{calls:?}");
}

#[test]
fn concurrency_is_bounded_and_used() {
    let tmp = tempfile::tempdir().unwrap();
    big_org(tmp.path(), 30, 0);
    let cfg = Config {
        latency: Duration::from_millis(60),
        ..with_dir(tmp.path())
    };
    let org = FakeOrg::start(cfg.clone());
    let r = audit_live(&org.base_url, &["--concurrency", "2"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(org.max_concurrent() <= 2, "{}", org.max_concurrent());

    let org = FakeOrg::start(cfg);
    let r = audit_live(&org.base_url, &["--concurrency", "8"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let peak = org.max_concurrent();
    assert!((3..=8).contains(&peak), "{peak}");
}

#[test]
fn independent_calls_overlap() {
    // Sequentially the demo org costs 11 round trips; the critical path is three
    // (versions, a list, its reads).
    let latency = Duration::from_millis(250);
    let org = FakeOrg::start(Config { latency, ..demo() });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let calls: u64 = org.calls().values().sum();
    assert!(calls >= 11, "{:?}", org.calls());
    // Overlap is shown by the server's own count of calls in flight, not by a clock.
    assert!(
        org.max_concurrent() >= 3,
        "{} for {calls} calls",
        org.max_concurrent()
    );
}

#[test]
fn transient_faults_are_retried_to_the_same_findings() {
    let clean = audit_live(&FakeOrg::start(demo()).base_url, &[]).json();
    let runs: Vec<(u64, Run, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = [11u64, 22, 33, 44]
            .into_iter()
            .map(|seed| {
                s.spawn(move || {
                    let org = FakeOrg::start(Config {
                        fault_rate: 0.2,
                        seed,
                        ..demo()
                    });
                    let r = audit_live(&org.base_url, &[]);
                    let faults = org.calls().get("faults_injected").copied().unwrap_or(0);
                    (seed, r, faults)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut total_faults = 0;
    for (seed, r, faults) in runs {
        assert_eq!(r.code, 1, "seed {seed}: {}", r.stderr);
        let report = r.json();
        assert_eq!(findings(&report), findings(&clean), "seed {seed}");
        assert_eq!(verdict(&report), verdict(&clean), "seed {seed}");
        assert!(
            incomplete(&report).is_empty(),
            "seed {seed}: {:?}",
            incomplete(&report)
        );
        assert_eq!(
            report["api"]["retries"].as_u64(),
            Some(faults),
            "seed {seed}"
        );
        total_faults += faults;
    }
    assert!(total_faults > 0);
}

fn problem_named<'a>(report: &'a serde_json::Value, component: &str) -> &'a serde_json::Value {
    report["incomplete"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["component"] == component)
        .unwrap_or_else(|| panic!("no problem for {component}: {:#}", report["incomplete"]))
}

#[test]
fn denied_types_are_named_problems_and_never_ready() {
    let deny = |dir: &Path, ty: &str| {
        FakeOrg::start(Config {
            deny_read_types: vec![ty.into()],
            ..with_dir(dir)
        })
    };
    // The demo org stays not ready; the denied type is named with the permission to grant.
    let org = deny(&fixture("demo-org"), "ExtlClntAppGlobalOauthSettings");
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    let p = problem_named(&report, "ExtlClntAppGlobalOauthSettings");
    let remedy = p["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("Allow Access to OAuth Consumer Secrets via Metadata API"),
        "{remedy}"
    );
    assert!(
        remedy.contains("View External Client Apps Consumer Secrets in Metadata"),
        "{remedy}"
    );
    assert!(
        p["reason"]
            .as_str()
            .unwrap()
            .contains("INSUFFICIENT_ACCESS"),
        "{p}"
    );
    // The other types of the same list call were still read.
    assert_eq!(report["apps"].as_array().unwrap().len(), 14);

    // An org that would be ready is incomplete instead.
    let org = deny(&fixture("ready-org"), "ExtlClntAppGlobalOauthSettings");
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(verdict(&r.json()), "incomplete");
    let org = FakeOrg::start(with_dir(&fixture("ready-org")));
    assert_eq!(audit_live(&org.base_url, &[]).code, 0);

    let org = deny(&fixture("demo-org"), "ConnectedApp");
    let report = audit_live(&org.base_url, &[]).json();
    let remedy = problem_named(&report, "ConnectedApp")["remedy"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        remedy.contains("Modify Metadata Through Metadata API Functions or Modify All Data"),
        "{remedy}"
    );
}

#[test]
fn denied_organization_query_and_missing_settings_are_problems() {
    let org = FakeOrg::start(Config {
        deny_queries: vec!["Organization".into()],
        ..demo()
    });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    assert!(problem_named(&report, "Organization")["remedy"]
        .as_str()
        .unwrap()
        .contains("View Setup and Configuration"));
    assert_eq!(report["scope"]["org_id"], serde_json::Value::Null);

    // The settings read comes back nil: org settings unknown, never "PKCE off".
    let org = FakeOrg::start(with_dir(&fixture("no-settings-org")));
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let report = r.json();
    assert!(
        problem_named(&report, "OauthOidcSettings OauthOidc")["reason"]
            .as_str()
            .unwrap()
            .contains("org OAuth settings unknown")
    );
    assert_eq!(report["org_settings"], serde_json::Value::Null);
}

#[test]
fn truncated_bodies_are_problems_not_crashes() {
    let org = FakeOrg::start(Config {
        truncate_bodies: true,
        ..demo()
    });
    let r = audit_live(&org.base_url, &["--api-version", "66.0"]);
    assert!(matches!(r.code, 1 | 3), "{}: {}", r.code, r.stderr);
    let report = r.json();
    let problems = incomplete(&report);
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .any(|p| p["reason"].as_str().unwrap().contains("malformed")),
        "{problems:?}"
    );
    assert_ne!(verdict(&report), "ready");
    // Not retried: a cut body is not a transient failure.
    assert_eq!(report["api"]["retries"], 0);
}

#[test]
fn live_snapshot_and_folder_agree_and_snapshots_hold_no_secrets() {
    let org = FakeOrg::start(demo());
    let live = audit_live(&org.base_url, &[]);
    assert_eq!(live.code, 1, "{}", live.stderr);
    let live = live.json();

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snapshot");
    let fetch = fetch_live(&org.base_url, &out, &[]);
    assert_eq!(fetch.code, 0, "{}", fetch.stderr);
    assert!(
        fetch.stdout.contains("Wrote 30 component(s)"),
        "{}",
        fetch.stdout
    );
    assert_no_secrets_in_files(&out);

    let snapshot = audit_folder(&out);
    assert_eq!(snapshot.code, 1, "{}", snapshot.stderr);
    let snapshot = snapshot.json();
    assert_eq!(findings(&live), findings(&snapshot));
    assert_eq!(apps(&live), apps(&snapshot));
    assert_eq!(verdict(&live), verdict(&snapshot));
    assert_eq!(snapshot["scope"]["evidence"], live["scope"]["evidence"]);
    // Without usage evidence, the live audit is the folder audit.
    let metadata_only = audit_live(&org.base_url, &["--no-usage"]).json();
    let folder = audit_folder(&fixture("demo-org")).json();
    assert_eq!(findings(&metadata_only), findings(&folder));
    assert_eq!(apps(&metadata_only), apps(&folder));
    assert_eq!(apps(&live), apps(&folder));
    assert_eq!(snapshot["scope"]["layout"], "snapshot");
    assert_eq!(snapshot["scope"]["org_id"], live["scope"]["org_id"]);
    assert_eq!(snapshot["scope"]["api_version"], "66.0");

    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("pkce-audit-snapshot.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["instance_url"], org.base_url.as_str());
    let cpq = manifest["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["full_name"] == "acmecpq__CPQ_Connector")
        .unwrap();
    assert_eq!(cpq["namespace_prefix"], "acmecpq");
    assert_eq!(cpq["manageable_state"], "installed");
    let project = std::fs::read_to_string(out.join("sfdx-project.json")).unwrap();
    assert!(project.contains("\"path\": \"force-app\""), "{project}");
    // Multi-line callback URLs keep their line breaks.
    let portal = std::fs::read_to_string(
        out.join("force-app/main/default/connectedApps/Customer_Portal.connectedApp-meta.xml"),
    )
    .unwrap();
    assert!(
        portal.contains("<callbackUrl>https://") && portal.contains("\nhttps://"),
        "{portal}"
    );

    // Fetching again replaces an earlier snapshot; a folder that is not one is refused
    // before any API call.
    let again = fetch_live(&org.base_url, &out, &["--quiet"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "mine").unwrap();
    let calls_before = org.calls();
    let refused = fetch_live(&org.base_url, &other, &[]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("not an earlier pkce-audit snapshot"),
        "{}",
        refused.stderr
    );
    assert_eq!(org.calls(), calls_before);
    assert_eq!(
        std::fs::read_to_string(other.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn snapshot_of_an_incomplete_fetch_stays_incomplete() {
    let org = FakeOrg::start(Config {
        deny_read_types: vec!["ExtlClntAppGlobalOauthSettings".into()],
        ..with_dir(&fixture("ready-org"))
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let fetch = fetch_live(&org.base_url, &out, &[]);
    assert_eq!(fetch.code, 0, "{}", fetch.stderr);
    assert!(
        fetch.stdout.contains("could not be read"),
        "{}",
        fetch.stdout
    );
    let live = audit_live(&org.base_url, &[]);
    let snap = audit_folder(&out);
    assert_eq!((live.code, snap.code), (3, 3));
    let (live, snap) = (live.json(), snap.json());
    assert_eq!(findings(&live), findings(&snap));
    assert_eq!(incomplete(&live), incomplete(&snap));
}

#[test]
fn api_usage_is_reported() {
    let org = FakeOrg::start(demo());
    let report = audit_live(&org.base_url, &[]).json();
    let api = &report["api"];
    let calls = org.calls();
    for kind in ["listMetadata", "readMetadata", "query", "versions"] {
        assert_eq!(
            api["calls"][kind].as_u64(),
            calls.get(kind).copied(),
            "{kind}: {api}"
        );
    }
    assert_eq!(api["org_api_limit"], 100_000);
    assert!(api["org_api_used"].as_u64().unwrap() > 1000);
    let table = run(
        &["audit", "--instance-url", &org.base_url],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    // 11 for the metadata, 4 usage evidence queries.
    assert!(table.stdout.contains("API calls: 15"), "{}", table.stdout);
}

#[test]
fn api_versions_below_59_are_refused() {
    let org = FakeOrg::start(Config {
        api_versions: vec!["57.0".into(), "58.0".into()],
        ..demo()
    });
    let r = audit_live(&org.base_url, &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("up to 58.0") && r.stderr.contains("59.0"),
        "{}",
        r.stderr
    );
    let r = audit_live(&FakeOrg::start(demo()).base_url, &["--api-version", "58.0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("59.0"), "{}", r.stderr);
}

#[test]
fn an_api_version_the_org_does_not_offer_is_one_line_before_any_metadata_call() {
    let org = FakeOrg::start(Config {
        api_versions: (31..=64).map(|v| format!("{v}.0")).collect(),
        ..demo()
    });
    let r = audit_live(&org.base_url, &["--api-version", "66.0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = r.stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("the org does not offer API version 66.0; it offers 31.0\u{2013}64.0"),
        "{line}"
    );
    let calls = org.calls();
    assert_eq!(calls.get("versions"), Some(&1), "{calls:?}");
    for kind in ["listMetadata", "readMetadata", "query"] {
        assert_eq!(calls.get(kind), None, "{kind}: {calls:?}");
    }
    // An offered one is used.
    let r = audit_live(&org.base_url, &["--api-version", "60.0"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["scope"]["api_version"], "60.0");
}

#[test]
fn the_whole_run_is_bounded_by_timeout() {
    let org = FakeOrg::start(Config {
        latency: Duration::from_secs(5),
        ..demo()
    });
    let r = audit_live(&org.base_url, &["--timeout", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did not finish within 1 s"),
        "{}",
        r.stderr
    );
    // The exit code and message prove the deadline fired; a hang is the harness's to catch.
}

#[test]
fn oversized_responses_are_problems() {
    use pkce_audit_io::salesforce::{self, Connection, FetchOptions, Limits, TokenSource};
    use pkce_audit_io::secrets::Secret;
    let org = FakeOrg::start(demo());
    let conn = Connection::AccessToken {
        instance_url: org.base_url.clone(),
        token: TokenSource::Value(Secret::new(TOKEN)),
    };
    let opts = FetchOptions {
        api_version: Some("66.0".into()),
        limits: Limits {
            max_soap_body: 2048,
            ..Limits::default()
        },
        ..FetchOptions::default()
    };
    let fetched = salesforce::fetch_blocking(&conn, &opts).unwrap();
    // Answers over the limit fail their call and say so; smaller ones are still read.
    assert!(
        fetched
            .problems
            .iter()
            .any(|p| p.reason.contains("larger than 2048 bytes")),
        "{:?}",
        fetched.problems
    );
    assert!(!fetched.records.is_empty());
    assert_eq!(fetched.usage.retries, 0);
    let (_, report) =
        pkce_audit_io::audit_fetched(&fetched, &pkce_audit_io::AuditOptions::default());
    assert_ne!(report.verdict(), pkce_audit_model::rules::Verdict::Ready);
    assert!(!format!("{fetched:?}").contains(TOKEN));
}

#[test]
fn live_audits_apply_and_name_the_waiver_file() {
    let org = FakeOrg::start(demo());
    let tmp = tempfile::tempdir().unwrap();
    let waivers = "[[waiver]]\nrule = \"app-pkce-not-required\"\napp = \"ERP_Integration\"\nreason = \"JWT only\"\napproved_by = \"cab\"\nexpires = 2999-01-01\n";
    let w = tmp.path().join("w.toml");
    std::fs::write(&w, waivers).unwrap();
    let w = w.to_str().unwrap();
    let v = audit_live(&org.base_url, &["--no-usage", "--waivers", w]).json();
    assert_eq!(
        v["scope"]["waivers"],
        serde_json::json!({"file": w, "applied": 1, "expired": 0, "unused": 0})
    );
    // No folder is audited: the current folder's pkce-audit.toml is the default.
    std::fs::write(tmp.path().join("pkce-audit.toml"), waivers).unwrap();
    let here = pkce()
        .args([
            "audit",
            "--instance-url",
            &org.base_url,
            "--json",
            "--no-usage",
        ])
        .env("SF_ACCESS_TOKEN", TOKEN)
        .dir(tmp.path())
        .run()
        .json();
    assert_eq!(here["scope"]["waivers"]["file"], "pkce-audit.toml");
    assert_eq!(here["summary"], v["summary"]);
    let off = audit_live(&org.base_url, &["--no-usage", "--no-waivers"]).json();
    assert!(off["scope"]["waivers"].is_null());
    assert_eq!(off["summary"]["waived"], 0);
}

/// What a progress sink hears: the plan settles once, when the listings have planned their
/// reads, and almost all the work is planned by then (a bar starting there barely grows).
#[test]
fn the_progress_plan_settles_once_after_the_listings() {
    use pkce_audit_io::salesforce::{self, Connection, FetchOptions, ProgressSink, TokenSource};
    use pkce_audit_io::secrets::Secret;
    use std::sync::{Arc, Mutex};

    /// (planned, done).
    type Counts = (u64, u64);
    #[derive(Debug, Default)]
    struct Heard {
        // The counts so far, and the counts at each moment the plan settled.
        log: Mutex<(Counts, Vec<Counts>)>,
    }
    impl ProgressSink for Heard {
        fn plan(&self, calls: u64) {
            self.log.lock().unwrap().0 .0 += calls;
        }
        fn done(&self) {
            self.log.lock().unwrap().0 .1 += 1;
        }
        fn settled(&self) {
            let mut l = self.log.lock().unwrap();
            let now = l.0;
            l.1.push(now);
        }
    }
    let org = FakeOrg::start(demo());
    let heard = Arc::new(Heard::default());
    let opts = FetchOptions {
        progress: Some(heard.clone()),
        usage: Some(salesforce::UsageOptions {
            window_days: 90,
            row_budget: 10_000,
            show_users: false,
            logins: true,
        }),
        ..Default::default()
    };
    let conn = Connection::AccessToken {
        instance_url: org.base_url.clone(),
        token: TokenSource::Value(Secret::new(TOKEN)),
    };
    salesforce::fetch_blocking(&conn, &opts).unwrap();
    let ((planned, done), settles) = &*heard.log.lock().unwrap();
    assert_eq!(planned, done, "every planned call is made");
    assert_eq!(settles.len(), 1, "{settles:?}");
    let (at_settle, _) = settles[0];
    // The reads are planned by then: what comes later is the reads' own pages and retries.
    assert!(
        at_settle * 10 >= planned * 9,
        "{at_settle} of {planned} planned at settle"
    );
    assert!(at_settle > 5, "{at_settle}");
}
