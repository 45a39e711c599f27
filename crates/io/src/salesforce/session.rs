//! A session ready for calls: the connection resolved, the API version chosen, the
//! client with its limits, and the context every reader of the org shares (`fetch`,
//! `usage`, `doctor`). Its own module so that those readers depend on it, not on each
//! other.

use super::auth::{self, Connection};
use super::http::{Api, CallError};
use super::{rest, Error, FetchOptions, LoginHint, SessionFailure};
use crate::credentials::Origin;
use crate::xml::Element;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The runtime of one blocking fetch, doctor or fleet run.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))
}

/// The progress sink of a run, if any, and how many listings are still to plan their
/// reads before the plan is settled.
pub(super) struct Progress(
    Option<std::sync::Arc<dyn super::ProgressSink>>,
    std::sync::atomic::AtomicUsize,
);

impl Progress {
    pub(super) fn new(sink: Option<std::sync::Arc<dyn super::ProgressSink>>) -> Progress {
        Progress(sink, std::sync::atomic::AtomicUsize::new(0))
    }

    /// The plan settles once `listings` more listings have planned their reads.
    pub(super) fn settle_after(&self, listings: usize) {
        self.1.store(listings, std::sync::atomic::Ordering::SeqCst);
        if listings == 0 {
            self.settled();
        }
    }

    /// One listing planned its reads; the last one settles the plan.
    pub(super) fn listed(&self) {
        if self.1.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            self.settled();
        }
    }

    pub(super) fn settled(&self) {
        if let Some(p) = &self.0 {
            p.settled();
        }
    }

    pub(super) fn plan(&self, calls: usize) {
        if let Some(p) = &self.0 {
            p.plan(calls as u64);
        }
    }
    pub(super) fn done(&self) {
        if let Some(p) = &self.0 {
            p.done();
        }
    }
}

pub(super) struct Ctx<'a> {
    pub(super) api: &'a Api,
    pub(super) version: String,
    pub(super) progress: &'a Progress,
    pub(super) conn: &'a Connection,
    pub(super) hint: &'a LoginHint,
    /// Elements of the records kept so far, against [`MAX_RETAINED_ELEMENTS`].
    pub(super) retained: AtomicUsize,
    /// The caller's clock, for what the org does not date itself.
    pub(super) now: chrono::DateTime<chrono::Utc>,
}

/// Most elements one record may hold. A Connected App with sixteen callback URLs, every
/// scope and a certificate has about a hundred; more is not a record the org could hold.
pub const MAX_RECORD_ELEMENTS: usize = 10_000;
/// Most elements of all records kept by one fetch (about 200 bytes each in memory): some
/// 5,000 apps of a hundred elements, with room to spare. Beyond it each further record is
/// a named problem, so a hostile server cannot grow the fetch without bound.
pub const MAX_RETAINED_ELEMENTS: usize = 500_000;

fn count_elements(el: &Element) -> usize {
    1 + el.children.iter().map(count_elements).sum::<usize>()
}

impl Ctx<'_> {
    /// Counts a record against the memory budget; `Err` says why it is not kept.
    pub(super) fn retain(&self, record: &Element) -> Result<(), String> {
        let n = count_elements(record);
        if n > MAX_RECORD_ELEMENTS {
            return Err(format!(
                "its record has {n} elements, more than the {MAX_RECORD_ELEMENTS} any real component has; it was not kept"
            ));
        }
        let before = self.retained.fetch_add(n, Ordering::Relaxed);
        if before + n > MAX_RETAINED_ELEMENTS {
            self.retained.fetch_sub(n, Ordering::Relaxed);
            return Err(format!(
                "the records read so far fill the fetch's budget of {MAX_RETAINED_ELEMENTS} elements; it was not kept"
            ));
        }
        Ok(())
    }

    /// A fatal call error as the one-line error the user sees.
    pub(super) fn fatal(&self, e: CallError) -> Error {
        fatal(e, self.api, self.conn, self.hint)
    }
}

fn fatal(e: CallError, api: &Api, conn: &Connection, hint: &LoginHint) -> Error {
    match e {
        CallError::Refresh(detail) => Error::Refresh {
            detail,
            hint: hint.clone(),
        },
        CallError::Session { code, message } if api.current_token().looks_like_jwt() => {
            Error::Session(SessionFailure::Jwt {
                code,
                message,
                alias: match conn {
                    Connection::TargetOrg(a) => Some(a.clone()),
                    Connection::AccessToken { .. } | Connection::AuthUrlFile(_) => None,
                },
            })
        }
        CallError::Session { code, message } => Error::Session(SessionFailure::Expired {
            code,
            message,
            hint: hint.clone(),
        }),
        other => Error::Session(SessionFailure::Other(other.to_string())),
    }
}

