//! Exports for stakeholders: the review PDF (its text read back with
//! pdftotext, its pages counted with pdfinfo and the first ones rendered
//! with pdftoppm for people to look at), the organisation's report, the CSV
//! tables and the JSON document; `plinth export` on the command line; and
//! recording a milestone in the Well-Architected Tool on mocked clients.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use app::domain::remediation::Priority;
use app::domain::{Pillar, Role, rounded};
use app::ports::DashboardReads;
use aws_sdk_wellarchitected::Client;
use aws_sdk_wellarchitected::error::ErrorMetadata;
use aws_sdk_wellarchitected::operation::create_milestone::{CreateMilestoneError, CreateMilestoneOutput};
use aws_sdk_wellarchitected::types::error::{AccessDeniedException, ConflictException};
use aws_smithy_mocks::mock;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use server::outbox::{Outbox, Round};
use server::remediation::store::{self, Source};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{
    TestApp, WA_WORKLOAD, client_with, dashboard, link_wa_review, load_demo, session_for, spawn_app,
    spawn_app_writing_to, wa_writers,
};

const OWNER: &str = "editor@example.com";
const ITEM: &str = "Rotate the deploy keys of the payment service";

/// Where the rendered pages and PDFs are kept for people to look at.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("artifacts").join("report");
    std::fs::create_dir_all(&dir).expect("the artifacts folder");
    dir
}

/// Runs a poppler tool; the test script installs poppler-utils.
fn poppler(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{tool} runs ({error}); install poppler-utils, as scripts/test.sh does"));
    assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn pdf_text(path: &Path) -> String {
    poppler("pdftotext", &["-layout", path.to_str().expect("a UTF-8 path"), "-"])
}

fn page_count(path: &Path) -> u32 {
    let info = poppler("pdfinfo", &[path.to_str().expect("a UTF-8 path")]);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("pdfinfo gives a page count")
}

/// The demo organisation, and an item in its first workload owned by an editor.
async fn demo_with_an_owned_item(pool: &PgPool) -> Uuid {
    load_demo(pool).await;
    session_for(pool, Role::Editor).await;
    let workload = sqlx::query_scalar!("SELECT id FROM workloads ORDER BY name LIMIT 1")
        .fetch_one(pool)
        .await
        .expect("a demo workload");
    let source = Source::Manual {
        title: ITEM.into(),
        description: "The keys are two years old.".into(),
        pillar: Pillar::Security,
        priority: Priority::High,
    };
    let today = chrono::Utc::now().date_naive();
    let (item, _) =
        store::create(pool, &Default::default(), "test", workload, source, today).await.expect("the item is created");
    sqlx::query!(
        "UPDATE remediation_items SET owner_id = (SELECT id FROM users WHERE email = $2) WHERE id = $1",
        item,
        OWNER
    )
    .execute(pool)
    .await
    .expect("the owner is set");
    workload
}

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, String, Vec<u8>) {
    let response = client.get(app.url(path)).send().await.expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (kind, disposition) = (header(CONTENT_TYPE), header(CONTENT_DISPOSITION));
    (kind, disposition, response.bytes().await.expect("a body").to_vec())
}

