//! Who may use Plinth: local users with argon2id passwords, sessions in
//! PostgreSQL, login throttling, and the audit log every write goes to.

pub mod alb;
pub mod audit;
pub mod oidc;
pub mod password;
pub mod rate;
pub mod sessions;
pub mod settings;
pub mod throttle;
pub mod tokens;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use app::domain::SignedIn;
use sqlx::PgPool;

use self::alb::AlbVerifier;
use self::oidc::Oidc;
use self::sessions::SessionPolicy;
use self::settings::AuthSettings;

/// Everything the HTTP layer needs to know who is asking.
#[derive(Clone)]
pub struct Auth {
    pub pool: PgPool,
    pub settings: Arc<AuthSettings>,
    pub policy: SessionPolicy,
    /// Set once a user exists; until then the server serves only the page
    /// that says how to create the first admin.
    has_users: Arc<AtomicBool>,
    /// Single sign-on, when configured.
    pub oidc: Option<Arc<Oidc>>,
    /// The load balancer's token check, when turned on.
    pub alb: Option<Arc<AlbVerifier>>,
}

impl Auth {
    pub fn new(pool: PgPool, settings: &AuthSettings) -> Auth {
        let policy = SessionPolicy {
            idle: settings.session_idle,
            lifetime: settings.session_lifetime,
            secure: settings.is_https(),
        };
        let alb = settings.alb.signer_arn.as_deref().filter(|_| settings.alb.enabled).and_then(|arn| {
            AlbVerifier::new(arn, &settings.alb.key_url)
                .inspect_err(|error| tracing::error!(%error, "the load balancer's token check is off"))
                .ok()
        });
        Auth {
            pool,
            settings: Arc::new(settings.clone()),
            policy,
            has_users: Arc::new(AtomicBool::new(false)),
            oidc: Oidc::from_settings(settings).map(Arc::new),
            alb: alb.map(Arc::new),
        }
    }

    /// Whether anyone can sign in. Asked of the database until the answer
    /// is yes (a first admin added from the command line while the server
    /// runs counts at once), then remembered.
    pub async fn has_users(&self) -> Result<bool, sqlx::Error> {
        if self.has_users.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let any = users::any_active(&self.pool).await?;
        if any {
            self.has_users.store(true, Ordering::Relaxed);
        }
        Ok(any)
    }

    /// The user a verified load balancer token names; `None` for a token
    /// that does not verify (logged) or a disabled user.
    pub async fn load_balancer_user(&self, token: &str) -> Result<Option<SignedIn>, users::UserError> {
        let Some(alb) = &self.alb else { return Ok(None) };
        let claims = match alb.verify(token, chrono::Utc::now().timestamp()).await {
            Ok(claims) => claims,
            Err(error) => {
                tracing::warn!(%error, "refused the load balancer's x-amzn-oidc-data token");
                return Ok(None);
            }
        };
        let identity = users::SsoIdentity {
            issuer: format!("alb:{}", claims.issuer.as_deref().unwrap_or("unknown")),
            subject: claims.subject,
            email: claims.email,
            email_verified: claims.email_verified,
            name: claims.name,
            mapped_role: self.settings.roles.decide(&claims.all),
        };
        match users::sign_in_sso(&self.pool, &identity, self.settings.roles.default).await? {
            users::SsoOutcome::SignedIn(user) => Ok(Some(user)),
            outcome => {
                tracing::warn!(?outcome, subject = identity.subject, "the load balancer's user may not sign in");
                Ok(None)
            }
        }
    }

    /// The user behind a session cookie's id, if the session is live.
    pub async fn session_user(&self, token: &str) -> Result<Option<SignedIn>, sqlx::Error> {
        sessions::resolve(&self.pool, &self.policy, token).await
    }
}
