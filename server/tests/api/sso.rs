//! Single sign-on against a local identity provider (an axum server in the
//! test that speaks OpenID Connect: discovery, keys, authorize, token),
//! and the load balancer's signed header against a local key server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use app::domain::Role;
use axum::extract::{Form, Query, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openidconnect::core::{
    CoreClaimName, CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreResponseType, CoreRsaPrivateSigningKey, CoreSubjectIdentifierType, CoreTokenType,
};
use openidconnect::{
    AccessToken, AdditionalClaims, Audience, AuthUrl, EmptyAdditionalProviderMetadata, EmptyExtraTokenFields,
    EndUserEmail, EndUserName, IdToken, IdTokenClaims, IdTokenFields, IssuerUrl, JsonWebKeyId, JsonWebKeySetUrl,
    LocalizedClaim, Nonce, PkceCodeChallenge, PkceCodeVerifier, PrivateSigningKey, ResponseTypes, Scope,
    StandardClaims, StandardTokenResponse, SubjectIdentifier, TokenUrl,
};
use reqwest::header::{LOCATION, SET_COOKIE};
use server::auth::settings::OidcSettings;
use sqlx::PgPool;

use crate::helpers::{TestApp, client_with, spawn_app_with, test_settings};

const KEY: &str = include_str!("../fixtures/test-idp-key.pem");
const CLIENT_ID: &str = "plinth";
const CLIENT_SECRET: &str = "idp client secret";

#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
struct GroupClaims {
    groups: Vec<String>,
}
impl AdditionalClaims for GroupClaims {}

type Fields = IdTokenFields<
    GroupClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The person the identity provider signs in, and what it saw.
#[derive(Clone)]
struct Person {
    subject: String,
    email: String,
    email_verified: bool,
    groups: Vec<String>,
}

/// What a code was issued with: the nonce and the PKCE challenge.
type Issued = (Option<String>, String);

#[derive(Clone)]
struct Idp {
    issuer: String,
    person: Arc<Mutex<Person>>,
    codes: Arc<Mutex<HashMap<String, Issued>>>,
}

async fn discovery(State(idp): State<Idp>) -> Json<CoreProviderMetadata> {
    let issuer = &idp.issuer;
    Json(
        CoreProviderMetadata::new(
            IssuerUrl::new(issuer.clone()).expect("an issuer"),
            AuthUrl::new(format!("{issuer}/authorize")).expect("a URL"),
            JsonWebKeySetUrl::new(format!("{issuer}/jwks")).expect("a URL"),
            vec![ResponseTypes::new(vec![CoreResponseType::Code])],
            vec![CoreSubjectIdentifierType::Public],
            vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
            EmptyAdditionalProviderMetadata {},
        )
        .set_token_endpoint(Some(TokenUrl::new(format!("{issuer}/token")).expect("a URL")))
        .set_scopes_supported(Some(vec![Scope::new("openid".into()), Scope::new("email".into())]))
        .set_claims_supported(Some(["sub", "email", "name", "groups"].map(|c| CoreClaimName::new(c.into())).to_vec())),
    )
}

fn signing_key() -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(KEY, Some(JsonWebKeyId::new("k1".into()))).expect("the test key")
}

async fn jwks() -> Json<CoreJsonWebKeySet> {
    Json(CoreJsonWebKeySet::new(vec![signing_key().as_verification_key()]))
}

async fn authorize(State(idp): State<Idp>, Query(query): Query<HashMap<String, String>>) -> Response {
    assert_eq!(query.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"), "PKCE is used");
    let code = format!("code-{}", idp.codes.lock().expect("codes").len());
    idp.codes
        .lock()
        .expect("codes")
        .insert(code.clone(), (query.get("nonce").cloned(), query["code_challenge"].clone()));
    Redirect::to(&format!("{}?code={code}&state={}", query["redirect_uri"], query["state"])).into_response()
}

async fn token(State(idp): State<Idp>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let basic = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let expected = {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{}", CLIENT_SECRET.replace(' ', "+")))
        )
    };
    if basic != expected {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": "invalid_client" }))).into_response();
    }
    let Some((nonce, challenge)) = idp.codes.lock().expect("codes").remove(&form["code"]) else {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": "invalid_grant" }))).into_response();
    };
    let verifier = PkceCodeVerifier::new(form.get("code_verifier").cloned().unwrap_or_default());
    if PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str() != challenge {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": "invalid_grant" }))).into_response();
    }
    let person = idp.person.lock().expect("person").clone();
    let access = AccessToken::new("access-1".into());
    let now = chrono::Utc::now();
    let claims = IdTokenClaims::new(
        IssuerUrl::new(idp.issuer.clone()).expect("an issuer"),
        vec![Audience::new(CLIENT_ID.into())],
        now + chrono::Duration::minutes(5),
        now,
        StandardClaims::new(SubjectIdentifier::new(person.subject))
            .set_email(Some(EndUserEmail::new(person.email)))
            .set_email_verified(Some(person.email_verified))
            .set_name(Some(LocalizedClaim::from(EndUserName::new("Dana Reyes".into())))),
        GroupClaims { groups: person.groups },
    )
    .set_nonce(nonce.map(Nonce::new));
    let id_token =
        IdToken::new(claims, &signing_key(), CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, Some(&access), None)
            .expect("a signed ID token");
    let response: StandardTokenResponse<Fields, CoreTokenType> = StandardTokenResponse::new(
        access,
        CoreTokenType::Bearer,
        IdTokenFields::new(Some(id_token), EmptyExtraTokenFields {}),
    );
    Json(response).into_response()
}

