//! The binary's side of live audits: connection options, the progress bar, and the
//! `fetch` subcommand. The library does the work (`pkce_audit::salesforce`).

use anyhow::{bail, Result};
use clap::Args;
use pkce_audit::report::text::{json_escape_invisible, visible, visible_lines};
use pkce_audit::salesforce::usage::{DEFAULT_ROW_BUDGET, DEFAULT_WINDOW_DAYS};
use pkce_audit::salesforce::{self, Connection, FetchOptions, Secret, TokenSource, UsageOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

const HEADING: &str = "Org connection";
const USAGE_HEADING: &str = "Usage evidence (live orgs)";

/// What usage evidence a live audit or fetch reads besides the metadata.
#[derive(Args, Debug, Clone)]
pub struct UsageArgs {
    /// Count OAuth logins and token use over the last DAYS days (LoginHistory keeps six months).
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_WINDOW_DAYS, help_heading = USAGE_HEADING,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub usage_days: u32,
    /// Most LoginHistory rows read when the org refuses the aggregate query; past it, usage is partial.
    #[arg(long, value_name = "ROWS", default_value_t = DEFAULT_ROW_BUDGET, help_heading = USAGE_HEADING,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub usage_row_budget: u64,
    /// Also read the usernames holding each app's tokens and show them per app (personal data; off by default).
    #[arg(long, help_heading = USAGE_HEADING)]
    pub show_users: bool,
    /// Read metadata only: no usage query (packages, connected apps, tokens, logins); findings are judged as for a folder.
    #[arg(long, help_heading = USAGE_HEADING, conflicts_with_all = ["show_users", "usage_days", "usage_row_budget"])]
    pub no_usage: bool,
}

impl UsageArgs {
    pub fn options(&self) -> Option<UsageOptions> {
        (!self.no_usage).then_some(UsageOptions {
            window_days: self.usage_days,
            row_budget: self.usage_row_budget,
            show_users: self.show_users,
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// Org alias or username the Salesforce CLI (`sf`) is logged in to. Default: $SF_TARGET_ORG when no other input is given.
    #[arg(long, value_name = "ALIAS|USERNAME", help_heading = HEADING,
          conflicts_with_all = ["instance_url", "auth_url_file"])]
    pub target_org: Option<String>,
    /// The org's URL (https://<domain>.my.salesforce.com). The access token comes from $SF_ACCESS_TOKEN or --access-token-file, never from the command line.
    #[arg(long, value_name = "URL", help_heading = HEADING, conflicts_with = "auth_url_file")]
    pub instance_url: Option<String>,
    /// File holding the access token for --instance-url; `-` reads standard input.
    #[arg(long, value_name = "PATH|-", help_heading = HEADING, requires = "instance_url")]
    pub access_token_file: Option<PathBuf>,
    /// File holding an SFDX auth URL, force://<clientId>:<clientSecret>:<refreshToken>@<instance>, or the JSON of `sf org auth show-sfdx-auth-url --json --target-org <alias>` (current CLIs redact it in `sf org display --verbose`).
    #[arg(long, value_name = "PATH", help_heading = HEADING)]
    pub auth_url_file: Option<PathBuf>,
    /// API version to use. Default: the newest the org offers; 59.0 or later.
    #[arg(long, value_name = "VERSION", help_heading = HEADING)]
    pub api_version: Option<String>,
    /// API requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = HEADING,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Give up when reading the org takes longer than this.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, help_heading = HEADING,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// No progress bar on standard error.
    #[arg(long, short = 'q', help_heading = HEADING)]
    pub quiet: bool,
    /// Log every API call (kind, status, time, retries) on standard error. Never a token.
    #[arg(long, short = 'v', help_heading = HEADING)]
    pub verbose: bool,
}

impl ConnectionArgs {
    /// The connection asked for; `SF_TARGET_ORG` when none is given. `None`: no org.
    pub fn connection(&self) -> Result<Option<Connection>> {
        // Every org command starts here, so the log is set up before any call.
        if self.verbose {
            crate::api_log::verbose();
        }
        if let Some(url) = &self.instance_url {
            let token = match &self.access_token_file {
                Some(p) if p == Path::new("-") => TokenSource::Stdin,
                Some(p) => TokenSource::File(p.clone()),
                None => match std::env::var("SF_ACCESS_TOKEN") {
                    Ok(t) if !t.trim().is_empty() => TokenSource::Value(Secret::new(t.trim())),
                    _ => bail!(
                        "--instance-url needs the access token in the environment variable SF_ACCESS_TOKEN or in --access-token-file"
                    ),
                },
            };
            return Ok(Some(Connection::AccessToken {
                instance_url: url.clone(),
                token,
            }));
        }
        if let Some(p) = &self.auth_url_file {
            return Ok(Some(Connection::AuthUrlFile(p.clone())));
        }
        let alias = self
            .target_org
            .clone()
            .or_else(|| std::env::var("SF_TARGET_ORG").ok())
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        Ok(alias.map(Connection::TargetOrg))
    }

    pub fn fetch_options(&self, usage: Option<UsageOptions>) -> FetchOptions {
        FetchOptions {
            api_version: self.api_version.clone(),
            concurrency: usize::from(self.concurrency),
            timeout: Duration::from_secs(self.timeout),
            progress: progress_bar(self.quiet),
            usage,
            now: chrono::Utc::now(),
            ..Default::default()
        }
    }
}

/// The library's progress, drawn as a bar on standard error (`fleet` draws its own style).
#[derive(Debug)]
pub(crate) struct Bar(pub(crate) indicatif::ProgressBar);

impl salesforce::ProgressSink for Bar {
    fn plan(&self, calls: u64) {
        self.0.inc_length(calls);
    }
    fn done(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A progress bar on standard error when it is a terminal; nothing otherwise.
fn progress_bar(quiet: bool) -> Option<std::sync::Arc<dyn salesforce::ProgressSink>> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let template = if no_color {
        "{spinner} reading the org: {pos}/{len} API calls, {elapsed}"
    } else {
        "{spinner:.cyan} reading the org: [{bar:30.cyan/blue}] {pos}/{len} API calls, {elapsed}"
    };
    let style = indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr())
            .with_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(std::sync::Arc::new(Bar(bar)))
}

/// Fetches, clearing the progress bar whatever the outcome.
fn fetch_org(
    conn: &Connection,
    args: &ConnectionArgs,
    usage: &UsageArgs,
) -> Result<salesforce::Fetched, salesforce::Error> {
    let opts = args.fetch_options(usage.options());
    let result = salesforce::fetch_blocking(conn, &opts);
    if let Some(bar) = &opts.progress {
        bar.finish();
    }
    result
}

/// `audit` with a connection.
pub fn audit_org(
    conn: &Connection,
    args: &ConnectionArgs,
    usage: &UsageArgs,
    opts: &pkce_audit::AuditOptions,
) -> Result<(pkce_audit::inventory::Inventory, pkce_audit::report::Report)> {
    let fetched = fetch_org(conn, args, usage)?;
    Ok(pkce_audit::audit_fetched(&fetched, opts))
}

pub const NO_INPUT: &str =
    "nothing to audit: pass --source <DIR>, or an org with --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG)";

#[derive(Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,
    #[command(flatten)]
    pub usage: UsageArgs,
    /// Folder for the snapshot: new, empty, or an earlier snapshot (replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `fetch`: reads the org and writes a snapshot that `audit --source` reads offline.
/// Exit 0 when the snapshot was written, even with parts unreadable (they are listed,
/// kept in the manifest, and make every audit of the snapshot incomplete).
pub fn fetch(args: FetchArgs) -> Result<i32> {
    let Some(conn) = args.conn.connection()? else {
        bail!("no org to fetch from: pass --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG)");
    };
    // Refused before any API call is spent.
    pkce_audit::snapshot::check_target(&args.out)?;
    let fetched = fetch_org(&conn, &args.conn, &args.usage)?;
    let manifest = pkce_audit::snapshot::write(&args.out, &fetched)?;
    // The org's answers (URL, id, problem text) are input: shown, never applied.
    let mut out = String::new();
    if !args.conn.quiet {
        let files = manifest
            .components
            .iter()
            .filter(|c| c.file.is_some())
            .count();
        out += &format!(
            "Wrote {files} component(s) of {} (org {}, API {}) to {} in {} API call(s).\n",
            fetched.instance_url,
            fetched.org_id.as_deref().unwrap_or("id unknown"),
            fetched.api_version,
            args.out.display(),
            fetched.usage.total()
        );
        if let Some(e) = &fetched.evidence {
            out += &format!("{}.\n", pkce_audit::report::evidence_line(&e.into()));
        }
    }
    for n in &fetched.notes {
        out += &format!("Note: {}\n", visible(n));
    }
    if !manifest.problems.is_empty() {
        out += &format!(
            "{} item(s) could not be read; every audit of this snapshot reports them:\n",
            manifest.problems.len()
        );
        for p in &manifest.problems {
            out += &format!("  - {}\n", visible(&p.to_string()));
        }
    }
    print!("{}", visible_lines(&out));
    Ok(0)
}

#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,
    /// The LoginHistory window to probe, as `audit --usage-days`.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_WINDOW_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub usage_days: u32,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `doctor`: which sources this login can read. Exit 0 when all are, 3 otherwise.
pub fn doctor(args: DoctorArgs) -> Result<i32> {
    let Some(conn) = args.conn.connection()? else {
        bail!("no org to check: pass --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG)");
    };
    let opts = args.conn.fetch_options(None);
    let result = salesforce::doctor::doctor_blocking(&conn, &opts, args.usage_days);
    if let Some(bar) = &opts.progress {
        bar.finish();
    }
    let d = result?;
    if args.json {
        println!(
            "{}",
            json_escape_invisible(
                serde_json::to_string_pretty(&d).expect("a doctor report serialises")
            )
        );
    } else {
        let width = if std::io::stdout().is_terminal() {
            crate::terminal_width()
        } else {
            100
        };
        print!("{}", visible_lines(&d.text(width)));
    }
    Ok(if d.all_readable() {
        pkce_audit::report::EXIT_OK
    } else {
        pkce_audit::report::EXIT_INCOMPLETE
    })
}
