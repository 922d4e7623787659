use app::domain::rules::{RuleQuery, rule_href};
use app::domain::{Pillar, RuleCompliance};
use app::error::AppError;
use app::ports::DashboardReads;
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{dashboard, load_demo, spawn_app};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn rules_are_gathered_per_rule_with_their_non_compliant_resources(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);

    let page = reads.rules(RuleQuery::default()).await.expect("the rules");

    assert!(!page.rules.is_empty());
    let names: Vec<&str> = page.rules.iter().map(|r| r.rule_name.as_str()).collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names.len(), unique.len(), "one line per rule");
    let worst = &page.rules[0];
    let stored: i64 = sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(non_compliant_count), 0)::bigint AS "n!" FROM config_rules WHERE rule_name = $1"#,
        worst.rule_name
    )
    .fetch_one(&pool)
    .await
    .expect("a sum");
    assert_eq!(worst.non_compliant_resources, stored as u64);
    assert!(page.rules.windows(2).all(|w| w[0].non_compliant_resources >= w[1].non_compliant_resources));
    assert!(!page.packs.is_empty(), "the demo deploys conformance packs");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_compliance_and_pillar_filter_keep_only_matching_rules(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);

    let page = reads
        .rules(RuleQuery {
            compliance: Some(RuleCompliance::NonCompliant),
            pillar: Some(Pillar::Security),
            ..RuleQuery::default()
        })
        .await
        .expect("the rules");

    assert!(!page.rules.is_empty());
    for rule in &page.rules {
        assert!(rule.non_compliant_deployments > 0, "{} is non-compliant somewhere", rule.rule_name);
        assert!(rule.pillars.contains(&Pillar::Security), "{} is a security rule", rule.rule_name);
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_rule_lists_its_deployments_and_resources_non_compliant_first(pool: PgPool) {
    load_demo(&pool).await;
    let reads = dashboard(&pool);
    let name: String = sqlx::query_scalar!(
        "SELECT rule_name FROM config_evaluations WHERE compliance = 'NON_COMPLIANT' GROUP BY rule_name LIMIT 1"
    )
    .fetch_one(&pool)
    .await
    .expect("a failing rule");

    let rule = reads.rule(name.clone(), RuleQuery::default()).await.expect("the rule");

    assert_eq!(rule.rule_name, name);
    assert!(!rule.deployments.is_empty());
    assert_eq!(rule.resources[0].compliance, RuleCompliance::NonCompliant);
    assert!(rule.resource_count >= rule.resources.len() as u64);
    assert_eq!(
        reads.rule("no-such-rule".into(), RuleQuery::default()).await,
        Err(AppError::NotFound("The rule no-such-rule".into()))
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_rules_pages_render_without_javascript(pool: PgPool) {
    load_demo(&pool).await;
    let name: String = sqlx::query_scalar!("SELECT rule_name FROM config_rules ORDER BY rule_name LIMIT 1")
        .fetch_one(&pool)
        .await
        .expect("a rule");
    let app = spawn_app(pool).await;

    let (status, html) = app.get_text("/rules?compliance=NON_COMPLIANT").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Conformance packs"));
    assert!(html.contains("Non-compliant"));

    let (status, html) = app.get_text(&rule_href(&name)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Where it is deployed"));
    assert!(html.contains("Resources evaluated"));

    let (status, _) = app.get_text("/rules/no-such-rule").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Hydrated pages call the server function; an unfiltered query sends no
    // query fields at all.
    let (status, json) = app.get_text(&format!("/api/rule?name={name}")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(json.contains(&format!("\"rule_name\":\"{name}\"")));
}
