//! A loopback Salesforce test org, for trying pkce-audit against a "live" org.
//!
//! ```text
//! cargo run --example fake_org -- --org fixtures/demo-org --addr 127.0.0.1:8787
//! ```
//!
//! Prints its base URL as the first line of stdout (with `--tls-cert`/`--tls-key`, its
//! HTTPS URL as the second), then serves until killed.

use pkce_audit_test_org::fake_org;

use clap::Parser;
use fake_org::{Config, FakeOrg, TlsConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    about = "Serves an org folder as a fake Salesforce org (Metadata SOAP, REST query, OAuth refresh)"
)]
struct Args {
    /// Org folder (an SFDX project, mdapi folder or snapshot).
    #[arg(long)]
    org: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Access token accepted initially.
    #[arg(long)]
    token: Option<String>,
    /// Delay added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability of a transient fault per request (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Seed for the fault sequence.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The token becomes invalid after this many API calls (refresh to continue).
    #[arg(long)]
    expire_session_after: Option<u64>,
    /// Metadata type whose list/read gives INSUFFICIENT_ACCESS (repeatable).
    #[arg(long = "deny-read-type")]
    deny_read_types: Vec<String>,
    /// sObject whose SOQL gives INSUFFICIENT_ACCESS (repeatable).
    #[arg(long = "deny-query")]
    deny_queries: Vec<String>,
    /// Cut every second response body in half.
    #[arg(long)]
    truncate_bodies: bool,
    /// Refresh token accepted by the token endpoint.
    #[arg(long)]
    refresh_token: Option<String>,
    /// Client id accepted by the token endpoint.
    #[arg(long)]
    client_id: Option<String>,
    /// REST query page size.
    #[arg(long)]
    page_size: Option<usize>,
    /// Log each request's method, path, SOQL and status on stderr (no headers or bodies).
    #[arg(long)]
    log_requests: bool,
    /// Echo the credentials received in error answers and SOAP faults, in every form (raw,
    /// percent-encoded, base64 and base64url at every offset, hex, upper-cased).
    #[arg(long)]
    echo_credentials: bool,
    /// Echo the session id received in record fields (record Names, metadata labels).
    #[arg(long)]
    echo_in_records: bool,
    /// A further secret to echo along, e.g. another org's token (repeatable).
    #[arg(long = "echo-also", value_name = "SECRET")]
    echo_also: Vec<String>,
    /// Also serve HTTPS with this PEM certificate (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The querying user's time zone, for date literals (TODAY, LAST_N_DAYS:n, ...): `GMT`
    /// (the default) or NAME=OFFSET, e.g. `America/Los_Angeles=-08:00`.
    #[arg(long, value_name = "ZONE")]
    user_time_zone: Option<fake_org::UserTimeZone>,
    /// Address of the HTTPS listener.
    #[arg(long, default_value = "127.0.0.1:0")]
    tls_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let d = Config::default();
    let cfg = Config {
        org_dir: args.org,
        access_token: args.token.unwrap_or(d.access_token.clone()),
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        seed: args.seed,
        expire_session_after: args.expire_session_after,
        deny_read_types: args.deny_read_types,
        deny_queries: args.deny_queries,
        truncate_bodies: args.truncate_bodies,
        refresh_token: args.refresh_token.unwrap_or(d.refresh_token.clone()),
        client_id: args.client_id.unwrap_or(d.client_id.clone()),
        page_size: args.page_size.unwrap_or(d.page_size),
        log_requests: args.log_requests,
        user_time_zone: args.user_time_zone.unwrap_or(d.user_time_zone.clone()),
        echo_credentials: args.echo_credentials,
        echo_in_records: args.echo_in_records,
        echo_also: args.echo_also,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert_pem), Some(key_pem)) => Some(TlsConfig {
                addr: args.tls_addr,
                cert_pem,
                key_pem,
            }),
            _ => None,
        },
        ..d
    };
    let org = FakeOrg::start_async(cfg, args.addr).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", org.base_url)?;
    if let Some(url) = &org.tls_base_url {
        writeln!(out, "{url}")?;
    }
    out.flush()?;
    drop(out);
    for (file, reason) in &org.org().skipped {
        eprintln!("fake_org: not served: {file}: {reason}");
    }
    eprintln!(
        "fake_org: {} components; access token {}",
        org.org().components.len(),
        org.current_token()
    );
    std::future::pending::<()>().await;
    Ok(())
}
