//! Behind an Application Load Balancer with OIDC authentication, the load
//! balancer signs the user's claims into the `x-amzn-oidc-data` header: a
//! JWT signed with ES256 whose header names the key (`kid`) and the load
//! balancer (`signer`). It is trusted only after its signature verifies
//! against the region's public key, its signer is our load balancer and it
//! has not expired. The load balancer pads its base64 (unlike standard
//! JWTs) and signs the text as sent, padding included.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;
use tokio::sync::RwLock;

/// The request header the load balancer sets.
pub const HEADER: &str = "x-amzn-oidc-data";

/// Seconds a token may be past its expiry (clock skew).
const LEEWAY_SECS: i64 = 60;

/// URL-safe base64, with or without padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_encode_padding(false).with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AlbError {
    #[error("the token is not three base64 parts of JSON")]
    Malformed,
    #[error("the token is not signed with ES256")]
    Algorithm,
    #[error("the token names an unusable key id")]
    KeyId,
    #[error("the token was signed by another load balancer ({0})")]
    Signer(String),
    #[error("the public key could not be fetched or read: {0}")]
    Key(String),
    #[error("the signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
}

#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    signer: String,
    /// The identity provider, which the load balancer names in the header.
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    exp: Option<serde_json::Value>,
}

/// The verified claims: the identity provider's user claims.
#[derive(Debug, Clone)]
pub struct AlbClaims {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub issuer: Option<String>,
    /// Every claim, for the role mapping.
    pub all: serde_json::Value,
}

/// Verifies tokens for one load balancer, caching its public keys by id.
pub struct AlbVerifier {
    signer_arn: String,
    region: String,
    key_url: String,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, VerifyingKey>>,
    /// Key ids that could not be fetched, and when: not asked again for a
    /// minute, so made-up ids cannot make Plinth fetch on every request.
    missing: RwLock<HashMap<String, std::time::Instant>>,
}

impl AlbVerifier {
    /// `key_url` may hold `{region}` (taken from the ARN) and `{kid}`.
    pub fn new(signer_arn: &str, key_url: &str) -> Result<AlbVerifier, String> {
        let region = signer_arn
            .split(':')
            .nth(3)
            .filter(|region| !region.is_empty())
            .ok_or_else(|| format!("{signer_arn:?} is not a load balancer ARN"))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|error| error.to_string())?;
        Ok(AlbVerifier {
            signer_arn: signer_arn.to_owned(),
            region: region.to_owned(),
            key_url: key_url.to_owned(),
            http,
            keys: RwLock::new(HashMap::new()),
            missing: RwLock::new(HashMap::new()),
        })
    }

    /// The claims of a token that verifies at `now` (Unix seconds).
    pub async fn verify(&self, token: &str, now: i64) -> Result<AlbClaims, AlbError> {
        let header = peek_header(token, &self.signer_arn)?;
        let key = self.key(&header.kid).await?;
        verify_with(token, &key, &self.signer_arn, now)
    }

    async fn key(&self, kid: &str) -> Result<VerifyingKey, AlbError> {
        if let Some(key) = self.keys.read().await.get(kid) {
            return Ok(*key);
        }
        if self.missing.read().await.get(kid).is_some_and(|at| at.elapsed() < Duration::from_secs(60)) {
            return Err(AlbError::Key(format!("the key {kid} could not be fetched a moment ago")));
        }
        let fetched = self.fetch(kid).await;
        match &fetched {
            Ok(key) => {
                self.keys.write().await.insert(kid.to_owned(), *key);
            }
            Err(_) => {
                let mut missing = self.missing.write().await;
                missing.retain(|_, at| at.elapsed() < Duration::from_secs(60));
                missing.insert(kid.to_owned(), std::time::Instant::now());
            }
        }
        fetched
    }

    async fn fetch(&self, kid: &str) -> Result<VerifyingKey, AlbError> {
        let url = self.key_url.replace("{region}", &self.region).replace("{kid}", kid);
        let response = self.http.get(&url).send().await.map_err(|error| AlbError::Key(error.to_string()))?;
        if !response.status().is_success() {
            return Err(AlbError::Key(format!("{url} answered {}", response.status())));
        }
        let pem = response.text().await.map_err(|error| AlbError::Key(error.to_string()))?;
        if pem.len() > 4096 {
            return Err(AlbError::Key(format!("{url} sent more than a public key")));
        }
        parse_public_key(&pem)
    }
}

/// A PEM public key (SubjectPublicKeyInfo) on P-256.
pub fn parse_public_key(pem: &str) -> Result<VerifyingKey, AlbError> {
    let key = p256::PublicKey::from_public_key_pem(pem.trim()).map_err(|error| AlbError::Key(error.to_string()))?;
    Ok(VerifyingKey::from(&key))
}

fn parts(token: &str) -> Result<(&str, &str, &str), AlbError> {
    let (signed, signature) = token.rsplit_once('.').ok_or(AlbError::Malformed)?;
    let (header, payload) = signed.split_once('.').ok_or(AlbError::Malformed)?;
    if header.is_empty() || payload.is_empty() || signature.is_empty() || payload.contains('.') {
        return Err(AlbError::Malformed);
    }
    Ok((signed, payload, signature))
}

fn decode(part: &str) -> Result<Vec<u8>, AlbError> {
    BASE64.decode(part).map_err(|_| AlbError::Malformed)
}

