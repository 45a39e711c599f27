//! The fleet at its edges: exit statuses, orgs that refuse or echo credentials, broken
//! fleet files, unreadable folders, and how many orgs run at once.

use super::*;

#[test]
fn exit_status_follows_the_least_ready_org() {
    let ready = serve(fixture("ready-org"));
    let mut f = Fleet::new();
    let mut toml = String::new();
    f.live(
        &mut toml,
        "a",
        &ready.base_url,
        TOKEN,
        "role = \"production\"",
    );
    f.live(
        &mut toml,
        "b",
        &ready.base_url,
        TOKEN,
        "role = \"sandbox\"\nrehearses = \"a\"",
    );
    toml += &format!(
        "[[org]]\nname = \"c\"\nsource = \"{}\"\n",
        fixture("ready-org").display()
    );
    f.write(&toml);
    let r = f.run(&["--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "ready");
    // The same org twice is the most faithful rehearsal there is.
    assert_eq!(v["rehearsals"][0]["faithful"], true);
    assert_eq!(v["rehearsals"][0]["notes"], serde_json::json!([]));
    // --fail-on, as for one org: the ready org's one finding is at info.
    assert_eq!(f.run(&["--fail-on", "info"]).code, 1);

    // One org nobody listens for: incomplete, exit 3, and the others still audited.
    let gone = unreachable_url();
    f.live(&mut toml, "d", &gone, TOKEN, "");
    f.write(&toml);
    let r = f.run(&["--json", "--org-concurrency", "1", "--timeout", "30"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["verdict"], "incomplete");
    assert_eq!(org(&v, "a")["verdict"], "ready");
    assert_eq!(org(&v, "d")["verdict"], "incomplete");
}

/// Credentials with characters every encoding spells differently, echoed by the org.
const ECHO_TOKEN: &str = "00DFLEET0000001!AQ+fleet/Token=Echoed.Back~x";
const ECHO_REFRESH: &str = "5AepFLEET.Refresh/Token+Echoed=Back";
const ECHO_SECRET: &str = "FLEET-client+secret/value=1!";
const WRONG_TOKEN: &str = "00DFAKE0000000001!AQoAQWrongTokenForThisOrg";

#[test]
fn no_token_shows_in_any_format_or_file_whatever_the_orgs_answer() {
    let echoing = FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        org_id: "00DFLEET0000001".into(),
        access_token: ECHO_TOKEN.into(),
        refresh_token: ECHO_REFRESH.into(),
        client_secret: ECHO_SECRET.into(),
        echo_credentials: true,
        ..Default::default()
    });
    let demo = serve(fixture("demo-org"));
    let mut f = Fleet::new();
    let mut toml = String::new();
    // Its reads fail quoting the session id: an incomplete report, written to --out-dir.
    f.live(&mut toml, "echo-token", &echoing.base_url, ECHO_TOKEN, "");
    // Its token endpoint refuses the refresh token, quoting it and the client secret.
    std::fs::write(
        f.path().join("echo.authurl"),
        format!(
            "force://PlatformCLI:{ECHO_SECRET}:{ECHO_REFRESH}@{}\n",
            echoing.base_url.strip_prefix("http://").unwrap()
        ),
    )
    .unwrap();
    toml += "[[org]]\nname = \"echo-refresh\"\nauth_url_file = \"echo.authurl\"\n\n";
    // A token the org does not take.
    f.live(&mut toml, "wrong-token", &demo.base_url, WRONG_TOKEN, "");
    f.live(&mut toml, "demo", &demo.base_url, TOKEN, "");
    f.write(&toml);

    let secrets = [ECHO_TOKEN, ECHO_REFRESH, ECHO_SECRET, WRONG_TOKEN];
    for format in ["table", "json", "markdown", "csv"] {
        let r = f.run(&["--format", format, "--out-dir", "reports"]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        for s in secrets {
            assert_no_secret(&r.stdout, &format!("{format} stdout"), s);
            assert_no_secret(&r.stderr, &format!("{format} stderr"), s);
        }
    }
    let v = f.run(&["--json"]).json();
    assert_eq!(org(&v, "echo-token")["verdict"], "incomplete");
    assert!(org(&v, "echo-token")["error"].is_null());
    let refused = org(&v, "echo-refresh")["error"].as_str().unwrap();
    assert!(
        refused.contains("the org refused the refresh token of the auth URL (invalid_grant)"),
        "{refused}"
    );
    let wrong = org(&v, "wrong-token")["error"].as_str().unwrap();
    assert!(wrong.contains("rejected"), "{wrong}");
    assert_eq!(org(&v, "demo")["verdict"], "not-ready");
    let reports = f.path().join("reports");
    assert!(reports.join("echo-token.json").is_file());
    assert!(!reports.join("echo-refresh.json").exists());
    assert_no_secret_in_files(&reports, &secrets);
}

#[test]
fn a_broken_fleet_file_stops_the_run_with_one_line() {
    let f = Fleet::new();
    f.write("[[org]]\nname = \"a\"\ntarget_org = \"a\"\n\n[[org]]\nname = \"b\"\nrole = \"sandbox\"\nrehearses = \"c\"\ntarget_org = \"b\"\n");
    let r = f.run(&[]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "pkce-audit: error: fleet.toml:5: org 'b': `rehearses` names no org of this file\n"
    );
    f.write("[[org]]\nname = \"a\"\ntarget_org = \"a\"\nwaivers = \"nope.toml\"\n");
    let r = f.run(&[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(
            "pkce-audit: error: fleet.toml:4: org 'a': the `waivers` file cannot be read: "
        ),
        "{}",
        r.stderr
    );
    let r = pkce()
        .dir(f.path())
        .args(["fleet", "--orgs", "missing.toml"])
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.toml: cannot be read"),
        "{}",
        r.stderr
    );
}

#[test]
fn org_concurrency_bounds_the_orgs_in_flight() {
    // Three orgs on one test org, one request in flight per org: the org sees as many
    // requests at once as orgs run at once.
    let peak = |org_concurrency: &str| {
        let server = FakeOrg::start(Config {
            org_dir: fixture("ready-org"),
            latency: std::time::Duration::from_millis(30),
            ..Config::default()
        });
        let mut f = Fleet::new();
        let mut toml = String::new();
        for name in ["a", "b", "c"] {
            f.live(&mut toml, name, &server.base_url, TOKEN, "");
        }
        f.write(&toml);
        let r = f.run(&["--concurrency", "1", "--org-concurrency", org_concurrency]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        server.max_concurrent()
    };
    assert_eq!(peak("1"), 1);
    let three = peak("3");
    assert!((2..=3).contains(&three), "{three}");
}

#[test]
fn a_folder_that_cannot_be_read_is_incomplete_and_the_others_go_on() {
    let f = Fleet::new();
    f.write(&format!(
        "[[org]]\nname = \"here\"\nsource = \"{}\"\n\n[[org]]\nname = \"gone\"\nsource = \"no-such-folder\"\n",
        fixture("ready-org").display()
    ));
    let r = f.run(&["--json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = r.json();
    assert_eq!(org(&v, "here")["verdict"], "ready");
    let gone = org(&v, "gone")["error"].as_str().unwrap();
    // Named by its key: the value is never shown (a token may have been pasted there).
    assert_eq!(
        gone,
        "the `source` folder: cannot open: No such file or directory"
    );
}

/// The fleet file's `role` against the org's own `Organization.IsSandbox`: a "sandbox"
/// that says it is not one is named, in every human format and by its flag in JSON.
#[test]
fn a_role_the_org_contradicts_is_named() {
    let prod = serve(fixture("ready-org"));
    let fake_sandbox = serve(fixture("ready-org"));
    let real_sandbox = FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        is_sandbox: true,
        ..Config::default()
    });
    let mut f = Fleet::new();
    let mut toml = String::new();
    f.live(
        &mut toml,
        "prod",
        &prod.base_url,
        TOKEN,
        "role = \"production\"",
    );
    let rehearses = "role = \"sandbox\"\nrehearses = \"prod\"";
    f.live(&mut toml, "uat", &fake_sandbox.base_url, TOKEN, rehearses);
    f.live(&mut toml, "qa", &real_sandbox.base_url, TOKEN, rehearses);
    f.write(&toml);
    let v = f.run(&["--json"]).json();
    assert_eq!(org(&v, "prod")["is_sandbox"], false);
    assert_eq!(org(&v, "uat")["is_sandbox"], false);
    assert_eq!(org(&v, "qa")["is_sandbox"], true);
    let table = f.run(&[]).stdout;
    let checks: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("Role check:"))
        .collect();
    assert_eq!(checks.len(), 1, "{table}");
    assert!(
        checks[0].starts_with(
            "Role check: uat: the fleet file says sandbox, but the org says it is not a sandbox"
        ),
        "{table}"
    );
    let markdown = f.run(&["--format", "markdown"]).stdout;
    assert!(
        markdown.contains("Role check:") && markdown.contains("`uat`"),
        "{markdown}"
    );
}
