//! The one way the tests run the binary: hermetic, fluent, bounded by a deadline.
//!
//! `pkce().args([..]).env(k, v).dir(&d).stdin(text).deadline(d).run()`, then checks on
//! the [`Run`]: `.status(0)`, `.stdout_has(..)`, `.stderr_line()`, `.json()`.
//! - The environment is cleared: the run sees only what the test sets, a `HOME` of its own
//!   and a `PATH` that is an empty folder (no `sf`, no program of the developer's; a test
//!   that needs one puts its stub on `PATH`). Never the developer's `SF_*`, `COLUMNS`,
//!   `NO_COLOR`, proxies or `HOME`.
//! - It runs in a temporary folder of its own unless the test names one (`dir`, or
//!   `in_repo` for the repository root, where `fixtures/…` resolves).
//! - A run still going at its deadline is killed (its whole process group) and the test
//!   fails naming the command: a hang never waits forever. Not a speed check: the default
//!   is many times what any run needs.
//! - Every run is checked for what no run may do: panic, write anything but UTF-8, or
//!   show a credential of the test org ([`crate::live_support::assert_no_secrets`]).

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_pkce-audit");

/// How long a run may take before it is called hung and killed.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// The repository root, where `fixtures/`, `data/` and `docs/` are.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A run of the binary, to be configured and then [`Pkce::run`].
pub fn pkce() -> Pkce {
    Pkce {
        program: PathBuf::from(BIN),
        args: Vec::new(),
        envs: Vec::new(),
        dir: None,
        stdin: Input::Null,
        stdout_closed: false,
        deadline: DEADLINE,
    }
}

/// The binary started by bash as `exec pkce-audit <line>`: for what only a shell makes
/// (`<(…)` process substitution). Same environment, folder and deadline as [`pkce`].
pub fn pkce_in_bash(line: &str) -> Pkce {
    Pkce {
        program: PathBuf::from("/bin/bash"),
        args: vec!["-c".into(), format!("exec '{BIN}' {line}").into()],
        ..pkce()
    }
}

#[must_use = "a run is started by .run()"]
pub struct Pkce {
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    dir: Option<PathBuf>,
    stdin: Input,
    stdout_closed: bool,
    deadline: Duration,
}

impl Pkce {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets one variable of the (otherwise empty) environment; a later one wins.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn envs<I, K, V>(self, envs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        envs.into_iter().fold(self, |c, (k, v)| c.env(k, v))
    }

    /// Runs in this folder instead of a temporary one.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Runs in the repository root (relative `fixtures/…` paths).
    pub fn in_repo(self) -> Self {
        self.dir(repo())
    }

    /// Standard input (else it is empty: /dev/null).
    pub fn stdin(mut self, text: impl Into<Vec<u8>>) -> Self {
        self.stdin = Input::Text(text.into());
        self
    }

    /// Standard input from this handle (a socket, a FIFO, a terminal).
    pub fn stdin_from(mut self, handle: impl Into<Stdio>) -> Self {
        self.stdin = Input::Handle(handle.into());
        self
    }

    /// Standard output a pipe whose reading end is closed before the run starts (`… |
    /// head -c1` at its worst): the first write fails with EPIPE. [`Run::stdout`] is empty.
    pub fn stdout_closed(mut self) -> Self {
        self.stdout_closed = true;
        self
    }

    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// What is run, for failure messages.
    fn describe(&self) -> String {
        let mut s = if self.program == Path::new(BIN) {
            "pkce-audit".to_string()
        } else {
            self.program.display().to_string()
        };
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    /// Runs to the end (or the deadline) and checks what every run must hold.
    pub fn run(self) -> Run {
        let scratch = tempfile::tempdir().unwrap();
        let what = self.describe();
        let mut input = None;
        let mut c = Command::new(&self.program);
        c.args(&self.args)
            .env_clear()
            .envs(hermetic_env(scratch.path()))
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.as_deref().unwrap_or(scratch.path()))
            .stdin(match self.stdin {
                Input::Null => Stdio::null(),
                Input::Text(ref text) => {
                    input = Some(text.clone());
                    Stdio::piped()
                }
                Input::Handle(h) => h,
            })
            .stdout(if self.stdout_closed {
                let (reader, writer) = std::io::pipe().unwrap();
                drop(reader);
                Stdio::from(writer)
            } else {
                Stdio::piped()
            })
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        let mut child = c
            .spawn()
            .unwrap_or_else(|e| panic!("`{what}` does not start: {e}"));
        let watch = Watchdog::arm(child.id(), self.deadline, &what);
        if let Some(input) = input {
            let mut pipe = child.stdin.take().unwrap();
            // A run that stops reading early (an error) closes the pipe: not a failure here.
            std::thread::spawn(move || pipe.write_all(&input));
        }
        let out = child.wait_with_output().unwrap();
        watch.disarm();
        let text = |bytes: Vec<u8>, stream: &str| {
            String::from_utf8(bytes)
                .unwrap_or_else(|e| panic!("`{what}` wrote other than UTF-8 to {stream}: {e}"))
        };
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: text(out.stdout, "stdout"),
            stderr: text(out.stderr, "stderr"),
            what,
        };
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        crate::live_support::assert_no_secrets(&run.stdout, "stdout");
        crate::live_support::assert_no_secrets(&run.stderr, "stderr");
        run
    }
}

