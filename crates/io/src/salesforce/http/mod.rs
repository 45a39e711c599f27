//! The HTTP side of a live audit: one client, bounded concurrency, bounded retries,
//! bounded bodies, one session that can be renewed, and a count of what was spent.
//!
//! Transient failures (HTTP 5xx and 429, connection failures, timeouts, SOAP
//! `SERVER_UNAVAILABLE`, `REQUEST_LIMIT_EXCEEDED` for concurrent requests) are retried
//! with exponential backoff and jitter, honouring `Retry-After`. Everything else fails
//! the call at once; the caller turns that into a `Problem`. An expired session
//! (`INVALID_SESSION_ID`, REST 401) is renewed through the refresh token when there is
//! one, and the call is repeated.

use super::auth::{Credentials, RefreshGrant, Resolved};
use super::calls::{ApiUsage, CallKind};
use super::{rest, soap};
use crate::secrets::Secret;
use crate::xml::Element;
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Whether a call needs the session: `/services/data` (versions) and the token endpoint
/// do not, so their success proves nothing about it.
fn needs_session(kind: &CallKind) -> bool {
    match kind {
        CallKind::Token | CallKind::Versions => false,
        CallKind::ListMetadata
        | CallKind::ReadMetadata
        | CallKind::Query
        | CallKind::QueryMore
        | CallKind::CheckDeployStatus => true,
    }
}

/// One `info` record per API call attempt goes to the `log` facade under this target;
/// the binary shows them with `--verbose`. The library prints nothing itself.
pub const LOG_TARGET: &str = "pkce_audit::api";

fn verbose() -> bool {
    log::log_enabled!(target: LOG_TARGET, log::Level::Info)
}

/// Bounds on the network side of a fetch.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// One request, body included.
    pub request_timeout: Duration,
    /// Largest REST answer read (a query page, an error); anything larger fails the call.
    /// A page holds at most 2,000 records of a few hundred bytes each for the queries
    /// pkce-audit makes, well under 2 MiB.
    pub max_body: usize,
    /// Largest Metadata API (SOAP) answer read. `readMetadata` of ten Connected Apps,
    /// certificates and sixteen callback URLs included, is a few hundred KB; an 8 MiB
    /// `listMetadata` answer holds some 14,000 components (about 600 bytes each).
    pub max_soap_body: usize,
    /// Retries of one call after transient failures.
    pub max_retries: u32,
    /// First backoff; doubles per retry, with jitter.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
    /// Query result pages followed.
    pub max_pages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(120),
            max_body: 8 * 1024 * 1024,
            max_soap_body: 8 * 1024 * 1024,
            max_retries: 5,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
            max_pages: 50,
        }
    }
}

/// Why a call failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// A SOAP fault or REST error with its exception code.
    #[error("{code}: {message}")]
    Fault { code: String, message: String },
    #[error("HTTP {status}{detail}")]
    Http { status: u16, detail: String },
    /// No HTTP answer: DNS, refused, TLS, timeout, each naming the host.
    #[error("{0}")]
    Transport(Unanswered),
    #[error("the response is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the response was cut short ({0})")]
    Truncated(String),
    #[error("{0}")]
    Malformed(String),
    #[error(
        "the org answered with a redirect to {0}; use the org's My Domain URL as the instance URL"
    )]
    Redirect(String),
    /// The session was rejected and cannot be renewed: fatal for the whole fetch.
    #[error("{code}: {message}")]
    Session { code: String, message: String },
    /// The token endpoint refused the refresh token: fatal.
    #[error("{0}")]
    Refresh(String),
}

