//! The `pkce-audit` binary: parses arguments, runs the library, maps the outcome to an
//! exit status ([`exit`]: 0 ready/enforced, 1 not-ready, 3 incomplete; 2 usage or fatal
//! error, [`failure`]).

use clap::{CommandFactory, FromArgMatches};
use cli::{AuditArgs, Cli, Command, DiffArgs, RulesArgs};
use failure::usage;
use failure::Failure;
use failure::{Context, Failed, Result};
use pkce_audit_io::safe_write;
use pkce_audit_io::waivers;
use pkce_audit_model::errors::{Coded, ErrorCode};
use pkce_audit_model::rules;
use pkce_audit_render::report;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod advice;
mod api_log;
mod applies;
mod cli;
mod completions;
mod exit;
mod failure;
mod fix_cli;
mod fleet;
mod fleet_cli;
mod live_cli;
mod progress;
mod term;
mod verify_cli;
mod warnings;

/// The waivers asked for, or the default file when one exists. Read before the audit, so a
/// broken file stops the run before a long fetch.
fn load_waivers(args: &AuditArgs) -> Result<waivers::WaiverSet> {
    selected_waivers(&args.waivers, args.no_waivers, args.source.as_deref())
}

/// `--waivers FILE` / `--no-waivers` / the default file, for `audit` and `fix`.
fn selected_waivers(
    file: &Option<PathBuf>,
    off: bool,
    source: Option<&std::path::Path>,
) -> Result<waivers::WaiverSet> {
    let selection = match (file, off) {
        (_, true) => waivers::Selection::Off,
        (Some(f), false) => waivers::Selection::File(f.clone()),
        (None, false) => waivers::Selection::Default,
    };
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    waivers::resolve(&selection, source, &cwd)
        .load(&cwd)
        .map_err(|e| match e {
            waivers::WaiverError::UnknownRule { .. } => {
                Failed::new(e.code(), format!("{e}; `pkce-audit rules` lists them"))
            }
            other => other.into(),
        })
}

/// Today's date for waiver expiry. `PKCE_AUDIT_TODAY=YYYY-MM-DD` pins it for reproducible
/// reports; anything else there is an error rather than a silent fallback to the clock.
fn today() -> Result<chrono::NaiveDate> {
    match std::env::var("PKCE_AUDIT_TODAY") {
        Ok(d) if !d.trim().is_empty() => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|e| {
                Failed::new(
                    ErrorCode::UsageRequest,
                    format!("PKCE_AUDIT_TODAY must be a date like 2026-12-31, not '{d}': {e}"),
                )
            }),
        _ => Ok(chrono::Local::now().date_naive()),
    }
}

/// Where a command's text goes: `--output FILE`, or standard output (no option, or `-`).
#[derive(Clone, Copy)]
enum Sink<'a> {
    Stdout,
    File(&'a safe_write::OutputFile),
}

/// `--output FILE` with the files the run reads and the folders it audits (no file of
/// them the audit reads may be the output), which it must not replace; `None` for
/// standard output (no option, or `-`). Checked now, before any work: a refusal costs
/// nothing.
fn output_file(
    output: &Option<PathBuf>,
    inputs: &[(&Path, &str)],
    sources: &[(&Path, &str)],
) -> Result<Option<safe_write::OutputFile>> {
    let Some(path) = output.as_deref().filter(|p| *p != Path::new("-")) else {
        return Ok(None);
    };
    let file = inputs
        .iter()
        .fold(safe_write::OutputFile::new(path), |f, (p, what)| {
            f.input(p, what)
        });
    let file = sources
        .iter()
        .fold(file, |f, (dir, what)| f.source(dir, what));
    file.check()?;
    Ok(Some(file))
}

/// The credential file a connection reads, for [`output_file`].
fn credential_file(conn: &pkce_audit_io::salesforce::Connection) -> Option<(&Path, &'static str)> {
    use pkce_audit_io::salesforce::{Connection, TokenSource};
    match conn {
        Connection::AccessToken {
            token: TokenSource::File(p),
            ..
        } => Some((p, "the access token file")),
        Connection::AuthUrlFile(p) => Some((p, "the auth URL file")),
        Connection::AccessToken {
            token: TokenSource::Value(_) | TokenSource::Stdin,
            ..
        }
        | Connection::TargetOrg(_) => None,
    }
}

/// Writes to standard output. A reader that went away (`| head`) is not an error: the
/// run goes on and exits as if it had been written.
fn to_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

