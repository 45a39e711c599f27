//! Audits the orgs of a fleet concurrently: at most `org_concurrency` at once on one
//! runtime, each live org through the async fetch with its own `--concurrency` permits,
//! each folder on the blocking pool. An org that cannot be audited becomes a failed run
//! with a one-line reason; the others go on.

use super::config::{FleetConfig, OrgEntry, OrgInput};
use pkce_audit_io::credentials;
use pkce_audit_io::salesforce::{self, FetchOptions, ProgressSink};
use pkce_audit_io::waivers::WaiverSet;
use pkce_audit_io::AuditOptions;
use pkce_audit_model::evidence::EvidenceSource;
use pkce_audit_model::report::Report;
use std::sync::Arc;

/// How a fleet runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Orgs audited at once.
    pub org_concurrency: usize,
    /// Each live org's fetch, as `audit` would run it (its own `concurrency` and
    /// `timeout`); its `progress` is not used.
    pub fetch: FetchOptions,
    /// The run's clock and, unused here, no namespace: each org has its own.
    pub now: chrono::DateTime<chrono::Utc>,
    /// For waiver expiry.
    pub today: chrono::NaiveDate,
    /// Told of each org as it is planned and finished; the library draws nothing.
    pub progress: Option<Arc<dyn ProgressSink>>,
}

pub use super::model::{Audited, OrgRun};

/// Runs every org of `config`, each with its waivers (`waivers[i]` for `config.orgs[i]`),
/// on a runtime of its own. The runs come back in the order of the file.
pub fn run_blocking(
    config: &FleetConfig,
    waivers: Vec<WaiverSet>,
    opts: &RunOptions,
) -> Result<Vec<OrgRun>, salesforce::Error> {
    let rt = salesforce::runtime()?;
    let runs = rt.block_on(run(config, waivers, opts));
    // As for one org: a parse still running after a `--timeout` is not waited for.
    rt.shutdown_background();
    Ok(runs)
}

/// [`run_blocking`] on the caller's runtime.
pub async fn run(config: &FleetConfig, waivers: Vec<WaiverSet>, opts: &RunOptions) -> Vec<OrgRun> {
    assert_eq!(waivers.len(), config.orgs.len(), "one waiver set per org");
    let permits = Arc::new(tokio::sync::Semaphore::new(opts.org_concurrency.max(1)));
    if let Some(p) = &opts.progress {
        p.plan(config.orgs.len() as u64);
    }
    // Every org's credential files are read and checked before any org is contacted: a
    // broken one fails its org at once, and every secret they hold is registered before
    // any server answers, so what one org's server echoes of another's is scrubbed too. A
    // `target_org`'s token (from `sf`) and refreshed tokens are registered as they arrive,
    // before they are sent anywhere.
    let mut inputs = Vec::with_capacity(config.orgs.len());
    for org in &config.orgs {
        inputs.push(match &org.input {
            OrgInput::Live(conn) => salesforce::auth::load_async(
                conn,
                credentials::Origin::FleetFile,
                opts.fetch.timeout,
            )
            .await
            .map(|prepared| Input::Live(conn.clone(), prepared))
            .map_err(|e| super::reason::live(conn, &e)),
            OrgInput::Source(dir) => Ok(Input::Source(dir.clone())),
        });
    }
    let tasks: Vec<_> = config
        .orgs
        .iter()
        .cloned()
        .zip(waivers)
        .zip(inputs)
        .map(|((org, waivers), input)| {
            let permits = permits.clone();
            let opts = opts.clone();
            tokio::spawn(async move {
                // The semaphore is never closed.
                let _permit = permits.acquire_owned().await.ok();
                let outcome = match input {
                    Ok(input) => audit_one(&org, input, &opts, &waivers.org_domains).await,
                    Err(reason) => Err(reason),
                };
                let outcome = outcome.map(|mut a| {
                    a.report.apply_waivers(&waivers, opts.today);
                    a
                });
                if let Some(p) = &opts.progress {
                    p.done();
                }
                OrgRun { outcome }
            })
        })
        .collect();
    let mut runs = Vec::with_capacity(tasks.len());
    for t in tasks {
        runs.push(t.await.unwrap_or_else(|e| OrgRun {
            outcome: Err(format!("the audit stopped unexpectedly: {e}")),
        }));
    }
    runs
}

/// How one org is read, its credentials (for a live org) read and checked.
enum Input {
    Live(salesforce::Connection, salesforce::Prepared),
    Source(std::path::PathBuf),
}

/// Audits one org; `Err` is the one-line reason it could not be, quoting no value of the
/// fleet file.
async fn audit_one(
    org: &OrgEntry,
    input: Input,
    opts: &RunOptions,
    org_domains: &[String],
) -> Result<Audited, String> {
    let audit = AuditOptions {
        org_namespace: org.org_namespace.clone(),
        org_domains: org_domains.to_vec(),
        now: opts.now,
    };
    let joined = match input {
        Input::Live(conn, prepared) => {
            let fetch = FetchOptions {
                progress: None,
                ..opts.fetch.clone()
            };
            let fetched = salesforce::fetch_prepared(&conn, &prepared, &fetch)
                .await
                .map_err(|e| super::reason::live(&conn, &e))?;
            // Parsing the records is CPU work: off the async workers, as the fetch's own
            // parsing is.
            tokio::task::spawn_blocking(move || {
                let (inv, report) = pkce_audit_io::audit_fetched(&fetched, &audit);
                Ok(audited(report, inv))
            })
            .await
        }
        Input::Source(dir) => {
            tokio::task::spawn_blocking(move || {
                pkce_audit_io::audit_folder(&dir, &audit)
                    .map(|(inv, report)| audited(report, inv))
                    .map_err(|e| super::reason::folder(&e))
            })
            .await
        }
    };
    joined.unwrap_or_else(|e| Err(format!("the audit stopped unexpectedly: {e}")))
}

fn audited(report: Report, inv: pkce_audit_model::inventory::Inventory) -> Audited {
    let packages = inv
        .evidence
        .filter(|e| e.is_read(&EvidenceSource::InstalledPackages))
        .map(|e| e.packages);
    Audited { report, packages }
}
