//! The command line's conventions, run as a user types them: the sf CLI's option and
//! environment names, `--json` on every command with JSON errors, `--output`, options that
//! do not apply, completions and the man page.

use crate::fake_org::{Config, FakeOrg};
use crate::live_support::{self as support, fixture, run, Run, TOKEN};

const DEMO: &str = "fixtures/demo-org";

/// A failure under `--json`: the one JSON document on stdout, with exactly the fields sf
/// prints and our `code`, its status the exit status, and the same message as one line
/// on stderr.
fn assert_json_failure(r: &Run, name: &str, says: &str) {
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let doc = r.json();
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["code", "message", "name", "schema_version", "status"],
        "{doc}"
    );
    assert_eq!(doc["schema_version"], 1, "{doc}");
    assert!(doc["code"].as_str().unwrap().starts_with("E-"), "{doc}");
    assert_eq!(doc["status"], 2, "{doc}");
    assert_eq!(doc["name"], name, "{doc}");
    let message = doc["message"].as_str().unwrap();
    assert!(message.contains(says), "{message}");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("pkce-audit: error: "), "{}", r.stderr);
}

#[test]
fn every_command_prints_one_json_document_with_json() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r.json");
    let r = run(&["audit", "--source", DEMO, "--json"], &[]);
    assert_eq!(r.code, 1);
    std::fs::write(&report, &r.stdout).unwrap();
    assert_eq!(r.json()["schema_version"], 1);
    let report = report.to_str().unwrap();

    let org = FakeOrg::start(Config::default());
    let snap = tmp.path().join("snap");
    let live = [
        ("SF_ACCESS_TOKEN", TOKEN),
        ("SF_ORG_INSTANCE_URL", org.base_url.as_str()),
    ];
    let runs = [
        run(&["rules", "--json"], &[]),
        run(&["rules", "app-pkce-not-required", "--json"], &[]),
        run(&["clients", "--json"], &[]),
        run(&["diff", report, report, "--json"], &[]),
        run(&["doctor", "--json"], &live),
        run(&["fetch", "--out", snap.to_str().unwrap(), "--json"], &live),
    ];
    for (i, r) in runs.iter().enumerate() {
        assert!(matches!(r.code, 0 | 3), "run {i}: {}{}", r.stdout, r.stderr);
        let doc = r.json();
        assert!(doc.is_object() || doc.is_array(), "run {i}");
    }
    assert_eq!(runs[1].json()["id"], "app-pkce-not-required");
    let fetched = runs[5].json();
    assert_eq!(fetched["instance_url"], org.base_url.as_str());
    assert!(fetched["components_written"].as_u64().unwrap() > 0);
    assert!(snap.join("pkce-audit-snapshot.json").exists() || snap.is_dir());
}

