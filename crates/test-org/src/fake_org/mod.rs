//! A loopback Salesforce test org: Metadata API SOAP (`listMetadata`, `readMetadata`,
//! `describeMetadata`, `retrieve`, and `deploy` with its checks, which changes what the org
//! serves: see retrieve.rs and deploy/), REST/Tooling query with paging and the real limits, the API
//! versions list and each version's resource directory, sObject describes and records,
//! `/limits`, the OpenID Connect UserInfo endpoint and identity URL, and the OAuth
//! refresh-token grant, served from an org folder read with `pkce_audit_io::source::discover`
//! (over HTTP, and HTTPS too with `Config::tls`). Real clients (the Salesforce CLI, jsforce,
//! simple-salesforce) run against it in tests/real_clients.
//!
//! Used by the integration tests (`tests/it/main.rs` includes it once) and by
//! `examples/fake_org.rs`. It follows the real API shapes (see
//! /work/shared/reference/salesforce-api.md §4–5), and can misbehave on purpose: latency,
//! transient faults (deterministic by seed), expiring sessions, permission denials and
//! truncated bodies.

mod config;
mod conn;
mod deploy;
mod describe;
pub mod echo;
mod evidence;
mod identity;
pub mod logins;
mod org;
mod rest;
mod retrieve;
mod soap;
mod soql;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Response, StatusCode};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

pub use config::{default_now, Config, PageFault, Quirk, TlsConfig, UserTimeZone};
pub use identity::user_id;
pub use org::{Component, Org};
pub use retrieve::{unzip, zip_files};

/// The session token and how many API calls it has served.
struct Session {
    current: String,
    uses: u64,
    issued: u64,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) cfg: Config,
    pub(crate) base_url: String,
    pub(crate) tls_base_url: Option<String>,
    /// The org as loaded: sObjects, namespace, and the metadata as it was at start.
    pub(crate) org: Org,
    /// The metadata served now: what deploys changed (see `components`).
    served: RwLock<Vec<Component>>,
    pub(crate) retrieves: Mutex<BTreeMap<String, retrieve::Job>>,
    pub(crate) deploys: Mutex<BTreeMap<String, deploy::Job>>,
    session: Mutex<Session>,
    calls: Mutex<BTreeMap<String, u64>>,
    names_per_read: Mutex<Vec<usize>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    api_usage: AtomicU64,
    responses: AtomicU64,
    rng: Mutex<fastrand::Rng>,
    pub(crate) cursors: Mutex<rest::Cursors>,
}

impl Shared {
    /// The metadata components the org serves now (list, read, retrieve).
    pub(crate) fn components(&self) -> RwLockReadGuard<'_, Vec<Component>> {
        self.served.read().unwrap_or_else(|e| e.into_inner())
    }

    /// For a deploy: held while it checks and applies, so it is all or nothing.
    pub(crate) fn components_mut(&self) -> RwLockWriteGuard<'_, Vec<Component>> {
        self.served.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn count(&self, kind: &str) {
        *self
            .calls
            .lock()
            .unwrap()
            .entry(kind.to_string())
            .or_default() += 1;
    }

    /// The quirks configured for one component.
    pub(crate) fn quirks(&self, ty: &str, name: &str) -> Vec<&Quirk> {
        let key = format!("{ty} {name}");
        self.cfg
            .quirks
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, q)| q)
            .collect()
    }

    /// What the echo switches echo for `presented`: it and every `echo_also`, each in
    /// every form.
    pub(crate) fn echoes(&self, presented: &str) -> String {
        std::iter::once(presented)
            .chain(self.cfg.echo_also.iter().map(String::as_str))
            .map(echo::spellings)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn record_read(&self, names: usize) {
        self.names_per_read.lock().unwrap().push(names);
    }

    /// Counts one API call towards the daily usage; returns the new usage.
    pub(crate) fn use_api(&self) -> u64 {
        self.api_usage.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) fn limit_info(&self) -> String {
        format!(
            "api-usage={}/{}",
            self.api_usage.load(Ordering::SeqCst),
            config::DAILY_LIMIT
        )
    }

    /// Checks a presented session token and counts the call against it. After
    /// `expire_session_after` calls the token is replaced by one nobody knows.
    pub(crate) fn authorize(&self, presented: Option<&str>) -> bool {
        let mut s = self.session.lock().unwrap();
        if presented != Some(s.current.as_str()) {
            drop(s);
            self.count("invalid_session");
            return false;
        }
        s.uses += 1;
        if let Some(max) = self.cfg.expire_session_after {
            if s.uses > max {
                let nonce = self.rng.lock().unwrap().u64(..);
                s.current = format!("{}!AQoAQExpiredByFakeOrg{nonce:016x}", self.cfg.org_id);
                s.uses = 0;
                drop(s);
                self.count("invalid_session");
                return false;
            }
        }
        true
    }

    /// Issues a new access token (refresh grant); the old one stops working.
    pub(crate) fn issue_token(&self) -> String {
        let mut s = self.session.lock().unwrap();
        s.issued += 1;
        s.current = format!(
            "{}!AQoAQFakeRefreshedAccessToken{:04}",
            self.cfg.org_id, s.issued
        );
        s.uses = 0;
        s.current.clone()
    }

    fn draw_fault(&self) -> Option<Fault> {
        if self.cfg.fault_rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap();
        if rng.f64() >= self.cfg.fault_rate {
            return None;
        }
        let alt = rng.bool();
        Some(match rng.u8(0..5) {
            0 => Fault::Unavailable503 { html: alt },
            1 => Fault::ServerUnavailable,
            2 => Fault::RetryAfter {
                status: if alt {
                    StatusCode::TOO_MANY_REQUESTS
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                },
                seconds: u8::from(rng.bool()),
            },
            3 => Fault::ConcurrentLimit,
            _ => Fault::DropConnection,
        })
    }
}

