//! `--format html` run through the binary: the audit of a folder and of a live org, and
//! the fleet; the page goes to `--output` or standard output and says the verdict and
//! every blocking app. Commands without a page refuse the format.

use crate::fleet::{serve, Fleet};
use crate::live_support::{assert_no_secrets, audit_live, fixture, run, TOKEN};

const CSP: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">";

/// The apps a JSON report says someone must act on.
fn blocking_apps(report: &serde_json::Value) -> Vec<String> {
    let mut apps: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["blocker"] == true && f["waived"].is_null())
        .filter_map(|f| f["app"].as_str().map(String::from))
        .collect();
    apps.dedup();
    apps
}

fn assert_page(page: &str, verdict: &str, apps: &[String]) {
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains(CSP), "{page}");
    assert!(!page.contains("<script"));
    assert!(page.contains(&format!("Verdict: {verdict}")), "{page}");
    // `<wbr>` only marks where a long name may wrap: the text reads without it.
    let text = page.replace("<wbr>", "");
    for app in apps {
        assert!(text.contains(app.as_str()), "{app} missing");
    }
}

#[test]
fn audit_writes_the_page_to_output_with_the_verdict_and_every_blocking_app() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("board.html");
    let json = run(&["audit", "--source", "fixtures/demo-org", "--json"], &[]);
    let apps = blocking_apps(&json.json());
    assert!(apps.len() >= 5, "{apps:?}");
    let r = run(
        &[
            "audit",
            "--source",
            "fixtures/demo-org",
            "--format",
            "html",
            "--output",
            out.to_str().unwrap(),
        ],
        &[],
    );
    r.status(1).stderr_has("wrote");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let page = std::fs::read_to_string(&out).unwrap();
    assert_page(&page, "NOT READY", &apps);
    // A page has its own colours: --color is refused, as for every format but the table.
    run(
        &[
            "audit",
            "--source",
            "fixtures/demo-org",
            "--format",
            "html",
            "--color",
            "always",
        ],
        &[],
    )
    .status(2)
    .stderr_has("--color does not apply here");
}

#[test]
fn a_live_audit_with_evidence_prints_its_page_without_a_token() {
    let server = serve(fixture("demo-org"));
    let json = audit_live(&server.base_url, &[]);
    let apps = blocking_apps(&json.json());
    let r = run(
        &[
            "audit",
            "--instance-url",
            &server.base_url,
            "--format",
            "html",
        ],
        &[("SF_ACCESS_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, json.code, "{}", r.stderr);
    assert_page(
        &r.stdout,
        &json.json()["verdict"]
            .as_str()
            .unwrap()
            .replace('-', " ")
            .to_uppercase(),
        &apps,
    );
    let window = json.json()["scope"]["evidence"]["window_days"].clone();
    assert!(window.is_u64(), "the live audit read usage evidence");
    assert!(r
        .stdout
        .contains(&format!("Usage evidence, last {window} days")));
    assert_no_secrets(&r.stdout, "the live page");
}

#[test]
fn fleet_prints_one_page_with_each_orgs_verdict_and_the_rehearsal() {
    let prod = serve(fixture("demo-org"));
    let uat = serve(fixture("ready-org"));
    let mut f = Fleet::new();
    f.rehearsal(&prod.base_url, &uat.base_url);
    let json = f.run(&["--json"]);
    let r = f.run(&["--format", "html"]);
    assert_eq!(r.code, json.code, "{}", r.stderr);
    let v = json.json();
    let verdict = v["verdict"]
        .as_str()
        .unwrap()
        .replace('-', " ")
        .to_uppercase();
    assert_page(&r.stdout, &verdict, &[]);
    for o in v["orgs"].as_array().unwrap() {
        let word = o["verdict"]
            .as_str()
            .unwrap()
            .replace('-', " ")
            .to_uppercase();
        assert!(r.stdout.contains(&format!(">{word}")), "{word}");
    }
    assert!(r.stdout.contains("uat rehearses prod"), "{}", r.stdout);
    assert_no_secrets(&r.stdout, "the fleet page");
}

#[test]
fn commands_without_a_page_refuse_the_format() {
    let r = run(&["diff", "a.json", "b.json", "--format", "html"], &[]);
    r.status(2).stderr_has("html");
}

/// The text of a page's `<code>` element as a shell reads it.
fn unescape(code: &str) -> String {
    code.replace("<wbr>", "")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn every_undo_command_on_the_demo_page_runs_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    crate::live_support::copy_dir(&fixture("demo-org"), &dir.path().join("demo-org"));
    let page = crate::harness::pkce()
        .args(["audit", "--source", "demo-org", "--format", "html"])
        .dir(dir.path())
        .run();
    page.status(1);
    let undo: Vec<String> = page
        .stdout
        .split("<code>")
        .skip(1)
        .map(|c| unescape(c.split("</code>").next().unwrap()))
        .filter(|c| c.contains("--undo"))
        .collect();
    // Each app step 2 changed or will change that fix can take back, and the org setting.
    assert!(undo.len() >= 4, "{undo:?}");
    assert!(undo.iter().any(|c| c.contains("--org-setting")), "{undo:?}");
    for command in &undo {
        let line = command
            .strip_prefix("pkce-audit ")
            .unwrap_or_else(|| panic!("{command}"));
        assert!(line.contains("--source demo-org"), "{command}");
        let r = crate::harness::pkce_in_bash(&format!("{line} --dry-run"))
            .dir(dir.path())
            .run();
        assert_eq!(r.code, 0, "{command}: {}", r.all());
    }
    // An app fix cannot change gets no command but the reason.
    let text = page.stdout.replace("<wbr>", "");
    assert!(
        text.contains(
            "fix cannot take it back: the global OAuth settings of &#39;Analytics_Bridge&#39;"
        ),
        "{text}"
    );
}

#[test]
fn the_reports_notes_are_in_the_page_and_the_markdown() {
    for source in ["fixtures/demo-org", "fixtures/demo-org/force-app"] {
        let json = run(&["audit", "--source", source, "--json"], &[]).json();
        let notes: Vec<String> = json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect();
        assert!(
            notes.iter().any(|n| n.contains(".forceignore")),
            "{source}: {notes:?}"
        );
        let page = run(&["audit", "--source", source, "--format", "html"], &[]).stdout;
        let page = page.replace("<wbr>", "");
        let evidence = &page[page.find("id=\"evidence\"").unwrap()..];
        let evidence = &evidence[..evidence.find("</section>").unwrap()];
        assert!(
            !evidence.contains("Every input was read.</p>"),
            "{evidence}"
        );
        let md = run(&["audit", "--source", source, "--format", "markdown"], &[]).stdout;
        let md = &md[md.find("## Notes").expect("a Notes section in Markdown")..];
        for n in &notes {
            let shown = n.replace('&', "&amp;").replace('\'', "&#39;");
            assert!(evidence.contains(&shown), "{source}: {n} in {evidence}");
            // Markdown escapes its own characters: the words are there.
            let words = n.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
            assert!(md.contains(&words), "{source}: {words} in Markdown");
        }
    }
}
