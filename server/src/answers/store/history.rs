//! Each question's history of choice changes: recorded with the change,
//! with what became of it in AWS, and the latest lines the page shows.

use std::collections::HashMap;

use app::domain::answers::{ChoiceChange, ChoiceState};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::answers::ChoiceEdit;
use crate::lens::WELL_ARCHITECTED;

/// History lines shown per question.
const HISTORY_SHOWN: i64 = 6;

/// The latest changes of each question, newest first.
pub(in crate::answers) async fn history(
    conn: &mut PgConnection,
    workload: Uuid,
) -> Result<HashMap<String, Vec<ChoiceChange>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT question_id AS "question_id!", choice_id AS "choice_id!", state AS "state!: ChoiceState",
                  reason AS "reason!",
                  actor AS "actor!", at AS "at!", outcome AS "outcome!"
           FROM (SELECT *, row_number() OVER (PARTITION BY question_id ORDER BY id DESC) AS n
                 FROM wa_choice_history WHERE workload_id = $1 AND lens_alias = $2) latest
           WHERE n <= $3 ORDER BY id DESC"#,
        workload,
        WELL_ARCHITECTED.lens_alias.as_str(),
        HISTORY_SHOWN
    )
    .fetch_all(conn)
    .await?;
    let mut by_question: HashMap<String, Vec<ChoiceChange>> = HashMap::new();
    for row in rows {
        by_question.entry(row.question_id).or_default().push(ChoiceChange {
            choice: row.choice_id,
            state: row.state,
            reason: row.reason,
            actor: row.actor,
            at: row.at,
            outcome: row.outcome,
        });
    }
    Ok(by_question)
}

/// Records each choice change in the question's history; their ids, to
/// note later what became of them in AWS.
pub(in crate::answers) async fn record_changes(
    conn: &mut PgConnection,
    actor: &str,
    workload: Uuid,
    question_id: &str,
    edits: &[&ChoiceEdit],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::new();
    for edit in edits {
        let id = sqlx::query_scalar!(
            "INSERT INTO wa_choice_history (workload_id, lens_alias, question_id, choice_id, state, reason, actor)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            workload,
            WELL_ARCHITECTED.lens_alias.as_str(),
            question_id,
            edit.choice_id,
            edit.state.as_str(),
            edit.reason.trim(),
            actor
        )
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Notes what became of the changes in AWS.
pub(in crate::answers) async fn record_outcome(
    pool: &PgPool,
    changes: &[i64],
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE wa_choice_history SET outcome = $2 WHERE id = ANY($1)", changes, outcome)
        .execute(pool)
        .await?;
    Ok(())
}