/// A line of the summary table: the pillar's name, then its score.
fn shows_score(text: &str, name: &str, score: Option<u8>) -> bool {
    let expected = score.map_or("no".to_owned(), |s| s.to_string());
    text.lines().any(|line| {
        line.trim_start()
            .strip_prefix(name)
            .is_some_and(|rest| rest.split_whitespace().next() == Some(expected.as_str()))
    })
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_viewer_downloads_a_review_pdf_with_the_scores_the_dashboard_shows(pool: PgPool) {
    let workload = demo_with_an_owned_item(&pool).await;
    let app = spawn_app(pool.clone()).await;
    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));

    let (kind, disposition, pdf) = download(&app, &viewer, &format!("/workloads/{workload}/export?format=pdf")).await;

    assert_eq!(kind, "application/pdf");
    assert!(disposition.starts_with("attachment; filename=\"plinth-review-"), "{disposition}");
    let path = artifacts().join("review.pdf");
    std::fs::write(&path, &pdf).expect("the PDF is kept");
    let text = pdf_text(&path);
    let detail = dashboard(&pool).workload(workload).await.expect("the workload page's data");
    assert!(text.contains(&detail.name), "the workload's name is printed");
    for pillar in &detail.pillars {
        let name = pillar.pillar.name();
        assert!(text.contains(name), "the pillar {name} is printed");
        assert!(shows_score(&text, name, rounded(pillar.score)), "{name} shows {:?} as the dashboard", pillar.score);
    }
    let overall = detail.overall().expect("the demo workload has a score").to_string();
    assert!(text.contains(&format!("{overall}\n")) || text.contains(&format!("{overall} ")), "the overall score");
    assert!(text.contains(OWNER), "the remediation item's owner is printed");
    assert!(text.contains("Rotate the deploy keys"), "the remediation item is printed");
    for heading in
        ["Executive summary", "The five most important risks", "How the score is computed", "Mapping and sources"]
    {
        assert!(text.contains(heading), "the report has “{heading}”");
    }
    let pages = page_count(&path);
    assert!((9..=60).contains(&pages), "a cover, a summary, six pillars and an appendix, not a book: {pages} pages");

    let prefix = artifacts().join("review-page");
    poppler(
        "pdftoppm",
        &["-png", "-r", "70", "-f", "1", "-l", "4", &path.to_string_lossy(), &prefix.to_string_lossy()],
    );
    let rendered = std::fs::read_dir(artifacts())
        .expect("the artifacts")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("review-page"))
        .count();
    assert!(rendered >= 4, "the first four pages are rendered to PNG in {}", artifacts().display());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_organisation_report_lists_every_workload(pool: PgPool) {
    load_demo(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let (kind, _, pdf) = download(&app, &app.client, "/export?format=pdf").await;

    assert_eq!(kind, "application/pdf");
    let path = artifacts().join("organisation.pdf");
    std::fs::write(&path, &pdf).expect("the PDF is kept");
    let text = pdf_text(&path);
    let overview = dashboard(&pool).overview().await.expect("the overview");
    assert!(!overview.workloads.is_empty());
    for workload in &overview.workloads {
        assert!(text.contains(&workload.name), "{} is in the report", workload.name);
    }
    for score in &overview.organisation {
        assert!(shows_score(&text, score.pillar.name(), score.score), "{} as on the overview", score.pillar.name());
    }
    let pages = page_count(&path);
    assert!((3..=30).contains(&pages), "{pages} pages");
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "2",
            &path.to_string_lossy(),
            &artifacts().join("organisation-page").to_string_lossy(),
        ],
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_json_export_is_the_whole_review_in_its_documented_shape(pool: PgPool) {
    let workload = demo_with_an_owned_item(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let (kind, disposition, body) =
        download(&app, &app.client, &format!("/workloads/{workload}/export?format=json")).await;

    assert_eq!(kind, "application/json");
    assert!(disposition.ends_with(".json\""), "{disposition}");
    let review: server::report::review::Review = serde_json::from_slice(&body).expect("the document reads back");
    assert_eq!(review.schema, "plinth.review/1");
    let detail = dashboard(&pool).workload(workload).await.expect("the workload");
    assert_eq!(review.overall, detail.overall());
    assert_eq!(review.pillars.len(), 6);
    assert_eq!(
        review.pillars.iter().map(|p| p.score).collect::<Vec<_>>(),
        detail.pillars.iter().map(|p| rounded(p.score)).collect::<Vec<_>>()
    );
    let item = review.remediation_items.iter().find(|i| i.title == ITEM).expect("the item is exported");
    assert_eq!(item.owner.as_deref(), Some(OWNER));
    assert!(!review.checklist.is_empty(), "the checklist state is exported");
    assert!(review.top_risks.len() <= 5);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_csv_export_is_a_zip_of_findings_remediation_and_checklist_tables(pool: PgPool) {
    let workload = demo_with_an_owned_item(&pool).await;
    let app = spawn_app(pool.clone()).await;

    let (kind, disposition, body) =
        download(&app, &app.client, &format!("/workloads/{workload}/export?format=csv")).await;

    assert_eq!(kind, "application/zip");
    assert!(disposition.ends_with(".zip\""), "{disposition}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip");
    let mut tables = HashMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("a file");
        let name = file.name().expect("a UTF-8 name").rsplit('/').next().expect("a name").to_owned();
        let mut text = String::new();
        file.read_to_string(&mut text).expect("UTF-8 CSV");
        tables.insert(name, text);
    }
    let mut names: Vec<&str> = tables.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["checklist.csv", "findings.csv", "remediation.csv"]);

    let in_scope = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM findings f JOIN workloads w ON f.account_id = ANY(w.account_ids)
           AND f.region = ANY(w.regions) WHERE w.id = $1 AND f.record_state = 'ACTIVE'"#,
        workload
    )
    .fetch_one(&pool)
    .await
    .expect("a count");
    let findings = &tables["findings.csv"];
    assert!(findings.starts_with("id,account_id,account_name,region,control_id,"), "a header row");
    assert!(
        findings
            .lines()
            .skip(1)
            .all(|row| ["Production", "Staging", "Shared services"].iter().any(|name| row.contains(name))),
        "every finding names its account"
    );
    let rows = csv::Reader::from_reader(findings.as_bytes()).records().count();
    assert_eq!(rows as i64, in_scope, "every active finding in the workload's accounts and regions");
    assert!(in_scope > 0, "the demo workload has findings");
    let items = &tables["remediation.csv"];
    assert!(items.lines().any(|line| line.contains(ITEM) && line.contains(OWNER)), "{items}");
    assert!(tables["checklist.csv"].lines().count() > 10, "a row per checklist item");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_workload_or_format_is_refused_plainly(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;

    let unknown = app.get(&format!("/workloads/{}/export?format=pdf", Uuid::from_u128(rand::random()))).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.text().await.expect("a body"), "There is no such workload.");
    let not_an_id = app.get("/workloads/checkout/export").await;
    assert_eq!(not_an_id.status(), StatusCode::NOT_FOUND);
    let (status, text) = app.get_text("/export?format=docx").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("use pdf, csv or json"), "{text}");
}

