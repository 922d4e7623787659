//! How people sign in: sessions, throttling, single sign-on and the load
//! balancer's token, from the `[auth]` settings.

use std::collections::BTreeMap;
use std::time::Duration;

use app::domain::Role;
use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// The address people use to reach Plinth, such as
    /// `https://plinth.example.com`. With https, cookies are `Secure` and
    /// responses carry HSTS; single sign-on builds its callback from it.
    #[serde(default)]
    pub public_url: Option<String>,
    /// A session ends after this long without a request...
    #[serde(with = "humantime_serde")]
    pub session_idle: Duration,
    /// ...and after this long in any case.
    #[serde(with = "humantime_serde")]
    pub session_lifetime: Duration,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (behind a load balancer) instead of the connection.
    pub trust_forwarded_for: bool,
    pub throttle: ThrottleSettings,
    pub roles: RoleMapping,
    #[serde(default)]
    pub oidc: Option<OidcSettings>,
    pub alb: AlbSettings,
}

impl AuthSettings {
    /// Whether people reach Plinth over https.
    pub fn is_https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!("auth.public_url {url:?} must start with https:// or http://"));
        }
        if self.session_idle.is_zero() || self.session_lifetime < self.session_idle {
            return Err("auth.session_idle must be more than zero and at most auth.session_lifetime".into());
        }
        if self.throttle.per_account == 0 || self.throttle.per_address == 0 || self.throttle.window.is_zero() {
            return Err("auth.throttle limits and window must be more than zero".into());
        }
        if let Some(oidc) = &self.oidc {
            if oidc.issuer.trim().is_empty() || oidc.client_id.trim().is_empty() {
                return Err("auth.oidc needs issuer and client_id".into());
            }
            if self.public_url.is_none() && oidc.redirect_url.is_none() {
                return Err("auth.oidc needs auth.public_url (or auth.oidc.redirect_url) for its callback".into());
            }
        }
        if self.alb.enabled && self.alb.signer_arn.as_deref().is_none_or(|arn| !arn.starts_with("arn:")) {
            return Err("auth.alb.enabled needs auth.alb.signer_arn, the load balancer's ARN".into());
        }
        Ok(())
    }
}

/// Failed password sign-ins allowed within `window` before more are
/// refused, per account and per client address.
#[derive(Debug, Clone, Deserialize)]
pub struct ThrottleSettings {
    #[serde(with = "humantime_serde")]
    pub window: Duration,
    pub per_account: u32,
    pub per_address: u32,
}

/// The role of a user who signs in through single sign-on or the load
/// balancer: the first value of `claim` (a string or a list of strings,
/// such as groups) found in `map`, else `default`.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleMapping {
    pub claim: String,
    pub default: Role,
    #[serde(default)]
    pub map: BTreeMap<String, Role>,
}

impl RoleMapping {
    /// The role a single sign-on user gets from their claims: with a map
    /// configured, the mapped role or else the default (so someone removed
    /// from a group loses its role at their next sign-in); without a map,
    /// `None`, and the role is managed in Plinth.
    pub fn decide(&self, claims: &serde_json::Value) -> Option<Role> {
        (!self.map.is_empty()).then(|| self.mapped(claims).unwrap_or(self.default))
    }

    /// The highest role any of the claim's values maps to; `None` when no
    /// value is mapped.
    pub fn mapped(&self, claims: &serde_json::Value) -> Option<Role> {
        let values: Vec<&str> = match claims.get(&self.claim)? {
            serde_json::Value::String(value) => vec![value.as_str()],
            serde_json::Value::Array(values) => values.iter().filter_map(serde_json::Value::as_str).collect(),
            _ => return None,
        };
        values.into_iter().filter_map(|value| self.map.get(value).copied()).max()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct OidcSettings {
    /// The issuer URL; discovery reads `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    /// Where the identity provider sends people back [default: public_url + /auth/oidc/callback].
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// The button says "Sign in with {label}".
    #[serde(default = "default_sso_label")]
    pub label: String,
}

fn default_sso_label() -> String {
    "single sign-on".into()
}

/// Trusting an Application Load Balancer's `x-amzn-oidc-data` header.
#[derive(Debug, Clone, Deserialize)]
pub struct AlbSettings {
    pub enabled: bool,
    /// The load balancer's ARN: a token signed for another one is refused.
    #[serde(default)]
    pub signer_arn: Option<String>,
    /// Where a key is fetched from; `{region}` (from the ARN) and `{kid}`
    /// are filled in.
    pub key_url: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn mapping() -> RoleMapping {
        RoleMapping {
            claim: "groups".into(),
            default: Role::Viewer,
            map: [("plinth-admins".to_owned(), Role::Admin), ("platform".to_owned(), Role::Editor)].into(),
        }
    }

    #[test]
    fn the_highest_mapped_group_gives_the_role() {
        let claims = json!({ "groups": ["platform", "plinth-admins", "everyone"] });
        assert_eq!(mapping().mapped(&claims), Some(Role::Admin));
        assert_eq!(mapping().mapped(&json!({ "groups": "platform" })), Some(Role::Editor));
    }

    #[test]
    fn with_a_map_an_unmapped_user_falls_back_to_the_default_and_without_one_plinth_decides() {
        assert_eq!(mapping().decide(&json!({ "groups": ["everyone"] })), Some(Role::Viewer));
        assert_eq!(mapping().decide(&json!({ "groups": ["plinth-admins"] })), Some(Role::Admin));
        let unmapped = RoleMapping { map: BTreeMap::new(), ..mapping() };
        assert_eq!(unmapped.decide(&json!({ "groups": ["plinth-admins"] })), None);
    }

    #[test]
    fn no_mapped_value_gives_no_role() {
        assert_eq!(mapping().mapped(&json!({ "groups": ["everyone"] })), None);
        assert_eq!(mapping().mapped(&json!({ "email": "a@b" })), None);
        assert_eq!(mapping().mapped(&json!({ "groups": 7 })), None);
    }
}
