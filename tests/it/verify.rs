//! `verify` against the loopback test org: each state and verdict with its exit status,
//! the scopes (`--app`, `--manifest`, org-wide), what was not read, label collisions, the
//! 2,000-group limit, the windows refused before any call, and the `sf` CLI route.
//! fixtures/verify-org/README.md lists the apps.

use crate::fake_org;
use crate::live_support as support;

use chrono::{DateTime, Duration, Utc};
use fake_org::logins::{
    Login, INVALID_CALLBACK_URL, INVALID_CODE_VERIFIER, INVALID_PASSWORD, SUCCESS,
};
use fake_org::{Config, FakeOrg};
use serde_json::Value;
use support::*;

/// The test org's clock, pinned for the binary too.
const NOW: &str = "2026-11-21T00:00:00Z";
/// The change: three days before.
const SINCE: &str = "2026-11-18T00:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn since() -> DateTime<Utc> {
    at(SINCE)
}

/// `n` logins of `app`, one every `every` hours, the last `before` hours before the change
/// (negative: after it).
fn series(app: &str, sub: &str, status: &str, n: i64, every: i64, before: i64) -> Vec<Login> {
    (0..n)
        .map(|i| {
            Login::oauth(
                app,
                sub,
                status,
                since() - Duration::hours(before + i * every),
            )
        })
        .collect()
}

/// The verify-org scenario: each app's logins (fixtures/verify-org/README.md).
pub(crate) fn logins() -> Vec<Login> {
    let mut l = Vec::new();
    // Daily code-flow logins before the change and after it.
    l.extend(series(
        "Customer Portal",
        "OauthWebServer",
        SUCCESS,
        20,
        24,
        10,
    ));
    l.extend(series(
        "Customer Portal",
        "OauthWebServer",
        SUCCESS,
        2,
        24,
        -30,
    ));
    l.extend(series("Field App", "OauthWebServer", SUCCESS, 20, 24, 10));
    l.extend(series(
        "Field App",
        "OauthHybridWebServer",
        SUCCESS,
        1,
        1,
        -5,
    ));
    // A user's wrong password since the change is not the app's failure.
    l.extend(series(
        "Field App",
        "OauthWebServer",
        INVALID_PASSWORD,
        3,
        1,
        -6,
    ));
    // Failing: PKCE verifier refused since the change.
    l.extend(series("Vendor Sync", "OauthWebServer", SUCCESS, 20, 24, 10));
    l.extend(series(
        "Vendor Sync",
        "OauthWebServer",
        INVALID_CODE_VERIFIER,
        4,
        2,
        -20,
    ));
    // Silent: every 12 hours before, none in the 72 hours since.
    l.extend(series("Dormant Web", "OauthWebServer", SUCCESS, 30, 12, 1));
    // Waiting: refresh tokens still in use, no code-flow login yet.
    l.extend(series(
        "Refresh Only",
        "OauthRefreshToken",
        SUCCESS,
        5,
        6,
        -2,
    ));
    // Two apps labelled Twin.
    l.extend(series("Twin", "OauthWebServer", SUCCESS, 2, 24, -10));
    // Browser logins: not OAuth.
    l.push(Login {
        login_type: "Application".into(),
        login_sub_type: None,
        ..Login::oauth("Browser", "", SUCCESS, since() - Duration::hours(3))
    });
    l
}

pub(crate) fn org_with(logins: Vec<Login>) -> Config {
    Config {
        org_dir: fixture("verify-org"),
        logins,
        ..Config::default()
    }
}

fn verify(org: &FakeOrg, extra: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        "--instance-url",
        &org.base_url,
        "--since",
        SINCE,
        "--until",
        NOW,
    ];
    args.extend_from_slice(extra);
    run(
        &args,
        &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)],
    )
}

pub(crate) fn verify_json(org: &FakeOrg, extra: &[&str]) -> (i32, Value) {
    let mut extra = extra.to_vec();
    extra.push("--json");
    let r = verify(org, &extra);
    (r.code, r.json())
}

