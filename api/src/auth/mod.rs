//! Authentication: staff passwords (Argon2id), signed tokens (JWT, HS256), login rate limits, sign-in
//! through an OpenID Connect provider and its access tokens, and the caller of a request.

pub mod jwks;
pub mod limit;
pub mod oidc;
pub mod password;
pub mod token;

pub use entity::enums::StaffRole;

/// A fresh random secret: 256 bits, URL-safe base64 (session tokens, CSRF tokens, first passwords).
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A logged-in staff member, as far as a change needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: i32,
    pub email: String,
    pub role: StaffRole,
}

impl Actor {
    /// The operator of a command: an administrator without an account, audited without an id.
    pub fn operator() -> Self {
        Self {
            id: 0,
            email: "command line".to_owned(),
            role: StaffRole::Admin,
        }
    }

    /// Whether the actor may manage accounts and personal data exports and erasures.
    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Admin
    }
}