impl<'a> Sink<'a> {
    fn of(output: &'a Option<safe_write::OutputFile>) -> Sink<'a> {
        match output {
            Some(f) => Sink::File(f),
            None => Sink::Stdout,
        }
    }

    /// The width to lay text out for: the terminal's for standard output, else $COLUMNS or 100.
    fn width(self) -> u16 {
        match self {
            Sink::Stdout => term::stdout_width(),
            Sink::File(_) => term::file_width(),
        }
    }

    fn color(self, choice: term::ColorChoice) -> bool {
        match self {
            Sink::Stdout => choice.stdout(),
            Sink::File(_) => choice.colors(false),
        }
    }

    /// Writes `text`, scrubbed of every secret of the run ([`pkce_audit_io::secrets`]): every
    /// command's output goes through here.
    fn write(self, text: &str) -> Result<()> {
        let text = &*pkce_audit_io::secrets::scrub(text);
        match self {
            // A refusal is `WriteRefused`, a failure `IoError` (failure.rs).
            Sink::File(f) => Ok(f.write(text.as_bytes())?),
            Sink::Stdout => to_stdout(text).context("cannot write to standard output"),
        }
    }
}

fn audit(args: AuditArgs) -> Result<i32> {
    let format = args.output.format();
    // A broken waiver file is fatal: silently ignoring it would change the verdict.
    let waivers = load_waivers(&args)?;
    let today = today()?;
    let opts = pkce_audit_io::AuditOptions {
        now: chrono::Utc::now(),
        org_namespace: args.org_namespace.clone(),
        org_domains: waivers.org_domains.clone(),
    };
    let conn = args.conn.connection()?;
    let mut inputs: Vec<(&Path, &str)> = conn.iter().filter_map(credential_file).collect();
    inputs.extend(waivers.file.as_deref().map(|f| (f, "the waiver file")));
    // Checked before a long fetch.
    let sources: Vec<(&Path, &str)> = args
        .source
        .iter()
        .map(|d| (d.as_path(), "the --source folder"))
        .collect();
    let output = output_file(&args.output.output, &inputs, &sources)?;
    let (_inv, mut report) = match (&args.source, &conn) {
        (Some(dir), _) => pkce_audit_io::audit_folder(dir, &opts)?,
        (None, Some(conn)) => live_cli::audit_org(conn, &args.conn, &args.usage, &opts)?,
        (None, None) => usage!("{}", live_cli::NO_INPUT),
    };
    report.apply_waivers(&waivers, today);
    warnings::print(&report);
    let sink = Sink::of(&output);
    let render = report::RenderOptions {
        width: sink.width(),
        csv_rows: args.output.csv_rows.into(),
        color: sink.color(args.output.color.color),
    };
    sink.write(&report::render(&report, format.into(), render))?;
    let code = exit::audit(&report, args.fail_on);
    if let Sink::File(file) = sink {
        // The report went to a file: say where, and what it says, in one line.
        let line = format!(
            "pkce-audit: wrote {}: {}, {} blocker(s)",
            report::text::visible(&file.path().display().to_string()),
            report::cells::verdict_word(report.verdict()),
            report.summary.blockers
        );
        eprintln!("{}", pkce_audit_io::secrets::scrub(&line));
    }
    Ok(code)
}

fn list_rules(args: RulesArgs) -> Result<i32> {
    let sink = Sink::Stdout;
    let text = match (&args.id, args.json.json) {
        (None, true) => {
            pkce_audit_render::json::document(&pkce_audit_render::listing::RulesDocument::all())
        }
        (None, false) => pkce_audit_render::listing::rules(usize::from(sink.width())),
        (Some(id), json) => {
            let Some(r) = rules::rule(id) else {
                let known: Vec<&str> = rules::RuleId::KNOWN.iter().map(|r| r.as_str()).collect();
                let guess = pkce_audit_model::suggest::closest(id, known.iter().copied())
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                usage!(
                    "unknown rule '{id}'{guess}; the known rules: {}",
                    known.join(", ")
                );
            };
            if json {
                pkce_audit_render::json::document(&pkce_audit_render::listing::RuleDocument::of(r))
            } else {
                pkce_audit_render::listing::rule(r, usize::from(sink.width()))
            }
        }
    };
    sink.write(&text)?;
    Ok(exit::OK)
}

fn list_clients(json: bool) -> Result<i32> {
    let text = if json {
        pkce_audit_render::json::document(&pkce_audit_render::listing::ClientsDocument::all())
    } else {
        pkce_audit_render::listing::clients(usize::from(Sink::Stdout.width()))
    };
    Sink::Stdout.write(&text)?;
    Ok(exit::OK)
}

fn diff(args: DiffArgs) -> Result<i32> {
    let output = output_file(
        &args.output,
        &[
            (&args.old, "a report given to diff"),
            (&args.new, "a report given to diff"),
        ],
        &[],
    )?;
    let diff = pkce_audit_io::report_file::diff_files(&args.old, &args.new)?;
    let sink = Sink::of(&output);
    sink.write(&report::diff::render(
        &diff,
        args.format().into(),
        sink.width(),
    ))?;
    Ok(exit::diff(&diff))
}

fn completions(shell: clap_complete::Shell) -> Result<i32> {
    let out = completions::script(shell, &mut Cli::command());
    Sink::Stdout.write(
        &String::from_utf8(out)
            .map_err(Failed::internal)
            .context("the completion script is not UTF-8")?,
    )?;
    Ok(exit::OK)
}

fn man(command: Option<String>) -> Result<i32> {
    let mut cli = Cli::command();
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(&name) else {
                usage!(
                    "no command '{name}'; the commands are {}",
                    subcommand_names().join(", ")
                );
            };
            // Named as the page of a git-style command: pkce-audit-audit(1).
            let page_name = format!("pkce-audit-{}", sub.get_name());
            sub.clone().display_name(page_name)
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .context("cannot render the man page")?;
    Sink::Stdout.write(
        &String::from_utf8(out)
            .map_err(Failed::internal)
            .context("the man page is not UTF-8")?,
    )?;
    Ok(exit::OK)
}

/// The subcommands' names, for pointing a usage error at the right `--help`.
pub fn subcommand_names() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// `SF_CONTENT_TYPE=JSON` asks every sf command for JSON; it asks ours too.
fn json_from_environment() -> bool {
    std::env::var("SF_CONTENT_TYPE").is_ok_and(|v| v.trim().eq_ignore_ascii_case("json"))
}

/// Whether the command line asks for JSON, read from the raw arguments so that a command
/// line clap refuses still gets its error as JSON.
fn json_requested(args: &[String]) -> bool {
    json_from_environment()
        || args.iter().enumerate().any(|(i, a)| {
            a == "--json"
                || a == "--format=json"
                || (a == "--format" && args.get(i + 1).is_some_and(|n| n == "json"))
        })
}

/// Turns on JSON for a command when the environment asks for it and the command line
/// chose no other format.
fn apply_json_environment(cli: &mut Cli, m: &clap::ArgMatches) {
    if !json_from_environment() {
        return;
    }
    let format_typed = m
        .subcommand()
        .is_some_and(|(_, sub)| applies::typed(sub, "format"));
    match &mut cli.command {
        Command::Audit(a) if !format_typed => a.output.json = true,
        Command::Diff(d) if !format_typed => d.json = true,
        Command::Rules(r) => r.json.json = true,
        Command::Clients(c) => c.json = true,
        Command::Fetch(f) => f.json = true,
        Command::Doctor(d) => d.json = true,
        Command::Fix(f) => f.json = true,
        Command::Fleet(f) if !format_typed => f.json = true,
        Command::Verify(v) if !format_typed => v.json = true,
        _ => {}
    }
}

fn parse(args: &[String]) -> Result<Cli, Failure> {
    let m = Cli::command()
        .try_get_matches_from(args)
        .map_err(|e| match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                e.exit()
            }
            _ => cli::failure_of(&e),
        })?;
    if let Some((name, sub)) = m.subcommand() {
        applies::check(name, sub)
            .map_err(|e| Failure::new(ErrorCode::UsageNotApplicable, e.to_string()))?;
    }
    let mut cli = Cli::from_arg_matches(&m).map_err(|e| cli::failure_of(&e))?;
    apply_json_environment(&mut cli, &m);
    Ok(cli)
}

fn main() -> ExitCode {
    advice::install();
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let json = json_requested(&args);
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(f) => return ExitCode::from(f.print(json)),
    };
    let result = match cli.command {
        Command::Audit(a) => audit(a),
        Command::Rules(r) => list_rules(r),
        Command::Clients(c) => list_clients(c.json),
        Command::Fetch(f) => live_cli::fetch(f),
        Command::Doctor(d) => live_cli::doctor(d),
        Command::Diff(d) => diff(d),
        Command::Completions { shell } => completions(shell),
        Command::Man { command } => man(command),
        Command::Fix(f) => fix_cli::run(f),
        Command::Fleet(f) => fleet_cli::fleet(f),
        Command::Verify(v) => verify_cli::run(v),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => ExitCode::from(Failure::from_error(&e).print(json)),
    }
}
