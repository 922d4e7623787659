//! Text from users and from AWS never becomes markup. Every page is
//! rendered with a payload in every free-text column of the database, then
//! again with the payload in every form field the page carries and every
//! parameter a page reflects, and read back with an HTML parser the way a
//! browser reads it: no element, attribute or title may come from the
//! payload.

use app::domain::Role;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{client_with, load_demo, manual_remediation_item, session_for, spawn_app};

/// Closes every raw-text element Leptos writes (`<textarea>`, `<title>`)
/// and the attribute quotes, then opens the markup the attacks used: a
/// refresh to another site, a form that posts to the admin page, a marker.
const PAYLOAD: &str = concat!(
    "P\"'</textarea></title></style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
    "<form action=\"/admin/users\"><button data-pwn=\"1\">Go</button></form>",
    "<b data-pwn=\"2\">&amp;",
);

/// The free-text columns: what people type and what AWS names.
const FREE_TEXT: &[(&str, &str)] = &[
    ("workloads", "name"),
    ("workloads", "description"),
    ("workloads", "review_owner"),
    ("wa_workloads", "name"),
    ("wa_workloads", "description"),
    ("wa_workloads", "review_owner"),
    ("wa_lens_reviews", "lens_name"),
    ("wa_lens_reviews", "notes"),
    ("wa_questions", "title"),
    ("wa_choices", "title"),
    ("wa_choices", "description"),
    ("wa_answers", "question_title"),
    ("wa_answers", "notes"),
    ("wa_answers", "reason"),
    ("wa_improvements", "question_title"),
    ("wa_milestones", "milestone_name"),
    ("findings", "title"),
    ("findings", "description"),
    ("findings", "remediation_text"),
    ("findings", "resource_id"),
    ("config_rules", "description"),
    ("config_evaluations", "annotation"),
    ("conformance_packs", "pack_name"),
    ("checklist_packs", "name"),
    ("checklist_packs", "description"),
    ("checklist_items", "text"),
    ("checklist_ticks", "note"),
    ("checklist_history", "note"),
    ("checklist_history", "reason"),
    ("remediation_items", "title"),
    ("remediation_items", "description"),
    ("remediation_items", "acceptance_reason"),
    ("remediation_comments", "body"),
    ("remediation_history", "reason"),
    ("sync_slices", "error_message"),
    ("users", "display_name"),
    ("api_tokens", "name"),
    ("sources", "name"),
    ("aws_accounts", "name"),
    ("aws_accounts", "ou_path"),
    ("source_accounts", "error_message"),
];

/// Parameters pages read besides their forms' fields: the kept input and
/// refusals of plain-form posts, and notices.
const REFLECTED: &[&str] = &[
    "error",
    "edit",
    "note",
    "link",
    "state_typed",
    "title",
    "description",
    "body",
    "reason",
    "acceptance_reason",
    "accepted_until",
    "ticket_url",
    "owner",
    "due_on",
    "status",
    "priority",
    "name",
    "email",
    "display_name",
    "role",
    "next",
    "minutes",
    "milestone_name",
    "milestone_error",
    "bulk_error",
    "created",
    "existing",
    "changed",
    "imported",
    "revoked",
    "open",
    "done",
    "q",
    "source",
    "accounts",
    "account",
];

/// The elements and attributes the payload would bring if any of it were
/// read as markup.
fn injected(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let mut found = Vec::new();
    for selector in ["[data-pwn]", "meta[http-equiv]", "form[action=\"/admin/users\"] button[data-pwn]"] {
        let selector = Selector::parse(selector).expect("a selector");
        found.extend(document.select(&selector).map(|element| element.html().chars().take(120).collect::<String>()));
    }
    found
}

/// The payload's core, for columns too short for the whole of it.
const SHORT_PAYLOAD: &str = "</textarea></title><b data-pwn=\"3\">&amp;";

