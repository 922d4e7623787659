//! Accepting connections, with the limits `axum::serve` does not set: a
//! connection must send a request's headers in time (which also closes an
//! idle keep-alive connection), at most so many connections are open at
//! once (the rest wait in the kernel's backlog, holding none of our file
//! descriptors), and a stop waits only so long for requests in flight.
//! Only HTTP/1.1 is spoken, as load balancers speak to their targets.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How connections are limited; `[http]` in the settings.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct ConnectionLimits {
    /// A connection must send a whole request head within this time of
    /// opening, or of its previous response (so an idle keep-alive
    /// connection closes after it too).
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// After SIGTERM, how long requests in flight may take to finish.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
}

/// Listens on `addr` with a backlog of 1,024 connections (the operating
/// system's default is 128): connections past the cap wait there.
pub fn listen(addr: std::net::SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves `router` on `listener` until `stop` completes, then lets the
/// requests in flight finish for at most the grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    // Each connection holds a receiver; the sender's closing asks them to
    // finish, and their dropping tells that they have.
    let (stopping, stop_seen) = watch::channel(false);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("BUG: the semaphore is never closed"),
            () = &mut stop => break,
        };
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a moment rather than spin.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let router = router.clone();
        let mut stop_seen = stop_seen.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(address));
                router.clone().oneshot(request.map(axum::body::Body::new))
            });
            // HTTP/1.1 only: telling HTTP/2 apart means waiting for the
            // client's first bytes with no timeout, so a client that sends
            // nothing would be held forever. Load balancers speak HTTP/1.1
            // to their targets.
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                _ = stop_seen.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%address, error = %error, "a connection ended with an error");
            }
            drop(stop_seen);
        });
    }
    drop(listener);
    let in_flight = limits.max_connections.max(1) - permits.available_permits();
    tracing::info!(connections = in_flight, grace = ?limits.shutdown_grace, "finishing the requests in flight");
    stopping.send_replace(true);
    drop(stop_seen);
    match tokio::time::timeout(limits.shutdown_grace, stopping.closed()).await {
        Ok(()) => tracing::info!("every request in flight finished"),
        Err(_) => tracing::warn!(
            grace = ?limits.shutdown_grace,
            "requests still running after the grace period were cut off"
        ),
    }
    Ok(())
}
