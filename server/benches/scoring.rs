//! Scoring every workload of a large organisation. Load one first, then
//! point DATABASE_URL at it:
//!   plinth demo --scale findings=1000000,accounts=500,workloads=200
//!   cargo bench -p server --bench scoring
//! Targets: at most 2 s at 1,000,000 findings and 200 workloads; at most
//! 10 s at 10,000,000 findings and 1,000 workloads.

use std::time::Instant;

use server::scoring::model::Weights;
use server::scoring::recompute;
use sqlx::postgres::PgPoolOptions;

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a database with an organisation loaded");
    let pool = PgPoolOptions::new().max_connections(4).connect(&url).await.expect("the database");
    server::db::migrate(&pool).await.expect("migrations");
    let findings: i64 =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM findings"#).fetch_one(&pool).await.expect("a count");
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let done = recompute(&pool, &Weights::default(), "benchmark").await.expect("scores");
        times.push(started.elapsed().as_secs_f64());
        println!("scored {} workloads ({} scores) in {:.2} s", done.workloads, done.scores, times[times.len() - 1]);
    }
    times.sort_by(f64::total_cmp);
    println!("findings: {findings}; median {:.2} s, best {:.2} s", times[1], times[0]);
}
