//! The vocabulary (pillars, severities, risks and the states) is read and
//! written by the database as typed values: a value Plinth does not know
//! fails where it is read, never becomes a default.

use app::domain::checklists::TickState;
use app::domain::remediation::{Priority, SourceKind, Status, TicketSystem};
use app::domain::sync::Membership;
use app::domain::{ComplianceStatus, Pillar, RecordState, Risk, Role, RuleCompliance, Severity, WorkflowStatus};
use sqlx::PgPool;

/// Writes `value` through PostgreSQL and reads it back.
async fn round_trip<T>(pool: &PgPool, value: T) -> T
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Unpin,
{
    sqlx::query_scalar("SELECT $1::text").bind(value).fetch_one(pool).await.expect("a known value reads back")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_word_of_the_vocabulary_reads_back_as_itself_from_the_database(pool: PgPool) {
    for pillar in Pillar::ALL {
        assert_eq!(round_trip(&pool, pillar).await, pillar);
    }
    for role in Role::ALL {
        assert_eq!(round_trip(&pool, role).await, role);
    }
    for &severity in Severity::ALL {
        assert_eq!(round_trip(&pool, severity).await, severity);
    }
    for &risk in Risk::ALL {
        assert_eq!(round_trip(&pool, risk).await, risk);
    }
    for &state in WorkflowStatus::ALL {
        assert_eq!(round_trip(&pool, state).await, state);
    }
    for &state in RecordState::ALL {
        assert_eq!(round_trip(&pool, state).await, state);
    }
    for &state in ComplianceStatus::ALL {
        assert_eq!(round_trip(&pool, state).await, state);
    }
    for &state in RuleCompliance::ALL {
        assert_eq!(round_trip(&pool, state).await, state);
    }
    for state in TickState::ALL {
        assert_eq!(round_trip(&pool, state).await, state);
    }
    for &status in Status::ALL {
        assert_eq!(round_trip(&pool, status).await, status);
    }
    for &priority in Priority::ALL {
        assert_eq!(round_trip(&pool, priority).await, priority);
    }
    for &kind in SourceKind::ALL {
        assert_eq!(round_trip(&pool, kind).await, kind);
    }
    for system in TicketSystem::ALL {
        assert_eq!(round_trip(&pool, *system).await, *system);
    }
    for membership in [Membership::Active, Membership::Suspended, Membership::Gone] {
        assert_eq!(round_trip(&pool, membership).await, membership);
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_value_plinth_does_not_know_is_an_error_that_names_it_not_a_default(pool: PgPool) {
    let severity = sqlx::query_scalar::<_, Severity>("SELECT 'MOSTLY_FINE'::text").fetch_one(&pool).await;
    let error = severity.expect_err("not a severity").to_string();
    assert!(error.contains(r#""MOSTLY_FINE" is not a known severity"#), "{error}");

    let pillar = sqlx::query_scalar::<_, Pillar>("SELECT 'Security'::text").fetch_one(&pool).await;
    let error = pillar.expect_err("pillar ids are case-sensitive").to_string();
    assert!(error.contains(r#""Security" is not a known pillar"#), "{error}");

    let status = sqlx::query_scalar::<_, Status>("SELECT 'done'::text").fetch_one(&pool).await;
    assert!(status.is_err(), "a tick's state is not an item's status");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_database_refuses_to_store_a_state_outside_the_vocabulary(pool: PgPool) {
    let workload: uuid::Uuid = sqlx::query_scalar("INSERT INTO workloads (name) VALUES ('Checkout') RETURNING id")
        .fetch_one(&pool)
        .await
        .expect("a workload");
    let refused = sqlx::query(
        "INSERT INTO checklist_history (workload_id, pack_id, item_id, state, by_evidence, actor, note)
         VALUES ($1, 'p', 'i', 'mostly', false, 'someone', '')",
    )
    .bind(workload)
    .execute(&pool)
    .await;
    let error = refused.expect_err("not a state").to_string();
    assert!(error.contains("checklist_history_state_check"), "{error}");
}
