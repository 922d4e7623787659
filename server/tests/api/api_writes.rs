//! Writing through /api/v1: editors tick checklist items and create and
//! change remediation items, admins start syncs. Each write refuses the
//! roles below it with 403 and anonymous callers with 401, and a bad body
//! with the field it is about, changing nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use app::domain::Role;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, client_with, insert_workload, manual_checklist_item, script_as, spawn_app, user_with};

/// Sends a JSON body (or none) and reads the JSON answer.
async fn send(client: &reqwest::Client, app: &TestApp, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let mut request = client.request(method, app.url(path));
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let kind = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(kind.starts_with("application/json"), "{path} answers JSON, not {kind:?} ({status})");
    (status, response.json().await.expect("a JSON body"))
}

/// The field a refusal names.
fn field(body: &Value) -> &str {
    body["fields"][0]["field"].as_str().unwrap_or_default()
}

/// A tiny demo source, so that a sync it starts ends quickly.
async fn small_demo_source(pool: &PgPool) -> Uuid {
    let settings = json!({ "findings": 20, "accounts": 1, "workloads": 1, "seed": 7 });
    server::db::sources::upsert(pool, "demo", "demo", &settings, 3600).await.expect("a source")
}

async fn succeeded_runs(pool: &PgPool) -> i64 {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM sync_runs WHERE status = 'succeeded'"#)
        .fetch_one(pool)
        .await
        .expect("a count")
}

fn manual(workload: Uuid, title: &str) -> Value {
    json!({ "workload": workload, "source": "manual", "title": title, "pillar": "security", "priority": "high" })
}

/// What a write may change: ticks' history, remediation items and their
/// history, and the audit log.
async fn written(pool: &PgPool) -> [i64; 4] {
    let row = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM checklist_history) AS "ticks!",
                  (SELECT count(*) FROM remediation_items) AS "items!",
                  (SELECT count(*) FROM remediation_history) AS "changes!",
                  (SELECT count(*) FROM audit_log) AS "audit!""#
    )
    .fetch_one(pool)
    .await
    .expect("the counts");
    [row.ticks, row.items, row.changes, row.audit]
}

