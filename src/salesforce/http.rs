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
use super::{rest, soap};
use crate::report::ApiUsage;
use crate::xml::Element;
use reqwest::header::{HeaderMap, CONTENT_TYPE, RETRY_AFTER};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Semaphore;

/// `--verbose`: one line on standard error per API call attempt. Process-wide, like a log
/// level, so it need not be threaded through every call site.
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn verbose() -> bool {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

/// Bounds on the network side of a fetch.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// One request, body included.
    pub request_timeout: Duration,
    /// Largest response body read; anything larger fails the call.
    pub max_body: usize,
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
            max_body: 64 * 1024 * 1024,
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

    fn map_text(self, f: impl Fn(String) -> String) -> Self {
        match self {
            CallError::Fault { code, message } => CallError::Fault {
                code,
                message: f(message),
            },
            CallError::Session { code, message } => CallError::Session {
                code,
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
    /// Refresh-token exchanges done: the first login and at most one renewal.
    exchanges: u32,
}

const MAX_EXCHANGES: u32 = 2;

pub(crate) struct Api {
    http: reqwest::Client,
    pub instance_url: String,
    sem: Semaphore,
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

/// The first characters of a body, for an error message.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = super::auth::one_line(&text);
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// Transient HTTP statuses are retried; 401 means the session is gone.
fn by_status<T>(status: u16, headers: &HeaderMap, body: &[u8]) -> Attempt<T> {
    let err = CallError::Http {
        status,
        detail: snippet(body),
    };
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

    /// Replaces every credential in a message with `***`, in case a server echoes one.
    pub(crate) fn scrub(&self, text: String) -> String {
        let mut text = text;
        let mut secrets = vec![self.current_token()];
        if let Some(g) = &self.grant {
            secrets.push(g.refresh_token.clone());
            secrets.push(g.client_secret.clone());
        }
        for s in secrets.iter().filter(|s| s.expose().len() >= 8) {
            text = text.replace(s.expose(), "***");
        }
        text
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

    /// Sends a request and reads the body within the limits. `Err(Retry|Fail)` only.
    async fn execute(&self, request: reqwest::RequestBuilder) -> Result<Raw, Attempt<Raw>> {
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
        let max = self.limits.max_body;
        if resp.content_length().is_some_and(|l| l > max as u64) {
            return Err(Attempt::Fail(CallError::TooLarge { limit: max }));
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(1 << 20) as usize);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > max {
                        return Err(Attempt::Fail(CallError::TooLarge { limit: max }));
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
    /// decides what the answer means. `kind` names the call in the usage report.
    pub async fn call<T>(
        &self,
        kind: &str,
        build: impl Fn(&Secret) -> reqwest::RequestBuilder,
        interpret: impl Fn(Raw) -> Attempt<T>,
    ) -> Result<T, CallError> {
        let mut retries = 0;
        loop {
            let (generation, token) = {
                let t = self.token.lock().expect("not poisoned");
                (t.generation, t.token.clone())
            };
            let outcome = {
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
                let outcome = self.execute(build(&token)).await;
                if verbose() {
                    // Only the kind, the status and the time: never a header or a body.
                    let what = match &outcome {
                        Ok(raw) | Err(Attempt::Done(raw)) => format!("HTTP {}", raw.status),
                        Err(Attempt::Retry(e, _) | Attempt::Expired(e) | Attempt::Fail(e)) => {
                            self.scrub(e.to_string())
                        }
                    };
                    eprintln!(
                        "pkce-audit: api {kind}: {what} in {} ms{}",
                        started.elapsed().as_millis(),
                        if retries > 0 {
                            format!(" (retry {retries})")
                        } else {
                            String::new()
                        }
                    );
                }
                outcome
            };
            let attempt = match outcome {
                Ok(raw) | Err(Attempt::Done(raw)) => interpret(raw),
                Err(Attempt::Retry(e, d)) => Attempt::Retry(e, d),
                Err(Attempt::Expired(e)) => Attempt::Expired(e),
                Err(Attempt::Fail(e)) => Attempt::Fail(e),
            };
            if verbose() {
                match &attempt {
                    Attempt::Done(_) => {}
                    Attempt::Retry(e, _) => eprintln!(
                        "pkce-audit: api {kind}: will retry: {}",
                        self.scrub(e.to_string())
                    ),
                    Attempt::Expired(_) => {
                        eprintln!("pkce-audit: api {kind}: session expired; renewing")
                    }
                    Attempt::Fail(e) => eprintln!(
                        "pkce-audit: api {kind}: failed: {}",
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
                Attempt::Fail(e) => return Err(e.map_text(|t| self.scrub(t))),
                Attempt::Expired(e) => {
                    // Boxed: renewing makes a call of its own (the token endpoint).
                    Box::pin(self.renew(generation, e.map_text(|t| self.scrub(t)))).await?;
                }
                Attempt::Retry(e, after) => {
                    if retries >= self.limits.max_retries {
                        return Err(e.map_text(|t| self.scrub(t)));
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
        t.token = token;
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
        let interpret = |raw: Raw| -> Attempt<Secret> {
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
                return by_status(raw.status, &raw.headers, b"");
            }
            let why = rest::parse_error(&raw.body)
                .map(|(c, m)| if m.is_empty() { c } else { format!("{c}: {m}") })
                .unwrap_or_else(|| format!("HTTP {}", raw.status));
            Attempt::Fail(CallError::Refresh(why))
        };
        match self.call("token", build, interpret).await {
            Ok(t) => Ok(t),
            Err(e @ CallError::Refresh(_)) => Err(e),
            Err(other) => Err(CallError::Refresh(other.to_string())),
        }
    }

    /// `GET /services/data`: needs no session, so it can run beside the first login.
    pub async fn versions(&self) -> Result<(u32, u32), CallError> {
        let url = format!("{}/services/data", self.instance_url);
        self.call(
            "versions",
            |_| {
                self.http
                    .get(&url)
                    .header(reqwest::header::ACCEPT, "application/json")
            },
            |raw| {
                if raw.status != 200 {
                    return by_status(raw.status, &raw.headers, &raw.body);
                }
                match rest::newest_version(&raw.body) {
                    Ok(v) => Attempt::Done(v),
                    Err(e) => Attempt::Fail(CallError::Malformed(e)),
                }
            },
        )
        .await
    }

    fn soap_attempt(&self, raw: Raw) -> Attempt<Element> {
        match soap::parse_answer(&raw.body) {
            Ok(soap::Answer::Response { body, api_usage }) if raw.status == 200 => {
                self.note_usage(api_usage);
                Attempt::Done(body)
            }
            Ok(soap::Answer::Fault { code, message }) => {
                by_code(code, message, retry_after(&raw.headers))
            }
            Ok(soap::Answer::Response { .. }) => by_status(raw.status, &raw.headers, b""),
            // A complete 200 answer that does not parse will not parse next time either.
            Err(e) if raw.status == 200 => Attempt::Fail(CallError::Malformed(e)),
            Err(_) => by_status(raw.status, &raw.headers, &raw.body),
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
        soap::parse_list(&body).map_err(CallError::Malformed)
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
        soap::parse_read(body).map_err(CallError::Malformed)
    }

    fn rest_attempt(raw: Raw) -> Attempt<Vec<u8>> {
        if raw.status == 200 {
            return Attempt::Done(raw.body);
        }
        match rest::parse_error(&raw.body) {
            Some((code, message)) if raw.status != 401 => {
                match by_code(code, message, retry_after(&raw.headers)) {
                    Attempt::Fail(e) if raw.status == 429 || raw.status >= 500 => {
                        Attempt::Retry(e, retry_after(&raw.headers))
                    }
                    other => other,
                }
            }
            Some((code, message)) => Attempt::Expired(CallError::Session { code, message }),
            None => by_status(raw.status, &raw.headers, &raw.body),
        }
    }

    /// A SOQL query, following `nextRecordsUrl` up to `max_pages` pages.
    pub async fn query(
        &self,
        api_version: &str,
        soql: &str,
    ) -> Result<Vec<serde_json::Value>, CallError> {
        let mut records = Vec::new();
        let run = self
            .query_each(api_version, soql, false, self.limits.max_pages, |page| {
                records.extend(page);
                true
            })
            .await?;
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
                    |raw| {
                        let date = server_date(&raw.headers);
                        match Self::rest_attempt(raw) {
                            Attempt::Done(body) => match rest::parse_query_page(&body) {
                                Ok(p) => Attempt::Done((p, date)),
                                Err(e) => Attempt::Fail(CallError::Malformed(e)),
                            },
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
                            CallError::Malformed(format!("unexpected nextRecordsUrl {next:?}"))
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
        assert!(matches!(by_status::<()>(503, &h, b""), Attempt::Retry(..)));
        assert!(matches!(by_status::<()>(429, &h, b""), Attempt::Retry(..)));
        assert!(matches!(by_status::<()>(401, &h, b""), Attempt::Expired(_)));
        assert!(matches!(by_status::<()>(404, &h, b""), Attempt::Fail(_)));
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        assert!(
            matches!(by_status::<()>(503, &h, b""), Attempt::Retry(_, Some(d)) if d == Duration::from_secs(3))
        );
    }

    #[test]
    fn rest_errors() {
        let raw = |status, body: &str| Raw {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        };
        assert!(matches!(
            Api::rest_attempt(raw(
                401,
                r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#
            )),
            Attempt::Expired(_)
        ));
        assert!(matches!(
            Api::rest_attempt(raw(400, r#"[{"message":"no","errorCode":"INVALID_TYPE"}]"#)),
            Attempt::Fail(CallError::Fault { .. })
        ));
        assert!(matches!(
            Api::rest_attempt(raw(503, r#"[{"message":"busy","errorCode":"UNKNOWN"}]"#)),
            Attempt::Retry(..)
        ));
        assert!(matches!(
            Api::rest_attempt(raw(502, "<html>")),
            Attempt::Retry(..)
        ));
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let resolved = Resolved {
            instance_url: "http://127.0.0.1:9".into(),
            credentials: Credentials::Token(Secret::new("t")),
            login_hint: String::new(),
        };
        let api = Api::new(&resolved, 2, Limits::default()).unwrap();
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
