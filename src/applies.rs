//! Options that do not apply to what was asked are refused, all the same way: one line
//! naming the option and why. An option typed but silently ignored (a `--concurrency` on a
//! folder audit, `--csv-rows` on JSON) would let a user believe it did something.
//!
//! Only options typed on the command line count: defaults and environment variables (for
//! example SF_TARGET_ORG beside `--source`) are not the user's word for this run.

use clap::parser::ValueSource;
use clap::ArgMatches;
use pkce_audit_model::errors::{Coded, ErrorCode};

/// An option that does not apply; displays as the one line the user sees.
#[derive(Debug, thiserror::Error)]
#[error("--{flag} does not apply here: {why}")]
pub struct NotApplicable {
    pub flag: String,
    pub why: &'static str,
}

/// The options of connecting to an org and reading it: a folder audit has no use for
/// them, and `fix` takes them for step 3 only.
const CONNECTION: &[&str] = &[
    "target_org",
    "instance_url",
    "access_token_file",
    "auth_url_file",
    "api_version",
    "concurrency",
    "timeout",
    "quiet",
    "verbose",
];

/// The options of reading usage evidence from a live org.
const USAGE: &[&str] = &["usage_days", "usage_row_budget", "show_users", "no_usage"];

/// Whether `id` was typed on the command line (not a default, not the environment).
pub fn typed(m: &ArgMatches, id: &str) -> bool {
    m.try_get_raw(id).is_ok_and(|v| v.is_some())
        && m.value_source(id) == Some(ValueSource::CommandLine)
}

/// The first of `ids` typed on the command line, refused with `why`.
fn refuse(m: &ArgMatches, ids: &[&str], why: &'static str) -> Result<(), NotApplicable> {
    match ids.iter().find(|id| typed(m, id)) {
        Some(id) => Err(NotApplicable {
            flag: id.replace('_', "-"),
            why,
        }),
        None => Ok(()),
    }
}

fn value<'a>(m: &'a ArgMatches, id: &str) -> Option<&'a str> {
    m.try_get_raw(id)
        .ok()
        .flatten()
        .and_then(|mut v| v.next())
        .and_then(|v| v.to_str())
}

/// The format a command will write: `--json` is `--format json`.
fn format(m: &ArgMatches) -> &str {
    if m.try_get_one::<bool>("json").ok().flatten() == Some(&true) {
        "json"
    } else {
        value(m, "format").unwrap_or("table")
    }
}