async fn spawn_idp(person: Person) -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr: SocketAddr = listener.local_addr().expect("an address");
    let idp = Idp {
        issuer: format!("http://{addr}"),
        person: Arc::new(Mutex::new(person)),
        codes: Arc::new(Mutex::new(HashMap::new())),
    };
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    idp
}

async fn plinth_with_sso(pool: PgPool, idp: &Idp) -> TestApp {
    let mut settings = test_settings();
    settings.auth.public_url = Some("http://plinth.test".into());
    settings.auth.oidc = Some(OidcSettings {
        issuer: idp.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        redirect_url: None,
        label: "Test IdP".into(),
    });
    settings.auth.roles.map.insert("plinth-admins".into(), Role::Admin);
    spawn_app_with(pool, settings).await
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned()
}

/// A sign-in started at Plinth and sent back by the identity provider: the
/// callback path (on the test's address instead of the public one) and the
/// state cookie the starting browser holds.
async fn start_and_authorize(app: &TestApp) -> (String, String) {
    let start = app.anonymous.get(app.url("/auth/oidc/start?next=%2Ffindings")).send().await.expect("answers");
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let state_cookie =
        start.headers()[SET_COOKIE].to_str().expect("ASCII").split(';').next().expect("a cookie").to_owned();
    assert!(state_cookie.starts_with("plinth_sso_state="), "{state_cookie}");
    let at_idp = location(&start);
    assert!(at_idp.contains("code_challenge=") && at_idp.contains("nonce=") && at_idp.contains("state="), "{at_idp}");
    let back = client_with(None).get(&at_idp).send().await.expect("the provider answers");
    let callback = location(&back);
    let path = callback.strip_prefix("http://plinth.test").expect("back to Plinth's public address").to_owned();
    (path, state_cookie)
}