/// The transient faults the org injects.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// HTTP 503 with an HTML page (like a load balancer) or an empty body.
    Unavailable503 { html: bool },
    /// SOAP: HTTP 500 `sf:SERVER_UNAVAILABLE`; REST: 503 JSON `SERVER_UNAVAILABLE`.
    ServerUnavailable,
    /// 429 or 503 with `Retry-After: 0|1`.
    RetryAfter { status: StatusCode, seconds: u8 },
    /// SOAP: HTTP 500 `sf:REQUEST_LIMIT_EXCEEDED`; REST: 403 JSON, ConcurrentRequests.
    ConcurrentLimit,
    /// The connection is closed without a response.
    DropConnection,
}

const CONCURRENT_LIMIT: &str = "ConcurrentRequests (Concurrent API Requests) Limit exceeded.";

fn fault_response(fault: Fault, is_soap: bool) -> Response<Body> {
    match fault {
        Fault::Unavailable503 { html: true } => text_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "text/html;charset=UTF-8",
            "<html><head><title>Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>".into(),
        ),
        Fault::Unavailable503 { html: false } => {
            text_response(StatusCode::SERVICE_UNAVAILABLE, "text/html", String::new())
        }
        Fault::ServerUnavailable if is_soap => soap::fault(
            "sf:SERVER_UNAVAILABLE",
            "SERVER_UNAVAILABLE: Server temporarily unavailable, please try again later.",
        ),
        Fault::ServerUnavailable => rest::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server temporarily unavailable, please try again later.",
        ),
        Fault::RetryAfter { status, seconds } => {
            let mut r = text_response(status, "text/plain", String::new());
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(u32::from(seconds)));
            r
        }
        Fault::ConcurrentLimit if is_soap => soap::fault(
            "sf:REQUEST_LIMIT_EXCEEDED",
            &format!("REQUEST_LIMIT_EXCEEDED: {CONCURRENT_LIMIT}"),
        ),
        Fault::ConcurrentLimit => rest::error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            CONCURRENT_LIMIT,
        ),
        Fault::DropConnection => unreachable!("handled by closing the connection"),
    }
}

pub(crate) fn text_response(
    status: StatusCode,
    content_type: &str,
    body: String,
) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("static response parts are valid")
}

/// Keeps the in-flight count (and its peak) for `max_concurrent`.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(s: &'a Shared) -> Self {
        let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        s.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(s)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

const TOKEN_PATH: &str = "/services/oauth2/token";

