//! Login and staff accounts.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::StaffRole as StoredRole;
use entity::staff_user;

use super::request;
use crate::ids;
use crate::service::account;

/// The role of a staff account.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    /// Edits content.
    Editor,
    /// Edits content, manages accounts, exports and erases personal data.
    Admin,
}

impl From<StoredRole> for StaffRole {
    fn from(role: StoredRole) -> Self {
        match role {
            StoredRole::Editor => Self::Editor,
            StoredRole::Admin => Self::Admin,
        }
    }
}

impl From<StaffRole> for StoredRole {
    fn from(role: StaffRole) -> Self {
        match role {
            StaffRole::Editor => Self::Editor,
            StaffRole::Admin => Self::Admin,
        }
    }
}

/// A staff account (never its password).
#[derive(SimpleObject)]
pub struct User {
    /// Global ID.
    pub id: ID,
    /// E-mail address, the login name.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Whether the account may log in.
    pub active: bool,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<staff_user::Model> for User {
    fn from(user: staff_user::Model) -> Self {
        Self {
            id: ID(ids::encode("User", user.id)),
            email: user.email,
            name: user.name,
            role: user.role.into(),
            active: user.active,
            last_login_at: user.last_login_at,
        }
    }
}

/// A successful login.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// Bearer token for the `Authorization` header.
    pub token: String,
    /// When the token stops working.
    pub expires_at: DateTime<Utc>,
    /// The account logged in.
    pub user: User,
}

/// Queries about accounts.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The logged-in account; null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let rc = request(ctx)?;
        let Some(actor) = &rc.actor else {
            return Ok(None);
        };
        let users = account::list(&rc.db).await?;
        Ok(users
            .into_iter()
            .find(|user| user.id == actor.id)
            .map(User::from))
    }

    /// All staff accounts (administrators only).
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let rc = request(ctx)?;
        rc.admin()?;
        Ok(account::list(&rc.db)
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }
}

/// Login and account management.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Logs in with e-mail and password; every failure answers the same `UNAUTHENTICATED` error.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "E-mail address of the account.")] email: String,
        #[graphql(desc = "Password.", secret)] password: String,
    ) -> Result<LoginPayload> {
        let rc = request(ctx)?;
        let session = account::login(
            &rc.db,
            &rc.state.tokens,
            &rc.state.login_limiter,
            &email,
            &password,
            rc.address,
        )
        .await?;
        Ok(LoginPayload {
            token: session.token,
            expires_at: session.expires_at,
            user: session.user.into(),
        })
    }

    /// Creates a staff account (administrators only).
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "E-mail address, the login name.")] email: String,
        #[graphql(desc = "Display name.")] name: String,
        #[graphql(desc = "Role.")] role: StaffRole,
        #[graphql(desc = "Initial password (at least 12 characters).", secret)] password: String,
    ) -> Result<User> {
        let rc = request(ctx)?;
        rc.admin()?;
        Ok(
            account::create(&rc.db, &email, &name, role.into(), password)
                .await?
                .into(),
        )
    }

    /// Disables a staff account: it can no longer log in and its tokens stop working (administrators only).
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "E-mail address of the account.")] email: String,
    ) -> Result<User> {
        let rc = request(ctx)?;
        rc.admin()?;
        Ok(account::disable(&rc.db, &email).await?.into())
    }
}
