//! `GET /metrics` in Prometheus' text format, for operators: HTTP latency
//! and status per route (kept in memory since start), sync runs, durations,
//! records and errors per source and service (read from the database at
//! each scrape), and the database pool. Served only to a scraper that sends
//! the configured `metrics.token`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::AppState;
use crate::db::sync_runs::{self, ServiceRow};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Default)]
struct Latency {
    /// Requests at or under each bucket's bound (not yet cumulative).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    seconds: f64,
}

/// Requests per method, route pattern and status, with their latency.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    routes: Mutex<BTreeMap<Key, Latency>>,
}

impl HttpMetrics {
    fn observe(&self, method: &str, route: &str, status: u16, took: Duration) {
        let seconds = took.as_secs_f64();
        let key = Key { method: method.to_owned(), route: route.to_owned(), status };
        let mut routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let latency = routes.entry(key).or_default();
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            latency.buckets[bucket] += 1;
        }
        latency.count += 1;
        latency.seconds += seconds;
    }

    fn write(&self, out: &mut String) {
        let routes = self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let _ = writeln!(
            out,
            "# HELP plinth_http_request_duration_seconds Time to answer a request, by route pattern and status."
        );
        let _ = writeln!(out, "# TYPE plinth_http_request_duration_seconds histogram");
        for (key, latency) in &routes {
            let labels = format!(
                "method=\"{}\",route=\"{}\",status=\"{}\"",
                escape(&key.method),
                escape(&key.route),
                key.status
            );
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(latency.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "plinth_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ =
                writeln!(out, "plinth_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", latency.count);
            let _ = writeln!(out, "plinth_http_request_duration_seconds_sum{{{labels}}} {}", latency.seconds);
            let _ = writeln!(out, "plinth_http_request_duration_seconds_count{{{labels}}} {}", latency.count);
        }
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Times every routed request; requests no route matched are not counted
/// (their paths are unbounded).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    if let Some(route) = route {
        state.http_metrics.observe(&method, &route, response.status().as_u16(), started.elapsed());
    }
    response
}