/// Every request goes through here: latency, fault injection, routing, truncation.
async fn entry(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<conn::KillHandle>,
    req: Request,
) -> Response<Body> {
    let _in_flight = InFlight::enter(&shared);
    let path = req.uri().path().to_string();
    let is_token = path == TOKEN_PATH;
    let is_soap = path.starts_with("/services/Soap/");
    if !shared.cfg.latency.is_zero() {
        tokio::time::sleep(shared.cfg.latency).await;
    }
    if !is_token {
        if let Some(fault) = shared.draw_fault() {
            shared.count("faults_injected");
            if let Fault::DropConnection = fault {
                conn.kill();
                // Never written: the connection fails on the first write and is closed.
                return text_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    String::new(),
                );
            }
            return fault_response(fault, is_soap);
        }
    }
    let method = req.method().clone();
    // The SOQL of a query and whether it asks for the columns (never a token: those
    // travel in headers, or as `oauth_token`).
    let soql: String = rest::form_decode(req.uri().query().unwrap_or(""))
        .into_iter()
        .filter(|(k, _)| k == "q" || k == "columns")
        .map(|(k, v)| format!(" {k}={v}"))
        .collect();
    let mut resp = route(&shared, req, conn.is_tls()).await;
    if shared.cfg.log_requests {
        eprintln!(
            "fake_org: {method} {path}{soql} -> {}",
            resp.status().as_u16()
        );
    }
    let date = shared
        .cfg
        .now
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(v) = HeaderValue::from_str(&date) {
        resp.headers_mut().insert(header::DATE, v);
    }
    if shared.cfg.truncate_bodies && !is_token {
        let n = shared.responses.fetch_add(1, Ordering::SeqCst);
        if n % 2 == 1 {
            return truncate(resp).await;
        }
    }
    resp
}

async fn truncate(resp: Response<Body>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

/// The org's URL as this request reached it (`Host` and the listener's scheme): what the
/// answers that carry absolute URLs (identity, userinfo) name. Falls back to `base_url`.
fn request_base(shared: &Shared, headers: &axum::http::HeaderMap, tls: bool) -> String {
    match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ', '@']) => {
            format!("{}://{host}", if tls { "https" } else { "http" })
        }
        _ => shared.base_url.clone(),
    }
}

async fn route(shared: &Arc<Shared>, req: Request, tls: bool) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers = req.headers().clone();
    let body = match axum::body::to_bytes(req.into_body(), 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return text_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "text/plain",
                "request body too large".into(),
            )
        }
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let base = request_base(shared, &headers, tls);
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["services", "oauth2", "token"]) => rest::token(shared, &headers, &body),
        ("POST", ["services", "Soap", "m", version, ..]) if segments.len() <= 5 => {
            soap::handle(shared, version, &headers, &body)
        }
        ("GET", ["services", "data"]) => rest::versions(shared),
        ("GET", ["services", "data", version, rest @ ..]) => {
            // A query may aggregate hundreds of thousands of rows: its worker hands its
            // other requests (the latency sleeps of the rest) to the runtime meanwhile, as a
            // real org serves each call on its own.
            tokio::task::block_in_place(|| {
                rest::data(shared, &base, version, rest, &query, &headers)
            })
        }
        ("GET" | "POST", ["services", "oauth2", "userinfo"]) => {
            identity::userinfo(shared, &base, &headers, &query)
        }
        ("GET" | "POST", ["id", org, user]) => {
            identity::identity(shared, &base, org, user, &headers, &query)
        }
        _ => rest::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        ),
    }
}

/// A running fake org. Dropping it shuts the server down.
pub struct FakeOrg {
    pub base_url: String,
    /// The HTTPS URL when `Config::tls` is set.
    pub tls_base_url: Option<String>,
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeOrg {
    /// Starts on 127.0.0.1 with an ephemeral port, on its own thread and runtime.
    /// Panics if the org folder cannot be read or the port cannot be bound.
    pub fn start(cfg: Config) -> FakeOrg {
        Self::start_at(cfg, SocketAddr::from(([127, 0, 0, 1], 0)))
            .unwrap_or_else(|e| panic!("fake org failed to start: {e}"))
    }

    /// Like [`FakeOrg::start`], on a chosen address.
    pub fn start_at(cfg: Config, addr: SocketAddr) -> std::io::Result<FakeOrg> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("fake-org".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match bind(cfg, addr).await {
                        Ok((server, shared, shutdown)) => {
                            let mut stop = shutdown.subscribe();
                            let _ = tx.send(Ok((shared, shutdown)));
                            // Graceful first; a connection still busy 2 s after the
                            // shutdown signal is cut when the runtime is dropped.
                            let deadline = async move {
                                let _ = stop.wait_for(|s| *s).await;
                                tokio::time::sleep(Duration::from_secs(2)).await;
                            };
                            tokio::select! {
                                _ = server => {}
                                _ = deadline => {}
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(200));
            })?;
        let (shared, shutdown) = rx.recv().map_err(|_| {
            std::io::Error::other("fake org thread ended before it was listening")
        })??;
        Ok(FakeOrg {
            base_url: shared.base_url.clone(),
            tls_base_url: shared.tls_base_url.clone(),
            shared,
            shutdown,
            thread: Some(thread),
        })
    }

    /// Starts on the current tokio runtime (used by the example binary).
    pub async fn start_async(cfg: Config, addr: SocketAddr) -> std::io::Result<FakeOrg> {
        let (server, shared, shutdown) = bind(cfg, addr).await?;
        tokio::spawn(server);
        Ok(FakeOrg {
            base_url: shared.base_url.clone(),
            tls_base_url: shared.tls_base_url.clone(),
            shared,
            shutdown,
            thread: None,
        })
    }

    /// Request counts by kind: "listMetadata", "readMetadata", "query", "queryMore",
    /// "versions", "token", "faults_injected", plus "invalid_session" (rejected tokens)
    /// and the name of any other SOAP operation received.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.shared.calls.lock().unwrap().clone()
    }