/// Checks the parsed command line of one subcommand.
pub fn check(subcommand: &str, m: &ArgMatches) -> Result<(), NotApplicable> {
    match subcommand {
        "audit" => {
            if typed(m, "source") {
                const WHY: &str = "it is for reading a live org, and --source audits a folder";
                refuse(m, CONNECTION, WHY)?;
                refuse(m, USAGE, WHY)?;
            }
            if format(m) != "csv" {
                refuse(m, &["csv_rows"], "it shapes --format csv only")?;
            }
            if format(m) != "table" {
                refuse(m, &["color"], "only the table format has colour")?;
            }
            Ok(())
        }
        "fix" => {
            if typed(m, "undo") {
                refuse(
                    m,
                    &["force", "reason", "waivers", "no_waivers"],
                    "--undo is never gated by the audit, so there is nothing to force or waive",
                )?;
                refuse(
                    m,
                    CONNECTION,
                    "--undo edits the project only and reads no org (a rollback must work while the org is broken)",
                )?;
            }
            if !typed(m, "org_setting") {
                refuse(
                    m,
                    &["waivers", "no_waivers", "force", "reason"],
                    "it is for step 3 (--org-setting): the audit that must be clear first",
                )?;
                refuse(
                    m,
                    CONNECTION,
                    "it is for step 3 (--org-setting), which reads the org first; step 2 edits the project only",
                )?;
            }
            if typed(m, "force") != typed(m, "reason") {
                return Err(NotApplicable {
                    flag: if typed(m, "force") { "force" } else { "reason" }.into(),
                    why: "--force and --reason go together: say why the audit's open findings are accepted",
                });
            }
            Ok(())
        }
        "verify" => {
            if format(m) != "table" {
                refuse(m, &["color"], "only the table format has colour")?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

impl Coded for NotApplicable {
    fn code(&self) -> ErrorCode {
        ErrorCode::UsageNotApplicable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn check_line(args: &[&str]) -> Result<(), String> {
        let m = Cli::command()
            .try_get_matches_from(std::iter::once("pkce-audit").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let (name, sub) = m.subcommand().unwrap();
        check(name, sub).map_err(|e| e.to_string())
    }

    #[test]
    fn live_options_are_refused_with_a_folder() {
        for flag in [
            &["--concurrency", "4"][..],
            &["--timeout", "5"],
            &["-q"],
            &["--verbose"],
            &["--usage-days", "7"],
            &["--api-version", "62.0"],
            &["--no-usage"],
            &["-o", "prod"],
        ] {
            let mut args = vec!["audit", "--source", "x"];
            args.extend_from_slice(flag);
            let err = check_line(&args).unwrap_err();
            assert!(err.contains("does not apply here"), "{flag:?}: {err}");
            assert!(err.contains("--source audits a folder"), "{err}");
        }
        assert!(check_line(&["audit", "--source", "x"]).is_ok());
        assert!(check_line(&["audit", "-o", "prod", "--concurrency", "4"]).is_ok());
        let since = "2026-12-01T09:30:00Z";
        assert!(check_line(&["verify", "-o", "p", "--since", since, "--color", "always"]).is_ok());
        assert!(
            check_line(&["verify", "-o", "p", "--since", since, "--json", "--color", "never"])
                .unwrap_err()
                .starts_with("--color does not apply here")
        );
    }

    #[test]
    fn fix_options_for_step_3_are_refused_with_apps() {
        for flag in [
            &["--waivers", "w.toml"][..],
            &["--no-waivers"],
            &["--force", "--reason", "r"],
        ] {
            let mut args = vec!["fix", "--source", "x", "--app", "A"];
            args.extend_from_slice(flag);
            let err = check_line(&args).unwrap_err();
            assert!(
                err.contains("it is for step 3 (--org-setting)"),
                "{flag:?}: {err}"
            );
        }
        let err = check_line(&["fix", "--source", "x", "--org-setting", "--force"]).unwrap_err();
        assert!(
            err.starts_with("--force does not apply here: --force and --reason go together"),
            "{err}"
        );
        assert!(check_line(&[
            "fix",
            "--source",
            "x",
            "--org-setting",
            "--force",
            "--reason",
            "r"
        ])
        .is_ok());
        assert!(check_line(&["fix", "--source", "x", "--org-setting", "--no-waivers"]).is_ok());
        for flag in [
            &["-o", "prod"][..],
            &["--instance-url", "https://x.my.salesforce.com"],
            &["--auth-url-file", "a.txt"],
            &["--timeout", "5"],
            &["-q"],
        ] {
            let mut args = vec!["fix", "--source", "x", "--app", "A"];
            args.extend_from_slice(flag);
            let err = check_line(&args).unwrap_err();
            assert!(err.contains("which reads the org first"), "{flag:?}: {err}");
            let mut args = vec!["fix", "--source", "x", "--org-setting"];
            args.extend_from_slice(flag);
            assert!(check_line(&args).is_ok(), "{flag:?}");
        }
    }

    #[test]
    fn undo_takes_no_gate_and_no_connection_options() {
        for step in [&["--app", "A"][..], &["--org-setting"]] {
            for flag in [
                &["--force", "--reason", "r"][..],
                &["--no-waivers"],
                &["--waivers", "w.toml"],
            ] {
                let mut args = vec!["fix", "--source", "x", "--undo"];
                args.extend_from_slice(step);
                args.extend_from_slice(flag);
                let err = check_line(&args).unwrap_err();
                assert!(err.contains("nothing to force or waive"), "{args:?}: {err}");
            }
            for flag in [
                &["-o", "prod"][..],
                &["--timeout", "5"],
                &["--api-version", "62.0"],
            ] {
                let mut args = vec!["fix", "--source", "x", "--undo"];
                args.extend_from_slice(step);
                args.extend_from_slice(flag);
                let err = check_line(&args).unwrap_err();
                assert!(err.contains("reads no org"), "{args:?}: {err}");
            }
            let mut args = vec!["fix", "--source", "x", "--undo", "--dry-run", "--json"];
            args.extend_from_slice(step);
            assert!(check_line(&args).is_ok(), "{args:?}");
        }
    }

    #[test]
    fn csv_rows_and_colour_need_their_format() {
        let err = check_line(&["audit", "--source", "x", "--csv-rows", "apps"]).unwrap_err();
        assert_eq!(
            err,
            "--csv-rows does not apply here: it shapes --format csv only"
        );
        assert!(check_line(&[
            "audit",
            "--source",
            "x",
            "--format",
            "csv",
            "--csv-rows",
            "apps"
        ])
        .is_ok());
        let err =
            check_line(&["audit", "--source", "x", "--json", "--color", "always"]).unwrap_err();
        assert!(err.starts_with("--color does not apply here"), "{err}");
    }
}
