//! The findings pages' reads.

use app::domain::findings::{
    FINDINGS_PAGE_SIZE, FindingDetail, FindingFilterOptions, FindingLine, FindingQuery, FindingsPage,
};
use app::error::AppError;
use sqlx::PgPool;

use super::database_error;
use crate::db::finding_reads::{self, FindingListRow, Scope};
use crate::mapping::{EvidenceKind, MAPPING};
use crate::reference::CATALOGUE;

pub async fn page(pool: &PgPool, query: FindingQuery) -> Result<FindingsPage, AppError> {
    let mut scope = Scope::default();
    if let Some(workload) = query.workload {
        let (accounts, regions) = finding_reads::workload_scope(pool, workload)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        scope.accounts = Some(accounts);
        scope.regions = Some(regions);
    }
    // The account filter takes a name too; the page keeps what was typed.
    let typed = query;
    let mut query = typed.clone();
    if let Some(named) = super::accounts_named(pool, typed.account.as_deref()).await? {
        query.account = None;
        scope.accounts = Some(match scope.accounts.take() {
            Some(within) => within.into_iter().filter(|account| named.contains(account)).collect(),
            None => named,
        });
    }
    if let Some(pillar) = query.pillar {
        scope.controls = Some(
            MAPPING
                .for_pillar(pillar)
                .filter(|entry| entry.kind == EvidenceKind::Control)
                .map(|entry| entry.key.clone())
                .collect(),
        );
    }
    let size = query.limit.unwrap_or(FINDINGS_PAGE_SIZE);
    let rows = match finding_reads::page(pool, &query, &scope, size).await.map_err(database_error)? {
        Ok(rows) => rows,
        // A stale or edited cursor: start again from the first page.
        Err(_) => finding_reads::page(pool, &query.first_page(), &scope, size)
            .await
            .map_err(database_error)?
            .unwrap_or_default(),
    };
    let next = (rows.len() > size).then(|| rows[size - 1].cursor(query.sort));
    let total = finding_reads::count(pool, &query, &scope).await.map_err(database_error)?;
    let (accounts, regions) = finding_reads::known_scopes(pool).await.map_err(database_error)?;
    let workloads = finding_reads::workload_names(pool).await.map_err(database_error)?;
    let names = super::account_names(pool).await?;
    Ok(FindingsPage {
        findings: rows.into_iter().take(size).map(|row| line(row, &names)).collect(),
        next,
        total,
        options: FindingFilterOptions {
            account_names: accounts.iter().filter_map(|id| Some((id.clone(), names.get(id)?.clone()))).collect(),
            accounts,
            regions,
            workloads,
        },
    })
}

fn line(row: FindingListRow, names: &app::domain::sync::AccountNames) -> FindingLine {
    FindingLine {
        account_name: names.get(&row.account_id).cloned(),
        severity: row.severity,
        compliance: row.compliance_status,
        workflow: row.workflow_status,
        record: row.record_state,
        id: row.id,
        title: row.title,
        control_id: row.control_id,
        account_id: row.account_id,
        region: row.region,
        resource_type: row.resource_type,
        resource_id: row.resource_id,
        updated_at: row.updated_at,
    }
}

pub async fn detail(pool: &PgPool, id: String) -> Result<FindingDetail, AppError> {
    let row = finding_reads::detail(pool, &id)
        .await
        .map_err(database_error)?
        .ok_or_else(|| AppError::NotFound("That finding".into()))?;
    let workloads =
        finding_reads::workloads_holding(pool, &row.account_id, &row.region).await.map_err(database_error)?;
    let control = row.control_id.as_deref();
    let pillars = control
        .and_then(|id| MAPPING.get(EvidenceKind::Control, id))
        .map(|entry| entry.pillars.clone())
        .unwrap_or_default();
    let control_title = control.and_then(|id| CATALOGUE.control(id)).map(|c| c.title.clone());
    let raw = serde_json::to_string_pretty(&row.raw).unwrap_or_else(|_| row.raw.to_string());
    let account_name = crate::db::accounts::name_of(pool, &row.account_id).await.map_err(database_error)?;
    Ok(FindingDetail {
        line: FindingLine {
            account_name,
            severity: row.severity,
            compliance: row.compliance_status,
            workflow: row.workflow_status,
            record: row.record_state,
            id: row.id,
            title: row.title,
            control_id: row.control_id,
            account_id: row.account_id,
            region: row.region,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            updated_at: row.updated_at,
        },
        description: row.description,
        product_name: row.product_name,
        generator_id: row.generator_id,
        standards: row.associated_standards,
        resource_region: row.resource_region,
        first_observed_at: row.first_observed_at,
        last_observed_at: row.last_observed_at,
        created_at: row.created_at,
        remediation_text: row.remediation_text,
        remediation_url: row.remediation_url,
        control_title,
        pillars,
        workloads,
        raw,
    })
}
