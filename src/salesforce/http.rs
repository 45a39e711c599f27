//! The HTTP side of a live audit: one client, bounded concurrency, bounded retries,
//! bounded bodies, one session that can be renewed, and a count of what was spent.
//!
//! Transient failures (HTTP 5xx and 429, connection failures, timeouts, SOAP
//! `SERVER_UNAVAILABLE`, `REQUEST_LIMIT_EXCEEDED` for concurrent requests) are retried
//! with exponential backoff and jitter, honouring `Retry-After`. Everything else fails
//! the call at once; the caller turns that into a `Problem`. An expired session
//! (`INVALID_SESSION_ID`, REST 401) is renewed through the refresh token when there is
//! one, and the call is repeated.

use super::auth::{Credentials, RefreshGrant, Resolved, Secret};
use super::calls::ApiUsage;
use super::scrub::Scrubber;
use super::{rest, soap};
use crate::xml::Element;
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

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
    #[error("{0}")]
    Transport(String),
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
            CallError::Transport(s) => CallError::Transport(f(s)),
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
    /// Every token used before this one: a server may echo an old one.
    earlier: Vec<Secret>,
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
const SNIPPET_CHARS: usize = 200;

/// The first characters of a body, for an error message: credentials are removed from a
/// window longer than the snippet *before* it is cut (a cut could leave part of one that
/// no longer matches), and again after (a prefix the server itself cut short).
fn snippet(body: &[u8], scrubber: &Scrubber) -> String {
    // Every byte of a credential may take six in an escaped spelling.
    let window = SNIPPET_CHARS * 4 + scrubber.longest() * 6;
    let text = String::from_utf8_lossy(&body[..body.len().min(window)]);
    let text = scrubber.apply(&super::auth::one_line(&text));
    let mut cut: String = text.chars().take(SNIPPET_CHARS).collect();
    if cut.len() < text.len() || body.len() > window {
        cut.push_str(" …");
    }
    let cut = scrubber.apply(&cut);
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
        if super::auth::is_loopback_host(&host) {
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
                earlier: Vec::new(),
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

    /// Every credential of this connection (tokens used so far, the refresh token and
    /// client secret), ready to be removed from text a server sent.
    pub(crate) fn scrubber(&self) -> Scrubber {
        let tokens: Vec<Secret> = {
            let t = self.token.lock().expect("not poisoned");
            t.earlier
                .iter()
                .chain(std::iter::once(&t.token))
                .cloned()
                .collect()
        };
        let grant = self
            .grant
            .iter()
            .flat_map(|g| [g.refresh_token.expose(), g.client_secret.expose()]);
        Scrubber::new(tokens.iter().map(Secret::expose).chain(grant))
    }

    /// Replaces every credential in a message with `***`, in case a server echoes one, in
    /// whatever spelling ([`Scrubber`]).
    pub(crate) fn scrub(&self, text: String) -> String {
        self.scrubber().apply(&text)
    }

    /// The error with every credential removed from its texts.
    fn scrubbed(&self, e: CallError) -> CallError {
        let scrubber = self.scrubber();
        e.map_text(|t| scrubber.apply(&t))
    }

    fn snippet(&self, body: &[u8]) -> String {
        snippet(body, &self.scrubber())
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
            let text = describe(&e);
            if e.is_builder() {
                Attempt::Fail(CallError::Transport(text))
            } else {
                // Connection refused, reset or closed, timeouts: worth another try.
                Attempt::Retry(CallError::Transport(text), None)
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
                        CallError::Transport(format!(
                            "timed out reading the response: {}",
                            describe(&e)
                        )),
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
        kind: &str,
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
                    .entry(kind.to_string())
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
                    if kind != "versions" && kind != "token" {
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

    /// The first exchange of the auth URL's refresh token.
    pub async fn login(&self) -> Result<(), CallError> {
        self.renew(0, CallError::Refresh("no refresh token".into()))
            .await
    }

    /// Gets a new access token after `failed_generation` was rejected. Concurrent
    /// callers share one exchange: whoever comes second finds the generation moved on.
    pub async fn renew(&self, failed_generation: u64, cause: CallError) -> Result<(), CallError> {
        let _one_at_a_time = self.renewing.lock().await;
        {
            let t = self.token.lock().expect("not poisoned");
            if t.generation != failed_generation {
                return Ok(());
            }
            if self.grant.is_none() || t.exchanges >= MAX_EXCHANGES {
                return Err(match cause {
                    CallError::Http { status, detail } => CallError::Session {
                        code: format!("HTTP {status}"),
                        message: detail.trim_start_matches(": ").to_string(),
                    },
                    CallError::Fault { code, message } | CallError::Session { code, message } => {
                        CallError::Session { code, message }
                    }
                    other => CallError::Session {
                        code: "INVALID_SESSION_ID".into(),
                        message: other.to_string(),
                    },
                });
            }
        }
        let token = self.exchange().await?;
        let mut t = self.token.lock().expect("not poisoned");
        t.generation += 1;
        t.exchanges += 1;
        let old = std::mem::replace(&mut t.token, token);
        if !old.is_empty() {
            t.earlier.push(old);
        }
        Ok(())
    }

    /// `POST /services/oauth2/token` with the refresh token of the auth URL.
    async fn exchange(&self) -> Result<Secret, CallError> {
        let grant = self.grant.as_ref().expect("checked by renew");
        let url = format!("{}/services/oauth2/token", self.instance_url);
        let build = |_: &Secret| {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", grant.client_id.as_str()),
                ("refresh_token", grant.refresh_token.expose()),
            ];
            if !grant.client_secret.is_empty() {
                form.push(("client_secret", grant.client_secret.expose()));
            }
            self.http
                .post(&url)
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
        };
        let interpret = |raw: Raw| async move {
            if raw.status == 200 {
                return match serde_json::from_slice::<rest::TokenAnswer>(&raw.body) {
                    Ok(a) if !a.access_token.is_empty() => {
                        Attempt::Done(Secret::new(a.access_token))
                    }
                    _ => Attempt::Fail(CallError::Malformed(
                        "the token endpoint's answer has no access_token".into(),
                    )),
                };
            }
            if raw.status == 429 || raw.status >= 500 {
                return by_status(raw.status, &raw.headers, String::new());
            }
            Attempt::Fail(CallError::Refresh(refusal(raw.status, &raw.body)))
        };
        match self.call("token", SMALL_BODY, build, interpret).await {
            Ok(t) => Ok(t),
            Err(e @ CallError::Refresh(_)) => Err(e),
            Err(other) => Err(CallError::Refresh(other.to_string())),
        }
    }

    /// `GET /services/data`: needs no session, so it can run beside the first login.
    /// Every API version the org offers, oldest first (`GET /services/data`).
    pub async fn versions(&self) -> Result<Vec<(u32, u32)>, CallError> {
        let url = format!("{}/services/data", self.instance_url);
        self.call(
            "versions",
            SMALL_BODY,
            |_| {
                self.http
                    .get(&url)
                    .header(reqwest::header::ACCEPT, "application/json")
            },
            |raw| async move {
                if raw.status != 200 {
                    return by_status(raw.status, &raw.headers, self.snippet(&raw.body));
                }
                match rest::versions(&raw.body) {
                    Ok(v) if !v.is_empty() => Attempt::Done(v),
                    Ok(_) => {
                        Attempt::Fail(CallError::Malformed("the org lists no API versions".into()))
                    }
                    Err(e) => Attempt::Fail(CallError::Malformed(e)),
                }
            },
        )
        .await
    }

    async fn soap_attempt(&self, raw: Raw) -> Attempt<Element> {
        let Raw {
            status,
            headers,
            body,
        } = raw;
        let (parsed, body) = self
            .off_thread(move || (soap::parse_answer(&body), body))
            .await;
        match parsed {
            Ok(soap::Answer::Response { body, api_usage }) if status == 200 => {
                self.note_usage(api_usage);
                Attempt::Done(body)
            }
            Ok(soap::Answer::Fault { code, message }) => {
                by_code(code, message, retry_after(&headers))
            }
            Ok(soap::Answer::Response { .. }) => by_status(status, &headers, String::new()),
            // A complete 200 answer that does not parse will not parse next time either.
            Err(e) if status == 200 => Attempt::Fail(CallError::Malformed(e)),
            Err(_) => by_status(status, &headers, self.snippet(&body)),
        }
    }

    async fn soap(
        &self,
        kind: &str,
        api_version: &str,
        envelope: impl Fn(&Secret) -> String,
    ) -> Result<Element, CallError> {
        let url = soap::endpoint(&self.instance_url, api_version);
        self.call(
            kind,
            self.limits.max_soap_body,
            |token| {
                self.http
                    .post(&url)
                    .header(CONTENT_TYPE, "text/xml; charset=UTF-8")
                    .header("SOAPAction", "\"\"")
                    .body(envelope(token))
            },
            |raw| self.soap_attempt(raw),
        )
        .await
    }

    pub async fn list_metadata(
        &self,
        api_version: &str,
        types: &[&str],
    ) -> Result<Vec<soap::Listed>, CallError> {
        let body = self
            .soap("listMetadata", api_version, |t| {
                soap::list_metadata(t, types, api_version)
            })
            .await?;
        // Element names in the message come from the server.
        soap::parse_list(&body).map_err(|e| self.scrubbed(CallError::Malformed(e)))
    }

    pub async fn read_metadata(
        &self,
        api_version: &str,
        ty: &str,
        names: &[String],
    ) -> Result<Vec<Option<Element>>, CallError> {
        let body = self
            .soap("readMetadata", api_version, |t| {
                soap::read_metadata(t, ty, names)
            })
            .await?;
        soap::parse_read(body).map_err(|e| self.scrubbed(CallError::Malformed(e)))
    }

    fn rest_attempt(&self, raw: Raw) -> Attempt<Vec<u8>> {
        if raw.status == 200 {
            return Attempt::Done(raw.body);
        }
        let error = (raw.body.len() <= MAX_ERROR_BODY)
            .then(|| rest::parse_error(&raw.body))
            .flatten();
        match error {
            Some((code, message)) if raw.status != 401 => {
                match by_code(code, message, retry_after(&raw.headers)) {
                    Attempt::Fail(e) if raw.status == 429 || raw.status >= 500 => {
                        Attempt::Retry(e, retry_after(&raw.headers))
                    }
                    other => other,
                }
            }
            Some((code, message)) => Attempt::Expired(CallError::Session { code, message }),
            None => by_status(raw.status, &raw.headers, self.snippet(&raw.body)),
        }
    }

    /// A SOQL query, following `nextRecordsUrl` up to `max_pages` pages.
    pub async fn query(
        &self,
        api_version: &str,
        soql: &str,
    ) -> Result<Vec<serde_json::Value>, CallError> {
        let mut records = Vec::new();
        // Enough for any query pkce-audit pages whole (the Organization has one row).
        let most = rest::MAX_PAGE_RECORDS;
        let run = self
            .query_each(api_version, soql, false, self.limits.max_pages, |page| {
                records.extend(page);
                records.len() <= most
            })
            .await?;
        if records.len() > most {
            return Err(CallError::Malformed(format!(
                "the query returned more than {most} rows"
            )));
        }
        if !run.done {
            return Err(CallError::Malformed(format!(
                "the query result has more than {} pages",
                self.limits.max_pages
            )));
        }
        Ok(records)
    }

    /// A SOQL query on the REST (or, with `tooling`, the Tooling) API, page by page:
    /// `page` gets each page's records and returns whether to read on. Stops when the
    /// server says done, when `page` says stop, or after `max_pages` pages.
    pub async fn query_each(
        &self,
        api_version: &str,
        soql: &str,
        tooling: bool,
        max_pages: usize,
        mut page: impl FnMut(Vec<serde_json::Value>) -> bool,
    ) -> Result<QueryRun, CallError> {
        let base = if tooling { "/tooling" } else { "" };
        let mut path = format!("/services/data/v{api_version}{base}/query");
        let mut run = QueryRun::default();
        for n in 0..max_pages {
            let first = n == 0;
            let url = format!("{}{path}", self.instance_url);
            let (answer, date) = self
                .call(
                    if first { "query" } else { "queryMore" },
                    self.limits.max_body,
                    |token| {
                        let r = self
                            .http
                            .get(&url)
                            .bearer_auth(token.expose())
                            .header(reqwest::header::ACCEPT, "application/json");
                        if first {
                            r.query(&[("q", soql)])
                        } else {
                            r
                        }
                    },
                    |raw| async move {
                        let date = server_date(&raw.headers);
                        match self.rest_attempt(raw) {
                            Attempt::Done(body) => {
                                let page =
                                    self.off_thread(move || rest::parse_query_page(&body)).await;
                                match page {
                                    Ok(p) => Attempt::Done((p, date)),
                                    Err(e) => Attempt::Fail(CallError::Malformed(e)),
                                }
                            }
                            Attempt::Retry(e, d) => Attempt::Retry(e, d),
                            Attempt::Expired(e) => Attempt::Expired(e),
                            Attempt::Fail(e) => Attempt::Fail(e),
                        }
                    },
                )
                .await?;
            run.pages += 1;
            if first {
                run.server_date = date;
                run.total_size = answer.total_size;
            }
            run.rows += answer.records.len() as u64;
            let more = match answer.next_records_url.as_deref() {
                Some(next) if !answer.done => Some(
                    rest::next_page_path(next)
                        .ok_or_else(|| {
                            self.scrubbed(CallError::Malformed(format!(
                                "unexpected nextRecordsUrl {next:?}"
                            )))
                        })?
                        .to_string(),
                ),
                _ => None,
            };
            let go_on = page(answer.records);
            match more {
                None => {
                    run.done = true;
                    return Ok(run);
                }
                Some(_) if !go_on => return Ok(run),
                Some(next) => path = next,
            }
        }
        Ok(run)
    }
}

/// What paging one query came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryRun {
    /// Records returned, over all pages read.
    pub rows: u64,
    /// `totalSize` of the first page: what the query matched.
    pub total_size: Option<u64>,
    /// The server said there is nothing more.
    pub done: bool,
    pub pages: u64,
    /// The first answer's `Date` header: the org's clock, for windows such as LAST_N_DAYS.
    pub server_date: Option<chrono::DateTime<chrono::Utc>>,
}

fn server_date(headers: &HeaderMap) -> Option<chrono::DateTime<chrono::Utc>> {
    let v = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    chrono::DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_codes_split_transient_from_permanent() {
        let retry = |c: &str, m: &str| {
            matches!(by_code::<()>(c.into(), m.into(), None), Attempt::Retry(..))
        };
        assert!(retry("SERVER_UNAVAILABLE", "x"));
        assert!(retry(
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded"
        ));
        assert!(retry(
            "REQUEST_LIMIT_EXCEEDED",
            "Too many concurrent requests"
        ));
        assert!(!retry(
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded."
        ));
        assert!(!retry("INVALID_TYPE", "x"));
        assert!(!retry("INSUFFICIENT_ACCESS", "x"));
        assert!(!retry("API_DISABLED_FOR_ORG", "x"));
        assert!(matches!(
            by_code::<()>("INVALID_SESSION_ID".into(), "x".into(), None),
            Attempt::Expired(_)
        ));
    }

    #[test]
    fn server_dates_are_http_dates() {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::DATE,
            "Sat, 21 Nov 2026 00:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            server_date(&h).map(|d| d.to_rfc3339()),
            Some("2026-11-21T00:00:00+00:00".into())
        );
        assert_eq!(server_date(&HeaderMap::new()), None);
    }

    #[test]
    fn statuses() {
        let h = HeaderMap::new();
        let none = String::new;
        assert!(matches!(
            by_status::<()>(503, &h, none()),
            Attempt::Retry(..)
        ));
        assert!(matches!(
            by_status::<()>(429, &h, none()),
            Attempt::Retry(..)
        ));
        assert!(matches!(
            by_status::<()>(401, &h, none()),
            Attempt::Expired(_)
        ));
        assert!(matches!(by_status::<()>(404, &h, none()), Attempt::Fail(_)));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert!(
            matches!(by_status::<()>(503, &h, none()), Attempt::Retry(_, Some(d)) if d == Duration::from_secs(3))
        );
    }

    #[test]
    fn rest_errors() {
        let api = api("00D5g000004XyZ1!AQ4AQsecretpart");
        let raw = |status, body: &str| Raw {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        };
        assert!(matches!(
            api.rest_attempt(raw(
                401,
                r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
            )),
            Attempt::Expired(_)
        ));
        assert!(matches!(
            api.rest_attempt(raw(400, r#"[{"message":"no","errorCode":"INVALID_TYPE"}]"#)),
            Attempt::Fail(CallError::Fault { .. })
        ));
        assert!(matches!(
            api.rest_attempt(raw(503, r#"[{"message":"busy","errorCode":"UNKNOWN"}]"#)),
            Attempt::Retry(..)
        ));
        assert!(matches!(
            api.rest_attempt(raw(502, "<html>")),
            Attempt::Retry(..)
        ));
    }

    fn api(token: &str) -> Api {
        let resolved = Resolved {
            instance_url: "http://127.0.0.1:9".into(),
            credentials: Credentials::Token(Secret::new(token)),
            login_hint: String::new(),
        };
        Api::new(&resolved, 2, Limits::default()).unwrap()
    }

    #[test]
    fn snippets_lose_credentials_before_and_after_the_cut() {
        let token = "00D5g000004XyZ1!AQ4AQsecretpart.With/Slash";
        let api = api(token);
        let encoded = token.replace('!', "%21").replace('/', "%2F");
        // The cut at 200 characters falls inside the token, raw and encoded.
        for at in [190, 195, 199] {
            for form in [token, encoded.as_str()] {
                let body = format!("{}{form} tail", "x".repeat(at));
                let s = api.snippet(body.as_bytes());
                assert!(
                    !s.contains("AQ4AQ") && !s.contains("00D5g000004XyZ1%21"),
                    "{s}"
                );
                assert!(s.starts_with(": xxx") && s.contains('*'), "{s}");
            }
        }
        let long = api.snippet("y".repeat(500).as_bytes());
        assert!(long.ends_with(" …") && long.len() < 210, "{long}");
        // A body the server cut inside the token.
        let s = api.snippet(format!("<html>sid={}", &encoded[..30]).as_bytes());
        assert_eq!(s, ": <html>sid=***");
        // Errors carry no credential in any text, the code included.
        let e = api.scrubbed(CallError::Fault {
            code: "AQ4AQsecretpart".into(),
            message: format!("bad {encoded}"),
        });
        assert_eq!(e.to_string(), "***: bad ***");
    }

    #[test]
    fn a_refused_refresh_token_is_named_by_its_oauth_error_code_only() {
        assert_eq!(
            refusal(400, br#"{"error":"invalid_grant","error_description":"expired access/refresh token 5Aep861xyz"}"#),
            "invalid_grant"
        );
        // Anything but one short lower-case word is not quoted.
        for body in [
            &br#"{"error":"5Aep861.Refresh/Token","error_description":"x"}"#[..],
            br#"{"error":"invalid grant 5Aep861"}"#,
            br#"{"error":"INVALID_GRANT"}"#,
            b"<html>refresh_token=5Aep861</html>",
            b"",
        ] {
            assert_eq!(refusal(400, body), "HTTP 400");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let api = api("t");
        for _ in 0..50 {
            let d1 = api.backoff(1, None);
            assert!(
                d1 >= Duration::from_millis(125) && d1 <= Duration::from_millis(250),
                "{d1:?}"
            );
            let d9 = api.backoff(9, None);
            assert!(d9 <= Duration::from_secs(8), "{d9:?}");
            assert!(api.backoff(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
            assert_eq!(
                api.backoff(1, Some(Duration::from_secs(999))),
                Duration::from_secs(30)
            );
        }
    }
}
