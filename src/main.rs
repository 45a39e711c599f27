//! The `pkce-audit` binary: parses arguments, runs the library, maps the outcome to an
//! exit status (0 ready/enforced, 1 not-ready, 3 incomplete, 2 usage or fatal error).

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use pkce_audit::report;
use pkce_audit::rules::{self, Severity};
use pkce_audit::waivers;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod api_log;
mod fleet_cli;
mod live_cli;

#[derive(Parser)]
#[command(
    name = "pkce-audit",
    version,
    about = "Which Salesforce OAuth apps break when the org requires PKCE, who must fix each one, and whether the org is ready.",
    after_help = "Exit status: 0 ready or enforced, 1 not ready (or --fail-on matched), 3 incomplete, 2 usage or fatal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit metadata and report the verdict and the blockers.
    Audit(AuditArgs),
    /// List the rules, or explain one.
    Rules {
        /// A rule id, e.g. app-pkce-not-required.
        id: Option<String>,
    },
    /// List the catalogue of known OAuth clients (data/clients.toml) and their PKCE behaviour.
    Clients {
        /// The whole catalogue as JSON, every entry with its source.
        #[arg(long)]
        json: bool,
    },
    /// Read an org and write a snapshot folder that `audit --source` reads offline.
    Fetch(live_cli::FetchArgs),
    /// Check which sources this login can read (no app data is read); exit 3 if any is not.
    Doctor(live_cli::DoctorArgs),
    /// Compare two `audit --json` reports: findings resolved, new and still open; apps added,
    /// removed, or whose PKCE setting changed; verdict change. Exit 1 on new blockers.
    Diff(DiffArgs),
    /// Audit many orgs at once (a TOML file lists them): each org's verdict, apps blocking in
    /// several orgs, ISV package versions, and how faithfully each sandbox rehearses production.
    Fleet(fleet_cli::FleetArgs),
}

/// `diff --format`: the library's [`pkce_audit::report::diff::Format`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    Table,
    Json,
    Markdown,
}

impl From<DiffFormat> for pkce_audit::report::diff::Format {
    fn from(f: DiffFormat) -> Self {
        use pkce_audit::report::diff::Format;
        match f {
            DiffFormat::Table => Format::Table,
            DiffFormat::Json => Format::Json,
            DiffFormat::Markdown => Format::Markdown,
        }
    }
}

#[derive(Args)]
struct DiffArgs {
    /// The earlier report (JSON from `pkce-audit audit --json`).
    #[arg(value_name = "OLD.json")]
    old: PathBuf,
    /// The later report.
    #[arg(value_name = "NEW.json")]
    new: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    format: DiffFormat,
    /// Write the comparison to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `audit --format`: the library's [`report::Format`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    /// The rollout plan for a change-review board.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

impl From<Format> for report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => report::Format::Table,
            Format::Csv => report::Format::Csv,
            Format::Json => report::Format::Json,
            Format::Markdown => report::Format::Markdown,
            Format::Sarif => report::Format::Sarif,
        }
    }
}

/// `--csv-rows`: the library's [`report::CsvRows`], as clap lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CsvRows {
    Findings,
    Apps,
}

impl From<CsvRows> for report::CsvRows {
    fn from(r: CsvRows) -> Self {
        match r {
            CsvRows::Findings => report::CsvRows::Findings,
            CsvRows::Apps => report::CsvRows::Apps,
        }
    }
}

#[derive(Args)]
struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// With --format csv: one row per finding (default) or per app.
    #[arg(long, value_enum, default_value_t = CsvRows::Findings)]
    csv_rows: CsvRows,
}

#[derive(Args)]
struct AuditArgs {
    /// Folder to audit: an SFDX project, an mdapi folder, a snapshot, or any folder of source-format metadata.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["target_org", "instance_url", "auth_url_file", "usage_days", "usage_row_budget", "show_users", "no_usage"])]
    source: Option<PathBuf>,
    #[command(flatten)]
    conn: live_cli::ConnectionArgs,
    #[command(flatten)]
    usage: live_cli::UsageArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Also exit 1 when any unwaived finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,
    /// The org's own namespace (components in it belong to the org). Default: sfdx-project.json.
    #[arg(long, value_name = "NS")]
    org_namespace: Option<String>,
    /// Waiver file (TOML). Default: pkce-audit.toml at the root of --source, else in the current folder.
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Apply no waivers, not even a pkce-audit.toml found by default.
    #[arg(long, conflicts_with = "waivers")]
    no_waivers: bool,
}

/// The waivers asked for, or the default file when one exists. Read before the audit, so a
/// broken file stops the run before a long fetch.
fn load_waivers(args: &AuditArgs) -> Result<waivers::WaiverSet> {
    let selection = match (&args.waivers, args.no_waivers) {
        (_, true) => waivers::Selection::Off,
        (Some(f), false) => waivers::Selection::File(f.clone()),
        (None, false) => waivers::Selection::Default,
    };
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    waivers::resolve(&selection, args.source.as_deref(), &cwd)
        .load(&cwd)
        .map_err(|e| match e {
            waivers::WaiverError::UnknownRule { .. } => {
                anyhow::anyhow!("{e}; `pkce-audit rules` lists them")
            }
            other => other.into(),
        })
}