/// The header, unverified: only to choose the key, after refusing a wrong
/// algorithm, signer or key id before anything is fetched.
fn peek_header(token: &str, signer_arn: &str) -> Result<Header, AlbError> {
    let (signed, _, _) = parts(token)?;
    let header_part = signed.split('.').next().ok_or(AlbError::Malformed)?;
    let header: Header = serde_json::from_slice(&decode(header_part)?).map_err(|_| AlbError::Malformed)?;
    if header.alg != "ES256" {
        return Err(AlbError::Algorithm);
    }
    if header.signer != signer_arn {
        return Err(AlbError::Signer(header.signer));
    }
    let safe = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    if header.kid.is_empty() || header.kid.len() > 128 || !header.kid.bytes().all(safe) {
        return Err(AlbError::KeyId);
    }
    Ok(header)
}

fn seconds(value: &serde_json::Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str().and_then(|text| text.parse().ok()))
}

/// Verifies the signature over the text as sent, then the signer and the
/// expiry (in the header, else the claims; a token without one is refused).
fn verify_with(token: &str, key: &VerifyingKey, signer_arn: &str, now: i64) -> Result<AlbClaims, AlbError> {
    let header = peek_header(token, signer_arn)?;
    let (signed, payload, signature) = parts(token)?;
    let signature = Signature::from_slice(&decode(signature)?).map_err(|_| AlbError::Signature)?;
    key.verify(signed.as_bytes(), &signature).map_err(|_| AlbError::Signature)?;
    let claims: serde_json::Value = serde_json::from_slice(&decode(payload)?).map_err(|_| AlbError::Malformed)?;
    let expiry = header.exp.as_ref().and_then(seconds).or_else(|| claims.get("exp").and_then(seconds));
    if expiry.is_none_or(|expiry| now > expiry + LEEWAY_SECS) {
        return Err(AlbError::Expired);
    }
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let email_verified = matches!(claims.get("email_verified"), Some(serde_json::Value::Bool(true)))
        || text("email_verified").as_deref() == Some("true");
    Ok(AlbClaims {
        subject: text("sub").ok_or(AlbError::Malformed)?,
        email: text("email"),
        email_verified,
        name: text("name"),
        issuer: header.iss.or_else(|| text("iss")),
        all: claims,
    })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/plinth/50dc6c495c0c9188";
    const NOW: i64 = 1_800_000_000;

    /// A token the way the load balancer makes one: padded base64.
    fn token(key: &SigningKey, signer: &str, exp: i64) -> String {
        let header = json!({ "typ": "JWT", "kid": "6e8a2b43-9f2d", "alg": "ES256", "signer": signer,
                             "iss": "https://idp.example.com", "client": "plinth", "exp": exp });
        let claims = json!({ "sub": "1234567890", "email": "dana@example.com", "name": "Dana Reyes",
                             "groups": ["platform"], "exp": exp });
        let signed = format!("{}.{}", URL_SAFE.encode(header.to_string()), URL_SAFE.encode(claims.to_string()));
        let signature: Signature = key.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE.encode(signature.to_bytes()))
    }

    fn key() -> SigningKey {
        SigningKey::random(&mut rand_core::OsRng)
    }

    #[test]
    fn a_token_signed_by_our_load_balancer_gives_its_claims() {
        let key = key();
        let claims = verify_with(&token(&key, ARN, NOW + 60), key.verifying_key(), ARN, NOW).expect("it verifies");
        assert_eq!(claims.subject, "1234567890");
        assert_eq!(claims.email.as_deref(), Some("dana@example.com"));
        assert_eq!(claims.all["groups"], json!(["platform"]));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let key = key();
        let good = token(&key, ARN, NOW + 60);
        let parts: Vec<&str> = good.split('.').collect();
        let forged_claims =
            URL_SAFE.encode(json!({ "sub": "admin", "email": "boss@example.com", "exp": NOW + 60 }).to_string());
        let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
        assert_eq!(verify_with(&forged, key.verifying_key(), ARN, NOW).unwrap_err(), AlbError::Signature);
        let unpadded: String = good.chars().filter(|c| *c != '=').collect();
        assert_eq!(
            verify_with(&unpadded, key.verifying_key(), ARN, NOW).unwrap_err(),
            AlbError::Signature,
            "the padding is part of what was signed"
        );
        let other_key = self::key();
        assert_eq!(verify_with(&good, other_key.verifying_key(), ARN, NOW).unwrap_err(), AlbError::Signature);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let key = key();
        let expired = token(&key, ARN, NOW - LEEWAY_SECS - 1);
        assert_eq!(verify_with(&expired, key.verifying_key(), ARN, NOW).unwrap_err(), AlbError::Expired);
    }

    #[test]
    fn a_token_from_another_load_balancer_is_refused_before_any_key_is_fetched() {
        let key = key();
        let other = "arn:aws:elasticloadbalancing:eu-west-1:999999999999:loadbalancer/app/x/y";
        let error = peek_header(&token(&key, other, NOW + 60), ARN).unwrap_err();
        assert_eq!(error, AlbError::Signer(other.to_owned()));
    }

    #[test]
    fn a_token_with_another_algorithm_or_a_path_in_its_key_id_is_refused() {
        let header = |alg: &str, kid: &str| {
            let header = json!({ "alg": alg, "kid": kid, "signer": ARN });
            format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(header.to_string()))
        };
        assert_eq!(peek_header(&header("none", "k1"), ARN).unwrap_err(), AlbError::Algorithm);
        assert_eq!(peek_header(&header("ES256", "../../etc"), ARN).unwrap_err(), AlbError::KeyId);
        assert_eq!(peek_header("not a token", ARN).unwrap_err(), AlbError::Malformed);
    }

    #[test]
    fn the_region_comes_from_the_load_balancer_arn() {
        let verifier =
            AlbVerifier::new(ARN, "https://public-keys.auth.elb.{region}.amazonaws.com/{kid}").expect("valid");
        assert_eq!(verifier.region, "eu-west-1");
        assert!(AlbVerifier::new("not-an-arn", "x").is_err());
    }
}