fn app<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no app {name}: {v:#}"))
}

fn state(v: &Value, name: &str) -> String {
    app(v, name)["state"].as_str().unwrap().to_string()
}

#[test]
fn confirmed_apps_keep_and_exit_0() {
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal", "--app", "Field_App"]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("keep")), "{v:#}");
    assert_eq!(state(&v, "Customer_Portal"), "confirmed");
    assert_eq!(state(&v, "Field_App"), "confirmed");
    // The wrong passwords are counted as the users', not listed as the app's failures.
    let field = app(&v, "Field_App");
    assert_eq!(field["failures"], serde_json::json!([]));
    assert_eq!(field["after"]["user_failures"], 3);
    assert_eq!(v["scope"]["kind"], "apps");
    assert_eq!(v["since"], SINCE);
    assert_eq!(v["until"], NOW);
    assert_eq!(v["baseline"]["from"], "2026-10-19T00:00:00Z");
}

#[test]
fn a_pkce_failure_rolls_back_with_the_way_back_and_exit_1() {
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--app", "Vendor_Sync"]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("rollback")),
        "{v:#}"
    );
    let a = app(&v, "Vendor_Sync");
    assert_eq!(a["state"], "failing");
    let f = &a["failures"][0];
    assert_eq!(f["status"], INVALID_CODE_VERIFIER);
    assert_eq!(f["count"], 4);
    assert_eq!(f["first"], "2026-11-18T14:00:00Z");
    assert_eq!(f["last"], "2026-11-18T20:00:00Z");
    let commands = a["next"]["commands"].to_string();
    assert!(commands.contains("--app Vendor_Sync --undo"), "{commands}");
    assert!(commands.contains("pkce-rollback-apps.xml"), "{commands}");
    assert!(commands.contains("ConnectedApp:Vendor_Sync"), "{commands}");
    // The table says it too.
    let t = verify(&org, &["--app", "Vendor_Sync"]);
    t.status(1)
        .stdout_has(INVALID_CODE_VERIFIER)
        .stdout_has("--undo");
}

#[test]
fn a_new_oauth_failure_fails_but_one_the_baseline_had_does_not() {
    let mut l = logins();
    l.extend(series(
        "Customer Portal",
        "OauthWebServer",
        INVALID_CALLBACK_URL,
        1,
        1,
        -40,
    ));
    let org = FakeOrg::start(org_with(l.clone()));
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (1, "failing".into()),
        "{v:#}"
    );
    l.extend(series(
        "Customer Portal",
        "OauthWebServer",
        INVALID_CALLBACK_URL,
        2,
        24,
        100,
    ));
    let org = FakeOrg::start(org_with(l));
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (0, "confirmed".into()),
        "{v:#}"
    );
    assert_eq!(app(&v, "Customer_Portal")["failures"][0]["before"], 2);
}

#[test]
fn silence_past_the_usual_gap_rolls_back() {
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--app", "Dormant_Web"]);
    assert_eq!(
        (code, state(&v, "Dormant_Web")),
        (1, "silent".into()),
        "{v:#}"
    );
    // 73 hours of silence; the baseline was read in halves until its longest gap was
    // known to be shorter (12 hours between logins, at most 72 inside a part).
    let gap = &app(&v, "Dormant_Web")["before"]["usual_gap"];
    assert!(gap["at_least_hours"].as_f64().unwrap() >= 12.0, "{gap}");
    assert!(gap["at_most_hours"].as_f64().unwrap() < 73.0, "{gap}");
    assert!(v["sources"]["login_history"]["queries"].as_u64().unwrap() > 2);
}