/// Today's date for waiver expiry. `PKCE_AUDIT_TODAY=YYYY-MM-DD` pins it for reproducible
/// reports; anything else there is an error rather than a silent fallback to the clock.
fn today() -> Result<chrono::NaiveDate> {
    match std::env::var("PKCE_AUDIT_TODAY") {
        Ok(d) if !d.trim().is_empty() => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("PKCE_AUDIT_TODAY must be a date like 2026-12-31, not '{d}'")),
        _ => Ok(chrono::Local::now().date_naive()),
    }
}

fn terminal_width() -> u16 {
    // COLUMNS is what shells export; without a terminal, 100 keeps files readable.
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &u16| w >= 60)
        .unwrap_or(100)
}

fn emit(text: &str, output: &Option<PathBuf>) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
    }
}

fn audit(args: AuditArgs) -> Result<i32> {
    let format = if args.output.json {
        Format::Json
    } else {
        args.output.format
    };
    // A broken waiver file is fatal: silently ignoring it would change the verdict.
    let waivers = load_waivers(&args)?;
    let today = today()?;
    let opts = pkce_audit::AuditOptions {
        now: chrono::Utc::now(),
        org_namespace: args.org_namespace,
    };
    let (_inv, mut report) = match (&args.source, args.conn.connection()?) {
        (Some(dir), _) => pkce_audit::audit_folder(dir, &opts)?,
        (None, Some(conn)) => live_cli::audit_org(&conn, &args.conn, &args.usage, &opts)?,
        (None, None) => bail!(live_cli::NO_INPUT),
    };
    report.apply_waivers(&waivers, today);
    let render = report::RenderOptions {
        width: if std::io::stdout().is_terminal() && args.output.output.is_none() {
            terminal_width()
        } else {
            100
        },
        csv_rows: args.output.csv_rows.into(),
    };
    emit(
        &report::render(&report, format.into(), render),
        &args.output.output,
    )?;
    Ok(report::exit_code(&report, args.fail_on))
}

fn list_rules(id: Option<String>) -> Result<i32> {
    match id {
        None => {
            let mut text = rules::listing();
            // One line per rule for scripts; wrapped for people.
            if std::io::stdout().is_terminal() {
                text = report::wrap_prose(&text, usize::from(terminal_width()));
            }
            emit(&text, &None)?;
        }
        Some(id) => {
            let Some(r) = rules::rule(&id) else {
                bail!("unknown rule '{id}'; `pkce-audit rules` lists them");
            };
            emit(&r.describe(), &None)?;
        }
    }
    Ok(0)
}

fn list_clients(json: bool) -> Result<i32> {
    let text = if json {
        let mut s = serde_json::to_string_pretty(pkce_audit::clients::catalogue())?;
        s.push('\n');
        s
    } else {
        pkce_audit::clients::listing()
    };
    emit(&text, &None)?;
    Ok(0)
}

fn diff(args: DiffArgs) -> Result<i32> {
    let diff = pkce_audit::diff::diff_files(&args.old, &args.new)?;
    let width = if std::io::stdout().is_terminal() && args.output.is_none() {
        terminal_width()
    } else {
        100
    };
    emit(
        &report::diff::render(&diff, args.format.into(), width),
        &args.output,
    )?;
    Ok(report::diff::exit_code(&diff))
}

fn main() -> ExitCode {
    // clap's own errors quote what was typed: shown, never applied to the terminal.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprint!("{}", report::text::visible_lines(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Audit(a) => audit(a),
        Command::Rules { id } => list_rules(id),
        Command::Clients { json } => list_clients(json),
        Command::Fetch(f) => live_cli::fetch(f),
        Command::Doctor(d) => live_cli::doctor(d),
        Command::Diff(d) => diff(d),
        Command::Fleet(f) => fleet_cli::fleet(f),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // Errors quote paths, names and parser messages from the input: one line, with
            // control and bidirectional characters shown, never applied.
            let text = format!("{e:#}");
            eprintln!("pkce-audit: error: {}", report::text::visible(&text));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// The binary's value lists name the library's formats, each mapped to its own.
    #[test]
    fn cli_values_map_to_the_library_values_of_the_same_name() {
        for f in Format::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name.parse::<report::Format>(), Ok((*f).into()), "{name}");
        }
        assert_eq!(Format::value_variants().len(), report::Format::ALL.len());
        for r in CsvRows::value_variants() {
            let name = r.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(name.parse::<report::CsvRows>(), Ok((*r).into()), "{name}");
        }
        for d in DiffFormat::value_variants() {
            let name = d.to_possible_value().unwrap().get_name().to_string();
            let lib: report::diff::Format = (*d).into();
            assert_eq!(name.parse(), Ok(lib), "{name}");
        }
        assert_eq!(
            DiffFormat::value_variants().len(),
            report::diff::Format::ALL.len()
        );
    }
}
