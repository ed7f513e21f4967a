//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane), off the async
//! threads.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{AppError, AppResult};

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_LENGTH: usize = 12;
/// Longest password accepted (hashing cost is bounded).
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// The password hash of accounts that sign in only through the OpenID Connect provider: not a PHC
/// string, so no password ever matches it.
pub const NO_PASSWORD: &str = "!no-password: signs in through the OpenID Connect provider";

/// Checks a new password's length.
pub fn check_new(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(AppError::bad_field(
            "password",
            format!("a password has at least {MIN_PASSWORD_LENGTH} characters"),
        ));
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(AppError::bad_field(
            "password",
            format!("a password has at most {MAX_PASSWORD_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Hashes a password (PHC string).
pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

/// Whether `password` matches `hash`. An unreadable hash, and [`NO_PASSWORD`], never match (the
/// latter after the time a real check costs).
pub async fn verify(password: String, hash: String) -> AppResult<bool> {
    if hash == NO_PASSWORD {
        let decoy = decoy_hash().await?;
        verify_phc(password, decoy).await?;
        return Ok(false);
    }
    verify_phc(password, hash).await
}

async fn verify_phc(password: String, hash: String) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| AppError::Internal(format!("verification task failed: {e}")))
}

/// A hash of a random password, verified against when the e-mail is unknown, so that unknown
/// accounts cost the same time as wrong passwords.
pub async fn decoy_hash() -> AppResult<String> {
    hash(uuid_like()).await
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id() -> AppResult<()> {
        let hashed = hash("correct horse battery".into()).await?;
        assert!(
            hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hashed}"
        );
        assert!(verify("correct horse battery".into(), hashed.clone()).await?);
        assert!(!verify("wrong horse battery".into(), hashed).await?);
        assert!(!verify("x".into(), "not a hash".into()).await?);
        assert!(!verify(NO_PASSWORD.into(), NO_PASSWORD.into()).await?);
        assert!(!verify(String::new(), NO_PASSWORD.into()).await?);
        Ok(())
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check_new("short").is_err());
        assert!(check_new(&"x".repeat(300)).is_err());
        assert!(check_new("long enough pass").is_ok());
    }
}