/// One write: how it is called, the role it needs and what it answers.
struct Write {
    method: Method,
    template: &'static str,
    path: String,
    body: Value,
    needs: Role,
    answers: StatusCode,
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_write_refuses_the_roles_below_it_unchanged_and_serves_the_ones_at_or_above(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let (pack, item) = manual_checklist_item(&pool).await;
    let (_, created) =
        send(&app.client, &app, Method::POST, "/api/v1/remediation", manual(workload, "Rotate the keys")).await;
    let remediation = created["line"]["id"].as_str().expect("an item id").to_owned();
    let source = small_demo_source(&pool).await;
    let writes = [
        Write {
            method: Method::PUT,
            template: "/api/v1/workloads/{id}/checklist/{pack}/{item}",
            path: format!("/api/v1/workloads/{workload}/checklist/{pack}/{item}"),
            body: json!({ "state": "done" }),
            needs: Role::Editor,
            answers: StatusCode::OK,
        },
        Write {
            method: Method::POST,
            template: "/api/v1/remediation",
            path: "/api/v1/remediation".into(),
            body: manual(workload, "Tag the buckets"),
            needs: Role::Editor,
            answers: StatusCode::CREATED,
        },
        Write {
            method: Method::PATCH,
            template: "/api/v1/remediation/{id}",
            path: format!("/api/v1/remediation/{remediation}"),
            body: json!({ "status": "in_progress" }),
            needs: Role::Editor,
            answers: StatusCode::OK,
        },
        Write {
            method: Method::POST,
            template: "/api/v1/remediation/{id}/comments",
            path: format!("/api/v1/remediation/{remediation}/comments"),
            body: json!({ "body": "Keys older than 90 days are listed in the ticket." }),
            needs: Role::Editor,
            answers: StatusCode::CREATED,
        },
        Write {
            method: Method::POST,
            template: "/api/v1/sources/{id}/sync",
            path: format!("/api/v1/sources/{source}/sync"),
            body: Value::Null,
            needs: Role::Admin,
            answers: StatusCode::ACCEPTED,
        },
    ];
    let documented: BTreeSet<String> = server::api::openapi()
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [("PUT", &item.put), ("POST", &item.post), ("PATCH", &item.patch), ("DELETE", &item.delete)]
                .into_iter()
                .filter(|(_, operation)| operation.is_some())
                .map(move |(method, _)| format!("{method} {path}"))
        })
        .collect();
    let tried: BTreeSet<String> = writes.iter().map(|write| format!("{} {}", write.method, write.template)).collect();
    assert_eq!(documented, tried, "every documented write is tried here");
    let mut scripts = Vec::new();
    for role in Role::ALL {
        scripts.push((role, script_as(&pool, role).await));
    }
    let runs_before = succeeded_runs(&pool).await;

    for write in &writes {
        let (method, path) = (&write.method, write.path.as_str());
        let before = written(&pool).await;
        let (status, refusal) = send(&client_with(None), &app, method.clone(), path, write.body.clone()).await;
        assert_eq!((status, refusal["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")), "{path}");
        for (role, script) in scripts.iter().filter(|(role, _)| *role < write.needs) {
            let (status, refusal) = send(script, &app, method.clone(), path, write.body.clone()).await;
            assert_eq!((status, refusal["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{path}");
            let message = refusal["message"].as_str().unwrap_or_default();
            assert!(message.contains(&format!("needs the {} role", write.needs)), "{role}: {message}");
        }
        assert_eq!(written(&pool).await, before, "{method} {path}: the refusals changed nothing");
        for (role, script) in scripts.iter().filter(|(role, _)| *role >= write.needs) {
            let (status, answer) = send(script, &app, method.clone(), path, write.body.clone()).await;
            assert_eq!(status, write.answers, "{method} {path} serves a {role}: {answer}");
        }
        assert_ne!(written(&pool).await, before, "{method} {path}: the writes were kept");
    }

    for _ in 0..120 {
        if succeeded_runs(&pool).await > runs_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(succeeded_runs(&pool).await, runs_before + 1, "the admin's sync ran");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_tick_keeps_its_note_until_changed_and_a_bad_one_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let (pack, item) = manual_checklist_item(&pool).await;
    let editor = script_as(&pool, Role::Editor).await;
    let path = format!("/api/v1/workloads/{workload}/checklist/{pack}/{item}");

    let (status, line) = send(
        &editor,
        &app,
        Method::PUT,
        &path,
        json!({ "state": "done", "note": "Runbook reviewed", "link": "https://wiki.example.com/runbook" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{line}");
    assert_eq!((line["state"].as_str(), line["note"].as_str()), (Some("done"), Some("Runbook reviewed")));
    assert_eq!((line["actor"].as_str(), line["by_evidence"].as_bool()), (Some("editor@example.com"), Some(false)));

    let (_, line) = send(&editor, &app, Method::PUT, &path, json!({ "state": "open" })).await;
    assert_eq!(line["state"], "open");
    assert_eq!(line["note"], "Runbook reviewed", "a note left out stays");
    assert_eq!(line["link"], "https://wiki.example.com/runbook", "so does the link");

    for (body, refused) in [
        (json!({ "state": "finished" }), "state"),
        (json!({ "note": "no state" }), "state"),
        (json!({ "state": "done", "link": "ftp://files.example.com/proof" }), "link"),
        (json!({ "state": "done", "note": "x".repeat(2001) }), "note"),
    ] {
        let (status, answer) = send(&editor, &app, Method::PUT, &path, body).await;
        assert_eq!((status, field(&answer)), (StatusCode::UNPROCESSABLE_ENTITY, refused), "{answer}");
    }
    let form = editor.put(app.url(&path)).form(&[("state", "done")]).send().await.expect("answers");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "the API reads JSON only");
    let broken = editor
        .put(app.url(&path))
        .header(CONTENT_TYPE, "application/json")
        .body(r#"{"state": "done""#)
        .send()
        .await
        .expect("answers");
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let (status, _) =
        send(&editor, &app, Method::PUT, &path.replace(&item, "no-such-item"), json!({ "state": "done" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, checklist) =
        send(&editor, &app, Method::GET, &format!("/api/v1/workloads/{workload}/checklist?pack={pack}"), Value::Null)
            .await;
    let stored =
        checklist["items"].as_array().expect("items").iter().find(|line| line["item_id"] == item.as_str()).cloned();
    let stored = stored.expect("the item is listed");
    assert_eq!(
        (stored["state"].as_str(), stored["note"].as_str()),
        (Some("open"), Some("Runbook reviewed")),
        "the refusals changed nothing"
    );
    assert_eq!(stored["history"].as_array().map(Vec::len), Some(2), "two ticks, each in the history");

    let (_, cleared) =
        send(&editor, &app, Method::PUT, &path, json!({ "state": "not_applicable", "note": "", "link": "" })).await;
    assert_eq!((cleared["note"].as_str(), cleared["link"].is_null()), (Some(""), true), "empty values clear them");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_item_created_twice_from_one_source_is_one_item_and_bad_ones_are_refused_by_field(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let (pack, item) = manual_checklist_item(&pool).await;
    let editor = script_as(&pool, Role::Editor).await;
    let from_checklist = json!({ "workload": workload, "source": "checklist", "key": format!("{pack}/{item}") });

    let response = editor.post(app.url("/api/v1/remediation")).json(&from_checklist).send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[LOCATION].to_str().expect("a location").to_owned();
    let created: Value = response.json().await.expect("the item");
    let id = created["line"]["id"].as_str().expect("an id").to_owned();
    assert_eq!(location, format!("/api/v1/remediation/{id}"));
    assert_eq!(
        (created["line"]["source_kind"].as_str(), created["created_by"].as_str()),
        (Some("checklist"), Some("editor@example.com"))
    );

    let (status, again) = send(&editor, &app, Method::POST, "/api/v1/remediation", from_checklist).await;
    assert_eq!((status, again["line"]["id"].as_str()), (StatusCode::OK, Some(id.as_str())), "the item there is");
    let (status, read) = send(&editor, &app, Method::GET, &location, Value::Null).await;
    assert_eq!((status, read["line"]["title"].clone()), (StatusCode::OK, created["line"]["title"].clone()));

    for (body, refused) in [
        (json!({ "workload": workload, "source": "manual", "title": "No pillar", "priority": "low" }), "pillar"),
        (
            json!({ "workload": workload, "source": "manual", "title": " ", "pillar": "security", "priority": "low" }),
            "title",
        ),
        (json!({ "workload": workload, "source": "control", "key": "NOPE.1" }), "key"),
        (json!({ "workload": workload, "source": "rule" }), "key"),
        (json!({ "workload": Uuid::from_u128(7), "source": "checklist", "key": format!("{pack}/{item}") }), "workload"),
        (json!({ "workload": "checkout", "source": "manual" }), "workload"),
        (json!({ "workload": workload, "source": "wish" }), "source"),
    ] {
        let (status, answer) = send(&editor, &app, Method::POST, "/api/v1/remediation", body).await;
        assert_eq!((status, field(&answer)), (StatusCode::UNPROCESSABLE_ENTITY, refused), "{answer}");
    }
    let unknown = json!({ "workload": workload, "source": "control", "key": "NOPE.1" });
    let (_, answer) = send(&editor, &app, Method::POST, "/api/v1/remediation", unknown).await;
    let unknown_source = app::domain::remediation::RemediationRefusal::UnknownSource.message();
    assert_eq!(answer["fields"][0]["message"], format!(r#"{unknown_source} ("NOPE.1" is not a Security Hub control)"#));
    let items =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM remediation_items"#).fetch_one(&pool).await.expect("");
    assert_eq!(items, 1, "nothing refused was stored");
    let (status, _) =
        send(&editor, &app, Method::GET, &format!("/api/v1/remediation/{}", Uuid::from_u128(7)), Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_patch_changes_only_what_it_names_and_null_removes_the_owner_and_ticket(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let workload = insert_workload(&pool, "Checkout", &[("security", 71)]).await;
    let editor = script_as(&pool, Role::Editor).await;
    let owner = user_with(&pool, Role::Editor).await.id;
    let (_, created) =
        send(&editor, &app, Method::POST, "/api/v1/remediation", manual(workload, "Rotate the keys")).await;
    let path = format!("/api/v1/remediation/{}", created["line"]["id"].as_str().expect("an id"));
    let today = chrono::Utc::now().date_naive();

    let change = json!({
        "status": "in_progress",
        "owner_id": owner,
        "ticket_url": "https://tickets.example.com/SEC-1",
        "ticket_system": "jira",
        "due_on": "2031-03-01",
    });
    let (status, item) = send(&editor, &app, Method::PATCH, &path, change).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["line"]["status"], "in_progress");
    assert_eq!(item["owner_id"], owner.to_string());
    assert_eq!(item["ticket_url"], "https://tickets.example.com/SEC-1");
    assert_eq!(item["ticket_system"], "jira");
    assert_eq!(item["line"]["due_on"], "2031-03-01");
    let history = item["history"].as_array().map(Vec::len).unwrap_or_default();

    let removed = json!({ "owner_id": null, "ticket_url": null, "ticket_system": null });
    let (_, item) = send(&editor, &app, Method::PATCH, &path, removed).await;
    assert!(item["owner_id"].is_null() && item["ticket_url"].is_null() && item["ticket_system"].is_null(), "{item}");
    assert_eq!(
        (item["line"]["status"].as_str(), item["line"]["due_on"].as_str()),
        (Some("in_progress"), Some("2031-03-01")),
        "the rest stays"
    );
    assert!(item["history"].as_array().map(Vec::len).unwrap_or_default() > history, "each change is in the history");

    let yesterday = (today - chrono::Days::new(1)).to_string();
    let next_month = (today + chrono::Days::new(30)).to_string();
    for (change, refused) in [
        (json!({ "status": "risk_accepted", "acceptance_reason": "Legacy system" }), "accepted_until"),
        (
            json!({ "status": "risk_accepted", "acceptance_reason": "Legacy system", "accepted_until": yesterday }),
            "accepted_until",
        ),
        (json!({ "status": "risk_accepted", "accepted_until": next_month }), "acceptance_reason"),
        (json!({ "owner_id": Uuid::from_u128(7) }), "owner_id"),
        (json!({ "ticket_url": "tickets/SEC-1" }), "ticket_url"),
        (json!({ "ticket_system": "trello" }), "ticket_system"),
        (json!({ "due_on": "soon" }), "due_on"),
        (json!({ "status": "done" }), "status"),
    ] {
        let (status, answer) = send(&editor, &app, Method::PATCH, &path, change).await;
        assert_eq!((status, field(&answer)), (StatusCode::UNPROCESSABLE_ENTITY, refused), "{answer}");
    }
    let (_, unchanged) = send(&editor, &app, Method::GET, &path, Value::Null).await;
    assert_eq!(unchanged["line"]["status"], "in_progress", "the refusals changed nothing");

    let accept = json!({ "status": "risk_accepted", "acceptance_reason": "Replaced next quarter", "accepted_until": next_month });
    let (status, accepted) = send(&editor, &app, Method::PATCH, &path, accept).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (accepted["line"]["status"].as_str(), accepted["acceptance_reason"].as_str()),
        (Some("risk_accepted"), Some("Replaced next quarter"))
    );
    let comments = format!("{path}/comments");
    let (status, answer) = send(&editor, &app, Method::POST, &comments, json!({ "body": "  " })).await;
    assert_eq!((status, field(&answer)), (StatusCode::UNPROCESSABLE_ENTITY, "body"), "a blank comment is refused");
    let (status, item) =
        send(&editor, &app, Method::POST, &comments, json!({ "body": "Waiting on the vendor." })).await;
    assert_eq!(status, StatusCode::CREATED);
    let said: Vec<&str> =
        item["comments"].as_array().expect("comments").iter().filter_map(|c| c["body"].as_str()).collect();
    assert_eq!(said, ["Waiting on the vendor."]);

    let unknown = format!("/api/v1/remediation/{}", Uuid::from_u128(7));
    for change in [json!({}), json!({ "status": "risk_accepted" })] {
        let (status, _) = send(&editor, &app, Method::PATCH, &unknown, change).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "an item that is not there is a 404");
    }
    let bad_date = json!({ "status": "risk_accepted", "accepted_until": "" });
    let (status, _) = send(&editor, &app, Method::PATCH, "/api/v1/remediation/0", bad_date).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an id that is not a UUID names nothing, whatever the body");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_sync_that_is_running_is_a_conflict_and_an_unknown_source_is_not_found(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let source = small_demo_source(&pool).await;
    let mut holder = pool.acquire().await.expect("a connection");
    sqlx::query!("SELECT pg_advisory_lock($1)", server::db::sources::lock_key(source))
        .execute(&mut *holder)
        .await
        .expect("another sync holds the lock");
    let admin = script_as(&pool, Role::Admin).await;

    let (status, answer) =
        send(&admin, &app, Method::POST, &format!("/api/v1/sources/{source}/sync"), Value::Null).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("already running")), "{answer}");

    for unknown in [Uuid::from_u128(7).to_string(), "demo".to_owned()] {
        let (status, _) =
            send(&admin, &app, Method::POST, &format!("/api/v1/sources/{unknown}/sync"), Value::Null).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    }
}

/// Sends a JSON body with an `Idempotency-Key`.
async fn send_with_key(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response =
        client.post(app.url(path)).header("Idempotency-Key", key).json(&body).send().await.expect("the server answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_write_sent_again_with_its_idempotency_key_is_made_once(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let editor = script_as(&pool, Role::Editor).await;
    let item = json!({ "workload": workload, "source": "manual", "title": "Rotate the keys",
                       "pillar": "security", "priority": "high" });

    let (first, made) = send_with_key(&editor, &app, "/api/v1/remediation", "retry-7f3c", item.clone()).await;
    let (again, found) = send_with_key(&editor, &app, "/api/v1/remediation", "retry-7f3c", item.clone()).await;
    let (other, _) = send_with_key(&editor, &app, "/api/v1/remediation", "retry-other", item.clone()).await;
    let comments = format!("/api/v1/remediation/{}/comments", made["line"]["id"].as_str().expect("an id"));
    let comment = json!({ "body": "Keys rotated on Monday" });
    let (said, _) = send_with_key(&editor, &app, &comments, "comment-1", comment.clone()).await;
    let (said_again, shown) = send_with_key(&editor, &app, &comments, "comment-1", comment.clone()).await;
    let (bad, refusal) = send_with_key(&editor, &app, &comments, "", comment).await;

    assert_eq!((first, again, other), (StatusCode::CREATED, StatusCode::OK, StatusCode::CREATED));
    assert_eq!(found["line"]["id"], made["line"]["id"], "the key found the first item");
    let items = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM remediation_items"#).fetch_one(&pool).await;
    assert_eq!(items.expect("a count"), 2, "one item per key");
    assert_eq!((said, said_again), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(shown["comments"].as_array().map(Vec::len), Some(1), "one comment: {shown}");
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    assert_eq!(field(&refusal), "Idempotency-Key");
    let audited = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM audit_log WHERE action IN ('remediation.create', 'remediation.comment')"#
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    assert_eq!(audited, 3, "two items and one comment were made");
}
