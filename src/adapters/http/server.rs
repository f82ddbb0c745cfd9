//! The HTTP server loop: accepts connections and serves the poem routes on each with hyper, as
//! poem's own `Server` does, plus a header read timeout, which poem does not expose.
//!
//! Without one, a client that opens a connection and sends half a request header holds it (and
//! its buffers) for as long as it likes; a few thousand of them starve the process ("slowloris").
//! hyper's HTTP/1 `header_read_timeout` closes a connection whose request head has not fully
//! arrived [`HEADER_READ_TIMEOUT`] after the server started waiting for it, trickled bytes
//! included. The same wait applies to a kept-alive connection between requests, so an idle one
//! is closed after it too (Node.js closes idle keep-alive connections after 5 s by default), and
//! to a new connection's first bytes, which tell HTTP/1 from HTTP/2 ([`super::preface`]).
//!
//! HTTP/1 half-close is allowed (hyper's `http1::Builder::half_close`): a request runs to its
//! answer even when the client shuts its side of the connection first. Without it hyper reads the
//! connection while every request is in flight, to notice the client leaving, and drops the
//! request's handler when it does: a webhook or checkout could stop between two of its steps
//! (charged, not yet recorded) for no better reason than the caller's timeout, leaving the rest to
//! the idempotent retry. Each flow is bounded by its own deadlines; the answer to a client that
//! has gone fails to write and the connection closes.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::endpoint::BoxEndpoint;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, Response};
use tokio::net::TcpListener;

use super::preface::{self, Spoken};

/// How long a client has to send a whole request head (request line and headers), counted from
/// when the server starts waiting for it: after each answer on a kept-alive connection, and on a
/// new one once its first bytes have come (which it has as long again to send, from accept).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A pause after a failed accept (out of file descriptors, say), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How a server treats its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// After shutdown, how long connections may go on finishing what they are answering.
    pub grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            grace: Duration::from_secs(25),
        }
    }
}

/// Serves `endpoint` on `listener` until `shutdown` completes, then stops accepting and lets the
/// connections finish what they are answering, as `limits` say.
///
/// # Errors
/// When the listener's address cannot be read.
pub async fn serve(
    listener: TcpListener,
    endpoint: BoxEndpoint<'static, Response>,
    shutdown: impl Future<Output = ()>,
    limits: ServerLimits,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let endpoint = Arc::new(endpoint);
    let connections = GracefulShutdown::new();
    tracing::info!(address = %local, "listening");
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    let endpoint = endpoint.clone();
                    let watcher = connections.watcher();
                    tokio::spawn(async move {
                        // A client that connects and sends nothing, or part of the HTTP/2
                        // preface, is held no longer than one that sends half a request head.
                        let spoken = match tokio::time::timeout(limits.header_read_timeout, preface::peek(&stream)).await {
                            Ok(Ok(spoken)) => spoken,
                            Ok(Err(error)) => {
                                tracing::debug!(%error, "connection ended before its first request");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!("no request within the header read timeout");
                                return;
                            }
                        };
                        let service = service_fn(move |request| answer(endpoint.clone(), request, local, remote));
                        let connection = builder(limits, spoken)
                            .serve_connection(TokioIo::new(stream), service)
                            .into_owned();
                        if let Err(error) = watcher.watch(connection).await {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }
    drop(listener);
    tokio::select! {
        () = connections.shutdown() => tracing::info!("every connection finished"),
        () = tokio::time::sleep(limits.grace) => tracing::warn!("connections still open after the grace period"),
    }
    Ok(())
}

/// How a connection that spoke `spoken` is served: HTTP/1 with the header read timeout and
/// half-close, or HTTP/2.
fn builder(limits: ServerLimits, spoken: Spoken) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .half_close(true);
    match spoken {
        Spoken::Http1 => builder.http1_only(),
        Spoken::Http2 => builder.http2_only(),
    }
}

/// Answers `request`, received on `local` from `remote`, through the poem routes.
async fn answer(
    endpoint: Arc<BoxEndpoint<'static, Response>>,
    request: hyper::Request<Incoming>,
    local: SocketAddr,
    remote: SocketAddr,
) -> Result<hyper::Response<BoxBody<Bytes, std::io::Error>>, Infallible> {
    let request = poem::Request::from((
        request,
        LocalAddr(Addr::SocketAddr(local)),
        RemoteAddr(Addr::SocketAddr(remote)),
        Scheme::HTTP,
    ));
    Ok(hyper::Response::from(endpoint.get_response(request).await))
}
