//! `pkce-audit fix`: the binary side (arguments, the audit behind `--org-setting`,
//! printing). The edits, the checks and the output text are the library's (`fix`).

use crate::failure::Result;
use clap::{ArgGroup, Args};
use pkce_audit_io::fix;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args)]
#[command(group(ArgGroup::new("step").required(true).args(["apps", "org_setting"])))]
#[command(
    after_help = "Exit status: 0 changed (or nothing to change), 2 refused, usage error, or the org (--org-setting with a connection) could not be read."
)]
pub struct FixArgs {
    /// The SFDX project (sfdx-project.json) or mdapi folder (package.xml) to change.
    #[arg(long, value_name = "DIR")]
    source: PathBuf,
    /// Step 2: require PKCE on this Connected App or External Client App (repeatable).
    #[arg(long = "app", value_name = "NAME")]
    apps: Vec<String>,
    /// Step 3: require PKCE org-wide (OauthOidc settings). Written only when the audit
    /// of --source (completed from the org with -o) has nothing open: no unwaived
    /// blocker, no unknown PKCE setting, nothing unread, at least one app.
    #[arg(long, conflicts_with = "apps")]
    org_setting: bool,
    /// The way back: set isPkceRequired to false with the same minimal edit, and write
    /// the rollback manifest (manifest/pkce-rollback-apps.xml or
    /// manifest/pkce-rollback-org.xml). Never gated by the audit; reads no org.
    #[arg(long)]
    undo: bool,
    /// Print the unified diff instead of writing (exact, for git apply, unless standard
    /// output is a terminal).
    #[arg(long)]
    dry_run: bool,
    /// With --org-setting: write it although the audit is not clear, or a settings field
    /// the file names differs from the org's.
    #[arg(long)]
    force: bool,
    /// Why --force is right; goes into the manifest's comment and the output.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Where to write the step's deploy manifest (an earlier one of the same step there
    /// is added to). Default: manifest/pkce-step2-apps.xml or manifest/pkce-step3-org.xml
    /// (with --undo pkce-rollback-apps.xml, pkce-rollback-org.xml) under an SFDX project,
    /// <DIR>-pkce-step2-apps.xml (and so on) next to an mdapi folder.
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// One JSON document describing the plan and what was done.
    #[arg(long)]
    pub json: bool,
    /// With --org-setting: the waiver file for the audit. Default: pkce-audit.toml at the
    /// root of --source, else in the current folder.
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// With --org-setting: apply no waivers.
    #[arg(long, conflicts_with = "waivers")]
    no_waivers: bool,
    // With --org-setting: the org read first (its OAuth and OpenID Connect settings, and
    // what the project does not hold); the environment names one as for `audit`.
    #[command(flatten)]
    conn: crate::live_cli::ConnectionArgs,
}

pub fn run(args: FixArgs) -> Result<i32> {
    let project = fix::Project::open(&args.source)?;
    // A given path is the caller's, relative to the current folder; made absolute, the
    // deploy command (run from the project folder) names it right.
    let given = args
        .manifest
        .as_deref()
        .map(std::path::absolute)
        .transpose()?;
    let direction = if args.undo {
        fix::Direction::Undo
    } else {
        fix::Direction::Require
    };
    let planned = if args.org_setting && args.undo {
        // The way back reads no org and passes no gate.
        project.plan_org_setting_undo(given.as_deref())
    } else if args.org_setting {
        // Waivers apply as in `audit`; a broken waiver file stops the run.
        let waivers = crate::selected_waivers(&args.waivers, args.no_waivers, Some(&args.source))?;
        let today = crate::today()?;
        // The org is read before anything is planned: what the project cannot hold counts
        // as read only when the org gave it.
        let org = match args.conn.connection()? {
            None => None,
            Some(conn) => Some(crate::live_cli::read_for_step3(
                &conn,
                &args.conn,
                &project.needs(),
            )?),
        };
        let opts = pkce_audit_io::AuditOptions {
            now: chrono::Utc::now(),
            org_namespace: None,
            org_domains: waivers.org_domains.clone(),
        };
        // The gate audits the very read the plan edits: one walk, not two.
        let mut report = project.audit(&opts, |collected| {
            if let Some(o) = &org {
                fix::org::complete(collected, o);
            }
        });
        report.apply_waivers(&waivers, today);
        let force = args.reason.as_deref().filter(|_| args.force);
        project.plan_org_setting(&report, org.as_ref(), force, given.as_deref())
    } else {
        project.plan_apps(&args.apps, direction, given.as_deref())
    };
    let plan = match planned {
        Ok(plan) => plan,
        // A refusal is the command's failure: one line on standard error (and the sf-style
        // JSON document under --json), exit 2, nothing written.
        Err(e @ fix::FixError::Refused(_)) => return Err(crate::failure::FixRefused(e).into()),
        Err(e) => return Err(e.into()),
    };
    if !args.dry_run {
        match fix::apply(&plan) {
            Ok(()) => {}
            Err(e @ fix::FixError::Unsafe(_)) => return Err(crate::failure::FixRefused(e).into()),
            Err(e) => return Err(e.into()),
        }
    }
    if args.json {
        return crate::Sink::Stdout
            .write(&pkce_audit_render::fix::json(&plan, args.dry_run))
            .map(|()| crate::exit::OK);
    }
    let width = usize::from(crate::Sink::Stdout.width());
    let mut text = pkce_audit_render::report::wrap_prose(
        &pkce_audit_render::fix::text(&plan, args.dry_run),
        width,
    );
    if args.dry_run {
        // The patch is never wrapped or altered where `git apply` may read it; a terminal
        // gets its control characters (but tabs and CRLF) shown.
        let patch = &plan.patch;
        if std::io::stdout().is_terminal() {
            text.push_str(&pkce_audit_render::report::text::visible_patch(patch));
        } else {
            text.push_str(patch);
        }
    }
    crate::Sink::Stdout.write(&text)?;
    Ok(crate::exit::OK)
}