async fn appended_to_every_free_text_column(pool: &PgPool) {
    for (table, column) in FREE_TEXT {
        // Test code on names from the list above, never from input.
        let sql = format!("UPDATE {table} SET {column} = {column} || $1 WHERE {column} IS NOT NULL");
        if sqlx::query(&sql).bind(PAYLOAD).execute(pool).await.is_err() {
            let sql = format!("UPDATE {table} SET {column} = $1 WHERE {column} IS NOT NULL");
            sqlx::query(&sql)
                .bind(SHORT_PAYLOAD)
                .execute(pool)
                .await
                .unwrap_or_else(|e| panic!("{table}.{column}: {e}"));
        }
    }
}

/// Everything a page can show: a tick with a note, an item with a
/// description, an acceptance and a comment, a token, a failed slice.
async fn rows_in_every_table(pool: &PgPool, workload: Uuid) -> Uuid {
    let item = manual_remediation_item(pool, workload, "Rotate the keys").await;
    sqlx::query!(
        "UPDATE remediation_items SET description = 'd', acceptance_reason = 'r', status = 'risk_accepted',
                accepted_until = current_date + 30 WHERE id = $1",
        item
    )
    .execute(pool)
    .await
    .expect("an acceptance");
    server::remediation::store::comment(pool, "editor@example.com", item, "A comment").await.expect("a comment");
    let editor = crate::helpers::user_with(pool, Role::Editor).await;
    server::auth::tokens::create(pool, &editor, "ci", Role::Viewer, None).await.expect("a token");
    let (pack, checklist_item) = crate::helpers::manual_checklist_item(pool).await;
    sqlx::query!(
        "INSERT INTO checklist_ticks (workload_id, pack_id, item_id, state, note, link, actor, by_evidence)
         VALUES ($1, $2, $3, 'done', 'n', 'https://wiki.example/x', 'editor@example.com', false)",
        workload,
        pack,
        checklist_item
    )
    .execute(pool)
    .await
    .expect("a tick");
    sqlx::query!(
        "UPDATE sync_slices SET status = 'failed', error_code = 'AccessDenied', error_message = 'denied'
         WHERE ctid IN (SELECT ctid FROM sync_slices LIMIT 1)"
    )
    .execute(pool)
    .await
    .expect("a failed slice");
    sqlx::query!(
        "UPDATE source_accounts SET slices_failed = 1, error_operation = 'AssumeRole', error_code = 'AccessDenied',
                error_message = 'denied'
         WHERE ctid IN (SELECT ctid FROM source_accounts LIMIT 1)"
    )
    .execute(pool)
    .await
    .expect("a failing account");
    item
}

/// Every form field on the page, and every reflected parameter.
fn parameters_of(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let fields = Selector::parse("input[name], textarea[name], select[name]").expect("a selector");
    let mut names: Vec<String> =
        document.select(&fields).filter_map(|field| field.value().attr("name")).map(str::to_owned).collect();
    names.extend(REFLECTED.iter().map(|name| (*name).to_owned()));
    names.sort();
    names.dedup();
    names
}

