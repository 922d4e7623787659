//! Reading AWS Config rules and conformance packs for the rules pages.

use app::domain::RuleCompliance;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::finding_reads::like_escape;

/// The accounts, regions and rule identifiers a rule query is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct RuleScope {
    pub account: Option<String>,
    pub region: Option<String>,
    pub accounts: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// Managed rule identifiers (a pillar's rules).
    pub identifiers: Option<Vec<String>>,
    pub compliance: Option<String>,
    pub text: Option<String>,
}

fn push_scope(builder: &mut QueryBuilder<'_, Postgres>, scope: &RuleScope) {
    builder.push(" WHERE true");
    if let Some(account) = &scope.account {
        builder.push(" AND account_id = ").push_bind(account.clone());
    }
    if let Some(region) = &scope.region {
        builder.push(" AND region = ").push_bind(region.clone());
    }
    if let Some(accounts) = &scope.accounts {
        builder.push(" AND account_id = ANY(").push_bind(accounts.clone()).push(")");
    }
    if let Some(regions) = &scope.regions {
        builder.push(" AND region = ANY(").push_bind(regions.clone()).push(")");
    }
    if let Some(identifiers) = &scope.identifiers {
        builder.push(" AND source_identifier = ANY(").push_bind(identifiers.clone()).push(")");
    }
    if let Some(text) = &scope.text {
        let pattern = format!("%{}%", like_escape(text));
        builder
            .push(" AND (rule_name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR source_identifier ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct RuleSummaryRow {
    pub rule_name: String,
    pub identifier: Option<String>,
    pub deployments: i64,
    pub non_compliant_deployments: i64,
    pub non_compliant_resources: i64,
    /// The worst compliance over the deployments.
    pub compliance: Option<RuleCompliance>,
}

/// Rules gathered per rule name over the scope's deployments, the most
/// non-compliant first. With a compliance filter, only rules with at least
/// one deployment in that state.
pub async fn summaries(pool: &PgPool, scope: &RuleScope) -> Result<Vec<RuleSummaryRow>, sqlx::Error> {
    let mut builder = QueryBuilder::new(
        "SELECT rule_name, max(source_identifier) AS identifier, count(*) AS deployments,
                count(*) FILTER (WHERE compliance = 'NON_COMPLIANT') AS non_compliant_deployments,
                COALESCE(sum(non_compliant_count), 0)::bigint AS non_compliant_resources,
                (ARRAY['NOT_APPLICABLE', 'COMPLIANT', 'INSUFFICIENT_DATA', 'NON_COMPLIANT'])[max(
                    CASE compliance WHEN 'NON_COMPLIANT' THEN 4 WHEN 'INSUFFICIENT_DATA' THEN 3
                                    WHEN 'COMPLIANT' THEN 2 WHEN 'NOT_APPLICABLE' THEN 1 END)] AS compliance
         FROM config_rules",
    );
    push_scope(&mut builder, scope);
    builder.push(" GROUP BY rule_name");
    if let Some(compliance) = &scope.compliance {
        builder.push(" HAVING bool_or(compliance = ").push_bind(compliance.clone()).push(")");
    }
    builder.push(" ORDER BY non_compliant_resources DESC, non_compliant_deployments DESC, rule_name");
    builder.build_query_as().fetch_all(pool).await
}

#[derive(Debug)]
pub struct PackRow {
    pub pack_name: String,
    pub deployments: i64,
    pub mean_score: Option<f64>,
    pub lowest_score: Option<f32>,
    pub score_updated_at: Option<DateTime<Utc>>,
}

/// Conformance packs gathered per pack name, the lowest scoring first.
pub async fn packs(pool: &PgPool) -> Result<Vec<PackRow>, sqlx::Error> {
    sqlx::query_as!(
        PackRow,
        r#"SELECT pack_name, count(*) AS "deployments!", avg(score)::float8 AS mean_score,
                  min(score) AS lowest_score, max(score_updated_at) AS score_updated_at
           FROM conformance_packs GROUP BY pack_name ORDER BY min(score) ASC NULLS LAST, pack_name"#
    )
    .fetch_all(pool)
    .await
}

pub struct DeploymentRow {
    pub account_id: String,
    pub region: String,
    pub source_identifier: Option<String>,
    pub description: Option<String>,
    pub compliance: Option<RuleCompliance>,
    pub non_compliant_count: Option<i32>,
}

/// Where a rule is deployed, non-compliant first.
pub async fn deployments(pool: &PgPool, rule_name: &str) -> Result<Vec<DeploymentRow>, sqlx::Error> {
    sqlx::query_as!(
        DeploymentRow,
        r#"SELECT account_id, region, source_identifier, description, compliance AS "compliance: RuleCompliance",
                  non_compliant_count
           FROM config_rules WHERE rule_name = $1
           ORDER BY compliance = 'NON_COMPLIANT' DESC, non_compliant_count DESC NULLS LAST, account_id, region"#,
        rule_name
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct EvaluationRow {
    pub account_id: String,
    pub region: String,
    pub resource_type: String,
    pub resource_id: String,
    pub compliance: RuleCompliance,
    pub annotation: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// A rule's evaluated resources within the scope, non-compliant first, and
/// how many there are in all.
pub async fn evaluations(
    pool: &PgPool,
    rule_name: &str,
    scope: &RuleScope,
    limit: i64,
) -> Result<(Vec<EvaluationRow>, i64), sqlx::Error> {
    let mut builder = QueryBuilder::new(
        "SELECT account_id, region, resource_type, resource_id, compliance, annotation, recorded_at
         FROM config_evaluations",
    );
    let scope = RuleScope { identifiers: None, text: None, ..scope.clone() };
    push_scope(&mut builder, &scope);
    builder.push(" AND rule_name = ").push_bind(rule_name.to_owned());
    if let Some(compliance) = &scope.compliance {
        builder.push(" AND compliance = ").push_bind(compliance.clone());
    }
    builder.push(" ORDER BY compliance = 'NON_COMPLIANT' DESC, account_id, region, resource_type, resource_id LIMIT ");
    builder.push_bind(limit);
    let rows = builder.build_query_as().fetch_all(pool).await?;

    let mut counter = QueryBuilder::new("SELECT count(*) FROM config_evaluations");
    push_scope(&mut counter, &scope);
    counter.push(" AND rule_name = ").push_bind(rule_name.to_owned());
    if let Some(compliance) = &scope.compliance {
        counter.push(" AND compliance = ").push_bind(compliance.clone());
    }
    let total: i64 = counter.build_query_scalar().fetch_one(pool).await?;
    Ok((rows, total))
}
