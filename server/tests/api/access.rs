//! The role × route matrix: every page and server function the app
//! registers, and every plain HTTP route, asked by anonymous, viewer,
//! editor and admin. A new route that is not classified here fails the
//! test until someone decides who may use it.

use app::domain::Role;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use sqlx::PgPool;

use crate::helpers::{TestApp, client_with, insert_workload, session_for, spawn_app};

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Needs {
    Anyone,
    Role(Role),
}

fn page_needs(path: &str) -> Needs {
    match path {
        "/login" => Needs::Anyone,
        path if path.starts_with("/admin") => Needs::Role(Role::Admin),
        _ => Needs::Role(Role::Viewer),
    }
}

/// Every server function, by its path, with what it needs.
fn server_fn_needs(path: &str) -> Needs {
    match path {
        "/api/overview"
        | "/api/workload"
        | "/api/pillar"
        | "/api/findings"
        | "/api/finding"
        | "/api/rules"
        | "/api/rule"
        | "/api/sync_status"
        | "/api/aws_writes"
        | "/api/onboarding"
        | "/api/checklist"
        | "/api/answers"
        | "/api/remediation"
        | "/api/remediation_item"
        | "/api/my_tokens" => Needs::Role(Role::Viewer),
        "/api/tick" => Needs::Role(Role::Editor),
        "/api/sync_now" | "/api/admin_users" | "/api/admin_audit" | "/api/admin_sources" | "/api/admin_packs" => {
            Needs::Role(Role::Admin)
        }
        other => panic!("the server function {other} is not in the role matrix: decide who may call it"),
    }
}

