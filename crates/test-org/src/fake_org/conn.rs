//! A TCP listener whose connections a handler can kill, so the fake org can drop a
//! connection without sending any response (a transient fault real clients meet).
//!
//! Once killed, every write fails; hyper then abandons the connection and the socket is
//! closed with nothing written for the request in progress.
//!
//! With a TLS acceptor the listener speaks HTTPS (for clients that only build `https://`
//! URLs, such as simple-salesforce): each connection's handshake runs in `accept`, bounded
//! by a few seconds, and a connection whose handshake fails is dropped.

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct KillableListener {
    inner: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl KillableListener {
    pub fn plain(inner: TcpListener) -> Self {
        KillableListener { inner, tls: None }
    }

    pub fn tls(inner: TcpListener, acceptor: tokio_rustls::TlsAcceptor) -> Self {
        KillableListener {
            inner,
            tls: Some(acceptor),
        }
    }
}

/// A TLS server config from a PEM certificate chain and a PEM private key.
pub fn tls_acceptor(
    cert_pem: &std::path::Path,
    key_pem: &std::path::Path,
) -> io::Result<tokio_rustls::TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let certs = CertificateDer::pem_file_iter(cert_pem)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| io::Error::other(format!("{}: {e}", cert_pem.display())))?;
    let key = PrivateKeyDer::from_pem_file(key_pem)
        .map_err(|e| io::Error::other(format!("{}: {e}", key_pem.display())))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(io::Error::other)?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(io::Error::other)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

enum Inner {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

pub struct KillableStream {
    inner: Inner,
    killed: Arc<AtomicBool>,
}

/// Given to handlers through `ConnectInfo`.
#[derive(Clone)]
pub struct KillHandle(Arc<AtomicBool>, bool);

impl KillHandle {
    pub fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// The connection came through the TLS listener.
    pub fn is_tls(&self) -> bool {
        self.1
    }
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((tcp, addr)) => {
                    let _ = tcp.set_nodelay(true);
                    let inner = match &self.tls {
                        None => Inner::Plain(tcp),
                        Some(acceptor) => {
                            let handshake = acceptor.accept(tcp);
                            match tokio::time::timeout(std::time::Duration::from_secs(5), handshake)
                                .await
                            {
                                Ok(Ok(s)) => Inner::Tls(Box::new(s)),
                                // A failed or stalled handshake: drop it, keep serving.
                                _ => continue,
                            }
                        }
                    };
                    return (
                        KillableStream {
                            inner,
                            killed: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                // Out of file descriptors and the like: back off briefly, keep serving.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for KillHandle {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        KillHandle(
            stream.io().killed.clone(),
            matches!(stream.io().inner, Inner::Tls(_)),
        )
    }
}

impl KillableStream {
    fn dead(&self) -> Option<io::Error> {
        self.killed.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by fake org",
            )
        })
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Plain(s) => s.is_write_vectored(),
            Inner::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
