use app::domain::Pillar;
use server::demo::DemoSpec;
use server::demo::load::load;
use server::scoring::model::Weights;
use server::scoring::{explain_pillar, recompute};
use server::sync::progress::LogProgress;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::options;

async fn demo(pool: &PgPool) {
    load(pool, DemoSpec::default(), &options(true), &LogProgress).await.expect("the demo loads");
}

/// workload, pillar, score, review, evidence
type ScoreRow = (Uuid, String, Option<f32>, Option<f32>, Option<f32>);

async fn scores(pool: &PgPool) -> Vec<ScoreRow> {
    sqlx::query!("SELECT workload_id, pillar, score, review, evidence FROM pillar_scores ORDER BY workload_id, pillar")
        .fetch_all(pool)
        .await
        .expect("the scores")
        .into_iter()
        .map(|r| (r.workload_id, r.pillar, r.score, r.review, r.evidence))
        .collect()
}

async fn checkout(pool: &PgPool) -> Uuid {
    sqlx::query_scalar!("SELECT id FROM workloads WHERE name = 'Checkout service'")
        .fetch_one(pool)
        .await
        .expect("Checkout")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_demo_workload_is_scored_in_every_pillar_after_the_sync(pool: PgPool) {
    demo(&pool).await;

    let scores = scores(&pool).await;
    assert_eq!(scores.len(), 4 * 6);
    assert!(scores.iter().all(|(_, _, score, review, _)| score.is_some() && review.is_some()));
    assert!(scores.iter().any(|(_, _, _, _, evidence)| evidence.is_some()));
    let snapshots = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM score_snapshots WHERE reason LIKE 'sync %'"#)
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(snapshots, 24, "the sync kept a snapshot of every score");
    let version = sqlx::query_scalar!("SELECT DISTINCT mapping_version FROM pillar_scores")
        .fetch_all(&pool)
        .await
        .expect("versions");
    assert_eq!(version, vec![Some(server::mapping::MAPPING.version.clone())]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_scores_are_the_same_when_computed_twice(pool: PgPool) {
    demo(&pool).await;
    let first = scores(&pool).await;

    recompute(&pool, &Weights::default(), "test").await.expect("scores");

    assert_eq!(scores(&pool).await, first);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_failing_control_that_starts_passing_raises_the_pillar_score(pool: PgPool) {
    demo(&pool).await;
    let workload = checkout(&pool).await;
    let before = scores(&pool).await;
    // The first failing control behind Checkout's security score starts passing everywhere.
    let explanation =
        explain_pillar(&pool, &Weights::default(), workload, Pillar::Security).await.expect("an explanation");
    let failing = explanation
        .contributions
        .iter()
        .find(|c| c.key.starts_with("control:") && c.points == 0.0)
        .map(|c| c.key.trim_start_matches("control:").to_owned())
        .expect("a failing control");
    let fixed = sqlx::query!(
        "UPDATE findings SET compliance_status = 'PASSED' WHERE control_id = $1 AND compliance_status = 'FAILED'",
        failing
    )
    .execute(&pool)
    .await
    .expect("the fix")
    .rows_affected();
    assert!(fixed > 0);

    recompute(&pool, &Weights::default(), "test").await.expect("scores");

    let after = scores(&pool).await;
    let security = |rows: &[ScoreRow]| {
        rows.iter().find(|r| r.0 == workload && r.1 == "security").map(|r| (r.2, r.4)).expect("a security score")
    };
    let (score_before, evidence_before) = security(&before);
    let (score_after, evidence_after) = security(&after);
    assert!(evidence_after > evidence_before, "{evidence_before:?} -> {evidence_after:?}");
    assert!(score_after > score_before, "{score_before:?} -> {score_after:?}");
    for (old, new) in before.iter().zip(&after) {
        assert!(new.2 >= old.2, "no score went down: {old:?} -> {new:?}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_explanation_adds_up_to_the_stored_score(pool: PgPool) {
    demo(&pool).await;
    let workload = checkout(&pool).await;

    for pillar in Pillar::ALL {
        let explanation = explain_pillar(&pool, &Weights::default(), workload, pillar).await.expect("an explanation");
        let stored = sqlx::query_scalar!(
            "SELECT score FROM pillar_scores WHERE workload_id = $1 AND pillar = $2",
            workload,
            pillar.id()
        )
        .fetch_one(&pool)
        .await
        .expect("a stored score")
        .expect("a score");
        let points: f64 = explanation.contributions.iter().map(|c| c.points).sum();
        assert!((points - f64::from(stored)).abs() < 1e-3, "{pillar:?}: {points} vs {stored}");
        assert!(
            explanation.contributions.iter().any(|c| c.key.starts_with("control:") || c.key.starts_with("rule:"))
                || pillar == Pillar::Sustainability
        );
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn failing_resources_are_listed_for_a_failing_control(pool: PgPool) {
    demo(&pool).await;
    let workload = checkout(&pool).await;
    let explanation =
        explain_pillar(&pool, &Weights::default(), workload, Pillar::Security).await.expect("an explanation");
    let failing = explanation
        .contributions
        .iter()
        .find(|c| c.key.starts_with("control:") && c.points == 0.0)
        .expect("a failing control");
    let control = failing.key.trim_start_matches("control:");

    let (resources, count) =
        server::db::scores::failing_resources(&pool, workload, "control", control, 5).await.expect("resources");

    assert!(count >= 1 && !resources.is_empty() && resources.len() <= 5, "{count} {resources:?}");
    assert!(resources.iter().all(|r| r.starts_with("arn:aws:") || r.starts_with("AWS::")), "{resources:?}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_full_explanation_names_risks_weights_and_failing_resources(pool: PgPool) {
    demo(&pool).await;
    let workload = checkout(&pool).await;

    let explanation = server::scoring::explain_in_full(&pool, &Weights::default(), workload, Pillar::Security)
        .await
        .expect("an explanation");

    assert_eq!(explanation.mapping_version, server::mapping::MAPPING.version);
    let questions: Vec<_> = explanation.items.iter().filter(|i| i.risk.is_some()).collect();
    assert!(!questions.is_empty(), "answered questions carry their risk");
    let failing: Vec<_> = explanation.items.iter().filter(|i| i.passed == Some(false)).collect();
    assert!(!failing.is_empty());
    assert!(failing.iter().all(|i| i.failing_count > 0 && !i.failing_resources.is_empty() && i.weight.is_some()));
    let passing = explanation.items.iter().filter(|i| i.passed == Some(true)).count();
    assert!(
        passing > 0
            && explanation.items.iter().filter(|i| i.passed == Some(true)).all(|i| i.failing_resources.is_empty())
    );
    let points: f64 = explanation.items.iter().map(|i| i.contribution.points).sum();
    assert!((points - explanation.score.score.expect("a score")).abs() < 1e-9);
}
