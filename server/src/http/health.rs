//! Health endpoints for load balancers and orchestrators.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::db;

/// A readiness probe gives up on the database after this long.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The server can do its work: the database answers.
#[tracing::instrument(skip_all)]
pub async fn readyz(State(pool): State<PgPool>) -> (StatusCode, Json<Value>) {
    match tokio::time::timeout(READY_TIMEOUT, db::health::ping(&pool)).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "not ready: database query failed");
            unavailable("the database is unreachable")
        }
        Err(_) => {
            tracing::warn!(timeout = ?READY_TIMEOUT, "not ready: database did not answer");
            unavailable("the database did not answer in time")
        }
    }
}

fn unavailable(reason: &str) -> (StatusCode, Json<Value>) {
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "reason": reason })))
}
