//! The binary's side of live audits: connection options and the `fetch` subcommand (the
//! progress bar is [`crate::progress`]). The library does the work (`pkce_audit_io::salesforce`).

use crate::failure::usage;
use crate::failure::{Context, Result};
use clap::Args;
use pkce_audit_io::salesforce::usage::{DEFAULT_ROW_BUDGET, DEFAULT_WINDOW_DAYS};
use pkce_audit_io::salesforce::{self, Connection, FetchOptions, TokenSource, UsageOptions};
use pkce_audit_io::secrets::Secret;
use pkce_audit_model::rules::Severity;
use pkce_audit_render::report::text::visible_lines;
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
            logins: true,
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct ConnectionArgs {
    /// Org alias or username the Salesforce CLI (`sf`) is logged in to. Default: $SF_TARGET_ORG when no other input is given.
    #[arg(long, short = 'o', value_name = "ALIAS|USERNAME", help_heading = HEADING,
          conflicts_with_all = ["instance_url", "auth_url_file"])]
    pub target_org: Option<String>,
    /// The org's URL (https://<domain>.my.salesforce.com). The access token comes from $SF_ACCESS_TOKEN or --access-token-file, never from the command line. Default: $SF_ORG_INSTANCE_URL when SF_ACCESS_TOKEN is set too.
    #[arg(long, value_name = "URL", help_heading = HEADING, conflicts_with = "auth_url_file")]
    pub instance_url: Option<String>,
    /// File holding the access token for --instance-url: a regular file, a FIFO such as <(pass show sf), or `-` for standard input (at most 64 KiB, read within --timeout).
    #[arg(long, value_name = "PATH|-", help_heading = HEADING, requires = "instance_url")]
    pub access_token_file: Option<PathBuf>,
    /// File holding an SFDX auth URL, force://<clientId>:<clientSecret>:<refreshToken>@<instance>, or the JSON of `sf org auth show-sfdx-auth-url --json --target-org <alias>` (current CLIs redact it in `sf org display --verbose`); a FIFO or `-` as for --access-token-file.
    #[arg(long, value_name = "PATH|-", help_heading = HEADING)]
    pub auth_url_file: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// No progress bar on standard error (and, for fetch, no summary of what was written).
    #[arg(long, short = 'q', help_heading = HEADING)]
    pub quiet: bool,
    /// Log every API call (kind, status, time, retries) on standard error. Never a token.
    #[arg(long, short = 'v', help_heading = HEADING)]
    pub verbose: bool,
}

/// How an org is read, once connected: shared by every command that reads orgs.
#[derive(Args, Debug, Clone)]
pub struct ReadArgs {
    /// API version to use. Default: $SF_ORG_API_VERSION, else the newest the org offers; 59.0 or later.
    #[arg(long, value_name = "VERSION", help_heading = HEADING)]
    pub api_version: Option<String>,
    /// API requests in flight at once (per org).
    #[arg(long, value_name = "N", default_value_t = 8, help_heading = HEADING,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Give up when reading an org takes longer than this.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, help_heading = HEADING,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

impl ReadArgs {
    /// Fetch options with these settings; progress and usage are the caller's.
    pub fn fetch_options(&self) -> Result<FetchOptions> {
        Ok(FetchOptions {
            api_version: self.api_version()?,
            concurrency: usize::from(self.concurrency),
            timeout: Duration::from_secs(self.timeout),
            now: chrono::Utc::now(),
            ..Default::default()
        })
    }