impl CallError {
    /// Nothing else can succeed after this one.
    pub fn is_fatal(&self) -> bool {
        matches!(self, CallError::Session { .. } | CallError::Refresh(_))
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Fault { code, .. } | CallError::Session { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The error with `f` applied to every text in it, the codes included (a server
    /// chooses those too).
    fn map_text(self, f: impl Fn(String) -> String) -> Self {
        match self {
            CallError::Fault { code, message } => CallError::Fault {
                code: f(code),
                message: f(message),
            },
            CallError::Session { code, message } => CallError::Session {
                code: f(code),
                message: f(message),
            },
            CallError::Http { status, detail } => CallError::Http {
                status,
                detail: f(detail),
            },
            CallError::Transport(u) => CallError::Transport(u.map_text(f)),
            CallError::Truncated(s) => CallError::Truncated(f(s)),
            CallError::Malformed(s) => CallError::Malformed(f(s)),
            CallError::Redirect(s) => CallError::Redirect(f(s)),
            CallError::Refresh(s) => CallError::Refresh(f(s)),
            e @ CallError::TooLarge { .. } => e,
        }
    }
}

/// What one attempt came to.
pub(crate) enum Attempt<T> {
    Done(T),
    /// Transient: try again, after at least the `Retry-After` if one was sent.
    Retry(CallError, Option<Duration>),
    /// The session is no longer valid: renew it, then try again.
    Expired(CallError),
    Fail(CallError),
}

/// A response read within the limits.
pub(crate) struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

struct TokenState {
    generation: u64,
    token: Secret,
    /// Refresh-token exchanges done: the first login and at most one renewal.
    exchanges: u32,
}

const MAX_EXCHANGES: u32 = 2;

/// Answers without records (API versions, the token endpoint) are a few KB.
const SMALL_BODY: usize = 1024 * 1024;
/// Error bodies larger than this are not parsed, only quoted (scrubbed, cut short).
const MAX_ERROR_BODY: usize = 64 * 1024;

pub(crate) struct Api {
    http: reqwest::Client,
    pub instance_url: String,
    /// `--concurrency` permits: a call holds one from its request until its answer is
    /// parsed, so at most that many bodies are in memory at once.
    sem: Semaphore,
    /// Parsing runs off the async workers (so `--timeout` fires whatever a body holds),
    /// one parse at a time: at most one element tree is being built at once.
    parse: Semaphore,
    token: Mutex<TokenState>,
    renewing: tokio::sync::Mutex<()>,
    grant: Option<RefreshGrant>,
    usage: Mutex<ApiUsage>,
    pub limits: Limits,
    /// An authenticated call has succeeded: from then on a lost session is partial
    /// data (named problems), no longer a failed login.
    authenticated_once: std::sync::atomic::AtomicBool,
}

fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    super::auth::one_line(&text)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Characters of a body quoted in an error message.
const SNIPPET_CHARS: usize = crate::secrets::EXCERPT_CHARS;
/// Characters of any one text of a call error (a fault message, a redirect target): room
/// for a snippet and the words around it, never a whole body.
const ERROR_TEXT_CHARS: usize = SNIPPET_CHARS + 100;

/// The first characters of a body, for an error message: secrets are removed from a
/// window longer than the snippet *before* it is cut (a cut could leave part of one that
/// no longer matches), so a bounded excerpt is all an error ever quotes.
fn snippet(body: &[u8]) -> String {
    // Every byte of a secret may take six in an escaped spelling.
    let window = SNIPPET_CHARS * 4 + crate::secrets::scrubber().longest() * 6;
    let text = String::from_utf8_lossy(&body[..body.len().min(window)]);
    let mut cut = crate::secrets::excerpt(&text, SNIPPET_CHARS);
    if body.len() > window && !cut.ends_with(" …") {
        cut.push_str(" …");
    }
    if cut.is_empty() {
        String::new()
    } else {
        format!(": {cut}")
    }
}

/// Why the token endpoint refused a refresh token. Never its body, not even the
/// `error_description`: a token endpoint may echo the refresh token or the client secret
/// there. Only the OAuth `error` code (RFC 6749 §5.2: `invalid_grant`, `invalid_client`,
/// ...), and only when it is one short lower-case word; else the HTTP status.
fn refusal(status: u16, body: &[u8]) -> String {
    let body = &body[..body.len().min(MAX_ERROR_BODY)];
    rest::parse_error(body)
        .map(|(code, _)| code)
        .filter(|c| {
            (1..=40).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .unwrap_or_else(|| format!("HTTP {status}"))
}

/// Transient HTTP statuses are retried; 401 means the session is gone. `detail` is a
/// [`snippet`] of the body, or empty.
fn by_status<T>(status: u16, headers: &HeaderMap, detail: String) -> Attempt<T> {
    let err = CallError::Http { status, detail };
    match status {
        401 => Attempt::Expired(err),
        429 | 500..=599 => Attempt::Retry(err, retry_after(headers)),
        _ => Attempt::Fail(err),
    }
}

/// Exception codes are documented; the message distinguishes the two
/// `REQUEST_LIMIT_EXCEEDED`s (concurrent requests pass, the daily total does not).
fn by_code<T>(code: String, message: String, retry: Option<Duration>) -> Attempt<T> {
    match code.as_str() {
        "INVALID_SESSION_ID" => Attempt::Expired(CallError::Session { code, message }),
        "SERVER_UNAVAILABLE" => Attempt::Retry(CallError::Fault { code, message }, retry),
        "REQUEST_LIMIT_EXCEEDED" if message.to_ascii_lowercase().contains("concurrent") => {
            Attempt::Retry(CallError::Fault { code, message }, retry)
        }
        _ => Attempt::Fail(CallError::Fault { code, message }),
    }
}

impl Api {
    pub fn new(resolved: &Resolved, concurrency: usize, limits: Limits) -> Result<Api, String> {
        let host = reqwest::Url::parse(&resolved.instance_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            // A followed 307 would re-post the envelope, token included, to another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("pkce-audit/", env!("CARGO_PKG_VERSION")));
        if super::auth::is_loopback_connection_host(&host) {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| describe(&e))?;
        let (token, grant) = match &resolved.credentials {
            Credentials::Token(t) => (t.clone(), None),
            Credentials::Refresh(g) => (Secret::default(), Some(g.clone())),
        };
        Ok(Api {
            http,
            instance_url: resolved.instance_url.clone(),
            sem: Semaphore::new(concurrency.max(1)),
            parse: Semaphore::new(1),
            token: Mutex::new(TokenState {
                generation: 0,
                token,
                exchanges: 0,
            }),
            renewing: tokio::sync::Mutex::new(()),
            grant,
            usage: Mutex::new(ApiUsage::default()),
            limits,
            authenticated_once: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether this error ends the whole fetch. A rejected session ends it only before
    /// anything was read (a failed login); afterwards each call fails on its own.
    pub fn stops_fetch(&self, e: &CallError) -> bool {
        e.is_fatal()
            && !self
                .authenticated_once
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn needs_login(&self) -> bool {
        self.grant.is_some() && self.token.lock().expect("not poisoned").token.is_empty()
    }

    pub fn current_token(&self) -> Secret {
        self.token.lock().expect("not poisoned").token.clone()
    }

    pub fn usage(&self) -> ApiUsage {
        self.usage.lock().expect("not poisoned").clone()
    }

    /// `text` without any secret of the run, on one line and bounded
    /// ([`crate::secrets::excerpt`]): a server may echo one, in whatever form.
    pub(crate) fn scrub(&self, text: String) -> String {
        crate::secrets::excerpt(&text, ERROR_TEXT_CHARS)
    }

    /// The error with every secret removed from its texts, each cut to a bounded excerpt.
    fn scrubbed(&self, e: CallError) -> CallError {
        e.map_text(|t| self.scrub(t))
    }

    fn snippet(&self, body: &[u8]) -> String {
        snippet(body)
    }

    fn note_usage(&self, used_limit: Option<(u64, u64)>) {
        if let Some((used, limit)) = used_limit {
            let mut u = self.usage.lock().expect("not poisoned");
            // Answers arrive out of order; the highest count is the latest.
            if u.org_api_used.is_none_or(|prev| used >= prev) {
                u.org_api_used = Some(used);
                u.org_api_limit = Some(limit);
            }
        }
    }

    fn backoff(&self, retry: u32, after: Option<Duration>) -> Duration {
        let exp = self
            .limits
            .backoff_base
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16))
            .min(self.limits.backoff_cap);
        let half = exp.as_millis() as u64 / 2;
        let jittered = Duration::from_millis(half + fastrand::u64(0..=half));
        match after {
            Some(a) => a.min(self.limits.retry_after_cap).max(jittered),
            None => jittered,
        }
    }

    /// Runs CPU work (parsing a body) on the blocking pool, one at a time, so that the
    /// async workers stay free and the `--timeout` deadline can fire during it.
    async fn off_thread<R: Send + 'static>(&self, work: impl FnOnce() -> R + Send + 'static) -> R {
        let _permit = self
            .parse
            .acquire()
            .await
            .expect("the semaphore is never closed");
        match tokio::task::spawn_blocking(work).await {
            Ok(r) => r,
            Err(e) => match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Cancelled: the runtime is shutting down, and this call with it.
                Err(_) => std::future::pending().await,
            },
        }
    }

    /// Sends a request and reads the body within `max` bytes. `Err(Retry|Fail)` only.
    async fn execute(
        &self,
        request: reqwest::RequestBuilder,
        max: usize,
    ) -> Result<Raw, Attempt<Raw>> {
        let mut resp = request.send().await.map_err(|e| {
            let unanswered = CallError::Transport(Unanswered::of(&e));
            if e.is_builder() {
                Attempt::Fail(unanswered)
            } else {
                // Connection refused, reset or closed, timeouts: worth another try.
                Attempt::Retry(unanswered, None)
            }
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if resp.status().is_redirection() {
            let to = headers
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("another address")
                .to_string();
            return Err(Attempt::Fail(CallError::Redirect(to)));
        }
        if resp.content_length().is_some_and(|l| l > max as u64) {
            return Err(Attempt::Fail(CallError::TooLarge { limit: max }));
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(1 << 20) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let need = body.len() + chunk.len();
                    if need > max {
                        return Err(Attempt::Fail(CallError::TooLarge { limit: max }));
                    }
                    if need > body.capacity() {
                        // Doubling, but never past the cap.
                        let want = (body.capacity() * 2).clamp(need, max);
                        body.reserve_exact(want - body.len());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.is_timeout() => {
                    return Err(Attempt::Retry(
                        CallError::Transport(Unanswered::of(&e)),
                        None,
                    ))
                }
                Err(e) => return Err(Attempt::Fail(CallError::Truncated(describe(&e)))),
            }
        }
        if let Some(info) = headers
            .get("sforce-limit-info")
            .and_then(|h| h.to_str().ok())
            .and_then(rest::parse_limit_info)
        {
            self.note_usage(Some(info));
        }
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    /// Makes one call: `build` makes the request with the current token, `interpret`
    /// decides what the answer means. `kind` names the call in the usage report; answers
    /// over `max_body` bytes fail it. The call holds its `--concurrency` permit until its
    /// answer is interpreted, so bodies waiting to be parsed do not pile up.
    pub async fn call<T, Fut>(
        &self,
        kind: CallKind,
        max_body: usize,
        build: impl Fn(&Secret) -> reqwest::RequestBuilder,
        interpret: impl Fn(Raw) -> Fut,
    ) -> Result<T, CallError>
    where
        Fut: Future<Output = Attempt<T>>,
    {
        let mut retries = 0;
        loop {
            let (generation, token) = {
                let t = self.token.lock().expect("not poisoned");
                (t.generation, t.token.clone())
            };
            let attempt = {
                let _permit = self
                    .sem
                    .acquire()
                    .await
                    .expect("the semaphore is never closed");
                *self
                    .usage
                    .lock()
                    .expect("not poisoned")
                    .calls
                    .entry(kind)
                    .or_default() += 1;
                let started = std::time::Instant::now();
                let outcome = self.execute(build(&token), max_body).await;
                if verbose() {
                    // Only the kind, the status and the time: never a header or a body.
                    let what = match &outcome {
                        Ok(raw) | Err(Attempt::Done(raw)) => format!("HTTP {}", raw.status),
                        Err(Attempt::Retry(e, _) | Attempt::Expired(e) | Attempt::Fail(e)) => {
                            self.scrub(e.to_string())
                        }
                    };
                    log::info!(
                        target: LOG_TARGET,
                        "api {kind}: {what} in {} ms{}",
                        started.elapsed().as_millis(),
                        if retries > 0 {
                            format!(" (retry {retries})")
                        } else {
                            String::new()
                        }
                    );
                }
                match outcome {
                    Ok(raw) | Err(Attempt::Done(raw)) => interpret(raw).await,
                    Err(Attempt::Retry(e, d)) => Attempt::Retry(e, d),
                    Err(Attempt::Expired(e)) => Attempt::Expired(e),
                    Err(Attempt::Fail(e)) => Attempt::Fail(e),
                }
            };
            if verbose() {
                match &attempt {
                    Attempt::Done(_) => {}
                    Attempt::Retry(e, _) => log::info!(
                        target: LOG_TARGET,
                        "api {kind}: will retry: {}",
                        self.scrub(e.to_string())
                    ),
                    Attempt::Expired(_) => {
                        log::info!(target: LOG_TARGET, "api {kind}: session expired; renewing")
                    }
                    Attempt::Fail(e) => log::info!(
                        target: LOG_TARGET,
                        "api {kind}: failed: {}",
                        self.scrub(e.to_string())
                    ),
                }
            }
            match attempt {
                Attempt::Done(v) => {
                    // /services/data and the token endpoint need no session.
                    if needs_session(&kind) {
                        self.authenticated_once
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    return Ok(v);
                }
                Attempt::Fail(e) => return Err(self.scrubbed(e)),
                Attempt::Expired(e) => {
                    // Boxed: renewing makes a call of its own (the token endpoint).
                    Box::pin(self.renew(generation, self.scrubbed(e))).await?;
                }
                Attempt::Retry(e, after) => {
                    if retries >= self.limits.max_retries {
                        return Err(self.scrubbed(e));
                    }
                    retries += 1;
                    self.usage.lock().expect("not poisoned").retries += 1;
                    tokio::time::sleep(self.backoff(retries, after)).await;
                }
            }
        }
    }
}

mod endpoints;
mod transport;
#[cfg(test)]
use endpoints::server_date;
pub use endpoints::QueryRun;
pub use transport::{Failure, Unanswered};

#[cfg(test)]
mod tests;
