//! What the benches share: running the release binary under GNU time, medians, and the
//! counts a minimum of calls is computed from.
// Each bench uses its own subset.
#![allow(dead_code)]

use pkce_audit_test_org::fake_org;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_pkce-audit");

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs a command to completion; returns wall time, exit code and peak RSS in KiB.
///
/// The peak comes from GNU time, which forks the measured program from its own small
/// process. Measuring the child of this process directly would not do: `Command` spawns
/// with `CLONE_VM`, so the child's high-water mark starts at this process's resident size
/// (the test org and its data live here).
// The child is reaped by wait4 below, which clippy cannot see.
pub fn measure(cmd: &mut Command) -> (Duration, i32, i64) {
    let (elapsed, code, peak, err) = measure_any(cmd);
    if code == 2 {
        panic!("{cmd:?} failed: {err}");
    }
    (elapsed, code, peak)
}

/// [`measure`], whatever the exit code; also returns standard error.
// The child is reaped by wait4 below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn measure_any(cmd: &mut Command) -> (Duration, i32, i64, String) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "%M", "-o"])
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let start = Instant::now();
    let child = timed
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn /usr/bin/time (Debian package `time`)");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(r, pid, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let mut err = String::new();
    use std::io::Read;
    child.stderr.unwrap().read_to_string(&mut err).ok();
    // GNU time writes "Command exited with non-zero status N" first on failure.
    let peak = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or(-1);
    (elapsed, code, peak, err)
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

/// readMetadata calls for `n` names of one type (at most 10 a call).
pub fn batches(n: usize) -> u64 {
    n.div_ceil(10) as u64
}

/// Requests the test org answered (injected faults aside).
pub fn served(org: &fake_org::FakeOrg) -> u64 {
    org.calls()
        .iter()
        .filter(|(k, _)| *k != "faults_injected")
        .map(|(_, v)| v)
        .sum()
}

/// Components per fetched type, in `MetadataType::FETCHED` order.
pub fn component_counts(dir: &Path) -> Vec<usize> {
    let d = pkce_audit_io::source::discover(dir).unwrap();
    pkce_audit_io::metadata::MetadataType::FETCHED
        .iter()
        .map(|t| d.files.iter().filter(|f| f.ty == *t).count())
        .collect()
}