#[test]
fn waiting_unaffected_and_not_deployed_watch_or_keep() {
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--app", "Refresh_Only"]);
    assert_eq!(
        (code, state(&v, "Refresh_Only")),
        (3, "waiting".into()),
        "{v:#}"
    );
    assert_eq!(app(&v, "Refresh_Only")["next"]["action"], "smoke-test");
    let (code, v) = verify_json(&org, &["--app", "Quiet_Tool"]);
    assert_eq!(
        (code, state(&v, "Quiet_Tool")),
        (0, "unaffected".into()),
        "{v:#}"
    );
    let (code, v) = verify_json(&org, &["--app", "Legacy_Reports"]);
    assert_eq!(
        (code, state(&v, "Legacy_Reports")),
        (3, "not-deployed".into()),
        "{v:#}"
    );
    assert_eq!(v["verdict"], "watch");
}

#[test]
fn a_label_two_apps_share_and_a_name_the_org_lacks_are_unknown() {
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--app", "Twin_A", "--app", "No_Such_App"]);
    assert_eq!(code, 3, "{v:#}");
    assert_eq!(state(&v, "Twin_A"), "unknown");
    assert_eq!(
        app(&v, "Twin_A")["why"]["with"],
        serde_json::json!(["Twin_B"])
    );
    assert_eq!(state(&v, "No_Such_App"), "unknown");
}

#[test]
fn logins_not_read_are_never_clean() {
    // Denied.
    let org = FakeOrg::start(Config {
        deny_queries: vec!["LoginHistory".into()],
        ..org_with(logins())
    });
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (3, "unknown".into()),
        "{v:#}"
    );
    assert_eq!(v["sources"]["login_history"]["state"], "missing");
    // Read, but by a login that sees only its own rows: nothing says so but its
    // permissions.
    let mut cfg = org_with(logins());
    cfg.sobjects.insert(
        "UserPermissionAccess".into(),
        vec![serde_json::json!({"PermissionsManageUsers": false, "PermissionsMonitorLoginHistory": false, "PermissionsCustomizeApplication": true})],
    );
    let org = FakeOrg::start(cfg);
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (3, "unknown".into()),
        "{v:#}"
    );
    assert_eq!(v["sources"]["login_history"]["partial"], true);
    assert!(v["sources"]["login_history"]["reason"]
        .as_str()
        .unwrap()
        .contains("only its own logins"));
}

#[test]
fn more_than_2000_groups_are_read_in_halves() {
    let mut l = logins();
    // 2,400 labels, each logging in once, spread over the window since the change.
    l.extend((0..2400).map(|i| {
        Login::oauth(
            &format!("Bulk {i}"),
            "OauthRefreshToken",
            SUCCESS,
            since() + Duration::minutes(i),
        )
    }));
    let org = FakeOrg::start(org_with(l));
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (0, "confirmed".into()),
        "{v:#}"
    );
    let lh = &v["sources"]["login_history"];
    assert_eq!(
        (lh["state"].as_str(), lh["partial"].as_bool()),
        (Some("read"), Some(false)),
        "{lh}"
    );
    // Baseline one query, the window since the change split at least once.
    assert!(lh["queries"].as_u64().unwrap() >= 4, "{lh}");
}

