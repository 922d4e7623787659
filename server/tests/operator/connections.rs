//! Clients that connect and say nothing, or say it slowly: the server closes
//! them after the header timeout, holds no more than its cap at once, and
//! still answers everyone else. SIGTERM stops it within its grace period.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{database_url, serve};

/// Whether the server closed the connection (reading gives end of file or
/// a reset) within `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buffer = [0_u8; 1024];
    loop {
        match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 or similar before closing is fine; keep reading.
            Ok(Ok(_)) => {}
        }
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn idle_and_slow_clients_are_closed_and_the_cap_holds(pool: PgPool) {
    let server = serve(&database_url(&pool, None), "connections", |command| {
        command.env("PLINTH_HTTP__HEADER_READ_TIMEOUT", "1s").env("PLINTH_HTTP__MAX_CONNECTIONS", "100");
    })
    .await;

    // 300 idle connections: the first 100 are served and closed after the
    // timeout, the rest wait in the backlog and are closed in their turn.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(server.addr).await.expect("a connection"));
    }
    let started = Instant::now();
    let mut closed = 0;
    for stream in &mut idle {
        if closed_within(stream, Duration::from_secs(10)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 300, "every idle connection was closed");
    assert!(started.elapsed() < Duration::from_secs(10), "all closed in {:?}", started.elapsed());

    // A client sending its headers a byte at a time is closed too.
    let mut slow = TcpStream::connect(server.addr).await.expect("a connection");
    let sent = Instant::now();
    let mut cut_off = false;
    for byte in b"GET /healthz HTTP/1.1\r\nHost: plinth\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n" {
        if slow.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(cut_off || closed_within(&mut slow, Duration::from_secs(1)).await, "the slow client was closed");
    assert!(sent.elapsed() < Duration::from_secs(5), "within the timeout: {:?}", sent.elapsed());

    // With the cap held by idle connections, a new client waits its turn,
    // then is served.
    let mut holding = Vec::new();
    for _ in 0..100 {
        holding.push(TcpStream::connect(server.addr).await.expect("a connection"));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let answer = reqwest::Client::new().get(server.url("/healthz")).send().await.expect("an answer in time");
    assert!(answer.status().is_success());
    assert!(asked.elapsed() >= Duration::from_millis(500), "served only once the cap freed: {:?}", asked.elapsed());
    drop(holding);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sigterm_stops_the_server_within_its_grace_period(pool: PgPool) {
    let mut server = serve(&database_url(&pool, None), "sigterm", |command| {
        command.env("PLINTH_HTTP__SHUTDOWN_GRACE", "2s");
    })
    .await;
    // A keep-alive connection that sends nothing must not hold the stop.
    let _idle = TcpStream::connect(server.addr).await.expect("a connection");
    let (status, stopped_in) = server.terminate().await;
    assert!(status.success(), "a clean stop: {status}\n{}", server.log_text());
    assert!(stopped_in < Duration::from_secs(4), "stopped in {stopped_in:?}");
}
