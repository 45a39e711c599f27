//! Shell completion as a user gets it: each shell's real completion machinery runs on the
//! script `pkce-audit completions SHELL` prints (tests/shells/complete.*). bash is always
//! there; zsh and fish are skipped with a notice when absent, unless `PKCE_AUDIT_SHELLS` is
//! `required` (tests/shells/run, from .ci/run, installs them and sets it).

use crate::harness::{self, pkce};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The values `audit --format` accepts, as the CLI definition lists them in `--help`.
fn audit_formats() -> Vec<String> {
    let r = pkce().args(["audit", "--help"]).run();
    r.status(0);
    let help = r.stdout.as_str();
    let from = help
        .find("--format <FORMAT>")
        .expect("audit --help has --format");
    let block = &help[from..];
    let values = &block[block.find("Possible values:").expect("a value list")..];
    let formats: Vec<String> = values
        .lines()
        .skip(1)
        .map(str::trim)
        .take_while(|l| l.starts_with("- "))
        .map(|l| l[2..].split(':').next().unwrap().trim().to_string())
        .collect();
    assert!(formats.len() >= 5, "{formats:?}");
    formats
}

/// `shell` on the test's PATH, or None (a notice) when it may be absent.
fn shell(name: &str) -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        assert_ne!(
            std::env::var("PKCE_AUDIT_SHELLS").as_deref(),
            Ok("required"),
            "{name} is required (PKCE_AUDIT_SHELLS=required) but not on PATH"
        );
        eprintln!(
            "notice: {name} not found; its completion tests skipped (tests/shells/run installs it)"
        );
    }
    found
}

/// A completion shell session: the script written where the shell looks, and a hermetic
/// environment (its own HOME, a PATH of the system's folders only).
struct Session {
    dir: tempfile::TempDir,
    program: PathBuf,
    args: Vec<PathBuf>,
}

impl Session {
    fn new(shell_name: &str, program: PathBuf) -> Session {
        let dir = tempfile::tempdir().unwrap();
        let script = pkce().args(["completions", shell_name]).run();
        script.status(0);
        let here = harness::repo().join("tests/shells");
        let args = match shell_name {
            "bash" => {
                let file = dir.path().join("pkce-audit.bash");
                std::fs::write(&file, &script.stdout).unwrap();
                vec![
                    "--norc".into(),
                    "--noprofile".into(),
                    here.join("complete.bash"),
                    file,
                ]
            }
            "zsh" => {
                let fpath = dir.path().join("zfunc");
                std::fs::create_dir(&fpath).unwrap();
                std::fs::write(fpath.join("_pkce-audit"), &script.stdout).unwrap();
                vec!["-f".into(), here.join("complete.zsh"), fpath]
            }
            "fish" => {
                let file = dir.path().join("pkce-audit.fish");
                std::fs::write(&file, &script.stdout).unwrap();
                vec!["--no-config".into(), "-c".into(), file]
            }
            other => panic!("no driver for {other}"),
        };
        Session { dir, program, args }
    }

    /// The candidates the shell offers for `line` with the cursor at its end.
    fn complete(&self, line: &str) -> Vec<String> {
        let mut cmd = Command::new(&self.program);
        let mut args = self.args.clone();
        if self
            .args
            .first()
            .is_some_and(|a| a == Path::new("--no-config"))
        {
            // fish: `complete -C` is fish's own "what would TAB offer".
            let script = args.pop().unwrap();
            let quoted = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
            args.push(
                format!(
                    "source {}; complete -C {}",
                    quoted(&script.to_string_lossy()),
                    quoted(line)
                )
                .into(),
            );
        } else {
            args.push(line.into());
        }
        cmd.args(&args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("TERM", "dumb")
            .current_dir(self.dir.path());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let what = format!("{} completing {line:?}", self.program.display());
        let watch = harness::Watchdog::arm(child.id(), harness::DEADLINE, &what);
        let out = child.wait_with_output().unwrap();
        watch.disarm();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut found: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            // fish prints `candidate<TAB>description`.
            .map(|l| l.split('\t').next().unwrap().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        found.sort();
        found.dedup();
        found
    }
}

/// What every shell must complete: an option from its prefix, an option's values, a
/// command from its prefix.
fn completes_options_values_and_commands(shell_name: &str, program: PathBuf) {
    let s = Session::new(shell_name, program);
    assert_eq!(
        s.complete("pkce-audit audit --fo"),
        ["--format"],
        "{shell_name}"
    );
    let mut formats = audit_formats();
    formats.sort();
    assert_eq!(
        s.complete("pkce-audit audit --format "),
        formats,
        "{shell_name}"
    );
    assert_eq!(s.complete("pkce-audit au"), ["audit"], "{shell_name}");
    assert_eq!(s.complete("pkce-audit fl"), ["fleet"], "{shell_name}");
    // An option of another command, and a value list other than --format's.
    assert_eq!(
        s.complete("pkce-audit verify --sin"),
        ["--since"],
        "{shell_name}"
    );
    assert_eq!(
        s.complete("pkce-audit audit --csv-rows "),
        ["apps", "findings"],
        "{shell_name}"
    );
    // A value parsed by the model's own type, and the positional arguments' values.
    for command in ["audit", "fleet"] {
        assert_eq!(
            s.complete(&format!("pkce-audit {command} --fail-on ")),
            ["critical", "high", "info", "low", "medium"],
            "{shell_name} {command}"
        );
    }
    // bash offers the options beside the values there; every shell offers the values.
    let shells: Vec<String> = s
        .complete("pkce-audit completions ")
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect();
    assert_eq!(
        shells,
        ["bash", "elvish", "fish", "powershell", "zsh"],
        "{shell_name}"
    );
    assert_eq!(s.complete("pkce-audit man fl"), ["fleet"], "{shell_name}");
    assert_eq!(
        s.complete("pkce-audit rules org-pkce"),
        ["org-pkce-not-enforced"],
        "{shell_name}"
    );
}

#[test]
fn bash_completes_options_values_and_commands() {
    let bash = shell("bash").expect("bash is always present");
    completes_options_values_and_commands("bash", bash);
}

#[test]
fn zsh_completes_options_values_and_commands() {
    if let Some(zsh) = shell("zsh") {
        completes_options_values_and_commands("zsh", zsh);
    }
}

#[test]
fn fish_completes_options_values_and_commands() {
    if let Some(fish) = shell("fish") {
        completes_options_values_and_commands("fish", fish);
    }
}