/// The test database's address, for the `plinth` binary.
fn database_url(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    let name = pool.connect_options().get_database().expect("a database name").to_owned();
    let server = base.rsplit_once('/').map_or(base.as_str(), |(server, _)| server);
    format!("{server}/{name}")
}

fn plinth(pool: &PgPool, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_plinth"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", database_url(pool))
        .env("RUST_LOG", "warn")
        .env_remove("PLINTH_CONFIG")
        .output()
        .expect("plinth runs")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn plinth_export_writes_the_review_by_workload_name_and_refuses_an_unknown_one(pool: PgPool) {
    let workload = demo_with_an_owned_item(&pool).await;
    let name = sqlx::query_scalar!("SELECT name FROM workloads WHERE id = $1", workload)
        .fetch_one(&pool)
        .await
        .expect("its name");
    let dir = tempdir();

    let unknown = plinth(&pool, &dir, &["export", "--workload", "No such workload", "--out", "nothing.pdf"]);
    assert!(!unknown.status.success(), "an unknown workload fails");
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("there is no workload named or numbered \"No such workload\""), "{stderr}");
    assert!(!dir.join("nothing.pdf").exists(), "no file is written");

    let pdf =
        plinth(&pool, &dir, &["export", "--workload", &name.to_uppercase(), "--format", "pdf", "--out", "review.pdf"]);
    assert!(pdf.status.success(), "{}", String::from_utf8_lossy(&pdf.stderr));
    assert!(std::fs::read(dir.join("review.pdf")).expect("the PDF").starts_with(b"%PDF-"));
    assert!(!dir.join("review.pdf.partial").exists(), "nothing half-written is left");

    let csv =
        plinth(&pool, &dir, &["export", "--workload", &workload.to_string(), "--format", "csv", "--out", "tables"]);
    assert!(csv.status.success(), "{}", String::from_utf8_lossy(&csv.stderr));
    for table in ["findings.csv", "remediation.csv", "checklist.csv"] {
        assert!(dir.join("tables").join(table).is_file(), "{table} is written to the folder");
    }

    let org = plinth(&pool, &dir, &["export", "--org", "--format", "json", "--out", "org.json"]);
    assert!(org.status.success(), "{}", String::from_utf8_lossy(&org.stderr));
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("org.json")).expect("the document")).expect("JSON");
    assert_eq!(document["schema"], "plinth.organisation/1");

    let bad_milestone =
        plinth(&pool, &dir, &["export", "--workload", &name, "--out", "again.pdf", "--milestone", "   "]);
    assert!(!bad_milestone.status.success());
    let refused = app::domain::MilestoneRefusal::NoName.message();
    assert!(String::from_utf8_lossy(&bad_milestone.stderr).contains(&refused));
    assert!(!dir.join("again.pdf").exists(), "a bad milestone name stops the export before any file");
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plinth-export-{}", Uuid::from_u128(rand::random())));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// A workload with a review in the Well-Architected Tool from a source of
/// this kind.
async fn reviewed_workload(pool: &PgPool, kind: &str) -> Uuid {
    let workload = crate::helpers::insert_workload(pool, "Checkout", &[("security", 70)]).await;
    link_wa_review(pool, workload, "prod", kind).await;
    workload
}

