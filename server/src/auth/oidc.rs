//! Single sign-on with OpenID Connect: discovery, the authorization code
//! flow with PKCE, a nonce and a state. The state, the PKCE verifier and
//! the nonce wait in PostgreSQL (only the state's hash is the key) between
//! the redirect to the identity provider and its callback, for at most ten
//! minutes, and are used once.

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken,
    CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::RwLock;

use super::settings::{AuthSettings, OidcSettings, RoleMapping};
use super::users::SsoIdentity;

/// Every claim beyond the standard ones, kept for the role mapping.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type Claims = IdTokenClaims<ExtraClaims, CoreGenderClaim>;
type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider's discovery failed: {0}")]
    Discovery(String),
    #[error("the sign-in is unknown, used already or older than ten minutes")]
    UnknownState,
    #[error("the identity provider refused the code: {0}")]
    Exchange(String),
    #[error("the identity provider's ID token is not valid: {0}")]
    IdToken(String),
    #[error("the database is unavailable: {0}")]
    Database(#[from] sqlx::Error),
}

/// Single sign-on with one identity provider, discovered on first use (a
/// provider that is down at start-up does not stop Plinth starting) and
/// again when its ID token names a key we do not have (keys rotate).
pub struct Oidc {
    settings: OidcSettings,
    redirect_url: String,
    pub roles: RoleMapping,
    http: reqwest::Client,
    client: RwLock<Option<Arc<OidcClient>>>,
}

impl Oidc {
    /// `None` when single sign-on is not configured.
    pub fn from_settings(auth: &AuthSettings) -> Option<Oidc> {
        let settings = auth.oidc.clone()?;
        let redirect_url = settings.redirect_url.clone().unwrap_or_else(|| {
            format!("{}/auth/oidc/callback", auth.public_url.as_deref().unwrap_or_default().trim_end_matches('/'))
        });
        let http = reqwest::Client::builder()
            // Following redirects from the provider would be a way to make
            // Plinth fetch anything.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .ok()?;
        Some(Oidc { settings, redirect_url, roles: auth.roles.clone(), http, client: RwLock::new(None) })
    }

    /// The discovered client; `fresh` discovers again (new signing keys).
    async fn client(&self, fresh: bool) -> Result<Arc<OidcClient>, OidcError> {
        if !fresh && let Some(client) = self.client.read().await.as_ref() {
            return Ok(client.clone());
        }
        let issuer =
            IssuerUrl::new(self.settings.issuer.clone()).map_err(|error| OidcError::Discovery(error.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| OidcError::Discovery(error.to_string()))?;
        let redirect =
            RedirectUrl::new(self.redirect_url.clone()).map_err(|error| OidcError::Discovery(error.to_string()))?;
        let secret =
            self.settings.client_secret.as_ref().map(|secret| ClientSecret::new(secret.expose_secret().to_owned()));
        let client = Arc::new(
            Client::from_provider_metadata(metadata, ClientId::new(self.settings.client_id.clone()), secret)
                .set_redirect_uri(redirect),
        );
        *self.client.write().await = Some(client.clone());
        Ok(client)
    }

    /// The identity provider's address to send the browser to, and the
    /// state, which the browser must bring back (in a cookie) with the
    /// callback; the sign-in waits in the database.
    pub async fn start(&self, pool: &PgPool, next: &str) -> Result<(String, String), OidcError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        sqlx::query!("DELETE FROM sso_pending WHERE created_at < now() - interval '10 minutes'").execute(pool).await?;
        sqlx::query!(
            "INSERT INTO sso_pending (state_hash, pkce_verifier, nonce, next_path) VALUES ($1, $2, $3, $4)",
            hash(state.secret()),
            verifier.secret(),
            nonce.secret(),
            next
        )
        .execute(pool)
        .await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Completes a sign-in at the callback: the state must be one we
    /// started (it is used up), the code is exchanged with the PKCE
    /// verifier, and the ID token must verify with our nonce. Returns who
    /// signed in and where they were headed.
    pub async fn finish(&self, pool: &PgPool, code: &str, state: &str) -> Result<(SsoIdentity, String), OidcError> {
        let pending = sqlx::query!(
            "DELETE FROM sso_pending WHERE state_hash = $1 AND created_at > now() - interval '10 minutes'
             RETURNING pkce_verifier, nonce, next_path",
            hash(state)
        )
        .fetch_optional(pool)
        .await?
        .ok_or(OidcError::UnknownState)?;
        let client = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| OidcError::Exchange(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|error| OidcError::Exchange(format!("{error:?}")))?;
        let id_token = tokens.id_token().ok_or_else(|| OidcError::IdToken("no ID token in the answer".into()))?;
        let nonce = Nonce::new(pending.nonce);
        let claims: &Claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims,
            // Perhaps signed with a key we have not seen: the provider may
            // have rotated its keys since discovery. Discover once more.
            Err(first) => {
                let fresh = self.client(true).await?;
                let verifier = fresh.id_token_verifier();
                id_token.claims(&verifier, &nonce).map_err(|_| OidcError::IdToken(first.to_string()))?
            }
        };
        let email = claims.email().map(|email| email.as_str().to_owned());
        let email_verified = claims.email_verified() == Some(true);
        let name = claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned());
        let extra = serde_json::Value::Object(claims.additional_claims().0.clone());
        let identity = SsoIdentity {
            issuer: format!("oidc:{}", self.settings.issuer),
            subject: claims.subject().as_str().to_owned(),
            email,
            email_verified,
            name,
            mapped_role: self.roles.decide(&extra),
        };
        Ok((identity, pending.next_path))
    }
}

fn hash(state: &str) -> Vec<u8> {
    Sha256::digest(state.as_bytes()).to_vec()
}
