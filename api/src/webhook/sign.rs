//! Signing per Standard Webhooks 1.0: secrets are `whsec_` and the base64 of a random key; a
//! message's signature is `v1,` and the base64 of HMAC-SHA256(key, `{id}.{timestamp}.{body}`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{AppError, AppResult};

/// The prefix of a secret.
const PREFIX: &str = "whsec_";

/// Bytes of a new signing key.
const KEY_BYTES: usize = 32;

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut key = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The key of a secret (the base64 after `whsec_`).
fn key(secret: &str) -> AppResult<Vec<u8>> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    STANDARD
        .decode(encoded)
        .map_err(|_| AppError::Internal("a webhook secret is not base64".to_owned()))
}

/// The `webhook-signature` header of message `id` sent at `timestamp` (unix seconds) with `body`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> AppResult<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?)
        .map_err(|_| AppError::Internal("a webhook key was refused".to_owned()))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_example_of_the_specification() {
        let signature = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.ok().as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn new_secrets_are_random_32_byte_keys() {
        let (one, two) = (new_secret(), new_secret());
        assert_ne!(one, two);
        assert!(one.starts_with("whsec_"));
        assert_eq!(key(&one).map(|key| key.len()).ok(), Some(32));
    }
}
