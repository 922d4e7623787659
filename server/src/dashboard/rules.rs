//! The rules pages' reads.

use app::domain::rules::{
    PackLine, RULE_RESOURCES_SHOWN, RuleDeployment, RuleDetail, RuleLine, RuleQuery, RuleResource, RulesPage,
};
use app::error::AppError;
use sqlx::PgPool;

use super::database_error;
use crate::db::finding_reads;
use crate::db::rule_reads::{self, RuleScope};
use crate::mapping::{EvidenceKind, MAPPING};
use crate::reference::CATALOGUE;

async fn scope(pool: &PgPool, query: &RuleQuery) -> Result<RuleScope, AppError> {
    // The account filter takes a name too.
    let named = super::accounts_named(pool, query.account.as_deref()).await?;
    let mut scope = RuleScope {
        account: if named.is_some() { None } else { query.account.clone() },
        region: query.region.clone(),
        compliance: query.compliance.map(|c| c.as_str().to_owned()),
        text: query.text.clone(),
        ..RuleScope::default()
    };
    if let Some(workload) = query.workload {
        let (accounts, regions) = finding_reads::workload_scope(pool, workload)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        scope.accounts = Some(accounts);
        scope.regions = Some(regions);
    }
    if let Some(named) = named {
        scope.accounts = Some(match scope.accounts.take() {
            Some(within) => within.into_iter().filter(|account| named.contains(account)).collect(),
            None => named,
        });
    }
    if let Some(pillar) = query.pillar {
        scope.identifiers =
            Some(MAPPING.for_pillar(pillar).filter(|e| e.kind == EvidenceKind::Rule).map(|e| e.key.clone()).collect());
    }
    Ok(scope)
}

fn rule_pillars(identifier: Option<&str>) -> Vec<app::domain::Pillar> {
    identifier
        .and_then(|identifier| MAPPING.get(EvidenceKind::Rule, identifier))
        .map(|entry| entry.pillars.clone())
        .unwrap_or_default()
}

pub async fn page(pool: &PgPool, query: RuleQuery) -> Result<RulesPage, AppError> {
    let scope = scope(pool, &query).await?;
    let rules = rule_reads::summaries(pool, &scope).await.map_err(database_error)?;
    let packs = rule_reads::packs(pool).await.map_err(database_error)?;
    let (accounts, regions) = finding_reads::known_scopes(pool).await.map_err(database_error)?;
    let workloads = finding_reads::workload_names(pool).await.map_err(database_error)?;
    Ok(RulesPage {
        rules: rules
            .into_iter()
            .map(|row| RuleLine {
                pillars: rule_pillars(row.identifier.as_deref()),
                rule_name: row.rule_name,
                identifier: row.identifier,
                deployments: u32::try_from(row.deployments).unwrap_or(u32::MAX),
                non_compliant_deployments: u32::try_from(row.non_compliant_deployments).unwrap_or(u32::MAX),
                non_compliant_resources: u64::try_from(row.non_compliant_resources).unwrap_or(0),
                compliance: row.compliance,
            })
            .collect(),
        packs: packs
            .into_iter()
            .map(|row| PackLine {
                pack_name: row.pack_name,
                deployments: u32::try_from(row.deployments).unwrap_or(u32::MAX),
                mean_score: row.mean_score.map(|score| score as f32),
                lowest_score: row.lowest_score,
                score_updated_at: row.score_updated_at,
            })
            .collect(),
        account_names: super::account_names(pool).await?.into_iter().filter(|(id, _)| accounts.contains(id)).collect(),
        accounts,
        regions,
        workloads,
    })
}

pub async fn detail(pool: &PgPool, rule_name: String, query: RuleQuery) -> Result<RuleDetail, AppError> {
    let deployments = rule_reads::deployments(pool, &rule_name).await.map_err(database_error)?;
    let Some(first) = deployments.first() else {
        return Err(AppError::NotFound(format!("The rule {rule_name}")));
    };
    let identifier = first.source_identifier.clone();
    let description = first.description.clone();
    let scope = scope(pool, &query).await?;
    let (resources, total) =
        rule_reads::evaluations(pool, &rule_name, &scope, RULE_RESOURCES_SHOWN as i64).await.map_err(database_error)?;
    let control_id = identifier
        .as_deref()
        .and_then(|identifier| CATALOGUE.managed_rules.iter().find(|rule| rule.identifier == identifier))
        .and_then(|rule| CATALOGUE.controls.iter().find(|c| c.config_rule.as_deref() == Some(&rule.rule_name)))
        .map(|control| control.id.clone());
    let shown: std::collections::HashSet<String> = deployments
        .iter()
        .map(|row| row.account_id.clone())
        .chain(resources.iter().map(|row| row.account_id.clone()))
        .collect();
    Ok(RuleDetail {
        pillars: rule_pillars(identifier.as_deref()),
        rule_name,
        identifier,
        description,
        control_id,
        deployments: deployments
            .into_iter()
            .map(|row| RuleDeployment {
                account_id: row.account_id,
                region: row.region,
                compliance: row.compliance,
                non_compliant_count: row.non_compliant_count,
            })
            .collect(),
        resources: resources
            .into_iter()
            .map(|row| RuleResource {
                compliance: row.compliance,
                account_id: row.account_id,
                region: row.region,
                resource_type: row.resource_type,
                resource_id: row.resource_id,
                annotation: row.annotation,
                recorded_at: row.recorded_at,
            })
            .collect(),
        resource_count: u64::try_from(total).unwrap_or(0),
        account_names: super::account_names(pool).await?.into_iter().filter(|(id, _)| shown.contains(id)).collect(),
    })
}