/// The plain HTTP routes outside Leptos.
const PLAIN_ROUTES: [(&str, &str, Needs); 29] = [
    ("GET", "/healthz", Needs::Anyone),
    ("GET", "/readyz", Needs::Anyone),
    ("POST", "/theme", Needs::Anyone),
    ("POST", "/login", Needs::Anyone),
    ("GET", "/auth/oidc/start", Needs::Anyone),
    ("GET", "/auth/oidc/callback", Needs::Anyone),
    ("POST", "/workloads/{id}/checklist", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/checklist/auto-tick", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/answers", Needs::Role(Role::Editor)),
    ("POST", "/remediation", Needs::Role(Role::Editor)),
    ("POST", "/remediation/bulk", Needs::Role(Role::Editor)),
    ("POST", "/remediation/{id}", Needs::Role(Role::Editor)),
    ("POST", "/remediation/{id}/comments", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/remediation/high-risks", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/answers/suggestions", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/answers/resolve", Needs::Role(Role::Editor)),
    ("POST", "/workloads/{id}/answers/write-back", Needs::Role(Role::Editor)),
    ("GET", "/checklists/aws-cost/export", Needs::Role(Role::Viewer)),
    ("GET", "/workloads/{id}/export", Needs::Role(Role::Viewer)),
    ("GET", "/export", Needs::Role(Role::Viewer)),
    ("POST", "/workloads/{id}/milestones", Needs::Role(Role::Editor)),
    ("POST", "/settings/tokens", Needs::Role(Role::Viewer)),
    ("POST", "/settings/tokens/{id}/revoke", Needs::Role(Role::Viewer)),
    ("POST", "/admin/checklists", Needs::Role(Role::Admin)),
    ("POST", "/admin/users", Needs::Role(Role::Admin)),
    ("POST", "/admin/users/role", Needs::Role(Role::Admin)),
    ("POST", "/admin/users/disable", Needs::Role(Role::Admin)),
    ("POST", "/admin/users/enable", Needs::Role(Role::Admin)),
    // Last: it ends the sessions the other checks use.
    ("POST", "/logout", Needs::Anyone),
];

/// A concrete address for a route pattern.
fn fill(pattern: &str, workload: uuid::Uuid) -> String {
    pattern
        .split('/')
        .map(|segment| match segment.trim_matches(|c| matches!(c, '{' | '}' | ':')) {
            "id" if segment != "id" => workload.to_string(),
            "pillar" if segment != "pillar" => "security".to_owned(),
            "name" if segment != "name" => "s3-bucket-ssl-requests-only".to_owned(),
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The arguments a server function gets in the matrix.
fn call_args(path: &str, workload: uuid::Uuid) -> Vec<(&'static str, String)> {
    match path {
        "/api/workload" => vec![("id", workload.to_string())],
        "/api/checklist" | "/api/answers" => vec![("workload", workload.to_string())],
        "/api/remediation_item" => vec![("id", workload.to_string())],
        "/api/tick" => vec![
            ("workload", workload.to_string()),
            ("pack", "aws-cost".into()),
            ("item", "no-such-item".into()),
            ("state", "done".into()),
        ],
        "/api/pillar" => vec![("workload", workload.to_string()), ("pillar", "security".into())],
        "/api/finding" => vec![("id", "arn:aws:securityhub:none".into())],
        "/api/rule" => vec![("name", "s3-bucket-ssl-requests-only".into())],
        "/api/sync_now" => vec![("source", uuid::Uuid::nil().to_string())],
        _ => vec![],
    }
}

struct Check {
    what: String,
    needs: Needs,
    method: String,
    path: String,
    form: Vec<(&'static str, String)>,
    /// Whether a refused anonymous request is sent to sign in (a page).
    is_page: bool,
}

async fn ask(app: &TestApp, client: &reqwest::Client, check: &Check) -> reqwest::Response {
    let url = app.url(&check.path);
    let request =
        if check.method == "GET" { client.get(url).query(&check.form) } else { client.post(url).form(&check.form) };
    request.send().await.expect("the server answers")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_route_lets_in_exactly_the_roles_it_should(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let app = spawn_app(pool.clone()).await;
    let mut checks = Vec::new();
    for route in leptos_axum::generate_route_list(app::App) {
        let pattern = route.path().to_owned();
        checks.push(Check {
            what: format!("page {pattern}"),
            needs: page_needs(&pattern),
            method: "GET".into(),
            path: fill(&pattern, workload),
            form: vec![],
            is_page: true,
        });
    }
    let mut server_fns: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    server_fns.sort_by_key(|(path, _)| *path);
    for (path, method) in server_fns {
        checks.push(Check {
            what: format!("server function {path}"),
            needs: server_fn_needs(path),
            method: method.to_string(),
            path: path.to_owned(),
            form: call_args(path, workload),
            is_page: false,
        });
    }
    for (method, path, needs) in PLAIN_ROUTES {
        checks.push(Check {
            what: format!("route {method} {path}"),
            needs,
            method: method.into(),
            path: fill(path, workload),
            form: vec![],
            // A browser's GET is sent to sign in like a page's.
            is_page: method == "GET",
        });
    }
    assert!(checks.iter().filter(|c| c.is_page).count() >= 10, "the pages are enumerated");
    assert!(checks.iter().filter(|c| c.what.starts_with("server function")).count() >= 9);

    let mut people = vec![(None, client_with(None))];
    for role in Role::ALL {
        people.push((Some(role), client_with(Some(&session_for(&pool, role).await))));
    }
    let mut asked = 0;
    for check in &checks {
        for (role, client) in &people {
            let response = ask(&app, client, check).await;
            let status = response.status();
            let to_sign_in = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .is_some_and(|l| l.starts_with("/login?next="));
            let who = role.map_or("anonymous".to_owned(), |r| r.to_string());
            match (check.needs, role) {
                (Needs::Anyone, _) => {
                    assert!(
                        !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !to_sign_in,
                        "{} must be open to {who}, got {status}",
                        check.what
                    );
                }
                (Needs::Role(_), None) if check.is_page => {
                    assert!(
                        status == StatusCode::SEE_OTHER && to_sign_in,
                        "{} must send {who} to sign in, got {status}",
                        check.what
                    );
                }
                (Needs::Role(_), None) => {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{} must refuse {who}", check.what);
                }
                (Needs::Role(needed), Some(role)) if role.allows(needed) => {
                    assert!(
                        !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && !to_sign_in,
                        "{} must let {who} in, got {status}",
                        check.what
                    );
                }
                (Needs::Role(_), Some(_)) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{} must refuse {who}", check.what);
                }
            }
            asked += 1;
        }
    }
    assert_eq!(asked, checks.len() * 4);
}