/// A first call that got no answer, with where the instance it tried comes from.
fn unreachable(doing: &str, cause: super::Unanswered, conn: &Connection) -> Error {
    let instance = match conn {
        Connection::TargetOrg(alias) => super::InstanceFrom::SfCli(alias.clone()),
        Connection::AccessToken { .. } => super::InstanceFrom::Given,
        Connection::AuthUrlFile(path) => super::InstanceFrom::AuthUrlFile(path.clone()),
    };
    Error::Unreachable {
        doing: doing.into(),
        cause,
        instance,
    }
}

pub(super) fn check_version(v: &str) -> Result<String, Error> {
    let parsed = rest::parse_version(v).ok_or_else(|| Error::NotAVersion(v.to_string()))?;
    if parsed < rest::MIN_API_VERSION {
        return Err(Error::ApiVersion(format!(
            "API version {v} is older than {}, the first with the PKCE settings; use {0} or later",
            rest::format_version(rest::MIN_API_VERSION)
        )));
    }
    Ok(rest::format_version(parsed))
}

/// A session ready for calls: the API client, the version to use, the login hint.
pub(super) struct Session {
    pub(super) api: Api,
    pub(super) version: String,
    pub(super) hint: LoginHint,
}

/// Reads the credentials of a connection given on the command line, off the runtime's
/// workers and within `timeout` (`--timeout`); returns them with what is left of it.
pub(super) async fn prepare(
    conn: &Connection,
    timeout: Duration,
) -> Result<(auth::Prepared, Duration), Error> {
    let started = std::time::Instant::now();
    let prepared = auth::load_async(conn, Origin::CommandLine, timeout).await?;
    Ok((prepared, timeout.saturating_sub(started.elapsed())))
}

/// `work` within `left`, the rest of the `timeout` (`--timeout`) the run was given.
pub(super) async fn bounded<T>(
    timeout: Duration,
    left: Duration,
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::time::timeout(left, work)
        .await
        .unwrap_or(Err(Error::Timeout(timeout.as_secs())))
}

/// Resolves the connection (its credentials already read: `prepared`), and finds the API
/// version beside the first login. `conn` names where things came from, for hints.
pub(super) async fn open(
    conn: &Connection,
    prepared: &auth::Prepared,
    opts: &FetchOptions,
    progress: &Progress,
) -> Result<Session, Error> {
    let resolved = auth::resolve(prepared).await?;
    let api = Api::new(&resolved, opts.concurrency, opts.limits.clone()).map_err(Error::Client)?;
    let hint = &resolved.login_hint;

    let version = async {
        // A version asked for is checked before the org is: a malformed or too old one
        // needs no call.
        let wanted = opts.api_version.as_deref().map(check_version).transpose()?;
        progress.plan(1);
        let offered = api.versions().await;
        progress.done();
        let offered = offered.map_err(|e| match e {
            CallError::Transport(cause) => unreachable("read the API versions", cause, conn),
            e => Error::Versions {
                url: api.instance_url.clone(),
                detail: e.to_string(),
            },
        })?;
        let newest = *offered.last().expect("versions() answers at least one");
        match wanted {
            // Checked here, before any metadata call: a version the org does not offer
            // would fail every call with UNSUPPORTED_API_VERSION / NOT_FOUND.
            Some(v) => {
                let parsed = rest::parse_version(&v).expect("checked above");
                if offered.contains(&parsed) {
                    Ok(v)
                } else {
                    Err(Error::ApiVersion(format!(
                        "the org does not offer API version {v}; it offers {}",
                        rest::describe_versions(&offered)
                    )))
                }
            }
            None if newest >= rest::MIN_API_VERSION => Ok(rest::format_version(newest)),
            None => Err(Error::ApiVersion(format!(
                "the org offers API versions up to {}; pkce-audit needs {} or later",
                rest::format_version(newest),
                rest::format_version(rest::MIN_API_VERSION)
            ))),
        }
    };
    let login = async {
        if !api.needs_login() {
            return Ok(());
        }
        progress.plan(1);
        let r = api.login().await;
        progress.done();
        r.map_err(|e| match e {
            CallError::Transport(cause) => {
                unreachable("exchange the auth URL's refresh token", cause, conn)
            }
            e @ (CallError::Refresh(_) | CallError::Session { .. }) => fatal(e, &api, conn, hint),
            other => Error::TokenEndpoint {
                url: api.instance_url.clone(),
                detail: other.to_string(),
            },
        })
    };
    let (version, login) = tokio::join!(version, login);
    login?;
    let version = version?;
    Ok(Session {
        hint: resolved.login_hint.clone(),
        api,
        version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_below_59_are_refused() {
        assert_eq!(check_version("66.0").unwrap(), "66.0");
        assert_eq!(check_version("60").unwrap(), "60.0");
        assert!(check_version("58.0")
            .unwrap_err()
            .to_string()
            .contains("59.0"));
        assert!(check_version("latest").is_err());
    }
}