#[test]
fn the_manifest_fix_wrote_is_the_scope() {
    let tmp = tempfile::tempdir().unwrap();
    // Step 2 written for two apps (both already require PKCE: listed, unchanged).
    let manifest = step2_manifest(tmp.path(), &["Customer_Portal", "Field_App"]);
    let org = FakeOrg::start(org_with(logins()));
    let (code, v) = verify_json(&org, &["--manifest", manifest.to_str().unwrap()]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["scope"]["kind"], "manifest");
    let mut names: Vec<_> = v["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["Customer_Portal", "Field_App"]);
    // Anything else is refused by name.
    let other = tmp.path().join("package.xml");
    std::fs::write(&other, "<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><version>66.0</version></Package>").unwrap();
    let r = verify(&org, &["--manifest", other.to_str().unwrap()]);
    r.status(2);
    assert!(r.stderr_line().contains("package.xml"), "{}", r.stderr);
}

#[test]
fn org_wide_scope_needs_the_org_setting_and_finds_apps_only_logins_show() {
    let mut l = logins();
    l.extend(series(
        "Outside Vendor",
        "OauthWebServer",
        INVALID_CODE_VERIFIER,
        1,
        1,
        -3,
    ));
    let org = FakeOrg::start(org_with(l.clone()));
    // The fixture's org setting is off: step 3 is not deployed.
    let (code, v) = verify_json(&org, &[]);
    assert_eq!(v["scope"]["kind"], "org-wide");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(state(&v, "Outside Vendor"), "not-deployed");
    assert_eq!(state(&v, "Vendor_Sync"), "failing");
    assert!(
        v["open"].to_string().contains("org-setting"),
        "{:#}",
        v["open"]
    );
    // With the setting on, the app only LoginHistory names is failing too, and the way
    // back is the org setting.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("org");
    copy_dir(&fixture("verify-org"), &dir);
    let settings = dir.join("force-app/main/default/settings/OauthOidc.settings-meta.xml");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text.replace("<isPkceRequired>false", "<isPkceRequired>true"),
    )
    .unwrap();
    let org = FakeOrg::start(Config {
        org_dir: dir,
        ..org_with(l)
    });
    let (code, v) = verify_json(&org, &[]);
    assert_eq!(code, 1, "{v:#}");
    let outside = app(&v, "Outside Vendor");
    assert_eq!(outside["state"], "failing");
    assert!(
        outside["next"]["commands"]
            .to_string()
            .contains("--org-setting --undo"),
        "{:#}",
        outside["next"]
    );
    assert_eq!(state(&v, "Legacy_Reports"), "unaffected");
}

#[test]
fn windows_that_cannot_be_right_are_refused_before_any_call() {
    let org = FakeOrg::start(org_with(logins()));
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["verify", "--instance-url", &org.base_url];
        all.extend_from_slice(args);
        let r = run(&all, &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)]);
        r.status(2);
        assert!(r.stderr_line().contains(says), "{}", r.stderr);
    };
    refused(&["--since", "2026-11-18"], "without a time of day");
    refused(
        &["--since", SINCE, "--until", "2026-11-22T00:00:00Z"],
        "in the future",
    );
    refused(&["--since", NOW, "--until", SINCE], "is not before");
    refused(&["--since", "2026-06-18T00:00:00Z"], "six months");
    assert_eq!(org.calls().values().sum::<u64>(), 0, "no call was spent");
}

#[cfg(unix)]
#[test]
fn the_sf_cli_route_reads_the_same() {
    let org = FakeOrg::start(org_with(logins()));
    let tmp = tempfile::tempdir().unwrap();
    let display = format!(
        "printf '%s' '{{\"status\":0,\"result\":{{\"id\":\"00DFAKE00000001\",\"apiVersion\":\"66.0\",\"accessToken\":\"{TOKEN}\",\"instanceUrl\":\"{}\",\"username\":\"admin@initech.example.com\",\"clientId\":\"PlatformCLI\",\"connectedStatus\":\"Connected\"}},\"warnings\":[]}}'",
        org.base_url
    );
    support::script(
        tmp.path(),
        "sf",
        &format!(
            "#!/bin/sh\ncase \"$*\" in\n  'org display '*) {display} ;;\n  *) exit 127 ;;\nesac\n"
        ),
    );
    let r = pkce()
        .in_repo()
        .args([
            "verify",
            "-o",
            "staging",
            "--since",
            SINCE,
            "--until",
            NOW,
            "--app",
            "Vendor_Sync",
            "--json",
        ])
        .env("PATH", tmp.path())
        .env("PKCE_AUDIT_NOW", NOW)
        .run();
    r.status(1);
    assert_eq!(state(&r.json(), "Vendor_Sync"), "failing");
}

