//! `pkce-audit verify`: after step 2 or step 3, did anyone break? The binary side
//! (arguments, the time windows, printing); the reads are pkce-audit-io's
//! (`verify::verify_org`), the decision the model's, the words the render crate's.

use crate::failure::usage;
use crate::failure::{Context, Result};
use crate::live_cli::ConnectionArgs;
use chrono::{DateTime, Utc};
use clap::Args;
use pkce_audit_io::salesforce::{self, ChangeAt, UsageOptions};
use pkce_audit_io::verify::{self, Request};
use pkce_audit_model::verify::Scope;
use std::path::PathBuf;

/// LoginHistory keeps about six months (reference §5.4): a baseline starting earlier
/// would be read as quiet when its rows are simply gone.
const RETENTION_DAYS: i64 = 180;

/// How far the org's clock may run ahead of ours before `--until` is taken for the future.
const CLOCK_SKEW_MINUTES: i64 = 5;

/// `verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("change").required(true).args(["since", "deploy_id"])))]
#[command(
    after_help = "Exit status: 0 keep (every app confirmed or unaffected, everything read), 1 rollback (an app failing or silent), 3 watch (nothing failing, but something waiting, not deployed or not read), 2 usage error or the org could not be read."
)]
pub struct VerifyArgs {
    /// When the change was deployed: an RFC 3339 timestamp with a time of day and offset
    /// (2026-12-01T09:30:00Z). A bare date is refused: that morning's logins before the
    /// deploy would count as after it.
    #[arg(long, value_name = "TIMESTAMP", value_parser = timestamp)]
    pub since: Option<DateTime<Utc>>,
    /// Instead of --since: the id of the deploy that made the change (0Af…, as `sf project
    /// deploy start` prints it); the change time is its completion, read from the org
    /// (checkDeployStatus). A validation (--dry-run), a deploy unfinished, failed or only partly successful is refused.
    #[arg(long, value_name = "ID", value_parser = deploy_id)]
    pub deploy_id: Option<String>,
    /// The end of the window after the change (default: now), so the login part of a
    /// report can be made again with the same result.
    #[arg(long, value_name = "TIMESTAMP", value_parser = timestamp)]
    pub until: Option<DateTime<Utc>>,
    /// The days before --since to compare with.
    #[arg(long, value_name = "DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=180))]
    pub baseline_days: u32,
    /// Step 2: check this Connected App or External Client App (repeatable).
    #[arg(long = "app", value_name = "NAME", conflicts_with = "manifest")]
    pub apps: Vec<String>,
    /// Step 2: check the apps of a deploy manifest `pkce-audit fix` wrote
    /// (manifest/pkce-step2-apps.xml). Without --app or --manifest: step 3, every app
    /// that can run the code flow.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write the report to FILE instead of standard output (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour the verdict: on a terminal (auto, unless NO_COLOR is set), always, or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = crate::term::ColorChoice::Auto)]
    pub color: crate::term::ColorChoice,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

impl VerifyArgs {
    fn format(&self) -> VerifyFormat {
        if self.json {
            VerifyFormat::Json
        } else {
            self.format
        }
    }
}

/// An RFC 3339 timestamp with a time of day and an offset.
fn timestamp(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    let s = s.trim();
    if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
        return Err(format!(
            "{s} is a date without a time of day; give the time of the deploy, e.g. {s}T09:30:00Z (a bare date would count that day's logins before the deploy as after it)"
        ));
    }
    // SOQL dateTime literals are whole seconds: a fraction rounds up, so that no login
    // before the deploy counts as after it.
    DateTime::parse_from_rfc3339(s)
        .map(|t| {
            let t = t.with_timezone(&Utc);
            match t.timestamp_subsec_nanos() {
                0 => t,
                n => t + chrono::Duration::nanoseconds(1_000_000_000 - i64::from(n)),
            }
        })
        .map_err(|e| {
            format!("{s} is not an RFC 3339 timestamp with an offset, such as 2026-12-01T09:30:00Z ({e})")
        })
}

/// A deploy's id: `0Af` and 15 or 18 letters and digits in all (checked before any call).
fn deploy_id(s: &str) -> std::result::Result<String, String> {
    let s = s.trim();
    let ok = (s.len() == 15 || s.len() == 18)
        && s.starts_with("0Af")
        && s.chars().all(|c| c.is_ascii_alphanumeric());
    match ok {
        true => Ok(s.to_string()),
        false => Err(format!(
            "{s:?} is not a deploy id: 0Af followed by 12 or 15 letters and digits, as sf project deploy start prints it"
        )),
    }
}

