//! Passwords, hashed with argon2id (the argon2 crate's defaults: 19 MiB,
//! two passes, one lane, as OWASP recommends) into PHC strings.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

/// The shortest password we accept.
pub const MIN_LENGTH: usize = app::domain::admin::MIN_PASSWORD;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is too short: use at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Hashes an acceptable password with a fresh random salt.
pub fn hash(password: &SecretString) -> Result<String, PasswordError> {
    if password.expose_secret().chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Hashing(error.to_string()))
}

/// Whether the password matches the stored hash; a malformed hash matches
/// nothing.
/// Checks a password against no account at all, taking as long as a real
/// check: a sign-in for an unknown email must not answer faster.
pub fn verify_nothing(password: &SecretString) {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash(&SecretString::from("a password nobody has, for timing only")).unwrap_or_default()
    });
    verify(password, &DUMMY);
}

pub fn verify(password: &SecretString, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn a_password_verifies_against_its_own_argon2id_hash_only() {
        let stored = hash(&secret("correct horse battery")).expect("a hash");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify(&secret("correct horse battery"), &stored));
        assert!(!verify(&secret("correct horse battery!"), &stored));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let first = hash(&secret("correct horse battery")).expect("a hash");
        let second = hash(&secret("correct horse battery")).expect("a hash");
        assert_ne!(first, second, "each hash has its own salt");
    }

    #[test]
    fn a_short_password_is_refused_with_the_rule() {
        let error = hash(&secret("short")).expect_err("too short");
        assert_eq!(error.to_string(), "the password is too short: use at least 12 characters");
    }

    #[test]
    fn a_malformed_stored_hash_matches_nothing() {
        assert!(!verify(&secret("correct horse battery"), "not a hash"));
    }
}