#[test]
fn more_than_2000_groups_in_one_minute_is_partial_never_clean() {
    let mut l = logins();
    l.extend((0..2100).map(|i| {
        Login::oauth(
            &format!("Burst {i}"),
            "OauthRefreshToken",
            SUCCESS,
            since() + Duration::hours(5) + Duration::milliseconds(i),
        )
    }));
    let org = FakeOrg::start(org_with(l));
    let (code, v) = verify_json(&org, &["--app", "Customer_Portal"]);
    assert_eq!(
        (code, state(&v, "Customer_Portal")),
        (3, "unknown".into()),
        "{v:#}"
    );
    let lh = &v["sources"]["login_history"];
    assert_eq!(lh["partial"], true, "{lh}");
    assert!(
        lh["reason"]
            .as_str()
            .unwrap()
            .contains("more than 2,000 groups"),
        "{lh}"
    );
    // Halving down to the minute, then no further: bounded.
    assert!(lh["queries"].as_u64().unwrap() < 40, "{lh}");
}

#[test]
fn a_manifest_listing_other_types_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = step2_manifest(tmp.path(), &["Customer_Portal"]);
    let text = std::fs::read_to_string(&manifest).unwrap();
    let edited = text.replacen(
        "<types>",
        "<types>\n        <members>Field_App</members>\n        <name>ExternalClientApplication</name>\n    </types>\n    <types>",
        1,
    );
    std::fs::write(&manifest, edited).unwrap();
    let org = FakeOrg::start(org_with(logins()));
    let r = verify(&org, &["--manifest", manifest.to_str().unwrap()]);
    r.status(2);
    assert!(
        r.stderr_line()
            .contains("'ExternalClientApplication' (member 'Field_App')"),
        "{}",
        r.stderr
    );
}

/// Deploys the served Customer_Portal again (checkOnly as `extra` says) and returns the
/// deploy's id, not yet checked: `verify` is the first to ask for its status.
fn deploy_portal(org: &FakeOrg, extra: &str) -> String {
    use crate::fake_org_deploy::{manifest, served_app, start_deploy, APP};
    let pkg = manifest(&[("ConnectedApp", &["Customer_Portal"])]);
    let app = served_app(org);
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(start_deploy(
            &org.base_url,
            &[("package.xml", pkg.as_str()), (APP, app.as_str())],
            extra,
        ))
}

#[test]
fn the_change_dated_by_its_deploy() {
    // The deploy completes on the test org's clock: the change time.
    let org = FakeOrg::start(Config {
        now: since(),
        ..org_with(logins())
    });
    let id = deploy_portal(&org, "");
    let args = [
        "verify",
        "--instance-url",
        &org.base_url,
        "--deploy-id",
        &id,
        "--until",
        NOW,
        "--app",
        "Customer_Portal",
        "--json",
    ];
    let r = run(
        &args,
        &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)],
    );
    r.status(0);
    let v = r.json();
    assert_eq!(v["since"], SINCE, "{v:#}");
    assert_eq!(v["deploy"]["id"], id.as_str());
    assert_eq!(v["deploy"]["status"], "Succeeded");
    assert_eq!(state(&v, "Customer_Portal"), "confirmed");
    // A validation (a dry run) changed nothing: refused, by name.
    let check_only = deploy_portal(&org, "<checkOnly>true</checkOnly>");
    let args = [
        "verify",
        "--instance-url",
        &org.base_url,
        "--deploy-id",
        &check_only,
        "--until",
        NOW,
    ];
    let r = run(
        &args,
        &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)],
    );
    r.status(2);
    assert!(r.stderr_line().contains("validation"), "{}", r.stderr);
    // An id the org does not know.
    let args = [
        "verify",
        "--instance-url",
        &org.base_url,
        "--deploy-id",
        "0AfXX0000000001",
        "--until",
        NOW,
    ];
    let r = run(
        &args,
        &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)],
    );
    r.status(2);
    assert!(
        r.stderr_line().contains("deploy 0AfXX0000000001"),
        "{}",
        r.stderr
    );
    // Not a deploy id at all: refused before any call.
    let args = [
        "verify",
        "--instance-url",
        &org.base_url,
        "--deploy-id",
        "001XX0000000001",
    ];
    run(
        &args,
        &[("SF_ACCESS_TOKEN", TOKEN), ("PKCE_AUDIT_NOW", NOW)],
    )
    .status(2);
}