/// Whether the request carries the metrics token (compared as digests, in
/// time that does not depend on where they differ).
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let sent = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, secret)| secret.trim().to_owned())
        .unwrap_or_default();
    let (sent, wanted) = (Sha256::digest(sent.as_bytes()), Sha256::digest(token.as_bytes()));
    sent.iter().zip(wanted.iter()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[tracing::instrument(skip_all)]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.metrics_token.as_ref() else {
        return (StatusCode::NOT_FOUND, "Metrics are off: set metrics.token in plinth.toml to turn them on.")
            .into_response();
    };
    if !authorised(&headers, token.expose_secret()) {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer realm=\"plinth-metrics\"")],
            "Send the metrics token as Authorization: Bearer.",
        )
            .into_response();
    }
    let mut out = String::new();
    state.http_metrics.write(&mut out);
    write_pool(&state.pool, &mut out);
    if let Err(error) = write_syncs(&state.pool, &mut out).await {
        tracing::warn!(%error, "the sync metrics could not be read");
        let _ = writeln!(out, "# the sync metrics could not be read: the database did not answer");
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

fn write_pool(pool: &PgPool, out: &mut String) {
    let (size, idle) = (pool.size(), u32::try_from(pool.num_idle()).unwrap_or(u32::MAX));
    let _ = writeln!(out, "# HELP plinth_db_pool_connections Database connections open, by state.");
    let _ = writeln!(out, "# TYPE plinth_db_pool_connections gauge");
    let _ = writeln!(out, "plinth_db_pool_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "plinth_db_pool_connections{{state=\"in_use\"}} {}", size.saturating_sub(idle));
    let _ = writeln!(out, "# HELP plinth_db_pool_max_connections The most connections the pool opens.");
    let _ = writeln!(out, "# TYPE plinth_db_pool_max_connections gauge");
    let _ = writeln!(out, "plinth_db_pool_max_connections {}", pool.options().get_max_connections());
}

async fn write_syncs(pool: &PgPool, out: &mut String) -> Result<(), sqlx::Error> {
    let runs = sync_runs::run_totals(pool).await?;
    let _ = writeln!(out, "# HELP plinth_sync_runs_total Sync runs, by source and how they ended.");
    let _ = writeln!(out, "# TYPE plinth_sync_runs_total counter");
    for run in &runs {
        let _ = writeln!(
            out,
            "plinth_sync_runs_total{{source=\"{}\",status=\"{}\"}} {}",
            escape(&run.source),
            run.status,
            run.runs
        );
    }
    let _ = writeln!(out, "# HELP plinth_sync_run_duration_seconds_total Time spent in finished sync runs.");
    let _ = writeln!(out, "# TYPE plinth_sync_run_duration_seconds_total counter");
    for run in &runs {
        let _ = writeln!(
            out,
            "plinth_sync_run_duration_seconds_total{{source=\"{}\",status=\"{}\"}} {}",
            escape(&run.source),
            run.status,
            run.seconds
        );
    }
    let _ = writeln!(out, "# HELP plinth_sync_last_success_timestamp_seconds When the source's last good sync ended.");
    let _ = writeln!(out, "# TYPE plinth_sync_last_success_timestamp_seconds gauge");
    let mut last: BTreeMap<&str, f64> = BTreeMap::new();
    for run in &runs {
        if let Some(at) = run.last_success {
            let entry = last.entry(run.source.as_str()).or_insert(at);
            *entry = entry.max(at);
        }
    }
    for (source, at) in last {
        let _ = writeln!(out, "plinth_sync_last_success_timestamp_seconds{{source=\"{}\"}} {at}", escape(source));
    }

    let services = sync_runs::service_totals(pool).await?;
    type Figure = fn(&ServiceRow) -> String;
    let figures: [(&str, &str, Figure); 5] = [
        ("plinth_sync_slices_total", "Account-region parts synced, by service.", |s| s.slices.to_string()),
        ("plinth_sync_errors_total", "Account-region parts that failed, by service.", |s| s.errors.to_string()),
        ("plinth_sync_records_fetched_total", "Records read from AWS, by service.", |s| s.fetched.to_string()),
        ("plinth_sync_records_stored_total", "Records stored, by service.", |s| s.stored.to_string()),
        ("plinth_sync_duration_seconds_total", "Time spent syncing, by service.", |s| s.seconds.to_string()),
    ];
    for (name, help, figure) in figures {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} counter");
        for service in &services {
            let _ = writeln!(out, "{name}{{service=\"{}\"}} {}", service.service, figure(service));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_and_end_in_the_count() {
        let metrics = HttpMetrics::default();
        metrics.observe("GET", "/api/v1/findings", 200, Duration::from_millis(3));
        metrics.observe("GET", "/api/v1/findings", 200, Duration::from_millis(40));
        metrics.observe("GET", "/api/v1/findings", 200, Duration::from_secs(20));
        let mut out = String::new();
        metrics.write(&mut out);
        let labels = r#"method="GET",route="/api/v1/findings",status="200""#;
        assert!(
            out.contains(&format!("plinth_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1")),
            "{out}"
        );
        assert!(
            out.contains(&format!("plinth_http_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2")),
            "{out}"
        );
        assert!(out.contains(&format!("plinth_http_request_duration_seconds_bucket{{{labels},le=\"10\"}} 2")), "{out}");
        assert!(
            out.contains(&format!("plinth_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 3")),
            "{out}"
        );
        assert!(out.contains(&format!("plinth_http_request_duration_seconds_count{{{labels}}} 3")), "{out}");
    }

    #[test]
    fn only_the_configured_token_opens_the_metrics() {
        let mut headers = HeaderMap::new();
        assert!(!authorised(&headers, "s3cret"));
        headers.insert(AUTHORIZATION, "Bearer s3cret".parse().expect("a header"));
        assert!(authorised(&headers, "s3cret"));
        assert!(!authorised(&headers, "s3cret-longer"));
        headers.insert(AUTHORIZATION, "Basic s3cret".parse().expect("a header"));
        assert!(!authorised(&headers, "s3cret"));
    }
}
