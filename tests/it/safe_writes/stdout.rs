//! Every command survives a closed standard output (`… | head -c1`): no panic, nothing
//! on standard error but what a run would print anyway, and the exit status the run
//! would have had. Standard output is a pipe whose reading end is closed before the
//! command starts, so its first write fails with EPIPE (Rust ignores SIGPIPE).

use crate::fake_org::{Config, FakeOrg};
use crate::harness::pkce;
use crate::live_support::{fixture, TOKEN};

/// Runs `args` with standard output a pipe nobody reads; its exit status and stderr.
fn closed_stdout(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let r = pkce()
        .args(args)
        .env("PKCE_AUDIT_TODAY", "2026-12-01")
        .envs(envs.iter().copied())
        .stdout_closed()
        .run();
    (r.code, r.stderr)
}

#[test]
fn every_command_survives_a_closed_standard_output() {
    let org = FakeOrg::start(Config::default());
    let live = [
        ("SF_ACCESS_TOKEN", TOKEN),
        ("SF_ORG_INSTANCE_URL", org.base_url.as_str()),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let demo = fixture("demo-org").display().to_string();
    let report = tmp.path().join("r.json");
    let r = crate::live_support::run(&["audit", "--source", &demo, "--json"], &[]);
    std::fs::write(&report, &r.stdout).unwrap();
    let report = report.display().to_string();
    let snap = tmp.path().join("snap").display().to_string();
    let fix_copy = tmp.path().join("fix");
    crate::live_support::copy_dir(&fixture("demo-org"), &fix_copy);
    let fix_dir = fix_copy.display().to_string();
    let fix = |last| {
        vec![
            "fix",
            "--source",
            &fix_dir,
            "--app",
            "Customer_Portal",
            last,
        ]
    };
    std::fs::write(
        tmp.path().join("fleet.toml"),
        format!("[[org]]\nname = \"demo\"\nsource = \"{demo}\"\n"),
    )
    .unwrap();
    let fleet = tmp.path().join("fleet.toml").display().to_string();
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["rules", "--json"], 0),
        (vec!["rules"], 0),
        (vec!["rules", "app-pkce-not-required"], 0),
        (vec!["clients", "--json"], 0),
        (vec!["--help"], 0),
        (vec!["audit", "--help"], 0),
        (vec!["--version"], 0),
        (vec!["man"], 0),
        (vec!["completions", "bash"], 0),
        (vec!["audit", "--source", &demo], 1),
        (vec!["audit", "--source", &demo, "--json"], 1),
        (vec!["diff", &report, &report], 0),
        (vec!["doctor", "--json"], 0),
        (vec!["doctor"], 0),
        (vec!["fetch", "--out", &snap, "--json"], 0),
        (vec!["fetch", "--out", &snap], 0),
        (fix("--dry-run"), 0),
        (fix("--json"), 0),
        (vec!["fleet", "--orgs", &fleet, "--json"], 1),
    ];
    for (args, code) in &runs {
        let (got, stderr) = closed_stdout(args, &live);
        assert_eq!(got, *code, "{args:?}: {stderr}");
        // Progress bars and notes go to a terminal only; a closed pipe adds nothing.
        let noise: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("pkce-audit: warning:") && !l.starts_with("warning:"))
            .collect();
        assert!(noise.is_empty(), "{args:?}: {stderr}");
    }
    // An error printed as JSON to standard output: its one line on stderr, its status.
    let (got, stderr) = closed_stdout(&["rules", "no-such-rule", "--json"], &[]);
    assert_eq!(got, 2);
    assert_eq!(
        stderr,
        format!(
            "pkce-audit: error: unknown rule 'no-such-rule'; the known rules: {}\n",
            pkce_audit_model::rules::RuleId::KNOWN
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    let (got, stderr) = closed_stdout(&["audit", "--sorce", "x", "--json"], &[]);
    assert_eq!(got, 2);
    assert!(
        !stderr.contains("panicked") && stderr.lines().count() == 1,
        "{stderr}"
    );
}