/// A copy of verify-org in `dir`/p with the step-2 manifest `fix --app` writes for `apps`.
fn step2_manifest(dir: &std::path::Path, apps: &[&str]) -> std::path::PathBuf {
    let project = dir.join("p");
    copy_dir(&fixture("verify-org"), &project);
    let mut args = vec!["fix", "--source", project.to_str().unwrap()];
    for a in apps {
        args.extend(["--app", a]);
    }
    let f = run(&args, &[]);
    assert_eq!(f.code, 0, "{}", f.stderr);
    project.join("manifest/pkce-step2-apps.xml")
}

/// Where a retrieved component lands in an SFDX project, and its file name.
fn source_path(ty: &str, name: &str) -> String {
    match ty {
        "ExternalClientApplication" => format!("externalClientApps/{name}.eca-meta.xml"),
        "ExtlClntAppGlobalOauthSettings" => {
            format!("extlClntAppGlobalOauthSets/{name}.ecaGlblOauth-meta.xml")
        }
        "ConnectedApp" => format!("connectedApps/{name}.connectedApp-meta.xml"),
        "Settings" => format!("settings/{name}.settings-meta.xml"),
        other => panic!("the way back retrieves {other}, which this test does not place"),
    }
}

#[test]
fn an_external_client_apps_way_back_retrieves_what_fix_needs_to_undo_it() {
    use pkce_audit_model::inventory::AppKind;
    use pkce_audit_model::verify::Back;
    let back = Back::UndoApp {
        name: "Data_Loader_Plus".into(),
        kind: AppKind::ExternalClientApp,
        global_settings: Some("Data_Loader_Plus_glbloauth".into()),
    };
    let commands = pkce_audit_render::verify::commands([&back], None);
    let dir = tempfile::tempdir().unwrap();
    // The project `sf project generate` makes, then exactly what the retrieve fetches,
    // taken from the fixture the org's metadata stands for.
    assert_eq!(commands[0], "sf project generate --name pkce-rollback");
    let project = dir.path().join("pkce-rollback");
    let default = project.join("force-app/main/default");
    std::fs::create_dir_all(&default).unwrap();
    std::fs::write(
        project.join("sfdx-project.json"),
        r#"{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "66.0"}"#,
    )
    .unwrap();
    let retrieve = &commands[1];
    assert!(retrieve.contains("sf project retrieve start"), "{retrieve}");
    let from = fixture("demo-org").join("force-app/main/default");
    let mut fetched = 0;
    for m in retrieve.split("--metadata ").skip(1) {
        let m = m.split([' ', ')']).next().unwrap();
        let (ty, name) = m.split_once(':').unwrap();
        let rel = source_path(ty, name);
        std::fs::create_dir_all(default.join(&rel).parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), default.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        fetched += 1;
    }
    assert_eq!(fetched, 2, "{retrieve}");
    // The undo as the binary words it (src/advice.rs; the library's plain words stand in
    // here): the command printed after the retrieve.
    assert_eq!(
        commands[2],
        pkce_audit_model::advice::Advice::UndoApps {
            names: vec!["Data_Loader_Plus".into()]
        }
        .to_string()
    );
    let undo = "pkce-audit fix --source pkce-rollback --app Data_Loader_Plus --undo";
    let line = undo.strip_prefix("pkce-audit ").unwrap();
    let r = crate::harness::pkce_in_bash(line).dir(dir.path()).run();
    assert_eq!(r.code, 0, "{undo}: {}", r.all());
    let settings = std::fs::read_to_string(default.join(source_path(
        "ExtlClntAppGlobalOauthSettings",
        "Data_Loader_Plus_glbloauth",
    )))
    .unwrap();
    assert!(
        settings.contains("<isPkceRequired>false</isPkceRequired>"),
        "{settings}"
    );
}
