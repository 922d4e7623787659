//! Well-Architected answers as a checklist: changing a practice through a
//! plain form, refusals that keep what was typed, write-back to the
//! Well-Architected Tool on mocked SDK clients (written, and a conflict with
//! both versions), evidence that suggests practices, and the one-click tick.

use app::domain::Role;
use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::error::ErrorMetadata;
use aws_sdk_wellarchitected::operation::get_answer::GetAnswerOutput;
use aws_sdk_wellarchitected::operation::update_answer::{UpdateAnswerError, UpdateAnswerOutput};
use aws_sdk_wellarchitected::types::error::AccessDeniedException;
use aws_sdk_wellarchitected::types::{Answer, Risk};
use aws_smithy_mocks::{Rule, mock};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use server::aws::clients::SourceClients;
use server::lens::WELL_ARCHITECTED;
use server::outbox::{Outbox, Round};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{
    TestApp, WA_ACCOUNT, WA_REGION, WA_WORKLOAD, client_with, insert_workload, link_wa_review, session_for, spawn_app,
    spawn_app_writing_to, wa_writers,
};

const ACCOUNT: &str = WA_ACCOUNT;
const REGION: &str = WA_REGION;
const QUESTION: &str = "detect-investigate-events";
const LOGGING: &str = "sec_detect_investigate_events_app_service_logging";
const ALERTS: &str = "sec_detect_investigate_events_security_alerts";

fn title_of(choice: &str) -> String {
    WELL_ARCHITECTED
        .questions()
        .flat_map(|(_, question)| question.choices.iter())
        .find(|c| c.id == choice)
        .map(|c| c.title.clone())
        .expect("the choice is in the lens")
}

/// A workload with a review in the Well-Architected Tool, from a source of
/// this name and kind, with the question unanswered at high risk.
async fn reviewed_workload(pool: &PgPool, source: &str, kind: &str) -> Uuid {
    let workload = insert_workload(pool, "Checkout", &[]).await;
    link_wa_review(pool, workload, source, kind).await;
    sqlx::query!(
        "INSERT INTO wa_lens_reviews (wa_workload_id, lens_alias) VALUES ($1, 'wellarchitected')",
        WA_WORKLOAD
    )
    .execute(pool)
    .await
    .expect("the lens review");
    sqlx::query!(
        "INSERT INTO wa_answers (wa_workload_id, lens_alias, question_id, pillar, risk)
         VALUES ($1, 'wellarchitected', $2, 'security', 'HIGH')",
        WA_WORKLOAD,
        QUESTION
    )
    .execute(pool)
    .await
    .expect("the answer");
    workload
}

fn writers(rules: &[&Rule]) -> SourceClients {
    wa_writers(rules)
}

fn remote(selected: &[&str]) -> GetAnswerOutput {
    let mut answer = Answer::builder().question_id(QUESTION);
    for choice in selected {
        answer = answer.selected_choices(*choice);
    }
    GetAnswerOutput::builder().answer(answer.build()).build()
}

async fn answer(app: &TestApp, client: &reqwest::Client, workload: Uuid, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.url(&format!("/workloads/{workload}/answers"))).form(form).send().await.expect("answers")
}

async fn selected_in_aws(pool: &PgPool) -> (Vec<String>, Option<String>) {
    let row = sqlx::query!(
        "SELECT selected_choices, risk FROM wa_answers WHERE wa_workload_id = $1 AND question_id = $2",
        WA_WORKLOAD,
        QUESTION
    )
    .fetch_one(pool)
    .await
    .expect("the answer");
    (row.selected_choices, row.risk)
}