    /// `--api-version`, else `SF_ORG_API_VERSION`. The library checks the option's value;
    /// the variable's is checked here, so that a bad one is blamed on the variable.
    fn api_version(&self) -> Result<Option<String>> {
        if self.api_version.is_some() {
            return Ok(self.api_version.clone());
        }
        match env("SF_ORG_API_VERSION") {
            Some(v) if !is_version(&v) => {
                usage!("SF_ORG_API_VERSION \"{v}\" is not an API version like 62.0")
            }
            other => Ok(other),
        }
    }
}

impl ConnectionArgs {
    /// The connection asked for: the options first, then the environment as the `sf` CLI
    /// reads it (see [`from_environment`]). `None`: no org.
    pub fn connection(&self) -> Result<Option<Connection>> {
        // Every org command starts here, so the log is set up before any call.
        if self.verbose {
            crate::api_log::verbose();
        }
        if let Some(url) = &self.instance_url {
            let token = match &self.access_token_file {
                Some(p) if p == Path::new("-") => TokenSource::Stdin,
                Some(p) => TokenSource::File(p.clone()),
                None => match env("SF_ACCESS_TOKEN") {
                    Some(t) => TokenSource::Value(env_token(&t)?),
                    None => usage!(
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
        if let Some(alias) = self.target_org.as_deref().map(str::trim) {
            if alias.is_empty() {
                usage!("--target-org is empty: give an alias or username `sf org list` shows");
            }
            return Ok(Some(Connection::TargetOrg(alias.to_string())));
        }
        from_environment(
            env("SF_TARGET_ORG"),
            env("SF_ORG_INSTANCE_URL"),
            env("SF_ACCESS_TOKEN"),
        )
    }

    pub fn fetch_options(&self, usage: Option<UsageOptions>) -> Result<FetchOptions> {
        Ok(FetchOptions {
            progress: crate::progress::Progress::org_read(self.quiet)
                .map(|p| p as std::sync::Arc<dyn salesforce::ProgressSink>),
            usage,
            ..self.read.fetch_options()?
        })
    }
}

/// An environment variable's value, trimmed; unset and empty are the same.
fn env(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// The token of `SF_ACCESS_TOKEN`, checked before any call; the refusal never shows it.
fn env_token(value: &str) -> Result<Secret> {
    use pkce_audit_io::credentials::{token, Unusable};
    match token(value) {
        Ok(t) => Ok(t),
        Err(Unusable::Empty) => usage!("SF_ACCESS_TOKEN is empty"),
        Err(Unusable::Malformed(why)) => usage!("SF_ACCESS_TOKEN is malformed: {why}"),
    }
}

/// "62.0": digits, a dot, digits.
fn is_version(v: &str) -> bool {
    v.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

/// The org the `sf` environment names when no option does. `SF_TARGET_ORG` is an alias or
/// username; `SF_ORG_INSTANCE_URL` is "the URL of the Salesforce instance that is hosting
/// your org" (@salesforce/core messages/envVars.md), used here only with `SF_ACCESS_TOKEN`,
/// the pair `sf org login access-token` takes. Both set is ambiguous: refused, not guessed.
fn from_environment(
    target_org: Option<String>,
    instance_url: Option<String>,
    access_token: Option<String>,
) -> Result<Option<Connection>> {
    let by_token = match (instance_url, access_token) {
        (Some(url), Some(token)) => Some((url, token)),
        _ => None,
    };
    match (target_org, by_token) {
        (Some(_), Some(_)) => usage!(
            "the environment names two orgs: SF_TARGET_ORG, and SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN; pass --target-org or --instance-url to choose"
        ),
        (Some(alias), None) => Ok(Some(Connection::TargetOrg(alias))),
        (None, Some((url, token))) => {
            if let Some(host) = login_host(&url) {
                usage!(
                    "SF_ORG_INSTANCE_URL is {host}, a login server, not your org's instance; set it to https://<MyDomain>.my.salesforce.com"
                );
            }
            Ok(Some(Connection::AccessToken {
                instance_url: url,
                token: TokenSource::Value(env_token(&token)?),
            }))
        }
        (None, None) => Ok(None),
    }
}

/// Salesforce's generic login servers, which hold no org's API (sf's default
/// `SF_ORG_INSTANCE_URL` is https://login.salesforce.com).
fn login_host(url: &str) -> Option<String> {
    let host = url::Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    matches!(
        host.as_str(),
        "login.salesforce.com" | "test.salesforce.com"
    )
    .then_some(host)
}

/// Fetches, clearing the progress bar whatever the outcome.
fn fetch_org(
    conn: &Connection,
    args: &ConnectionArgs,
    usage: &UsageArgs,
) -> Result<salesforce::Fetched> {
    let opts = args.fetch_options(usage.options())?;
    let result = salesforce::fetch_blocking(conn, &opts);
    if let Some(bar) = &opts.progress {
        bar.finish();
    }
    Ok(result?)
}

/// `audit` with a connection.
pub fn audit_org(
    conn: &Connection,
    args: &ConnectionArgs,
    usage: &UsageArgs,
    opts: &pkce_audit_io::AuditOptions,
) -> Result<(
    pkce_audit_model::inventory::Inventory,
    pkce_audit_render::report::Report,
)> {
    let fetched = fetch_org(conn, args, usage)?;
    Ok(pkce_audit_io::audit_fetched(&fetched, opts))
}

/// What `fix --org-setting` reads of the org before it plans: the OAuth and OpenID
/// Connect settings, and the ECA global settings when the project lacks some. An org
/// that cannot be read stops the run (exit 2), nothing written.
pub fn read_for_step3(
    conn: &Connection,
    args: &ConnectionArgs,
    needs: &pkce_audit_io::fix::org::Needs,
) -> Result<pkce_audit_io::fix::org::OrgRead> {
    let opts = args.fetch_options(None)?;
    let result = salesforce::fetch_settings_blocking(conn, &opts, !needs.eca_globals.is_empty());
    if let Some(bar) = &opts.progress {
        bar.finish();
    }
    let fetched = result.context(
        "fix --org-setting reads the org before it writes, and could not; nothing was written",
    )?;
    let alias = match conn {
        Connection::TargetOrg(alias) => Some(alias.clone()),
        Connection::AccessToken { .. } | Connection::AuthUrlFile(_) => None,
    };
    Ok(pkce_audit_io::fix::org::OrgRead::from_fetched(
        &fetched, alias,
    ))
}

pub const NO_INPUT: &str =
    "nothing to audit: pass --source <DIR>, or an org with --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG, or SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN)";

#[derive(Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub conn: ConnectionArgs,
    #[command(flatten)]
    pub usage: UsageArgs,
    /// Folder for the snapshot: new, empty, or an earlier snapshot (replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print what was written as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// `fetch`: reads the org and writes a snapshot that `audit --source` reads offline.
/// Exit 0 when the snapshot was written, even with parts unreadable (they are listed,
/// kept in the manifest, and make every audit of the snapshot incomplete).
pub fn fetch(args: FetchArgs) -> Result<i32> {
    let Some(conn) = args.conn.connection()? else {
        usage!("no org to fetch from: pass --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG, or SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN)");
    };
    // Refused before any API call is spent.
    pkce_audit_io::snapshot::check_target(&args.out)?;
    let fetched = fetch_org(&conn, &args.conn, &args.usage)?;
    let manifest = pkce_audit_io::snapshot::write(&args.out, &fetched)?;
    let files = manifest
        .components
        .iter()
        .filter(|c| c.file.is_some())
        .count();
    let summary = pkce_audit_render::fetch::Fetch {
        snapshot: &args.out,
        instance_url: &fetched.instance_url,
        org_id: fetched.org_id.as_deref(),
        api_version: &fetched.api_version,
        fetched_at: &fetched.fetched_at,
        components_written: files,
        api_calls: fetched.usage.total(),
        evidence: fetched.evidence.as_ref().map(Into::into),
        notes: &fetched.notes,
        problems: &manifest.problems,
    }
    .summary();
    let text = if args.json {
        pkce_audit_render::fetch::json(&summary)
    } else {
        let width = usize::from(crate::Sink::Stdout.width());
        pkce_audit_render::fetch::text(&summary, args.conn.quiet, width)
    };
    crate::Sink::Stdout.write(&text)?;
    Ok(crate::exit::OK)
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
        usage!("no org to check: pass --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG, or SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN)");
    };
    let opts = args.conn.fetch_options(None)?;
    let result = salesforce::doctor::doctor_blocking(&conn, &opts, args.usage_days);
    if let Some(bar) = &opts.progress {
        bar.finish();
    }
    let d = result?;
    let text = if args.json {
        pkce_audit_render::listing::doctor_json(&d)
    } else {
        visible_lines(&pkce_audit_render::listing::doctor(
            &d,
            usize::from(crate::term::stdout_width()),
        ))
        .into_owned()
    };
    crate::Sink::Stdout.write(&text)?;
    Ok(crate::exit::doctor(&d))
}

/// `--fail-on`, audit's and fleet's (here, below both): the severities by name, in any
/// case (listed in `--help` and the completion scripts).
pub(crate) fn severity() -> impl clap::builder::TypedValueParser<Value = Severity> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Severity::ALL.map(Severity::as_str))
        .try_map(|s| s.parse::<Severity>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_servers_are_not_instances() {
        assert_eq!(
            login_host("https://login.salesforce.com").as_deref(),
            Some("login.salesforce.com")
        );
        assert_eq!(
            login_host("https://TEST.salesforce.com/").as_deref(),
            Some("test.salesforce.com")
        );
        assert_eq!(login_host("https://acme.my.salesforce.com"), None);
    }
}
