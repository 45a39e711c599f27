//! The binary in a pseudo-terminal of a chosen size, as an admin runs it: the width comes
//! from the terminal, colour is on unless NO_COLOR or --color never, and a live read shows
//! its progress.

use crate::fake_org::{Config, FakeOrg};
use crate::harness;
use crate::live_support::TOKEN;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::Read;
use std::time::Duration;

const DEMO: &str = "fixtures/demo-org";

/// Runs the binary in a `cols`-wide terminal; returns its exit code and everything it
/// wrote (stdout and stderr share the terminal), with the terminal's CRLF made LF.
fn in_terminal(args: &[&str], cols: u16, envs: &[(&str, &str)]) -> (u32, String) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    // The harness's hermetic environment and deadline; the terminal is this file's.
    let scratch = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(harness::BIN);
    cmd.args(args);
    cmd.cwd(harness::repo());
    cmd.env_clear();
    for (k, v) in harness::hermetic_env(scratch.path()) {
        cmd.env(k, v);
    }
    cmd.env("TERM", "xterm-256color");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = pair.slave.spawn_command(cmd).expect("the binary runs");
    drop(pair.slave);
    // The child leads its own session (setsid), so its process group is its pid.
    let watch = harness::Watchdog::arm(
        child.process_id().expect("a pid"),
        harness::DEADLINE,
        &format!("pkce-audit {} (in a terminal)", args.join(" ")),
    );
    let mut reader = pair.master.try_clone_reader().unwrap();
    // Read while the child writes: a full terminal buffer would block it.
    let collector = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO once the last writer has gone: that is the end.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
        }
        bytes
    });
    let status = child.wait().unwrap();
    watch.disarm();
    drop(pair.master);
    let bytes = collector.join().unwrap();
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    (status.exit_code(), text)
}

/// The text without ANSI escape sequences (CSI and the two-byte forms).
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

fn widest(s: &str) -> usize {
    plain(s)
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn an_80_column_terminal_gets_an_80_column_report_in_colour() {
    let (code, out) = in_terminal(&["audit", "--source", DEMO], 80, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        widest(&out) <= 80,
        "{} columns:\n{}",
        widest(&out),
        plain(&out)
    );
    assert!(widest(&out) > 70, "the table should use the width:\n{out}");
    assert!(out.contains("Verdict: \x1b[1;31mNOT READY\x1b[0m"), "{out}");
    assert!(out.contains("BLOCKER\x1b[0m"), "{out}");
    assert!(out.contains("\x1b[1;31mcritical\x1b[0m"), "{out}");
}

#[test]
fn the_terminal_width_beats_a_stale_exported_columns() {
    let (_, out) = in_terminal(&["audit", "--source", DEMO], 120, &[("COLUMNS", "60")]);
    let w = widest(&out);
    assert!(w > 100 && w <= 120, "{w} columns");
}

#[test]
fn no_color_and_color_never_keep_the_terminal_plain() {
    let (_, colour) = in_terminal(&["audit", "--source", DEMO], 100, &[]);
    for (args, envs) in [
        (vec!["audit", "--source", DEMO], vec![("NO_COLOR", "1")]),
        (vec!["audit", "--source", DEMO, "--color", "never"], vec![]),
    ] {
        let (code, out) = in_terminal(&args, 100, &envs);
        assert_eq!(code, 1);
        assert!(!out.contains('\x1b'), "{args:?} {envs:?}: {out}");
        // NO_COLOR changes colour only: the same characters in the same places.
        assert_eq!(out, plain(&colour));
    }
    // --color always is the user's explicit word, over NO_COLOR.
    let (_, out) = in_terminal(
        &["audit", "--source", DEMO, "--color", "always"],
        100,
        &[("NO_COLOR", "1")],
    );
    assert!(out.contains("\x1b[1;31mNOT READY"), "{out}");
}

#[test]
fn rules_fit_the_terminal() {
    for cols in [60, 80] {
        for args in [&["rules"][..], &["rules", "public-client-without-pkce"]] {
            let (code, out) = in_terminal(args, cols, &[]);
            assert_eq!(code, 0);
            assert!(
                widest(&out) <= usize::from(cols),
                "{args:?} at {cols}:\n{out}"
            );
        }
    }
}

#[test]
fn a_live_read_shows_progress_on_a_terminal_unless_asked_not_to() {
    let org = FakeOrg::start(Config {
        latency: Duration::from_millis(150),
        ..Config::default()
    });
    let url = org.base_url.as_str();
    let live = [("SF_ACCESS_TOKEN", TOKEN)];
    let (code, out) = in_terminal(&["audit", "--instance-url", url], 100, &live);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("reading the org"), "{out}");
    assert!(out.contains("API calls"), "{out}");
    assert!(out.contains("Verdict: "), "{out}");
    for (args, envs) in [
        (vec!["audit", "--instance-url", url, "-q"], vec![]),
        (
            vec!["audit", "--instance-url", url],
            vec![("SF_USE_PROGRESS_BAR", "false")],
        ),
    ] {
        let mut envs = envs;
        envs.extend_from_slice(&live);
        let (_, out) = in_terminal(&args, 100, &envs);
        assert!(!out.contains("reading the org"), "{args:?}: {out}");
    }
}

#[test]
fn a_fleet_shows_its_orgs_done_on_a_terminal_unless_asked_not_to() {
    let org = FakeOrg::start(Config {
        latency: Duration::from_millis(150),
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("prod.token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[[org]]\nname = \"prod\"\ninstance_url = \"{}\"\naccess_token_file = \"{}\"\n",
            org.base_url,
            token.display()
        ),
    )
    .unwrap();
    let fleet = fleet.to_str().unwrap();
    let (code, out) = in_terminal(&["fleet", "--orgs", fleet], 100, &[]);
    assert_ne!(code, 2, "{out}");
    assert!(plain(&out).contains("auditing orgs: ["), "{out}");
    assert!(plain(&out).contains("/1 done"), "{out}");
    let (_, out) = in_terminal(&["fleet", "--orgs", fleet, "-q"], 100, &[]);
    assert!(!out.contains("auditing orgs"), "{out}");
}
