//! A workload's checklists as the page shows them.

use std::collections::HashMap;

use app::domain::Pillar;
use app::domain::checklists::{
    ChecklistLine, ChecklistQuery, FailingResources, PackLine, Progress, TickChange, TickState, WorkloadChecklist,
};
use app::error::AppError;
use uuid::Uuid;

use super::{PgDashboard, database_error};
use crate::checklists::evidence::{self, ItemKeys};
use crate::db::scores;

/// History lines shown per item.
const HISTORY_SHOWN: usize = 5;

/// Failing resources shown per failing rule or control.
const RESOURCES_SHOWN: i64 = 3;

impl PgDashboard {
    pub(super) async fn read_checklist(
        &self,
        workload: Uuid,
        query: ChecklistQuery,
    ) -> Result<WorkloadChecklist, AppError> {
        let head = sqlx::query!("SELECT name, checklist_auto_tick FROM workloads WHERE id = $1", workload)
            .fetch_optional(&self.pool)
            .await
            .map_err(database_error)?
            .ok_or_else(|| AppError::NotFound("That workload".into()))?;
        let packs = sqlx::query!("SELECT id, name, description, built_in FROM checklist_packs ORDER BY position, name")
            .fetch_all(&self.pool)
            .await
            .map_err(database_error)?;
        let rows = sqlx::query!(
            r#"SELECT i.pack_id, i.item_id, i.text, i.pillar, i.choices, i.rules, i.controls,
                      t.state AS "state?", t.by_evidence AS "by_evidence?", t.actor AS "actor?", t.at AS "at?",
                      t.note AS "note?", t.link
               FROM checklist_items i
               JOIN checklist_packs p ON p.id = i.pack_id
               LEFT JOIN checklist_ticks t ON t.workload_id = $1 AND t.pack_id = i.pack_id AND t.item_id = i.item_id
               WHERE NOT i.retired
               ORDER BY p.position, p.name, i.position"#,
            workload
        )
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        let history = sqlx::query!(
            r#"SELECT pack_id AS "pack_id!", item_id AS "item_id!", state AS "state!", by_evidence AS "by_evidence!",
                      actor AS "actor!", at AS "at!", note AS "note!"
               FROM (SELECT *, row_number() OVER (PARTITION BY pack_id, item_id ORDER BY id DESC) AS n
                     FROM checklist_history WHERE workload_id = $1) latest
               WHERE n <= $2 ORDER BY id DESC"#,
            workload,
            HISTORY_SHOWN as i64
        )
        .fetch_all(&self.pool)
        .await
        .map_err(database_error)?;
        let mut changes: HashMap<(String, String), Vec<TickChange>> = HashMap::new();
        for row in history {
            changes.entry((row.pack_id, row.item_id)).or_default().push(TickChange {
                state: TickState::parse(&row.state).unwrap_or(TickState::Open),
                by_evidence: row.by_evidence,
                actor: row.actor,
                at: row.at,
                note: row.note,
            });
        }
        let results = evidence::results(&self.pool, Some(workload)).await.map_err(database_error)?;
        let mut lines = Vec::new();
        // Which of an item's keys are Config rules (the rest are controls).
        let mut rules_of: HashMap<String, Vec<String>> = HashMap::new();
        for row in rows {
            let Some(pillar) = Pillar::from_id(&row.pillar) else { continue };
            let (evidence, failing, passing) =
                evidence::judge(&ItemKeys { rules: &row.rules, controls: &row.controls }, results.get(&workload));
            let history = changes.remove(&(row.pack_id.clone(), row.item_id.clone())).unwrap_or_default();
            let line = ChecklistLine {
                pack_id: row.pack_id,
                item_id: row.item_id,
                text: row.text,
                pillar,
                choices: row.choices,
                state: row.state.as_deref().and_then(TickState::parse).unwrap_or(TickState::Open),
                by_evidence: row.by_evidence.unwrap_or(false),
                actor: row.actor,
                at: row.at,
                note: row.note.unwrap_or_default(),
                link: row.link,
                evidence,
                failing,
                passing,
                failing_resources: Vec::new(),
                history,
            };
            rules_of.insert(line.anchor(), row.rules);
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