/// Follows the browser's whole path: Plinth, the identity provider, and
/// back to Plinth's callback with the state cookie.
async fn sign_in_through(app: &TestApp) -> (reqwest::Response, String) {
    let (path, state_cookie) = start_and_authorize(app).await;
    (client_with(Some(&state_cookie)).get(app.url(&path)).send().await.expect("answers"), path)
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn single_sign_on_creates_the_user_with_the_mapped_role_and_signs_them_in(pool: PgPool) {
    let idp = spawn_idp(Person {
        subject: "idp-user-7".into(),
        email: "Dana@Example.com".into(),
        email_verified: true,
        groups: vec!["everyone".into(), "plinth-admins".into()],
    })
    .await;
    let app = plinth_with_sso(pool.clone(), &idp).await;

    let login = app.anonymous.get(app.url("/login")).send().await.expect("answers").text().await.expect("a body");
    assert!(login.contains("Sign in with Test IdP"), "{login}");

    let (done, callback) = sign_in_through(&app).await;

    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/findings");
    let cookie = done.headers()[SET_COOKIE].to_str().expect("ASCII").split(';').next().expect("a cookie").to_owned();
    let me = client_with(Some(&cookie)).get(app.url("/admin")).send().await.expect("answers");
    assert_eq!(me.status(), StatusCode::OK, "the mapped role is admin");
    let user = sqlx::query!("SELECT role, display_name, sso_subject FROM users WHERE email = 'dana@example.com'")
        .fetch_one(&pool)
        .await
        .expect("Dana was created");
    assert_eq!((user.role.as_str(), user.display_name.as_str()), ("admin", "Dana Reyes"));
    assert_eq!(user.sso_subject.as_deref(), Some("idp-user-7"));

    let state = callback.split("state=").nth(1).expect("a state").to_owned();
    let replayed =
        client_with(Some(&format!("plinth_sso_state={state}"))).get(app.url(&callback)).send().await.expect("answers");
    assert_eq!(location(&replayed), "/login?error=sso", "a callback works once");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_providers_groups_set_the_role_at_every_sign_in_and_a_disabled_user_is_refused(pool: PgPool) {
    let idp = spawn_idp(Person {
        subject: "s-1".into(),
        email: "lee@example.com".into(),
        email_verified: true,
        groups: vec!["plinth-admins".into()],
    })
    .await;
    let app = plinth_with_sso(pool.clone(), &idp).await;

    let (done, _) = sign_in_through(&app).await;
    assert_eq!(location(&done), "/findings");
    let role = sqlx::query_scalar!("SELECT role FROM users WHERE email = 'lee@example.com'").fetch_one(&pool).await;
    assert_eq!(role.expect("Lee was created"), "admin");

    // Taken out of the admins' group at the provider: the next sign-in
    // gives the default role.
    idp.person.lock().expect("person").groups.clear();
    sign_in_through(&app).await;
    let role = sqlx::query_scalar!("SELECT role FROM users WHERE email = 'lee@example.com'").fetch_one(&pool).await;
    assert_eq!(role.expect("Lee"), "viewer");

    server::auth::users::disable(&pool, "test", "lee@example.com").await.expect("disabled");
    let (refused, _) = sign_in_through(&app).await;
    assert_eq!(location(&refused), "/login?error=sso-refused");
    assert!(refused.headers().get(SET_COOKIE).is_none());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_callback_with_a_state_plinth_never_issued_is_refused(pool: PgPool) {
    let idp = spawn_idp(kim()).await;
    let app = plinth_with_sso(pool.clone(), &idp).await;
    // A real code from the provider, with a state (and a cookie) made up.
    let (path, _) = start_and_authorize(&app).await;
    let code = path.split("code=").nth(1).and_then(|rest| rest.split('&').next()).expect("a code");

    let forged = client_with(Some("plinth_sso_state=made-up"))
        .get(app.url(&format!("/auth/oidc/callback?code={code}&state=made-up")))
        .send()
        .await
        .expect("answers");

    assert_eq!(location(&forged), "/login?error=sso");
    assert_no_user(&pool, "kim@example.com").await;
}

fn kim() -> Person {
    Person { subject: "s-2".into(), email: "kim@example.com".into(), email_verified: true, groups: vec![] }
}

async fn assert_no_user(pool: &PgPool, email: &str) {
    let users: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE email = $1"#, email)
        .fetch_one(pool)
        .await
        .expect("a count");
    assert_eq!(users, 0, "{email} was not created");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_callback_link_from_someone_else_does_not_sign_this_browser_in(pool: PgPool) {
    let idp = spawn_idp(kim()).await;
    let app = plinth_with_sso(pool.clone(), &idp).await;
    // The attacker starts a sign-in and sends the callback link to a victim,
    // whose browser does not hold the attacker's state cookie.
    let (path, _attackers_cookie) = start_and_authorize(&app).await;

    let victim = client_with(None).get(app.url(&path)).send().await.expect("answers");

    assert_eq!(location(&victim), "/login?error=sso");
    let cookies: Vec<&str> = victim.headers().get_all(SET_COOKIE).iter().filter_map(|c| c.to_str().ok()).collect();
    assert!(cookies.iter().all(|c| !c.starts_with("plinth_session=")), "{cookies:?}");
    assert_no_user(&pool, "kim@example.com").await;
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_existing_user_is_linked_only_by_a_verified_email(pool: PgPool) {
    let password = secrecy::SecretString::from("a long passphrase");
    server::auth::users::add(&pool, "test", "kim@example.com", "Kim", Role::Admin, Some(&password)).await.expect("Kim");
    let idp = spawn_idp(Person { email_verified: false, ..kim() }).await;
    let app = plinth_with_sso(pool.clone(), &idp).await;

    let (unverified, _) = sign_in_through(&app).await;
    assert_eq!(location(&unverified), "/login?error=sso-refused", "an unverified email takes over nobody");
    let linked = sqlx::query_scalar!("SELECT sso_subject FROM users WHERE email = 'kim@example.com'")
        .fetch_one(&pool)
        .await
        .expect("Kim");
    assert_eq!(linked, None);

    idp.person.lock().expect("person").email_verified = true;
    let (verified, _) = sign_in_through(&app).await;
    assert_eq!(location(&verified), "/findings");
    let linked = sqlx::query!("SELECT sso_subject, role FROM users WHERE email = 'kim@example.com'")
        .fetch_one(&pool)
        .await
        .expect("Kim");
    assert_eq!(linked.sso_subject.as_deref(), Some("s-2"));
    assert_eq!(linked.role, "viewer", "with a role map, the provider's groups decide: none maps, so the default");
}

mod load_balancer {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/plinth/50dc6c495c0c9188";

    /// Serves the public key at `/{kid}`, as the region's key endpoint does.
    async fn spawn_key_server(key: &SigningKey) -> SocketAddr {
        let pem = key.verifying_key().to_public_key_pem(LineEnding::LF).expect("a PEM");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("an address");
        let router = Router::new().route("/kid-1", get(move || async move { pem }));
        tokio::spawn(async move { axum::serve(listener, router).await });
        addr
    }

    fn token(key: &SigningKey, signer: &str, exp: i64, email: &str) -> String {
        let header = json!({ "typ": "JWT", "kid": "kid-1", "alg": "ES256", "signer": signer,
                             "iss": "https://idp.example.com", "client": "plinth", "exp": exp });
        let claims = json!({ "sub": "alb-user-1", "email": email, "name": "Sam Ortiz", "groups": ["plinth-admins"], "exp": exp });
        let signed = format!("{}.{}", URL_SAFE.encode(header.to_string()), URL_SAFE.encode(claims.to_string()));
        let signature: Signature = key.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE.encode(signature.to_bytes()))
    }

    async fn plinth_behind_alb(pool: PgPool, key_server: SocketAddr) -> TestApp {
        let mut settings = test_settings();
        settings.auth.alb.enabled = true;
        settings.auth.alb.signer_arn = Some(ARN.into());
        settings.auth.alb.key_url = format!("http://{key_server}/{{kid}}");
        settings.auth.roles.map.insert("plinth-admins".into(), Role::Admin);
        spawn_app_with(pool, settings).await
    }

    async fn status_with_token(app: &TestApp, token: &str) -> StatusCode {
        app.anonymous
            .get(app.url("/api/admin_users"))
            .header("x-amzn-oidc-data", token)
            .send()
            .await
            .expect("answers")
            .status()
    }

    #[sqlx::test(migrator = "server::db::MIGRATOR")]
    async fn a_verified_load_balancer_token_signs_the_user_in_with_their_mapped_role(pool: PgPool) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let app = plinth_behind_alb(pool.clone(), spawn_key_server(&key).await).await;
        let now = chrono::Utc::now().timestamp();

        assert_eq!(status_with_token(&app, &token(&key, ARN, now + 60, "sam@example.com")).await, StatusCode::OK);
        let role = sqlx::query_scalar!("SELECT role FROM users WHERE email = 'sam@example.com'").fetch_one(&pool).await;
        assert_eq!(role.expect("Sam was created"), "admin");
    }

    #[sqlx::test(migrator = "server::db::MIGRATOR")]
    async fn a_tampered_expired_or_foreign_token_signs_nobody_in(pool: PgPool) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let app = plinth_behind_alb(pool.clone(), spawn_key_server(&key).await).await;
        let now = chrono::Utc::now().timestamp();
        let good = token(&key, ARN, now + 60, "sam@example.com");
        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE.encode(json!({ "sub": "x", "email": "boss@example.com", "exp": now + 60 }).to_string()),
            parts[2]
        );
        let expired = token(&key, ARN, now - 3600, "sam@example.com");
        let foreign = token(
            &key,
            "arn:aws:elasticloadbalancing:eu-west-1:999999999999:loadbalancer/app/x/y",
            now + 60,
            "sam@example.com",
        );
        let other_key = token(&SigningKey::random(&mut rand_core::OsRng), ARN, now + 60, "sam@example.com");

        for (what, token) in
            [("tampered", tampered), ("expired", expired), ("foreign", foreign), ("other key", other_key)]
        {
            assert_eq!(status_with_token(&app, &token).await, StatusCode::UNAUTHORIZED, "{what}");
        }
        let users: i64 =
            sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users WHERE email <> 'admin@example.com'"#)
                .fetch_one(&pool)
                .await
                .expect("a count");
        assert_eq!(users, 0, "no token created a user");
    }

    #[sqlx::test(migrator = "server::db::MIGRATOR")]
    async fn the_header_is_ignored_unless_the_load_balancer_check_is_on(pool: PgPool) {
        let key = SigningKey::random(&mut rand_core::OsRng);
        let mut settings = test_settings();
        settings.auth.alb.enabled = false;
        settings.auth.alb.signer_arn = Some(ARN.into());
        settings.auth.alb.key_url = format!("http://{}/{{kid}}", spawn_key_server(&key).await);
        let app = spawn_app_with(pool, settings).await;
        let good = token(&key, ARN, chrono::Utc::now().timestamp() + 60, "sam@example.com");
        assert_eq!(status_with_token(&app, &good).await, StatusCode::UNAUTHORIZED);
    }
}
