//! Signed access tokens: HS256 only, with `sub`, `role`, `iat`, `exp`, `iss`, `aud`, all required and
//! checked. A bad token is an error, never silently anonymous.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::StaffRole;
use crate::error::{AppError, AppResult};

/// Issuer of our tokens.
pub const ISSUER: &str = "kleinstadt";
/// Audience of our tokens.
pub const AUDIENCE: &str = "kleinstadt-api";
/// Shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The staff account's id.
    pub sub: String,
    pub role: StaffRole,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Signing and verification keys, built once from the secret.
#[derive(Clone)]
pub struct TokenKeys {
    /// Encrypts and signs private cookies (the pending sign-in at the identity provider).
    cookie_key: axum_extra::extract::cookie::Key,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes; tokens live for `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> AppResult<Self> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(AppError::Internal(format!(
                "the token secret must have at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 30;
        validation.validate_exp = true;
        let derived = {
            use sha2::{Digest, Sha512};
            let mut hasher = Sha512::new();
            hasher.update(b"kleinstadt private cookies\0");
            hasher.update(secret);
            hasher.finalize()
        };
        Ok(Self {
            cookie_key: axum_extra::extract::cookie::Key::from(&derived[..]),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        })
    }

    /// The key of private cookies, derived from the token secret.
    pub fn cookie_key(&self) -> &axum_extra::extract::cookie::Key {
        &self.cookie_key
    }

    /// Issues a token for a staff account; returns it and its expiry.
    pub fn issue(&self, user_id: i32, role: StaffRole) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now
            + chrono::Duration::from_std(self.ttl)
                .map_err(|e| AppError::Internal(format!("token lifetime: {e}")))?;
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iat: now.timestamp(),
            exp: expires.timestamp(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::Internal(format!("signing failed: {e}")))?;
        Ok((token, expires))
    }

    /// Verifies a token: signature, algorithm, expiry, issuer, audience.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| {
                tracing::debug!(%error, "token refused");
                AppError::Unauthenticated("invalid or expired token".to_owned())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &[u8]) -> AppResult<TokenKeys> {
        TokenKeys::new(secret, Duration::from_secs(3600))
    }

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() -> AppResult<()> {
        let ours = keys(&[7; 32])?;
        let theirs = keys(&[8; 32])?;
        let (token, _) = ours.issue(5, StaffRole::Editor)?;
        let claims = ours.verify(&token)?;
        assert_eq!(claims.sub, "5");
        assert_eq!(claims.role, StaffRole::Editor);
        assert!(theirs.verify(&token).is_err());
        assert!(ours.verify("not.a.token").is_err());
        Ok(())
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(keys(b"too short").is_err());
    }
}