/// What a run reads on standard input.
enum Input {
    Null,
    Text(Vec<u8>),
    Handle(Stdio),
}

/// The environment of every run (and of the pseudo-terminal runs): `HOME` in `scratch`,
/// `PATH` an empty folder there. The test adds what it needs.
pub fn hermetic_env(scratch: &Path) -> [(&'static str, PathBuf); 2] {
    let bin = scratch.join(".harness-path");
    std::fs::create_dir_all(&bin).unwrap();
    [("HOME", scratch.to_path_buf()), ("PATH", bin)]
}

/// Kills a process group still running at its deadline; [`Watchdog::disarm`] fails the
/// test when it had to.
pub struct Watchdog {
    ended: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
    what: String,
    deadline: Duration,
}

impl Watchdog {
    /// Watches `pid`, the leader of its own process group (so a stub it started dies too).
    pub fn arm(pid: u32, deadline: Duration, what: &str) -> Watchdog {
        let (ended, watch) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let hung = watch.recv_timeout(deadline) == Err(mpsc::RecvTimeoutError::Timeout);
            #[cfg(unix)]
            if hung {
                // SAFETY: kill(2) on a process group whose leader has not been waited for.
                unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
            }
            #[cfg(not(unix))]
            let _ = pid;
            hung
        });
        Watchdog {
            ended,
            thread,
            what: what.to_string(),
            deadline,
        }
    }

    /// The run has ended: panics when that was by the deadline.
    pub fn disarm(self) {
        let _ = self.ended.send(());
        assert!(
            !self.thread.join().unwrap(),
            "`{}` did not end within {:?}: killed",
            self.what,
            self.deadline
        );
    }
}

/// How a run ended and what it wrote.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for failure messages.
    pub what: String,
}

impl Run {
    /// The exit status is `code`.
    #[track_caller]
    pub fn status(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "`{}`\nstdout: {}\nstderr: {}",
            self.what, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, part: &str) -> &Self {
        self.has("stdout", &self.stdout, part)
    }

    #[track_caller]
    pub fn stderr_has(&self, part: &str) -> &Self {
        self.has("stderr", &self.stderr, part)
    }

    #[track_caller]
    fn has(&self, stream: &str, text: &str, part: &str) -> &Self {
        assert!(
            text.contains(part),
            "`{}`: {part:?} not in {stream}:\n{text}",
            self.what
        );
        self
    }

    /// The one line of a fatal error (exit 2, nothing else on stderr):
    /// `pkce-audit: error: …`, without its line end.
    #[track_caller]
    pub fn stderr_line(&self) -> &str {
        self.status(2);
        let line = self.stderr.strip_suffix('\n').unwrap_or(&self.stderr);
        assert_eq!(line.lines().count(), 1, "`{}`: {}", self.what, self.stderr);
        assert!(line.starts_with("pkce-audit: error: "), "{line}");
        line
    }

    /// Standard output parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}`: stdout is not JSON ({e}); stderr: {}\n{}",
                self.what, self.stderr, self.stdout
            )
        })
    }

    /// Standard output, then standard error.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A run still going at its deadline is killed, and the test fails naming the command.
#[cfg(unix)]
#[test]
#[should_panic(expected = "`/bin/sleep 600` did not end within 1s: killed")]
fn a_hang_is_killed_at_its_deadline() {
    let hang = Pkce {
        program: PathBuf::from("/bin/sleep"),
        args: vec!["600".into()],
        ..pkce()
    };
    let _ = hang.deadline(Duration::from_secs(1)).run();
}

/// Nothing of the developer's environment reaches a run: only its own HOME and PATH, and
/// what the test sets.
#[cfg(unix)]
#[test]
fn a_run_sees_only_its_home_its_path_and_what_the_test_sets() {
    let env = Pkce {
        program: PathBuf::from("/usr/bin/env"),
        ..pkce()
    };
    let r = env.env("COLUMNS", "80").run();
    let mut keys: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|kv| kv.0)
        .collect();
    keys.sort();
    assert_eq!(keys, ["COLUMNS", "HOME", "PATH"], "{}", r.stdout);
}
