//! HTTP: the router that joins the Leptos app, its server functions, the
//! static files and the operational endpoints.

mod admin;
mod answers;
mod checklists;
mod error;
mod exports;
mod gate;
mod health;
mod metrics;
mod remediation;
mod security;
mod setup;
mod sign_in;
mod theme;
mod tokens;
pub mod trace;

use std::sync::Arc;

use app::auth::SignInOptions;
use app::ports::{Admin, Answers, Checklists, Dashboard, Syncs};
use axum::Router;
use axum::extract::FromRef;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

pub use error::HttpError;
pub use setup::FIRST_ADMIN_COMMAND;

use crate::auth::Auth;
use crate::aws::clients::SourceClients;
use crate::checklists::writes::PgChecklists;
use crate::config::Settings;
use crate::dashboard::PgDashboard;
use crate::sync::trigger::BackgroundSyncs;

/// What every handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub dashboard: Dashboard,
    pub admin: Admin,
    pub syncs: Syncs,
    pub checklists: Checklists,
    pub answers: Answers,
    pub writers: SourceClients,
    pub remediation: crate::remediation::RemediationSettings,
    pub auth: Auth,
    pub weights: crate::scoring::model::Weights,
    /// How writes to AWS are delivered.
    pub outbox_settings: crate::outbox::OutboxSettings,
    /// Request counts and latency per route, for `/metrics`.
    pub http_metrics: Arc<metrics::HttpMetrics>,
    pub metrics_token: Option<secrecy::SecretString>,
    /// How fast each API token may call.
    pub token_rates: Arc<crate::auth::rate::TokenRates>,
    /// Recomputes scores after ticks, once for many at a time.
    pub rescorer: Arc<crate::scoring::Rescorer>,
    /// How fast each person may ask for the expensive pages.
    #[from_ref(skip)]
    pub page_rates: Arc<crate::auth::rate::TokenRates>,
}

impl AppState {
    /// The outbox writes to AWS go through, on this server's clients.
    pub fn outbox(&self) -> crate::outbox::Outbox {
        crate::outbox::Outbox::new(self.pool.clone(), self.writers.clone(), self.weights)
            .with_settings(self.outbox_settings)
    }

    pub fn new(leptos_options: LeptosOptions, pool: PgPool, settings: &Settings, writers: SourceClients) -> Self {
        let reads = Arc::new(PgDashboard::new(pool.clone(), settings.scoring));
        let dashboard = Dashboard(reads.clone());
        let admin = Admin(reads);
        let syncs = Syncs(Arc::new(BackgroundSyncs::new(pool.clone(), settings.clone())));
        let auth = Auth::new(pool.clone(), &settings.auth);
        let rescorer = Arc::new(crate::scoring::Rescorer::new(pool.clone(), settings.scoring));
        let writes = Arc::new(PgChecklists {
            pool: pool.clone(),
            weights: settings.scoring,
            rescorer: rescorer.clone(),
            writers: writers.clone(),
        });
        let checklists = Checklists(writes.clone());
        let answers = Answers(writes);
        AppState {
            leptos_options,
            pool,
            dashboard,
            admin,
            syncs,
            checklists,
            answers,
            writers,
            remediation: settings.remediation,
            auth,
            weights: settings.scoring,
            outbox_settings: settings.outbox,
            http_metrics: Arc::new(metrics::HttpMetrics::default()),
            metrics_token: settings.metrics.token.clone(),
            token_rates: Arc::new(crate::auth::rate::TokenRates::new(settings.api)),
            page_rates: Arc::new(crate::auth::rate::TokenRates::new(settings.http.page_reads)),
            rescorer,
        }
    }
}

/// What every page and server function gets as Leptos context: the ports
/// and how people can sign in.
pub(crate) fn leptos_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let dashboard = state.dashboard.clone();
    let admin = state.admin.clone();
    let syncs = state.syncs.clone();
    let checklists = state.checklists.clone();
    let answers = state.answers.clone();
    let sign_in = SignInOptions { sso_label: state.auth.settings.oidc.as_ref().map(|oidc| oidc.label.clone()) };
    move || {
        provide_context(dashboard.clone());
        provide_context(admin.clone());
        provide_context(syncs.clone());
        provide_context(checklists.clone());
        provide_context(answers.clone());
        provide_context(sign_in.clone());
    }
}

/// The whole HTTP surface of Plinth.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let context = leptos_context(&state);
    let shell = {
        let options = state.leptos_options.clone();
        move || app::shell(options.clone())
    };

    Router::new()
        .merge(crate::api::router())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/theme", post(theme::choose_theme))
        .route("/login", post(sign_in::sign_in))
        .route("/logout", post(sign_in::sign_out))
        .route("/auth/oidc/start", get(sign_in::sso_start))
        .route("/auth/oidc/callback", get(sign_in::sso_callback))
        .route("/workloads/{id}/checklist", post(checklists::tick))
        .route("/workloads/{id}/checklist/auto-tick", post(checklists::auto_tick))
        .route("/admin/checklists", post(checklists::import))
        .route("/remediation", post(remediation::create))
        .route("/remediation/bulk", post(remediation::bulk))
        .route("/remediation/{id}", post(remediation::update))
        .route("/remediation/{id}/comments", post(remediation::comment))
        .route("/workloads/{id}/remediation/high-risks", post(remediation::create_for_high_risks))
        .route("/workloads/{id}/answers", post(answers::change))
        .route("/workloads/{id}/answers/suggestions", post(answers::confirm_suggestions))
        .route("/workloads/{id}/answers/resolve", post(answers::resolve))
        .route("/workloads/{id}/answers/write-back", post(answers::write_back))
        .route("/checklists/{id}/export", get(checklists::export))
        .route("/workloads/{id}/export", get(exports::workload))
        .route("/workloads/{id}/milestones", post(exports::record_milestone))
        .route("/export", get(exports::organisation))
        .route("/settings/tokens", post(tokens::create))
        .route("/settings/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/users", post(admin::add_user))
        .route("/admin/users/role", post(admin::set_role))
        .route("/admin/users/disable", post(admin::disable))
        .route("/admin/users/enable", post(admin::enable))
        .route("/metrics", get(metrics::metrics))
        .leptos_routes_with_context(&state, routes, context.clone(), shell)
        // Every route above is timed; the fallback's paths are unbounded.
        .route_layer(from_fn_with_state(state.clone(), metrics::track))
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, app::shell))
        // The last layer added runs first: headers on everything, then the
        // cross-origin check, then who is asking.
        .layer(from_fn_with_state(state.clone(), gate::gate))
        .layer(from_fn_with_state(state.clone(), security::same_origin_writes))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::map_response(error::retry_after_when_unavailable))
        .layer(TraceLayer::new_for_http().make_span_with(trace::span))
        // Outermost: the id is there before the span that carries it.
        .layer(axum::middleware::from_fn(trace::request_id))
        .with_state(state)
}