async fn record(app: &TestApp, workload: Uuid, name: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/workloads/{workload}/milestones")))
        .form(&[("name", name)])
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[LOCATION].to_str().expect("a location").to_owned()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn exporting_can_record_a_milestone_in_the_well_architected_tool(pool: PgPool) {
    let workload = reviewed_workload(&pool, "aws").await;
    let create = mock!(Client::create_milestone)
        .match_requests(|request| {
            request.workload_id() == Some(WA_WORKLOAD)
                && request.milestone_name() == Some("Q4 review")
                && request.client_request_token().is_some_and(|token| !token.is_empty())
        })
        .then_output(|| CreateMilestoneOutput::builder().workload_id(WA_WORKLOAD).milestone_number(3).build());
    let app = spawn_app_writing_to(pool.clone(), wa_writers(&[&create])).await;

    let location = record(&app, workload, "  Q4 review ").await;

    assert_eq!(location, format!("/workloads/{workload}?milestone=3#export"));
    assert_eq!(create.num_calls(), 1, "one CreateMilestone call with the workload and the trimmed name");
    let stored = sqlx::query!("SELECT milestone_number, milestone_name, recorded_at FROM wa_milestones")
        .fetch_one(&pool)
        .await
        .expect("the milestone is kept in Plinth too");
    assert_eq!((stored.milestone_number, stored.milestone_name.as_str()), (3, "Q4 review"));
    assert!(stored.recorded_at.is_some(), "it is marked on the trend at once");
    let (_, page) = app.get_text(&format!("/workloads/{workload}?milestone=3")).await;
    assert!(page.contains("Recorded milestone 3 in the Well-Architected Tool."), "the page says so");
    assert!(page.contains("Record a milestone in the Well-Architected Tool"), "an admin sees the form");

    let again = record(&app, workload, "Q4 review").await;
    assert!(again.contains("milestone_error=taken") && again.contains("milestone_name=Q4%20review"), "{again}");
    assert_eq!(create.num_calls(), 1, "a name already used is refused before AWS is asked");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_milestone_is_refused_for_demo_data_and_when_aws_refuses_it(pool: PgPool) {
    let workload = reviewed_workload(&pool, "aws").await;
    let conflict = mock!(Client::create_milestone).then_error(|| {
        CreateMilestoneError::ConflictException(ConflictException::builder().message("name in use").build())
    });
    let app = spawn_app_writing_to(pool.clone(), wa_writers(&[&conflict])).await;

    let location = record(&app, workload, "Made in the console").await;
    assert!(location.contains("milestone_error=taken"), "AWS's conflict reads as a name in use: {location}");
    let (_, page) =
        app.get_text(&format!("/workloads/{workload}?milestone_error=taken&milestone_name=Made%20in")).await;
    assert!(page.contains("already has a milestone with that name"), "the refusal is explained");
    assert!(page.contains("value=\"Made in\""), "what was typed is kept");
    let empty = record(&app, workload, " ").await;
    assert!(empty.contains("milestone_error=name"), "{empty}");
    assert_eq!(
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM wa_milestones"#).fetch_one(&pool).await.ok(),
        Some(0)
    );

    sqlx::query!("UPDATE sources SET kind = 'demo'").execute(&pool).await.expect("now demo data");
    let demo = record(&app, workload, "Demo").await;
    assert!(demo.contains("milestone_error=demo"), "{demo}");
    let (_, page) = app.get_text(&format!("/workloads/{workload}")).await;
    assert!(!page.contains("Record a milestone"), "demo data offers no milestone form");

    let viewer = client_with(Some(&session_for(&pool, Role::Viewer).await));
    let refused = viewer
        .post(app.url(&format!("/workloads/{workload}/milestones")))
        .form(&[("name", "Mine")])
        .send()
        .await
        .expect("answers");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "a viewer cannot record milestones");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_milestone_aws_does_not_take_yet_stays_queued_and_is_created_once_with_its_request_token(pool: PgPool) {
    let workload = reviewed_workload(&pool, "aws").await;
    let tokens = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = tokens.clone();
    let create = mock!(Client::create_milestone)
        .match_requests(move |request| {
            seen.lock().expect("tokens").push(request.client_request_token().unwrap_or_default().to_owned());
            true
        })
        .sequence()
        .error(|| {
            CreateMilestoneError::AccessDeniedException(
                AccessDeniedException::builder()
                    .message("not authorized to perform: wellarchitected:CreateMilestone")
                    .meta(ErrorMetadata::builder().code("AccessDeniedException").build())
                    .build(),
            )
        })
        .output(|| CreateMilestoneOutput::builder().workload_id(WA_WORKLOAD).milestone_number(4).build())
        .build();
    let app = spawn_app_writing_to(pool.clone(), wa_writers(&[&create])).await;

    let location = record(&app, workload, "Q1 review").await;

    assert!(location.contains("milestone_error=queued"), "{location}");
    let (_, page) = app.get_text(&format!("/workloads/{workload}?milestone_error=queued")).await;
    assert!(page.contains("AWS did not take the milestone yet. It stays queued and Plinth tries again"), "said");
    let again = record(&app, workload, "Q1 review").await;
    assert!(again.contains("milestone_error=taken"), "the queued name is not queued twice: {again}");

    sqlx::query!("UPDATE aws_writes SET next_attempt_at = now()").execute(&pool).await.expect("due");
    let round = Outbox::new(pool.clone(), wa_writers(&[&create]), Default::default()).deliver_due().await;

    assert_eq!(round.expect("a round"), Round { done: 1, retrying: 0, given_up: 0 });
    let tokens = tokens.lock().expect("tokens").clone();
    assert_eq!(tokens.len(), 2);
    assert!(tokens[0] == tokens[1] && !tokens[0].is_empty(), "the retry carries the same request token");
    let stored = sqlx::query!("SELECT milestone_number, milestone_name FROM wa_milestones")
        .fetch_one(&pool)
        .await
        .expect("the milestone is kept in Plinth");
    assert_eq!((stored.milestone_number, stored.milestone_name.as_str()), (4, "Q1 review"));
}

/// A title with typst markup and a spreadsheet formula: printed as written
/// in the PDF, and a text cell in the CSV.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn markup_and_formulas_in_a_title_are_text_in_the_pdf_and_the_csv(pool: PgPool) {
    const TITLE: &str = "=SUM(A1) #panic() *bold* $x$ _y_ @ref";
    let workload = demo_with_an_owned_item(&pool).await;
    let source = Source::Manual {
        title: TITLE.into(),
        description: String::new(),
        pillar: Pillar::Security,
        priority: Priority::High,
    };
    store::create(&pool, &Default::default(), "test", workload, source, chrono::Utc::now().date_naive())
        .await
        .expect("the item is created");
    let app = spawn_app(pool.clone()).await;

    let (_, _, pdf) = download(&app, &app.client, &format!("/workloads/{workload}/export?format=pdf")).await;
    let (_, _, zip) = download(&app, &app.client, &format!("/workloads/{workload}/export?format=csv")).await;

    let path = artifacts().join("review-with-markup.pdf");
    std::fs::write(&path, &pdf).expect("the PDF is kept");
    let text = pdf_text(&path);
    assert!(text.contains(TITLE), "the title is printed as written");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut items = String::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("a file");
        if file.name().expect("a UTF-8 name").ends_with("remediation.csv") {
            file.read_to_string(&mut items).expect("UTF-8 CSV");
        }
    }
    let titles: Vec<String> = csv::Reader::from_reader(items.as_bytes())
        .records()
        .map(|record| record.expect("a row")[1].to_owned())
        .collect();
    assert!(titles.contains(&format!("'{TITLE}")), "the formula is a text cell: {titles:?}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_review_pdf_and_csv_name_each_open_items_ticket_system(pool: PgPool) {
    let workload = demo_with_an_owned_item(&pool).await;
    let source = Source::Manual {
        title: "Rotate the signing keys".into(),
        description: String::new(),
        pillar: Pillar::Security,
        priority: Priority::High,
    };
    let today = chrono::Utc::now().date_naive();
    let (item, _) = store::create(&pool, &Default::default(), "test", workload, source, today).await.expect("an item");
    let change = store::Change {
        ticket_system: Some(Some(app::domain::remediation::TicketSystem::Servicenow)),
        ..Default::default()
    };
    store::update(&pool, "test", item, &change, today).await.expect("the ticket system is set");
    let app = spawn_app(pool.clone()).await;

    let (_, _, pdf) = download(&app, &app.client, &format!("/workloads/{workload}/export?format=pdf")).await;
    let (_, _, zip) = download(&app, &app.client, &format!("/workloads/{workload}/export?format=csv")).await;

    let path = artifacts().join("review-with-ticket-system.pdf");
    std::fs::write(&path, &pdf).expect("the PDF is kept");
    let text = pdf_text(&path);
    let row = text.lines().find(|line| line.contains("Rotate the signing keys")).expect("the item's row");
    assert!(row.contains("ServiceNow"), "the PDF's remediation table names the system: {row}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut items = String::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("a file");
        if file.name().expect("a UTF-8 name").ends_with("remediation.csv") {
            file.read_to_string(&mut items).expect("UTF-8 CSV");
        }
    }
    let mut reader = csv::Reader::from_reader(items.as_bytes());
    let column = reader.headers().expect("a header").iter().position(|h| h == "ticket_system").expect("the column");
    let systems: Vec<String> =
        reader.records().map(|record| record.expect("a row")[column].to_owned()).filter(|s| !s.is_empty()).collect();
    assert_eq!(systems, ["servicenow"]);
}