fn with_payload(path: &str, names: &[String]) -> String {
    let query = names.iter().map(|name| (name.as_str(), PAYLOAD)).collect::<Vec<_>>();
    let query = serde_urlencoded::to_string(query).expect("a query string");
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}{query}")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn no_page_turns_text_from_users_or_aws_into_markup(pool: PgPool) {
    load_demo(&pool).await;
    let workload =
        sqlx::query_scalar!("SELECT id FROM workloads WHERE wa_workload_id IS NOT NULL ORDER BY name LIMIT 1")
            .fetch_one(&pool)
            .await
            .expect("a reviewed demo workload");
    let item = rows_in_every_table(&pool, workload).await;
    let finding = sqlx::query_scalar!("SELECT id FROM findings LIMIT 1").fetch_one(&pool).await.expect("a finding");
    let rule =
        sqlx::query_scalar!("SELECT rule_name FROM config_rules LIMIT 1").fetch_one(&pool).await.expect("a rule");
    appended_to_every_free_text_column(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let editor = client_with(Some(&session_for(&pool, Role::Editor).await));

    let mut pages = vec![
        "/".to_owned(),
        "/workloads".to_owned(),
        format!("/workloads/{workload}"),
        format!("/workloads/{workload}/checklists"),
        format!("/workloads/{workload}/answers"),
        "/findings".to_owned(),
        format!("/finding?id={}", urlencode(&finding)),
        "/rules".to_owned(),
        format!("/rules/{}", urlencode(&rule)),
        "/sync".to_owned(),
        "/remediation".to_owned(),
        format!("/remediation/{item}"),
        "/settings/tokens".to_owned(),
        "/admin".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/sources".to_owned(),
        "/admin/checklists".to_owned(),
        "/api/v1/docs".to_owned(),
        format!("/nowhere/{}", urlencode(PAYLOAD)),
    ];
    pages.extend(app::domain::Pillar::ALL.iter().map(|p| format!("/workloads/{workload}/pillars/{}", p.id())));

    let mut failures = Vec::new();
    let mut checked = 0;
    for page in &pages {
        for client in [&app.client, &editor] {
            let (status, html) = text(client.get(app.url(page)).send()).await;
            assert!(status != StatusCode::INTERNAL_SERVER_ERROR, "{page} failed: {html}");
            failures.extend(injected(&html).into_iter().map(|found| format!("{page}: {found}")));
            let reflected = with_payload(page, &parameters_of(&html));
            let (_, html) = text(client.get(app.url(&reflected)).send()).await;
            failures.extend(injected(&html).into_iter().map(|found| format!("{page} with parameters: {found}")));
            checked += 2;
        }
    }
    // The sign-in page, as nobody, and a refused pack import's kept text.
    let (_, html) = text(app.anonymous.get(app.url(&with_payload("/login", &parameters_of("")))).send()).await;
    failures.extend(injected(&html).into_iter().map(|found| format!("/login: {found}")));
    let (_, html) = text(app.client.post(app.url("/admin/checklists")).form(&[("pack", PAYLOAD)]).send()).await;
    assert!(html.contains("Nothing was imported"), "the pack is refused");
    failures.extend(injected(&html).into_iter().map(|found| format!("pack import: {found}")));
    checked += 2;

    assert!(checked > 50, "every page was checked: {checked}");
    assert!(failures.is_empty(), "markup from the payload reached {} places:\n{}", failures.len(), failures.join("\n"));
}

/// The kept text is shown as written: the payload whole, in the textarea.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_refused_form_shows_the_typed_text_exactly_as_written(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (_, html) = text(app.client.post(app.url("/admin/checklists")).form(&[("pack", PAYLOAD)]).send()).await;
    let document = Html::parse_document(&html);
    let textarea = Selector::parse("textarea[name=pack]").expect("a selector");
    let kept: String = document.select(&textarea).next().expect("the pack field").text().collect();
    assert_eq!(kept, PAYLOAD);
}

/// The page title is the item's title as text, whatever it holds.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_item_titled_with_markup_keeps_it_as_its_page_title(pool: PgPool) {
    let workload = crate::helpers::insert_workload(&pool, "Checkout", &[]).await;
    let item = manual_remediation_item(&pool, workload, PAYLOAD).await;
    let app = spawn_app(pool).await;
    let (status, html) = text(app.client.get(app.url(&format!("/remediation/{item}"))).send()).await;
    assert_eq!(status, StatusCode::OK);
    let document = Html::parse_document(&html);
    let title = Selector::parse("head > title").expect("a selector");
    let titles: Vec<String> = document.select(&title).map(|t| t.text().collect()).collect();
    assert_eq!(titles, vec![format!("{PAYLOAD} · Remediation · Plinth")]);
}

fn urlencode(text: &str) -> String {
    let encoded = serde_urlencoded::to_string([("x", text)]).expect("encodes");
    encoded.trim_start_matches("x=").replace('+', "%20")
}

async fn text(
    request: impl std::future::IntoFuture<Output = reqwest::Result<reqwest::Response>>,
) -> (StatusCode, String) {
    let response = request.await.expect("the server answers");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}
