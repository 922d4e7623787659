//! HTTP: the router that joins the Leptos app, its server functions, the
//! static files and the operational endpoints.

mod error;
mod health;
mod theme;

use std::sync::Arc;

use app::ports::{Dashboard, Syncs};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

pub use error::HttpError;

use crate::config::Settings;
use crate::dashboard::PgDashboard;
use crate::sync::trigger::BackgroundSyncs;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub dashboard: Dashboard,
    pub syncs: Syncs,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, pool: PgPool, settings: &Settings) -> Self {
        let dashboard = Dashboard(Arc::new(PgDashboard::new(pool.clone(), settings.scoring)));
        let syncs = Syncs(Arc::new(BackgroundSyncs::new(pool.clone(), settings.clone())));
        AppState { leptos_options, pool, dashboard, syncs }
    }
}

/// The whole HTTP surface of Plinth.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let context = {
        let dashboard = state.dashboard.clone();
        let syncs = state.syncs.clone();
        move || {
            provide_context(dashboard.clone());
            provide_context(syncs.clone());
        }
    };
    let shell = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/theme", post(theme::choose_theme))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