fn shown(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whether a change at `since` gives windows that can be right by `until` and `now`.
fn check_windows(
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    baseline_days: u32,
    now: DateTime<Utc>,
) -> std::result::Result<(), String> {
    if since >= until {
        return Err(format!(
            "the change at {} is not before the end of the window {} (--until)",
            shown(since),
            shown(until)
        ));
    }
    let from = since - chrono::Duration::days(i64::from(baseline_days));
    if now - from > chrono::Duration::days(RETENTION_DAYS) {
        return Err(format!(
            "the baseline would start {}, more than {RETENTION_DAYS} days ago: LoginHistory keeps about six months, so older logins are gone and would read as silence; lower --baseline-days",
            shown(from)
        ));
    }
    Ok(())
}

/// The request, its windows checked against the clock before any call is spent (a
/// deploy's time once it is read).
fn request(args: &VerifyArgs, now: DateTime<Utc>) -> Result<Request> {
    let until = args.until.unwrap_or(now);
    if until > now + chrono::Duration::minutes(CLOCK_SKEW_MINUTES) {
        usage!(
            "--until {} is in the future: a window that has not passed would read as silent",
            shown(until)
        );
    }
    let change = match (&args.since, &args.deploy_id) {
        (Some(since), _) => {
            if let Err(e) = check_windows(*since, until, args.baseline_days, now) {
                usage!("{e}");
            }
            ChangeAt::Time(*since)
        }
        (None, Some(id)) => ChangeAt::Deploy(id.clone()),
        (None, None) => usage!("give --since or --deploy-id: when the change was deployed"),
    };
    let scope = match (&args.manifest, args.apps.as_slice()) {
        (Some(path), _) => verify::manifest_scope(path)?,
        (None, []) => Scope::OrgWide,
        (None, names) => {
            let names: Vec<String> = names.iter().map(|n| n.trim().to_string()).collect();
            if names.iter().any(String::is_empty) {
                usage!("--app is empty: give an app's API name");
            }
            Scope::Apps(names)
        }
    };
    Ok(Request {
        change,
        until,
        baseline_days: args.baseline_days,
        scope,
        rhythm_budget: salesforce::usage::windows::DEFAULT_RHYTHM_BUDGET,
    })
}

/// The clock: `PKCE_AUDIT_NOW` (RFC 3339) pins it, as `PKCE_AUDIT_TODAY` pins the
/// waivers' day, for reproducible runs; anything else there is an error, never a silent
/// fall back to the clock.
fn now() -> Result<DateTime<Utc>> {
    match std::env::var("PKCE_AUDIT_NOW") {
        Ok(v) if !v.trim().is_empty() => match timestamp(&v) {
            Ok(t) => Ok(t),
            Err(e) => usage!("PKCE_AUDIT_NOW: {e}"),
        },
        _ => Ok(Utc::now()),
    }
}

pub fn run(args: VerifyArgs) -> Result<i32> {
    let now = now()?;
    let req = request(&args, now)?;
    let Some(conn) = args.conn.connection()? else {
        usage!("no org to verify: pass --target-org, --instance-url or --auth-url-file (or set SF_TARGET_ORG, or SF_ORG_INSTANCE_URL with SF_ACCESS_TOKEN)");
    };
    let mut inputs: Vec<(&std::path::Path, &str)> =
        crate::credential_file(&conn).into_iter().collect();
    inputs.extend(args.manifest.as_deref().map(|m| (m, "the --manifest file")));
    let output = crate::output_file(&args.output, &inputs, &[])?;
    // OauthToken is read for context (its own window is not used); LoginHistory is read
    // over verify's windows instead of the audit's.
    let usage = UsageOptions {
        logins: false,
        ..UsageOptions::default()
    };
    let fetch = args.conn.fetch_options(Some(usage))?;
    let audit = pkce_audit_io::AuditOptions {
        now,
        org_namespace: None,
        org_domains: Vec::new(),
    };
    let check = |since| check_windows(since, req.until, args.baseline_days, now);
    let result = verify::verify_org(&conn, &fetch, &audit, &req, &check);
    if let Some(bar) = &fetch.progress {
        bar.finish();
    }
    let v = result.context("verify could not read the org")?;
    let sink = crate::Sink::of(&output);
    let opts = pkce_audit_render::verify::Options {
        width: sink.width(),
        color: sink.color(args.color),
    };
    let format = match args.format() {
        VerifyFormat::Table => pkce_audit_render::verify::Format::Table,
        VerifyFormat::Json => pkce_audit_render::verify::Format::Json,
        VerifyFormat::Markdown => pkce_audit_render::verify::Format::Markdown,
    };
    sink.write(&pkce_audit_render::verify::render(&v, format, opts))?;
    if let crate::Sink::File(file) = sink {
        let line = format!(
            "pkce-audit: wrote {}: {}",
            pkce_audit_render::report::text::visible(&file.path().display().to_string()),
            v.verdict
        );
        eprintln!("{}", pkce_audit_io::secrets::scrub(&line));
    }
    Ok(crate::exit::verify(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_need_a_time_of_day_and_an_offset() {
        assert!(timestamp("2026-12-01")
            .unwrap_err()
            .contains("without a time of day"));
        assert!(timestamp("2026-12-01T09:30:00").is_err());
        assert_eq!(
            timestamp("2026-12-01T09:30:00.900Z").unwrap(),
            timestamp("2026-12-01T09:30:01Z").unwrap()
        );
        assert!(deploy_id("0AfXX00000ABCDE").is_ok());
        assert!(deploy_id("0AfXX00000ABCDEFGH").is_ok());
        assert!(deploy_id("001XX00000ABCDE").is_err());
        assert!(deploy_id("0AfXX00000ABC;E").is_err());
        assert_eq!(
            timestamp("2026-12-01T10:30:00+01:00").unwrap(),
            timestamp("2026-12-01T09:30:00Z").unwrap()
        );
    }
}
