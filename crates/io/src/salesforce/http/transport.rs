//! Requests that got no HTTP answer at all: which failure it was (DNS, refused, TLS,
//! timeout), and on which host, so that a mistyped instance is never reported as a
//! refused login.

use std::error::Error as StdError;
use std::fmt;

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The host name does not resolve.
    Dns,
    /// Nothing accepts connections at that address and port.
    Refused,
    /// The TLS handshake failed (certificate, protocol, or not a TLS server).
    Tls,
    /// No answer within the connect or request timeout.
    Timeout,
    /// Anything else: a reset or closed connection, a request that could not be built.
    Other,
}

/// A request that got no answer: the host (with its port when the URL names one), the
/// failure, and the innermost cause's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    pub host: String,
    pub failure: Failure,
    pub detail: String,
}

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Unanswered {
            host,
            failure,
            detail,
        } = self;
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({detail})")
        };
        match failure {
            Failure::Dns => write!(f, "the DNS lookup of {host} failed{detail}"),
            // The innermost cause says "Connection refused" again: left out.
            Failure::Refused => write!(f, "{host} refused the connection (nothing listens there)"),
            Failure::Tls => write!(f, "the TLS handshake with {host} failed{detail}"),
            Failure::Timeout => write!(f, "{host} did not answer in time{detail}"),
            Failure::Other => write!(f, "no answer from {host}{detail}"),
        }
    }
}

/// An I/O error's failure. An `io::Error` wrapping another (hyper-util wraps the TLS
/// layer's) skips it in `source()`, so the wrapped ones are looked at through `get_ref`.
fn io_failure(io: &std::io::Error, tls_handshake: bool) -> Failure {
    use std::io::ErrorKind as K;
    let mut next = Some(io);
    while let Some(io) = next {
        match io.kind() {
            K::ConnectionRefused => return Failure::Refused,
            K::TimedOut => return Failure::Timeout,
            K::InvalidData | K::UnexpectedEof if tls_handshake => return Failure::Tls,
            _ => {}
        }
        next = io
            .get_ref()
            .and_then(|e| e.downcast_ref::<std::io::Error>());
    }
    Failure::Other
}

impl Unanswered {
    /// Classifies a reqwest error by walking its causes: hyper-util names DNS failures
    /// "dns error" (`ConnectError::dns`), the OS reports a refused connection as
    /// `ConnectionRefused`, and tokio-rustls wraps every TLS error in an
    /// `io::ErrorKind::InvalidData` (a handshake cut short is `UnexpectedEof`).
    pub fn of(e: &reqwest::Error) -> Unanswered {
        let url = e.url();
        let host = url
            .and_then(|u| {
                let h = u.host_str()?;
                Some(match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_else(|| "the org".into());
        let https = url.is_some_and(|u| u.scheme() == "https");
        let mut failure = if e.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Other
        };
        let mut innermost = None;
        let mut cause = e.source();
        while let Some(c) = cause {
            innermost = Some(c);
            if failure == Failure::Other {
                if c.to_string() == "dns error" {
                    failure = Failure::Dns;
                } else if let Some(io) = c.downcast_ref::<std::io::Error>() {
                    failure = io_failure(io, https && e.is_connect());
                }
            }
            cause = c.source();
        }
        // reqwest's own words only quote the URL; the innermost cause says what happened.
        let mut detail = innermost
            .map(|c| {
                pkce_audit_model::errors::without_os_code(&super::super::auth::one_line(
                    &c.to_string(),
                ))
            })
            .unwrap_or_default();
        // The standard library's words around getaddrinfo's own ("Name or service not known").
        if let Some(rest) = detail.strip_prefix("failed to lookup address information: ") {
            detail = rest.to_string();
        }
        Unanswered {
            host,
            failure,
            detail,
        }
    }

    /// The same, with `f` applied to its texts (credential scrubbing).
    pub(super) fn map_text(self, f: impl Fn(String) -> String) -> Self {
        Unanswered {
            host: f(self.host),
            failure: self.failure,
            detail: f(self.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real failures of the client, classified: nothing listens on a port just freed;
    /// a plain TCP server spoken to in TLS; a name under `.invalid` (RFC 2606) never
    /// resolves.
    #[tokio::test]
    async fn refused_tls_and_dns_failures_are_told_apart() {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let get = |url: String| {
            let request = client.get(&url).send();
            async move {
                let e = request.await.unwrap_err();
                (Unanswered::of(&e), format!("{e:?}"))
            }
        };
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        let (u, e) = get(format!("http://127.0.0.1:{port}/")).await;
        assert_eq!(u.failure, Failure::Refused, "{e}");
        assert_eq!(u.host, format!("127.0.0.1:{port}"));
        assert_eq!(
            u.to_string(),
            format!("127.0.0.1:{port} refused the connection (nothing listens there)")
        );

        // A server that answers a TLS hello with plain HTTP.
        let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = plain.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut s, _)) = plain.accept().await {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                    .await;
            }
        });
        let (u, e) = get(format!("https://127.0.0.1:{port}/")).await;
        assert_eq!(u.failure, Failure::Tls, "{e}");
        assert!(
            u.to_string()
                .starts_with(&format!("the TLS handshake with 127.0.0.1:{port} failed (")),
            "{u}"
        );

        let (u, e) = get("https://pkce-audit-test.invalid/".into()).await;
        assert_eq!(u.failure, Failure::Dns, "{e}");
        assert_eq!(u.host, "pkce-audit-test.invalid");
        assert!(!u.detail.contains("os error"), "{u}");
    }
}
