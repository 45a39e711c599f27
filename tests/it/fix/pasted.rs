//! The `fix` commands the audit prints, pasted into a shell as they are: they run the `fix`
//! they name on the project they name, whatever the folder is called (a word zsh expands,
//! one that looks like an option, a command substitution), and nothing else.

use super::*;
use crate::harness::{pkce, BIN};
use std::process::Command;

/// The commands of the audit of `source` (run from `cwd`): its next actions' and, when it
/// has no project, the step-2 one.
fn printed(cwd: &Path, source: &str) -> Vec<(String, String)> {
    let o = pkce()
        .args(["audit", &format!("--source={source}"), "--json"])
        .dir(cwd)
        .env("PKCE_AUDIT_TODAY", "2026-12-01")
        .run();
    let v = o.json();
    v["next_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| {
            let c = a["command"].as_str()?;
            Some((a["kind"].as_str().unwrap().to_string(), c.to_string()))
        })
        .collect()
}

/// `line` run by `shell -c`, from `cwd`, with the binary on the PATH as `pkce-audit`.
fn paste(shell: &str, cwd: &Path, line: &str) -> (i32, String) {
    let bin = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(shell)
        .args(["-c", line])
        .current_dir(cwd)
        .env("PATH", path)
        .env("COLUMNS", "1000")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

/// The shells a pasted command meets: sh, and zsh (whose `=cmd` expands to a path) where
/// it is installed.
fn shells() -> Vec<&'static str> {
    ["/bin/sh", "/usr/bin/zsh", "/bin/zsh"]
        .into_iter()
        .filter(|s| Path::new(s).exists())
        .collect()
}

#[test]
fn a_printed_fix_command_pasted_into_a_shell_runs_that_fix() {
    for name in ["=ls", "-demo $(touch pwned)", "~x #y"] {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join(name);
        copy_dir(&repo_path("fixtures/callbacks-org"), &project);
        let before = tree(&project);
        // The project itself, and a folder inside it (fix runs on the project's root).
        for source in [name.to_string(), format!("{name}/force-app")] {
            let commands = printed(tmp.path(), &source);
            let (_, fix) = commands
                .iter()
                .find(|(k, _)| k == "require-pkce")
                .unwrap_or_else(|| panic!("{source}: no require-pkce command in {commands:?}"));
            for shell in shells() {
                let (code, text) = paste(shell, tmp.path(), &format!("{fix} --dry-run"));
                assert_eq!(code, 0, "{shell} -c {fix:?}:\n{text}");
                assert_has(&text, &["Sf_Cli_Login", "isPkceRequired"]);
                assert!(!tmp.path().join("pwned").exists(), "{shell} ran {fix:?}");
            }
        }
        assert_eq!(tree(&project), before, "{name}: a dry run writes nothing");
    }
}

fn repo_path(rel: &str) -> PathBuf {
    crate::harness::repo().join(rel)
}

/// A folder whose name holds a line break: the table shows every name through `visible`,
/// which turns a line break into a space; the command it prints is `$'…'`, which survives
/// that, and bash (zsh, ksh) reads it back as the real folder (POSIX sh may lack `$'…'`).
#[test]
fn a_folder_with_a_control_character_is_named_as_it_is_in_the_printed_command() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "n\nl";
    let project = tmp.path().join(name);
    copy_dir(&repo_path("fixtures/callbacks-org"), &project);
    // The look-alike the old quoting named: a folder `n l` that is not the project.
    std::fs::create_dir(tmp.path().join("n l")).unwrap();
    let table = pkce()
        .args(["audit", "--source", name])
        .dir(tmp.path())
        .env("COLUMNS", "1000")
        .env("PKCE_AUDIT_TODAY", "2026-12-01")
        .run();
    let fix = table
        .stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("$ pkce-audit fix --source"))
        .map(|rest| format!("pkce-audit fix --source{rest}"))
        .unwrap_or_else(|| panic!("no fix command in:\n{}", table.stdout));
    assert!(fix.contains(r"--source $'n\nl'"), "{fix}");
    let before = tree(&project);
    let (code, text) = paste("bash", tmp.path(), &format!("{fix} --dry-run"));
    assert_eq!(code, 0, "bash -c {fix:?}:\n{text}");
    assert_has(&text, &["Sf_Cli_Login", "isPkceRequired"]);
    assert_eq!(tree(&project), before, "a dry run writes nothing");
}
