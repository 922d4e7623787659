//! The review PDF: a six-pillar review of a demo workload with 500
//! remediation items, gathered from PostgreSQL and typeset with typst.
//! Run: `cargo bench -p server --bench report`. Target: at most 1 s.
//! Also times the JSON and CSV exports and prints the file sizes.

mod support;

use std::time::Instant;

use app::domain::Pillar;
use app::domain::remediation::Priority;
use server::dashboard::PgDashboard;
use server::remediation::store::{self, Source};
use server::report::{self, Format, Scope};

const ITEMS: usize = 500;
const RUNS: usize = 5;

#[tokio::main]
async fn main() {
    let pool = support::demo_database("plinth_bench_report").await;
    let workload: uuid::Uuid = sqlx::query_scalar("SELECT id FROM workloads ORDER BY name LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a workload");
    let owner = server::auth::users::add(&pool, "bench", "owner@example.com", "Owner", app::domain::Role::Editor, None)
        .await
        .expect("an owner");
    let today = chrono::Utc::now().date_naive();
    for n in 0..ITEMS {
        let source = Source::Manual {
            title: format!("Remediation item {n}: tighten the policy of service {}", n % 37),
            description: String::new(),
            pillar: Pillar::ALL[n % Pillar::ALL.len()],
            priority: Priority::ALL[n % Priority::ALL.len()],
        };
        store::create(&pool, &Default::default(), "bench", workload, source, today).await.expect("an item");
    }
    sqlx::query("UPDATE remediation_items SET owner_id = $1").bind(owner).execute(&pool).await.expect("owners");

    let dashboard = PgDashboard::new(pool.clone(), Default::default());
    for format in Format::ALL {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let export = report::export(&dashboard, Scope::Workload(workload), format, "Bench Reviewer")
                .await
                .expect("an export");
            times.push(started.elapsed().as_secs_f64());
            size = export.bytes.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{}: {ITEMS} remediation items, six pillars: median {:.3} s, best {:.3} s, worst {:.3} s, {size} bytes{}",
            format.as_str(),
            times[RUNS / 2],
            times[0],
            times[RUNS - 1],
            if format == Format::Pdf { " (target <= 1 s)" } else { "" }
        );
    }
    let started = Instant::now();
    let org = report::export(&dashboard, Scope::Organisation, Format::Pdf, "Bench Reviewer").await.expect("the report");
    println!("organisation pdf: {:.3} s, {} bytes", started.elapsed().as_secs_f64(), org.bytes.len());
}
