//! A workload's checklists as the page shows them.

use std::collections::HashMap;

use app::domain::Pillar;
use app::domain::checklists::{
    ChecklistLine, ChecklistQuery, FailingResources, HISTORY_SHOWN, PackLine, Progress, TickChange, TickState,
    WorkloadChecklist,
};
use app::error::AppError;
use uuid::Uuid;

use super::{PgDashboard, database_error};
use crate::checklists::evidence::{self, ItemKeys};
use crate::db::checklist_reads::{self, ItemRow};
use crate::db::scores;

/// Failing resources shown per failing rule or control.
const RESOURCES_SHOWN: i64 = 3;

impl ItemRow {
    /// The line the page shows, with the evidence judged as (state,
    /// failing keys, passing keys).
    fn into_line(
        self,
        (evidence, failing, passing): (app::domain::checklists::EvidenceState, Vec<String>, Vec<String>),
        failing_resources: Vec<FailingResources>,
        history: Vec<TickChange>,
    ) -> ChecklistLine {
        ChecklistLine {
            pack_id: self.pack_id,
            item_id: self.item_id,
            text: self.text,
            pillar: self.pillar,
            choices: self.choices,
            state: self.state.unwrap_or(TickState::Open),
            by_evidence: self.by_evidence.unwrap_or(false),
            actor: self.actor,
            at: self.at,
            note: self.note.unwrap_or_default(),
            link: self.link,
            evidence,
            failing,
            passing,
            failing_resources,
            history,
        }
    }
}

impl PgDashboard {
    /// One item of a workload's checklists, as the page shows it, read on
    /// its own (a tick answers with it): its state, history and evidence.
    pub async fn checklist_line(&self, workload: Uuid, pack: &str, item: &str) -> Result<ChecklistLine, AppError> {
        let not_found = || AppError::NotFound("That workload or checklist item".into());
        let row = checklist_reads::item(&self.pool, workload, pack, item)
            .await
            .map_err(database_error)?
            .ok_or_else(not_found)?;
        // The history and the evidence are read at once, then the failing
        // resources of every failing key at once: a tick waits for this.
        let history = checklist_reads::item_history(&self.pool, workload, pack, item, HISTORY_SHOWN as i64);
        let results = async {
            if row.rules.is_empty() && row.controls.is_empty() {
                return Ok(HashMap::new());
            }
            let rows = scores::evidence_results(&self.pool, Some(workload), &row.controls, &row.rules).await?;
            Ok::<_, sqlx::Error>(rows.into_iter().map(|result| ((result.kind, result.key), result.failed)).collect())
        };
        let (history, results) = futures::future::try_join(history, results).await.map_err(database_error)?;
        let (evidence, failing, passing) =
            evidence::judge(&ItemKeys { rules: &row.rules, controls: &row.controls }, Some(&results));
        let failing_resources = futures::future::try_join_all(failing.iter().map(|key| async {
            let kind = if row.rules.contains(key) { "rule" } else { "control" };
            let (resources, count) =
                scores::failing_resources(&self.pool, workload, kind, key, RESOURCES_SHOWN).await?;
            Ok::<_, sqlx::Error>(FailingResources { key: key.clone(), resources, count })
        }))
        .await
        .map_err(database_error)?;
        Ok(row.into_line((evidence, failing, passing), failing_resources, history))
    }

    pub(super) async fn read_checklist(
        &self,
        workload: Uuid,
        query: ChecklistQuery,
    ) -> Result<WorkloadChecklist, AppError> {
        let head = checklist_reads::workload_head(&self.pool, workload)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        let packs = checklist_reads::packs(&self.pool).await.map_err(database_error)?;
        let rows = checklist_reads::items(&self.pool, workload).await.map_err(database_error)?;
        let mut changes: HashMap<(String, String), Vec<TickChange>> = HashMap::new();
        for (key, change) in
            checklist_reads::histories(&self.pool, workload, HISTORY_SHOWN as i64).await.map_err(database_error)?
        {
            changes.entry(key).or_default().push(change);
        }
        let results = evidence::results(&self.pool, Some(workload)).await.map_err(database_error)?;
        let mut lines = Vec::new();
        // Which of an item's keys are Config rules (the rest are controls).
        let mut rules_of: HashMap<String, Vec<String>> = HashMap::new();
        for row in rows {
            let judged =
                evidence::judge(&ItemKeys { rules: &row.rules, controls: &row.controls }, results.get(&workload));
            let history = changes.remove(&(row.pack_id.clone(), row.item_id.clone())).unwrap_or_default();
            let rules = row.rules.clone();
            let line = row.into_line(judged, Vec::new(), history);
            rules_of.insert(line.anchor(), rules);
            lines.push(line);
        }
        let progress = |lines: &mut dyn Iterator<Item = &ChecklistLine>| {
            let applicable: Vec<_> = lines.filter(|line| line.state != TickState::NotApplicable).collect();
            Progress {
                done: applicable.iter().filter(|line| line.state == TickState::Done).count() as u32,
                applicable: applicable.len() as u32,
            }
        };
        let packs = packs
            .into_iter()
            .map(|pack| PackLine {
                progress: progress(&mut lines.iter().filter(|line| line.pack_id == pack.id)),
                id: pack.id,
                name: pack.name,
                description: pack.description,
                built_in: pack.built_in,
            })
            .collect();
        let pillars = Pillar::ALL
            .into_iter()
            .map(|pillar| (pillar, progress(&mut lines.iter().filter(|line| line.pillar == pillar))))
            .collect();
        let total = lines.len();
        let mut items: Vec<ChecklistLine> = lines
            .into_iter()
            .filter(|line| {
                query.pack.as_ref().is_none_or(|pack| *pack == line.pack_id)
                    && query.pillar.is_none_or(|pillar| pillar == line.pillar)
                    && query.state.is_none_or(|state| state == line.state)
                    && query.evidence.is_none_or(|evidence| evidence == line.evidence)
            })
            .collect();
        // The failing resources of the items shown.
        for line in &mut items {
            let rules = rules_of.get(&line.anchor()).map(Vec::as_slice).unwrap_or_default();
            for key in &line.failing {
                let kind = if rules.contains(key) { "rule" } else { "control" };
                let (resources, count) = scores::failing_resources(&self.pool, workload, kind, key, RESOURCES_SHOWN)
                    .await
                    .map_err(database_error)?;
                line.failing_resources.push(FailingResources { key: key.clone(), resources, count });
            }
        }
        Ok(WorkloadChecklist {
            workload_id: workload,
            workload_name: head.name,
            auto_tick: head.checklist_auto_tick,
            packs,
            pillars,
            items,
            total,
        })
    }
}