    /// Number of fullNames in every readMetadata call that passed authentication.
    pub fn names_per_read(&self) -> Vec<usize> {
        self.shared.names_per_read.lock().unwrap().clone()
    }

    /// Peak number of requests in flight at once.
    pub fn max_concurrent(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// The token the org accepts now (after an expiry it is one no client knows).
    pub fn current_token(&self) -> String {
        self.shared.session.lock().unwrap().current.clone()
    }

    /// The current `api-usage` count (starts at 1000).
    pub fn api_usage(&self) -> u64 {
        self.shared.api_usage.load(Ordering::SeqCst)
    }

    /// The org as loaded from the folder.
    pub fn org(&self) -> &Org {
        &self.shared.org
    }

    /// The metadata the org serves now: as loaded, changed by the deploys since.
    pub fn components(&self) -> Vec<Component> {
        self.shared.components().clone()
    }
}

impl Drop for FakeOrg {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type ServerFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

async fn bind(
    cfg: Config,
    addr: SocketAddr,
) -> std::io::Result<(ServerFuture, Arc<Shared>, tokio::sync::watch::Sender<bool>)> {
    let org = Org::load(&cfg).map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let base_url = format!("http://{local}");
    let tls = match &cfg.tls {
        Some(t) => {
            let acceptor = conn::tls_acceptor(&t.cert_pem, &t.key_pem)?;
            let l = tokio::net::TcpListener::bind(t.addr).await?;
            let url = format!("https://{}", l.local_addr()?);
            Some((conn::KillableListener::tls(l, acceptor), url))
        }
        None => None,
    };
    let tls_base_url = tls.as_ref().map(|(_, u)| u.clone());
    let shared = Arc::new(Shared {
        session: Mutex::new(Session {
            current: cfg.access_token.clone(),
            uses: 0,
            issued: 0,
        }),
        rng: Mutex::new(fastrand::Rng::with_seed(cfg.seed)),
        cfg,
        base_url,
        tls_base_url,
        served: RwLock::new(org.components.clone()),
        org,
        retrieves: Mutex::new(BTreeMap::new()),
        deploys: Mutex::new(BTreeMap::new()),
        calls: Mutex::new(BTreeMap::new()),
        names_per_read: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        api_usage: AtomicU64::new(1000),
        responses: AtomicU64::new(0),
        cursors: Mutex::new(rest::Cursors::default()),
    });
    let (shutdown, _) = tokio::sync::watch::channel(false);
    let mut stop = shutdown.subscribe();
    let app = axum::Router::new()
        .fallback(entry)
        .with_state(shared.clone())
        .into_make_service_with_connect_info::<conn::KillHandle>();
    let mut stop_tls = shutdown.subscribe();
    let plain = axum::serve(conn::KillableListener::plain(listener), app.clone())
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        });
    let server: ServerFuture = match tls {
        None => Box::pin(async move {
            let _ = plain.await;
        }),
        Some((listener, _)) => {
            let secure = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stop_tls.wait_for(|s| *s).await;
            });
            Box::pin(async move {
                let _ = tokio::join!(plain, secure);
            })
        }
    };
    Ok((server, shared, shutdown))
}
