//! Storing Well-Architected Tool reviews. A workload keeps its Plinth id
//! across syncs (later data hangs off it); its reviews, answers,
//! improvements and milestones are replaced by what the sync read.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::sources::records::{LensReview, WaWorkload};

/// Stores one workload with everything under it and returns the rows
/// written.
pub async fn store_workload(
    conn: &mut PgConnection,
    source_id: Uuid,
    workload: &WaWorkload,
) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO wa_workloads (wa_workload_id, source_id, owner_account_id, home_region, arn, name,
            description, environment, review_owner, account_ids, aws_regions, pillar_priorities,
            lenses, risk_counts, improvement_status, updated_at, synced_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
        ON CONFLICT (wa_workload_id) DO UPDATE SET
            source_id = EXCLUDED.source_id, owner_account_id = EXCLUDED.owner_account_id,
            home_region = EXCLUDED.home_region, arn = EXCLUDED.arn, name = EXCLUDED.name,
            description = EXCLUDED.description, environment = EXCLUDED.environment,
            review_owner = EXCLUDED.review_owner, account_ids = EXCLUDED.account_ids,
            aws_regions = EXCLUDED.aws_regions, pillar_priorities = EXCLUDED.pillar_priorities,
            lenses = EXCLUDED.lenses, risk_counts = EXCLUDED.risk_counts,
            improvement_status = EXCLUDED.improvement_status, updated_at = EXCLUDED.updated_at,
            synced_at = now()
        "#,
        workload.id,
        source_id,
        workload.owner_account_id,
        workload.home_region,
        workload.arn,
        workload.name,
        workload.description,
        workload.environment,
        workload.review_owner,
        &workload.account_ids,
        &workload.aws_regions,
        &workload.pillar_priorities,
        &workload.lenses,
        json(&workload.risk_counts),
        workload.improvement_status,
        workload.updated_at,
    )
    .execute(&mut *conn)
    .await?;

    // The workload as the pages list it; its Plinth id never changes.
    sqlx::query!(
        r#"
        INSERT INTO workloads (name, description, environment, review_owner, account_ids, regions,
                               wa_workload_id, source_id)
        VALUES ($1, COALESCE($2, ''), $3, $4, $5, $6, $7, $8)
        ON CONFLICT (wa_workload_id) DO UPDATE SET
            name = EXCLUDED.name, description = EXCLUDED.description,
            environment = EXCLUDED.environment, review_owner = EXCLUDED.review_owner,
            account_ids = EXCLUDED.account_ids, regions = EXCLUDED.regions,
            source_id = EXCLUDED.source_id, updated_at = now()
        "#,
        workload.name,
        workload.description,
        workload.environment.as_deref().filter(|e| matches!(*e, "PRODUCTION" | "PREPRODUCTION")),
        workload.review_owner,
        &workload.account_ids,
        &workload.aws_regions,
        workload.id,
        source_id,
    )
    .execute(&mut *conn)
    .await?;

    sqlx::query!("DELETE FROM wa_lens_reviews WHERE wa_workload_id = $1", workload.id).execute(&mut *conn).await?;
    sqlx::query!("DELETE FROM wa_milestones WHERE wa_workload_id = $1", workload.id).execute(&mut *conn).await?;

    let mut stored = 1;
    for review in &workload.lens_reviews {
        stored += store_lens_review(conn, &workload.id, review).await?;
    }
    let milestones = sqlx::query!(
        r#"
        INSERT INTO wa_milestones (wa_workload_id, milestone_number, milestone_name, recorded_at, answers)
        SELECT DISTINCT ON (u.number) $1, u.number, u.name, u.recorded_at, u.answers
        FROM UNNEST($2::int4[], $3::text[], $4::timestamptz[], $5::jsonb[]) AS u(number, name, recorded_at, answers)
        "#,
        workload.id,
        &workload.milestones.iter().map(|m| m.number).collect::<Vec<_>>(),
        &workload.milestones.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        &workload.milestones.iter().map(|m| m.recorded_at).collect::<Vec<_>>()
            as &[Option<chrono::DateTime<chrono::Utc>>],
        &workload.milestones.iter().map(|m| json(&m.answers)).collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(stored + milestones.rows_affected())
}

