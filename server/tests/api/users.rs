use app::domain::Role;
use secrecy::SecretString;
use server::auth::users::{self, UserError};
use sqlx::PgPool;

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_user_added_signs_in_with_their_password_and_the_change_is_audited(pool: PgPool) {
    users::add(&pool, "cli", " Dana@Example.com", "Dana Reyes", Role::Admin, Some(&secret("a long passphrase")))
        .await
        .expect("the user is added");

    let signed_in = users::authenticate(&pool, "dana@example.com", &secret("a long passphrase"))
        .await
        .expect("the database answers")
        .expect("the password matches");
    assert_eq!(signed_in.role, Role::Admin);
    assert_eq!(signed_in.display_name, "Dana Reyes");
    let wrong = users::authenticate(&pool, "dana@example.com", &secret("another passphrase")).await.expect("answers");
    assert!(wrong.is_none(), "a wrong password signs nobody in");

    let audit =
        sqlx::query!("SELECT actor, action, target, after FROM audit_log").fetch_one(&pool).await.expect("one record");
    assert_eq!(
        (audit.actor.as_str(), audit.action.as_str(), audit.target.as_str()),
        ("cli", "user.add", "dana@example.com")
    );
    let after = audit.after.expect("the new user is recorded");
    assert_eq!(after["role"], "admin");
    assert!(!after.to_string().contains("argon2"), "the audit log never holds the password hash");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_same_email_cannot_be_added_twice(pool: PgPool) {
    users::add(&pool, "cli", "dana@example.com", "", Role::Viewer, Some(&secret("a long passphrase")))
        .await
        .expect("added");

    let again = users::add(&pool, "cli", "DANA@example.com", "", Role::Admin, Some(&secret("a long passphrase"))).await;

    assert!(matches!(again, Err(UserError::Exists(ref email)) if email == "dana@example.com"), "{again:?}");
    assert_eq!(users::list(&pool).await.expect("the users").len(), 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_disabled_user_cannot_sign_in_but_stays_listed(pool: PgPool) {
    users::add(&pool, "cli", "lee@example.com", "Lee", Role::Editor, Some(&secret("a long passphrase")))
        .await
        .expect("added");

    users::disable(&pool, "cli", "lee@example.com").await.expect("disabled");

    let signed_in = users::authenticate(&pool, "lee@example.com", &secret("a long passphrase")).await.expect("answers");
    assert!(signed_in.is_none());
    let listed = users::list(&pool).await.expect("the users");
    assert!(listed[0].disabled_at.is_some());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_new_password_replaces_the_old_one(pool: PgPool) {
    users::add(&pool, "cli", "sam@example.com", "", Role::Viewer, Some(&secret("the first passphrase")))
        .await
        .expect("added");

    users::set_password(&pool, "cli", "sam@example.com", &secret("the second passphrase")).await.expect("set");

    assert!(
        users::authenticate(&pool, "sam@example.com", &secret("the first passphrase"))
            .await
            .expect("answers")
            .is_none()
    );
    assert!(
        users::authenticate(&pool, "sam@example.com", &secret("the second passphrase"))
            .await
            .expect("answers")
            .is_some()
    );
    let unknown = users::set_password(&pool, "cli", "nobody@example.com", &secret("the second passphrase")).await;
    assert!(matches!(unknown, Err(UserError::NotFound(_))));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_short_password_adds_nobody(pool: PgPool) {
    let refused = users::add(&pool, "cli", "dana@example.com", "", Role::Admin, Some(&secret("short"))).await;

    assert!(matches!(refused, Err(UserError::Password(_))));
    assert!(users::list(&pool).await.expect("the users").is_empty());
    let records: i64 =
        sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM audit_log"#).fetch_one(&pool).await.expect("a count");
    assert_eq!(records, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_audit_log_refuses_to_be_changed_or_emptied(pool: PgPool) {
    users::add(&pool, "cli", "dana@example.com", "", Role::Admin, Some(&secret("a long passphrase")))
        .await
        .expect("added");

    for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
        let error = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(error.to_string().contains("the audit log is append-only"), "{statement}: {error}");
    }
}