#[test]
fn errors_under_json_are_json_documents() {
    let r = run(&["audit", "--sorce", DEMO, "--json"], &[]);
    assert_json_failure(&r, "UsageError", "unexpected argument '--sorce'");
    let r = run(
        &["audit", "--source", DEMO, "--json", "--csv-rows", "apps"],
        &[],
    );
    assert_json_failure(&r, "UsageError", "--csv-rows does not apply here");
    let empty = tempfile::tempdir().unwrap();
    let r = run(
        &[
            "audit",
            "--source",
            empty.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_json_failure(&r, "NothingToAudit", "no Salesforce metadata here");
    let r = run(&["diff", "nope.json", "nope.json", "--json"], &[]);
    assert_json_failure(&r, "ReportError", "nope.json");
    let r = run(&["rules", "no-such-rule", "--json"], &[]);
    assert_json_failure(&r, "UsageError", "unknown rule 'no-such-rule'");
    // SF_CONTENT_TYPE=JSON asks for JSON as --json does, errors included.
    let r = run(
        &["audit", "--source", DEMO, "-q"],
        &[("SF_CONTENT_TYPE", "JSON")],
    );
    assert_json_failure(&r, "UsageError", "--quiet does not apply here");
}

#[test]
fn sf_content_type_json_makes_output_json_unless_a_format_is_typed() {
    let env = [("SF_CONTENT_TYPE", "json")];
    let r = run(&["audit", "--source", DEMO], &env);
    assert_eq!(r.json()["schema_version"], 1);
    assert!(run(&["rules"], &env).json()["rules"].is_array());
    let r = run(&["audit", "--source", DEMO, "--format", "csv"], &env);
    assert!(
        r.stdout.starts_with("severity,") || r.stdout.contains(','),
        "{}",
        r.stdout
    );
    assert!(serde_json::from_str::<serde_json::Value>(&r.stdout).is_err());
}

#[test]
fn without_json_an_error_is_one_line_on_stderr_and_nothing_on_stdout() {
    let r = run(&["audit", "--source", DEMO, "--bogus"], &[]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("see 'pkce-audit audit --help'"),
        "{}",
        r.stderr
    );
}

#[test]
fn short_o_is_the_target_org_as_in_sf() {
    // -o names an org: refused beside --source, as --target-org is.
    let r = run(&["audit", "--source", DEMO, "-o", "prod"], &[]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--target-org does not apply here"),
        "{}",
        r.stderr
    );
    // Mixed with another org option it conflicts, as --target-org does.
    let r = run(
        &[
            "audit",
            "-o",
            "prod",
            "--instance-url",
            "https://x.my.salesforce.com",
        ],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--target-org"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

#[test]
fn options_that_do_not_apply_are_refused_the_same_way() {
    for (args, flag) in [
        (&["--concurrency", "4"][..], "--concurrency"),
        (&["--timeout", "9"], "--timeout"),
        (&["--no-usage"], "--no-usage"),
        (&["--show-users"], "--show-users"),
        (&["--api-version", "62.0"], "--api-version"),
        (&["--verbose"], "--verbose"),
        (&["--csv-rows", "apps"], "--csv-rows"),
        (&["--format", "sarif", "--color", "always"], "--color"),
    ] {
        let mut all = vec!["audit", "--source", DEMO];
        all.extend_from_slice(args);
        let r = run(&all, &[]);
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.stdout, "", "{args:?}");
        let line = r.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{args:?}: {line}");
        assert!(
            line.starts_with(&format!("pkce-audit: error: {flag} does not apply here: ")),
            "{args:?}: {line}"
        );
    }
    // An environment default is not a typed option: SF_ORG_API_VERSION beside --source is fine.
    let r = run(
        &["audit", "--source", DEMO],
        &[("SF_ORG_API_VERSION", "62.0")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn output_file_gets_the_report_and_stderr_one_line_output_dash_is_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    // CSV: the same bytes whenever it is run (Markdown and JSON carry the time of the run).
    let file = tmp.path().join("review.csv");
    let r = run(
        &[
            "audit",
            "--source",
            DEMO,
            "--format",
            "csv",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!(
            "pkce-audit: wrote {}: NOT READY, 8 blocker(s)\n",
            file.display()
        )
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let direct = run(&["audit", "--source", DEMO, "--format", "csv"], &[]);
    assert_eq!(written, direct.stdout);
    let dash = run(
        &[
            "audit", "--source", DEMO, "--format", "csv", "--output", "-",
        ],
        &[],
    );
    assert_eq!(dash.stdout, direct.stdout);
    assert_eq!(dash.stderr, "");
    assert!(!std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("-")
        .exists());
}

#[test]
fn the_sf_environment_names_the_org() {
    let org = FakeOrg::start(Config::default());
    let url = org.base_url.as_str();
    // SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN: the pair `sf org login access-token` takes.
    let r = run(
        &["audit", "--json"],
        &[
            ("SF_ORG_INSTANCE_URL", url),
            ("SF_ACCESS_TOKEN", TOKEN),
            ("SF_ORG_API_VERSION", "62.0"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    assert_eq!(report["scope"]["source"], url);
    assert_eq!(report["scope"]["api_version"], "62.0");
    // Two orgs named by the environment: refused, not guessed.
    let r = run(
        &["audit"],
        &[
            ("SF_ORG_INSTANCE_URL", url),
            ("SF_ACCESS_TOKEN", TOKEN),
            ("SF_TARGET_ORG", "prod"),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the environment names two orgs"),
        "{}",
        r.stderr
    );
    // sf's default SF_ORG_INSTANCE_URL is a login server, which holds no org.
    let r = run(
        &["audit"],
        &[
            ("SF_ORG_INSTANCE_URL", "https://login.salesforce.com"),
            ("SF_ACCESS_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a login server"), "{}", r.stderr);
    // Without the token, SF_ORG_INSTANCE_URL alone (sf's login URL) names no org.
    let r = run(&["audit"], &[("SF_ORG_INSTANCE_URL", url)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("nothing to audit"), "{}", r.stderr);
    // The options beat the environment.
    let r = run(&["audit", "--source", DEMO], &[("SF_TARGET_ORG", "prod")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn completions_for_every_shell_and_man_pages_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = run(&["completions", shell], &[]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["audit", "fetch", "target-org", "format"] {
            assert!(r.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    // The bash script is valid bash.
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("pkce-audit.bash");
    std::fs::write(&script, run(&["completions", "bash"], &[]).stdout).unwrap();
    if let Ok(o) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let page = run(&["man"], &[]);
    assert_eq!(page.code, 0);
    assert!(
        page.stdout.contains(".TH pkce-audit 1"),
        "{}",
        &page.stdout[..200]
    );
    for sub in [
        "audit",
        "rules",
        "clients",
        "fetch",
        "doctor",
        "diff",
        "completions",
    ] {
        assert!(
            page.stdout.contains(&format!("pkce\\-audit\\-{sub}(1)")),
            "{sub}"
        );
        let sub_page = run(&["man", sub], &[]);
        assert_eq!(sub_page.code, 0, "{sub}");
        assert!(
            sub_page.stdout.contains(&format!(".TH pkce-audit-{sub} 1")),
            "{sub}"
        );
    }
    assert!(run(&["man", "audit"], &[])
        .stdout
        .contains("\\-\\-target\\-org"));
    let r = run(&["man", "nope"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no command 'nope'"), "{}", r.stderr);
}

#[test]
fn a_live_audit_reads_the_org_the_options_name() {
    // --instance-url beats SF_TARGET_ORG in the environment.
    let org = FakeOrg::start(Config {
        org_dir: fixture("ready-org"),
        ..Config::default()
    });
    let r = run(
        &["audit", "--instance-url", &org.base_url, "--json"],
        &[
            ("SF_ACCESS_TOKEN", TOKEN),
            ("SF_TARGET_ORG", "not-this-one"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(support::verdict(&r.json()), "ready");
}

/// The shell of the docs/ci.md step "Fail unless ready", as GitHub would run it.
fn ci_gate_script() -> String {
    let doc = std::fs::read_to_string(fixture("../docs/ci.md")).unwrap();
    let step = &doc[doc
        .find("- name: Fail unless ready")
        .expect("the gate step")..];
    let run = &step[step.find("run: |\n").unwrap() + "run: |\n".len()..];
    let indent = run.len() - run.trim_start().len();
    run.lines()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_ci_recipe_fails_on_incomplete_unless_allowed_on_purpose() {
    let script = ci_gate_script();
    for (status, allow, passes) in [
        ("0", "false", true),
        ("1", "false", false),
        ("2", "false", false),
        ("3", "false", false),
        ("3", "true", true),
        ("1", "true", false),
    ] {
        let o = std::process::Command::new("bash")
            .args(["-c", &script])
            .env("STATUS", status)
            .env("PKCE_AUDIT_ALLOW_INCOMPLETE", allow)
            .output()
            .expect("bash runs");
        assert_eq!(
            o.status.success(),
            passes,
            "status {status}, allow {allow}:\n{script}"
        );
    }
}

#[test]
fn enforced_with_blockers_exits_0_and_fail_on_catches_it_as_docs_ci_says() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("org");
    support::copy_dir(&fixture("demo-org"), &root);
    let settings = root.join("force-app/main/default/settings/OauthOidc.settings-meta.xml");
    let text = std::fs::read_to_string(&settings).unwrap().replace(
        "<isPkceRequired>false</isPkceRequired>",
        "<isPkceRequired>true</isPkceRequired>",
    );
    std::fs::write(&settings, text).unwrap();
    let dir = root.to_str().unwrap();
    let r = run(&["audit", "--source", dir, "--json"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = r.json();
    assert_eq!(support::verdict(&report), "enforced");
    assert!(report["summary"]["blockers"].as_u64().unwrap() > 0);
    let r = run(&["audit", "--source", dir, "--fail-on", "high"], &[]);
    assert_eq!(r.code, 1);
}

/// docs/*.md and README.md, each with its name.
fn docs() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            files.push(p);
        }
    }
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.display().to_string(), text)
        })
        .collect()
}

/// Text as it reads: emphasis marks gone, a line continuation (`\` at a line's end)
/// joined, every run of white space one space.
fn as_read(text: &str) -> String {
    text.replace(['*', '`'], "")
        .replace("\\\n", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_docs_give_the_external_client_apps_pkce_box_one_setup_path() {
    use pkce_audit_model::rules::eca_pkce_path;
    // The model's wording, for the documents' placeholder app.
    let canonical = eca_pkce_path("app");
    let mut seen = 0;
    for (name, text) in docs() {
        let text = as_read(&text);
        for (at, _) in text.match_indices("External Client App Manager") {
            seen += 1;
            let from = text[..at].rfind("Setup > ").filter(|s| at - s == 8);
            let here = from.map(|s| &text[s..]).unwrap_or(&text[at..]);
            assert!(
                here.starts_with(&canonical),
                "{name}: the Setup path of an External Client App's PKCE box is written `{canonical}`, not `{}`",
                &here[..here.len().min(canonical.len() + 20)]
            );
        }
        // The box's own name: "extension" in lower case for an External Client App.
        assert!(
            !text.contains("OAuth Settings > Flow Enablement > Require Proof Key"),
            "{name}"
        );
    }
    assert!(seen >= 3, "the docs name the path ({seen})");
    // The outputs say it the same way: the remediation of an ECA's finding.
    let app: pkce_audit_model::inventory::App = serde_json::from_value(serde_json::json!({
        "name": "My_ECA", "kind": "external-client-app", "owner": "org",
        "oauth_enabled": true, "pkce_basis": "explicit", "public_client": false,
        "callback_urls": [], "files": [],
    }))
    .unwrap();
    assert_eq!(
        pkce_audit_model::rules::setup_path(&app),
        eca_pkce_path("My_ECA")
    );
}

/// Every place an External Client App's PKCE section ("Settings > OAuth Settings >
/// Security") is written, in every rule's controls and in each document a report renders:
/// it is the model's ([`eca_pkce_path`], or the controls' short "External Client App:
/// <section>"), never another wording.
#[test]
fn every_external_client_app_pkce_path_is_the_models() {
    use pkce_audit_model::rules::{eca_pkce_path, RuleId, ECA_PKCE_SECTION};
    let short = format!("External Client App: {ECA_PKCE_SECTION}");
    // Where the section is written, what it must be part of: the full path (an app's
    // name before it) or the controls' short wording.
    let check = |what: &str, text: &str| {
        let mut seen = 0;
        for (at, _) in text.match_indices("OAuth Settings > Security") {
            seen += 1;
            let start = at - "Settings > ".len();
            let before = &text[..start];
            let full = before
                .rfind("Setup > External Client App Manager > ")
                .filter(|s| {
                    let app = &before[s + "Setup > External Client App Manager > ".len()..];
                    app.ends_with(" > ")
                        && text[*s..].starts_with(&eca_pkce_path(&app[..app.len() - 3]))
                });
            let short_here = text[..at]
                .ends_with(&short[..short.len() - "OAuth Settings > Security".len()])
                && text[start - "External Client App: ".len()..].starts_with(&short);
            assert!(
                full.is_some() || short_here,
                "{what}: an External Client App's PKCE path not in the model's words: {}",
                &text[start.saturating_sub(60)..(at + 60).min(text.len())]
            );
        }
        seen
    };
    let mut seen = 0;
    for id in RuleId::KNOWN {
        for c in id.controls() {
            seen += check(id.as_str(), c);
        }
    }
    assert!(seen > 0, "the controls name the section");
    for format in ["table", "markdown", "html", "json", "csv", "sarif"] {
        let o = crate::harness::pkce()
            .args(["audit", "--source", "fixtures/demo-org", "--format", format])
            .in_repo()
            .env("COLUMNS", "1000")
            .run();
        let text = o
            .stdout
            .replace("<wbr>", "")
            .replace("&gt;", ">")
            .replace("\\>", ">")
            .replace("\\u003e", ">");
        let n = check(format, &text);
        // The plans and the controls table name it; the other formats may not.
        assert!(
            n > 0 || !matches!(format, "markdown" | "html"),
            "{format} names the path"
        );
    }
}

#[test]
fn docs_fix_md_retrieves_what_next_actions_retrieve() {
    let fix = docs()
        .into_iter()
        .find(|(n, _)| n.ends_with("docs/fix.md"))
        .unwrap()
        .1;
    let command = pkce_audit_model::commands::retrieve_command("prod");
    assert!(
        as_read(&fix).contains(&command),
        "docs/fix.md's loop retrieves `{command}`"
    );
}