/// Removes the source's workloads in an account and region that the sync
/// no longer found (all of the source's when `account_region` is `None`),
/// except those in `keep`. Their Plinth workloads stay, with their history.
pub async fn remove_missing(
    conn: &mut PgConnection,
    source_id: Uuid,
    account_region: Option<(&str, &str)>,
    keep: &[String],
) -> Result<u64, sqlx::Error> {
    let (account_id, region) = account_region.unzip();
    let result = sqlx::query!(
        r#"
        DELETE FROM wa_workloads
        WHERE source_id = $1 AND NOT (wa_workload_id = ANY($2))
          AND ($3::text IS NULL OR owner_account_id = $3) AND ($4::text IS NULL OR home_region = $4)
        "#,
        source_id,
        keep,
        account_id,
        region
    )
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

async fn store_lens_review(
    conn: &mut PgConnection,
    workload_id: &str,
    review: &LensReview,
) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        r#"
        INSERT INTO wa_lens_reviews (wa_workload_id, lens_alias, lens_version, lens_name, lens_status,
                                     notes, risk_counts, pillar_risk_counts, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        "#,
        workload_id,
        review.lens_alias,
        review.lens_version,
        review.lens_name,
        review.lens_status,
        review.notes,
        json(&review.risk_counts),
        json(&review.pillar_risk_counts),
        review.updated_at,
    )
    .execute(&mut *conn)
    .await?;

    // The lens catalogue: questions and choices, kept per lens version.
    let version = review.lens_version.clone().unwrap_or_default();
    let answers = &review.answers;
    sqlx::query!(
        r#"
        INSERT INTO wa_questions (lens_alias, lens_version, question_id, pillar, title)
        SELECT DISTINCT ON (u.question_id) $1, $2, u.question_id, u.pillar, u.title
        FROM UNNEST($3::text[], $4::text[], $5::text[]) AS u(question_id, pillar, title)
        ON CONFLICT (lens_alias, lens_version, question_id) DO UPDATE SET
            pillar = EXCLUDED.pillar, title = EXCLUDED.title
        "#,
        review.lens_alias,
        version,
        &answers.iter().map(|a| a.question_id.clone()).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.pillar.clone()).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.question_title.clone().unwrap_or_default()).collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;
    let choices: Vec<(&str, &crate::sources::records::Choice)> =
        answers.iter().flat_map(|a| a.choices.iter().map(move |c| (a.question_id.as_str(), c))).collect();
    sqlx::query!(
        r#"
        INSERT INTO wa_choices (lens_alias, lens_version, question_id, choice_id, title, description)
        SELECT DISTINCT ON (u.question_id, u.choice_id) $1, $2, u.question_id, u.choice_id, u.title, u.description
        FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[]) AS u(question_id, choice_id, title, description)
        ON CONFLICT (lens_alias, lens_version, question_id, choice_id) DO UPDATE SET
            title = EXCLUDED.title, description = EXCLUDED.description
        "#,
        review.lens_alias,
        version,
        &choices.iter().map(|(q, _)| (*q).to_owned()).collect::<Vec<_>>(),
        &choices.iter().map(|(_, c)| c.id.clone()).collect::<Vec<_>>(),
        &choices.iter().map(|(_, c)| c.title.clone()).collect::<Vec<_>>(),
        &choices.iter().map(|(_, c)| c.description.clone()).collect::<Vec<_>>() as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;

    let stored_answers = sqlx::query!(
        r#"
        INSERT INTO wa_answers (wa_workload_id, lens_alias, question_id, pillar, question_title, risk,
                                selected_choices, choice_answers, is_applicable, reason, notes)
        SELECT DISTINCT ON (u.question_id) $1, $2, u.question_id, u.pillar, u.question_title, u.risk,
               ARRAY(SELECT jsonb_array_elements_text(u.selected)), u.choice_answers,
               u.is_applicable, u.reason, u.notes
        FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[],
                    $9::bool[], $10::text[], $11::text[])
             AS u(question_id, pillar, question_title, risk, selected, choice_answers,
                  is_applicable, reason, notes)
        "#,
        workload_id,
        review.lens_alias,
        &answers.iter().map(|a| a.question_id.clone()).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.pillar.clone()).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.question_title.clone()).collect::<Vec<_>>() as &[Option<String>],
        &answers.iter().map(|a| a.risk.map(|r| r.as_str().to_owned())).collect::<Vec<_>>() as &[Option<String>],
        &answers.iter().map(|a| Value::from(a.selected_choices.clone())).collect::<Vec<_>>(),
        &answers.iter().map(|a| json(&a.choice_answers)).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.is_applicable).collect::<Vec<_>>(),
        &answers.iter().map(|a| a.reason.clone()).collect::<Vec<_>>() as &[Option<String>],
        &answers.iter().map(|a| a.notes.clone()).collect::<Vec<_>>() as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;

    let improvements = &review.improvements;
    let stored_improvements = sqlx::query!(
        r#"
        INSERT INTO wa_improvements (wa_workload_id, lens_alias, question_id, pillar, question_title,
                                     risk, improvement_plan_url, plans)
        SELECT DISTINCT ON (u.question_id) $1, $2, u.question_id, u.pillar, u.question_title, u.risk,
               u.url, u.plans
        FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
             AS u(question_id, pillar, question_title, risk, url, plans)
        "#,
        workload_id,
        review.lens_alias,
        &improvements.iter().map(|i| i.question_id.clone()).collect::<Vec<_>>(),
        &improvements.iter().map(|i| i.pillar.clone()).collect::<Vec<_>>(),
        &improvements.iter().map(|i| i.question_title.clone()).collect::<Vec<_>>() as &[Option<String>],
        &improvements.iter().map(|i| i.risk.map(|r| r.as_str().to_owned())).collect::<Vec<_>>() as &[Option<String>],
        &improvements.iter().map(|i| i.improvement_plan_url.clone()).collect::<Vec<_>>() as &[Option<String>],
        &improvements.iter().map(|i| json(&i.plans)).collect::<Vec<_>>(),
    )
    .execute(&mut *conn)
    .await?;

    Ok(1 + stored_answers.rows_affected() + stored_improvements.rows_affected())
}

fn json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("BUG: records serialize to JSON")
}

/// Whether the review has a milestone of this name.
pub async fn milestone_named(pool: &PgPool, wa_workload_id: &str, name: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM wa_milestones WHERE wa_workload_id = $1 AND milestone_name = $2) AS "taken!""#,
        wa_workload_id,
        name
    )
    .fetch_one(pool)
    .await
}

/// A milestone Plinth recorded in AWS, kept as a sync would keep it.
pub async fn record_milestone(
    conn: &mut PgConnection,
    wa_workload_id: &str,
    number: i32,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO wa_milestones (wa_workload_id, milestone_number, milestone_name, recorded_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (wa_workload_id, milestone_number)
         DO UPDATE SET milestone_name = EXCLUDED.milestone_name, recorded_at = EXCLUDED.recorded_at",
        wa_workload_id,
        number,
        name
    )
    .execute(conn)
    .await?;
    Ok(())
}