async fn edit_status(pool: &PgPool, workload: Uuid) -> Option<String> {
    sqlx::query_scalar!(
        "SELECT status FROM wa_answer_edits WHERE workload_id = $1 AND question_id = $2",
        workload,
        QUESTION
    )
    .fetch_optional(pool)
    .await
    .expect("a read")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn with_write_back_off_a_practice_is_kept_in_plinth_and_the_page_says_so(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let app = spawn_app(pool.clone()).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let back = format!("/workloads/{workload}/answers?pillar=security");

    let response = answer(
        &app,
        &editor,
        workload,
        &[("question", QUESTION), ("choice", LOGGING), ("state", "selected"), ("back", &back)],
    )
    .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[LOCATION],
        format!("{back}&open={QUESTION}#question-{QUESTION}").as_str(),
        "back to the page, at the question"
    );
    assert_eq!(edit_status(&pool, workload).await.as_deref(), Some("local"));
    assert_eq!(selected_in_aws(&pool).await.0, Vec::<String>::new(), "AWS's answer is untouched");
    let (status, page) = app.get_text(&back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Changed in Plinth; not in the Well-Architected Tool."));
    let question = page.split(&format!("id=\"question-{QUESTION}\"")).nth(1).expect("the question is shown");
    assert!(question.contains("1 of 4 followed"), "the question counts the practice followed");
    assert!(page.contains("kept in Plinth"), "the history says what became of it");
    let audited = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log WHERE action = 'answer.change'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn not_applicable_needs_a_reason_and_a_refusal_keeps_what_was_typed(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let app = spawn_app(pool.clone()).await;
    let too_long = "x".repeat(251);

    for reason in ["", "   ", too_long.as_str()] {
        let response = answer(
            &app,
            &app.client,
            workload,
            &[("question", QUESTION), ("choice", LOGGING), ("state", "not_applicable"), ("reason", reason)],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()[LOCATION].to_str().expect("a location").to_owned();
        assert!(location.contains("error=reason"), "{location}");
        assert!(location.contains(&format!("edit={QUESTION}%2F{LOGGING}")), "{location}");
        if reason == too_long {
            assert!(location.contains(&too_long), "the typed reason comes back");
            let (_, page) = app.get_text(&location).await;
            assert!(page.contains("Say why the practice does not apply"));
            assert!(page.contains(&format!("value=\"{too_long}\"")), "the field holds what was typed");
        }
    }
    assert_eq!(edit_status(&pool, workload).await, None, "nothing was stored");

    let accepted = answer(
        &app,
        &app.client,
        workload,
        &[("question", QUESTION), ("choice", LOGGING), ("state", "not_applicable"), ("reason", "No applications here")],
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers?pillar=security")).await;
    assert!(page.contains("“No applications here”"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn with_write_back_on_the_answer_goes_to_aws_and_the_risk_moves(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let get = mock!(Client::get_answer).then_output(|| remote(&[]));
    let put = mock!(Client::update_answer)
        .match_requests(|request| {
            request.workload_id() == Some(WA_WORKLOAD)
                && request.question_id() == Some(QUESTION)
                && request.selected_choices() == [LOGGING]
        })
        .then_output(|| UpdateAnswerOutput::builder().answer(Answer::builder().risk(Risk::Medium).build()).build());
    let app = spawn_app_writing_to(pool.clone(), writers(&[&get, &put])).await;
    let on = app
        .client
        .post(app.url(&format!("/workloads/{workload}/answers/write-back")))
        .form(&[("on", "true")])
        .send()
        .await
        .expect("answers");
    assert_eq!(on.status(), StatusCode::SEE_OTHER);

    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", LOGGING), ("state", "selected")]).await;

    assert_eq!(put.num_calls(), 1, "one UpdateAnswer with exactly the selected practice");
    assert_eq!(selected_in_aws(&pool).await, (vec![LOGGING.to_owned()], Some("MEDIUM".to_owned())));
    assert_eq!(edit_status(&pool, workload).await, None, "AWS has the answer now");
    let security = sqlx::query_scalar!(
        "SELECT review FROM pillar_scores WHERE workload_id = $1 AND pillar = 'security'",
        workload
    )
    .fetch_one(&pool)
    .await
    .expect("the score was recomputed");
    assert_eq!(security, Some(50.0), "a medium-risk answer counts half");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_answer_aws_refuses_stays_queued_with_the_error_and_a_later_round_writes_it(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let get = mock!(Client::get_answer).then_output(|| remote(&[]));
    let put = mock!(Client::update_answer)
        .sequence()
        .error(|| {
            UpdateAnswerError::AccessDeniedException(
                AccessDeniedException::builder()
                    .message("not authorized to perform: wellarchitected:UpdateAnswer")
                    .meta(ErrorMetadata::builder().code("AccessDeniedException").build())
                    .build(),
            )
        })
        .output(|| UpdateAnswerOutput::builder().answer(Answer::builder().risk(Risk::Medium).build()).build())
        .build();
    let app = spawn_app_writing_to(pool.clone(), writers(&[&get, &put])).await;
    sqlx::query!("UPDATE workloads SET wa_write_back = true WHERE id = $1", workload)
        .execute(&pool)
        .await
        .expect("write-back on");

    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", LOGGING), ("state", "selected")]).await;

    assert_eq!(put.num_calls(), 1);
    assert_eq!(edit_status(&pool, workload).await.as_deref(), Some("local"), "kept in Plinth, not failed");
    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers")).await;
    assert!(
        page.contains("queued for the Well-Architected Tool: retrying (1 attempt so far, next at ")
            && page.contains("not authorized to perform: wellarchitected:UpdateAnswer"),
        "the page says it is queued, when it is tried again and why"
    );

    // The role is granted UpdateAnswer; half a minute later the outbox tries again.
    sqlx::query!("UPDATE aws_writes SET next_attempt_at = now()").execute(&pool).await.expect("due");
    let round = Outbox::new(pool.clone(), writers(&[&get, &put]), Default::default()).deliver_due().await;

    assert_eq!(round.expect("a round"), Round { done: 1, retrying: 0, given_up: 0 });
    assert_eq!(put.num_calls(), 2);
    assert_eq!(selected_in_aws(&pool).await, (vec![LOGGING.to_owned()], Some("MEDIUM".to_owned())));
    assert_eq!(edit_status(&pool, workload).await, None, "AWS has the answer now");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_answer_sent_again_after_a_server_stopped_mid_write_is_not_written_twice(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let app = spawn_app(pool.clone()).await;
    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", LOGGING), ("state", "selected")]).await;
    // Its write went out and AWS took it, but the server stopped before it
    // stored that: the write is left claimed, and the claim has lapsed.
    sqlx::query!("UPDATE workloads SET wa_write_back = true WHERE id = $1", workload)
        .execute(&pool)
        .await
        .expect("write-back on");
    sqlx::query!(
        "INSERT INTO aws_writes (kind, workload_id, subject, actor, attempts, claimed_until)
         VALUES ('answer', $1, $2, 'editor@example.com', 1, now() - interval '1 second')",
        workload,
        QUESTION
    )
    .execute(&pool)
    .await
    .expect("the write as the stopped server left it");
    let get = mock!(Client::get_answer).then_output(|| remote(&[LOGGING]));
    let put = mock!(Client::update_answer).then_output(|| UpdateAnswerOutput::builder().build());

    let round = Outbox::new(pool.clone(), writers(&[&get, &put]), Default::default()).deliver_due().await;

    assert_eq!(round.expect("a round"), Round { done: 1, retrying: 0, given_up: 0 });
    assert_eq!(put.num_calls(), 0, "AWS has this answer already: no second UpdateAnswer, and no conflict");
    assert_eq!(edit_status(&pool, workload).await, None);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_change_made_in_aws_since_the_sync_is_shown_with_both_versions_and_never_overwritten(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    // Someone selected another practice in the console after our sync.
    let get = mock!(Client::get_answer).then_output(|| remote(&[ALERTS]));
    let put = mock!(Client::update_answer)
        .match_requests(|request| {
            let mut selected = request.selected_choices().to_vec();
            selected.sort();
            selected == [LOGGING, ALERTS]
        })
        .then_output(|| UpdateAnswerOutput::builder().answer(Answer::builder().risk(Risk::None).build()).build());
    let app = spawn_app_writing_to(pool.clone(), writers(&[&get, &put])).await;
    sqlx::query!("UPDATE workloads SET wa_write_back = true WHERE id = $1", workload)
        .execute(&pool)
        .await
        .expect("write-back on");

    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", LOGGING), ("state", "selected")]).await;

    assert_eq!(put.num_calls(), 0, "nothing is overwritten");
    assert_eq!(edit_status(&pool, workload).await.as_deref(), Some("conflict"));
    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers")).await;
    assert!(page.contains("Changed in AWS since the last sync: nothing was overwritten."));
    let versions = page.split("In AWS now").nth(1).expect("both versions are shown");
    let (aws, plinth) = versions.split_once("In Plinth").expect("Plinth's version follows");
    assert!(aws.contains(&title_of(ALERTS)) && !aws.contains(&title_of(LOGGING)), "AWS's version");
    assert!(plinth.contains(&title_of(LOGGING)), "Plinth's version");

    // The person adds AWS's practice to theirs and writes it knowingly.
    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", ALERTS), ("state", "selected")]).await;
    assert_eq!(put.num_calls(), 0, "a question in conflict is not written until it is settled");
    let resolved = app
        .client
        .post(app.url(&format!("/workloads/{workload}/answers/resolve")))
        .form(&[("question", QUESTION), ("keep", "plinth")])
        .send()
        .await
        .expect("answers");
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
    assert_eq!(put.num_calls(), 1);
    assert_eq!(selected_in_aws(&pool).await, (vec![LOGGING.to_owned(), ALERTS.to_owned()], Some("NONE".to_owned())));
    assert_eq!(edit_status(&pool, workload).await, None);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn keeping_the_answer_in_aws_drops_plinths_change_but_not_its_history(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let get = mock!(Client::get_answer).then_output(|| remote(&[ALERTS]));
    let app = spawn_app_writing_to(pool.clone(), writers(&[&get])).await;
    sqlx::query!("UPDATE workloads SET wa_write_back = true WHERE id = $1", workload)
        .execute(&pool)
        .await
        .expect("write-back on");
    answer(&app, &app.client, workload, &[("question", QUESTION), ("choice", LOGGING), ("state", "selected")]).await;

    app.client
        .post(app.url(&format!("/workloads/{workload}/answers/resolve")))
        .form(&[("question", QUESTION), ("keep", "aws")])
        .send()
        .await
        .expect("answers");

    assert_eq!(edit_status(&pool, workload).await, None);
    assert_eq!(selected_in_aws(&pool).await.0, vec![ALERTS.to_owned()], "AWS's answer as it is now");
    let history =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wa_choice_history WHERE workload_id = $1"#, workload)
            .fetch_one(&pool)
            .await
            .expect("a count");
    assert_eq!(history, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn write_back_cannot_be_turned_on_without_an_aws_account_behind_the_workload(pool: PgPool) {
    let workload = reviewed_workload(&pool, "demo", "demo").await;
    let app = spawn_app(pool.clone()).await;

    let response = app
        .client
        .post(app.url(&format!("/workloads/{workload}/answers/write-back")))
        .form(&[("on", "true")])
        .send()
        .await
        .expect("answers");

    assert_eq!(response.headers()[LOCATION], format!("/workloads/{workload}/answers?error=write-back").as_str());
    let on = sqlx::query_scalar!("SELECT wa_write_back FROM workloads WHERE id = $1", workload)
        .fetch_one(&pool)
        .await
        .expect("a read");
    assert!(!on);
    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers?error=write-back")).await;
    assert!(page.contains("the demo data has no AWS account behind it"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn evidence_suggests_the_practices_it_proves_and_a_person_confirms_them(pool: PgPool) {
    let workload = reviewed_workload(&pool, "prod", "aws").await;
    let source = sqlx::query_scalar!("SELECT id FROM sources WHERE name = 'prod'").fetch_one(&pool).await.expect("id");
    // CloudTrail in every region passes: the checklist item proves logging.
    sqlx::query!(
        "INSERT INTO config_rules (account_id, region, rule_name, source_id, owner, source_identifier, compliance)
         VALUES ($1, $2, 'multi-region-cloudtrail-enabled', $3, 'AWS', 'MULTI_REGION_CLOUD_TRAIL_ENABLED', 'COMPLIANT')",
        ACCOUNT,
        REGION,
        source
    )
    .execute(&pool)
    .await
    .expect("the rule's result");
    let app = spawn_app(pool.clone()).await;

    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers")).await;
    assert!(page.contains("practices that are not selected") || page.contains("1 practice that is not selected"));
    assert!(page.contains(&format!("value=\"{QUESTION}/{LOGGING}\"")), "the proven practice is offered");
    assert!(page.contains("Enable CloudTrail in all regions"), "with the item that proves it");

    let response = app
        .client
        .post(app.url(&format!("/workloads/{workload}/answers/suggestions")))
        .form(&[("choice", format!("{QUESTION}/{LOGGING}").as_str())])
        .send()
        .await
        .expect("answers");

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let selected = sqlx::query_scalar!(
        "SELECT selected FROM wa_answer_edits WHERE workload_id = $1 AND question_id = $2",
        workload,
        QUESTION
    )
    .fetch_one(&pool)
    .await
    .expect("the confirmed answer");
    assert_eq!(selected, vec![LOGGING.to_owned()]);
    let (_, page) = app.get_text(&format!("/workloads/{workload}/answers")).await;
    assert!(!page.contains(&format!("value=\"{QUESTION}/{LOGGING}\"")), "a selected practice is no longer suggested");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_one_click_tick_keeps_the_note_and_refuses_viewers_and_unknown_items(pool: PgPool) {
    let workload = insert_workload(&pool, "Checkout", &[]).await;
    let app = spawn_app(pool.clone()).await;
    let item = sqlx::query!("SELECT pack_id, item_id FROM checklist_items ORDER BY pack_id, item_id LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("an item");
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));
    let detailed = [
        ("pack", item.pack_id.as_str()),
        ("item", item.item_id.as_str()),
        ("state", "open"),
        ("note", "Waiting for the new account"),
    ];
    editor.post(app.url(&format!("/workloads/{workload}/checklist"))).form(&detailed).send().await.expect("answers");
    let click = |client: reqwest::Client, item_id: String| {
        let url = app.url("/api/tick");
        let workload = workload.to_string();
        let pack = item.pack_id.clone();
        async move {
            client
                .post(url)
                .form(&[("workload", workload.as_str()), ("pack", &pack), ("item", &item_id), ("state", "done")])
                .send()
                .await
                .expect("answers")
                .status()
        }
    };

    assert_eq!(click(editor.clone(), item.item_id.clone()).await, StatusCode::OK);
    let row = sqlx::query!(
        "SELECT state, note FROM checklist_ticks WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3",
        workload,
        item.pack_id,
        item.item_id
    )
    .fetch_one(&pool)
    .await
    .expect("the tick");
    assert_eq!((row.state.as_str(), row.note.as_str()), ("done", "Waiting for the new account"));

    // The details form, drawn before the click, still shows "open": saving
    // a note from it leaves the state the click set.
    let note_only = [
        ("pack", item.pack_id.as_str()),
        ("item", item.item_id.as_str()),
        ("state", "open"),
        ("state_was", "open"),
        ("note", "Account created"),
    ];
    editor.post(app.url(&format!("/workloads/{workload}/checklist"))).form(&note_only).send().await.expect("answers");
    let row = sqlx::query!(
        "SELECT state, note FROM checklist_ticks WHERE workload_id = $1 AND pack_id = $2 AND item_id = $3",
        workload,
        item.pack_id,
        item.item_id
    )
    .fetch_one(&pool)
    .await
    .expect("the tick");
    assert_eq!((row.state.as_str(), row.note.as_str()), ("done", "Account created"));

    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));
    assert_eq!(click(viewer, item.item_id.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(click(editor, "no-such-item".into()).await, StatusCode::NOT_FOUND);
}
