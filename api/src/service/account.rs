//! Staff accounts: creation, listing, disabling, login, provisioning from the OpenID Connect
//! provider, and turning a token into an actor.

use chrono::{DateTime, Utc};
use entity::enums::StaffRole;
use entity::staff_user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::validate;
use crate::auth::jwks::{ProviderKeys, roles_from};
use crate::auth::limit::LoginLimiter;
use crate::auth::oidc::Identity;
use crate::auth::token::TokenKeys;
use crate::auth::{Actor, password};
use crate::error::{AppError, AppResult};

/// The answer every failed login gets, whatever failed.
const LOGIN_FAILED: &str = "invalid e-mail or password";

/// A successful login.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: staff_user::Model,
}

/// Creates an account; the e-mail must be new.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    email: &str,
    name: &str,
    role: StaffRole,
    new_password: String,
) -> AppResult<staff_user::Model> {
    let email = validate::email("email", email)?;
    let name = validate::text("name", name, 200)?;
    password::check_new(&new_password)?;
    if staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.clone()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(format!(
            "an account for {email} exists already"
        )));
    }
    let hash = password::hash(new_password).await?;
    let now = Utc::now();
    let user = staff_user::ActiveModel {
        email: Set(email),
        name: Set(name),
        role: Set(role),
        password_hash: Set(hash),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(crate::store::write::map_db_error)?;
    Ok(user)
}

/// All accounts, by e-mail.
pub async fn list<C: ConnectionTrait>(db: &C) -> AppResult<Vec<staff_user::Model>> {
    Ok(staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Email)
        .all(db)
        .await?)
}

/// One account by id.
pub async fn get<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<Option<staff_user::Model>> {
    Ok(staff_user::Entity::find_by_id(id).one(db).await?)
}

/// Disables an account by e-mail.
pub async fn disable<C: ConnectionTrait>(db: &C, email: &str) -> AppResult<staff_user::Model> {
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    let version = user.version;
    let mut active: staff_user::ActiveModel = user.into();
    active.active = Set(false);
    active.version = Set(version + 1);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Checks e-mail and password and issues a token. Every failure answers the same; attempts are
/// limited per account and per client address.
pub async fn login<C: ConnectionTrait>(
    db: &C,
    keys: &TokenKeys,
    limiter: &LoginLimiter,
    email: &str,
    given_password: &str,
    address: Option<std::net::IpAddr>,
) -> AppResult<Session> {
    let user = authenticate(db, limiter, email, given_password, address).await?;
    let (token, expires_at) = keys.issue(user.id, user.role)?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
}

/// Checks e-mail and password of an active account and notes the sign-in; every failure answers
/// the same, and attempts are limited per account and per client address.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    limiter: &LoginLimiter,
    email: &str,
    given_password: &str,
    address: Option<std::net::IpAddr>,
) -> AppResult<staff_user::Model> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 || given_password.len() > password::MAX_PASSWORD_LENGTH {
        return Err(AppError::Unauthenticated(LOGIN_FAILED.to_owned()));
    }
    limiter.check(&email, address)?;
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email))
        .one(db)
        .await?;
    let Some(user) = user else {
        // Spend the time a real check costs, so unknown accounts cannot be told apart.
        let decoy = password::decoy_hash().await?;
        password::verify(given_password.to_owned(), decoy).await?;
        return Err(AppError::Unauthenticated(LOGIN_FAILED.to_owned()));
    };
    let matches = password::verify(given_password.to_owned(), user.password_hash.clone()).await?;
    if !matches || !user.active {
        return Err(AppError::Unauthenticated(LOGIN_FAILED.to_owned()));
    }
    let mut seen: staff_user::ActiveModel = user.into();
    seen.last_login_at = Set(Some(Utc::now()));
    Ok(seen.update(db).await?)
}

/// The actor behind a verified token: the account must exist and be active.
pub async fn actor<C: ConnectionTrait>(db: &C, keys: &TokenKeys, token: &str) -> AppResult<Actor> {
    let claims = keys.verify(token)?;
    let id: i32 = claims
        .sub
        .parse()
        .map_err(|_| AppError::Unauthenticated("invalid or expired token".to_owned()))?;
    let user = staff_user::Entity::find_by_id(id).one(db).await?;
    match user {
        Some(user) if user.active => Ok(Actor {
            id: user.id,
            email: user.email,
            role: user.role,
        }),
        _ => Err(AppError::Unauthenticated(
            "invalid or expired token".to_owned(),
        )),
    }
}

/// Changes an account's role or active flag (administrators; the version must match). Nobody
/// demotes or disables themselves, so an instance never loses its last administrator that way.
pub async fn change(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    role: Option<StaffRole>,
    active: Option<bool>,
) -> AppResult<staff_user::Model> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden(
            "only administrators may change accounts".to_owned(),
        ));
    }
    if actor.id == id && (role.is_some_and(|r| r != StaffRole::Admin) || active == Some(false)) {
        return Err(AppError::conflict(
            "administrators cannot demote or disable their own account",
        ));
    }
    let txn = crate::store::write::begin(db).await?;
    let current =
        crate::store::write::load_for_change::<staff_user::Entity, _>(&txn, id, expected_version)
            .await?;
    let updated = crate::store::write::update::<staff_user::Entity, _, _>(
        &txn,
        actor,
        current,
        entity::enums::AuditAction::Update,
        |_, target| {
            if let Some(role) = role {
                target.role = Set(role);
            }
            if let Some(active) = active {
                target.active = Set(active);
            }
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Changes an account's own password: the current one must match; every other session of the
/// account ends.
pub async fn change_password(
    db: &sea_orm::DatabaseConnection,
    limiter: &LoginLimiter,
    actor: &Actor,
    current_password: &str,
    new_password: String,
    keep_session: i32,
) -> AppResult<()> {
    limiter.check(&actor.email, None)?;
    let user = staff_user::Entity::find_by_id(actor.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    if current_password.len() > password::MAX_PASSWORD_LENGTH
        || !password::verify(current_password.to_owned(), user.password_hash.clone()).await?
    {
        return Err(AppError::bad_field(
            "current",
            "the current password is not right",
        ));
    }
    password::check_new(&new_password).map_err(|error| match error {
        AppError::BadUserInput { message, .. } => AppError::bad_field("new", message),
        other => other,
    })?;
    let hash = password::hash(new_password).await?;
    let version = user.version;
    let mut changed: staff_user::ActiveModel = user.into();
    changed.password_hash = Set(hash);
    changed.version = Set(version + 1);
    changed.updated_at = Set(Utc::now());
    changed.update(db).await?;
    super::staff_session::close_others(db, actor.id, keep_session).await
}

/// Creates the first administrator of an instance without accounts, with a random password to
/// print; `None` when accounts exist.
pub async fn first_administrator<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> AppResult<Option<String>> {
    use sea_orm::PaginatorTrait;
    if staff_user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let initial = crate::auth::random_token();
    create(
        db,
        email,
        "Administration",
        StaffRole::Admin,
        initial.clone(),
    )
    .await?;
    Ok(Some(initial))
}

/// Longest display name kept.
const MAX_NAME: usize = 200;

/// The staff account of a person the OpenID Connect provider vouches for, found by e-mail: created
/// with the provider's role (and no password) when new, given the provider's role and name when they
/// changed. Without a staff role at the provider, or with a disabled account, the person is
/// refused.
pub async fn provision<C: ConnectionTrait>(
    db: &C,
    identity: &Identity,
) -> AppResult<staff_user::Model> {
    let email = validate::email("email", &identity.email).map_err(|_| {
        AppError::Unauthenticated("the provider gave no usable e-mail address".to_owned())
    })?;
    let name: String = match identity.name.trim() {
        "" => email.clone(),
        name => name.chars().take(MAX_NAME).collect(),
    };
    let existing = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.clone()))
        .one(db)
        .await?;
    let Some(role) = identity.role else {
        return Err(AppError::Forbidden(
            "the provider gives this person no kleinstadt role".to_owned(),
        ));
    };
    let user = match existing {
        Some(user) => user,
        None => {
            let now = Utc::now();
            let created = staff_user::ActiveModel {
                email: Set(email.clone()),
                name: Set(name.clone()),
                role: Set(role),
                password_hash: Set(password::NO_PASSWORD.to_owned()),
                active: Set(true),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await;
            match created {
                Ok(user) => {
                    tracing::info!(
                        user = user.id,
                        ?role,
                        "staff account created for a provider sign-in"
                    );
                    return Ok(user);
                }
                // Another request created it a moment ago.
                Err(error) => staff_user::Entity::find()
                    .filter(staff_user::Column::Email.eq(email))
                    .one(db)
                    .await?
                    .ok_or_else(|| crate::store::write::map_db_error(error))?,
            }
        }
    };
    if !user.active {
        return Err(AppError::Forbidden("this account is disabled".to_owned()));
    }
    if user.role == role && user.name == name {
        return Ok(user);
    }
    if user.role != role {
        tracing::info!(user = user.id, from = ?user.role, to = ?role, "staff role changed by the provider");
    }
    let version = user.version;
    let mut changed: staff_user::ActiveModel = user.into();
    changed.role = Set(role);
    changed.name = Set(name);
    changed.version = Set(version + 1);
    changed.updated_at = Set(Utc::now());
    Ok(changed.update(db).await?)
}

/// The actor behind a verified access token of the OpenID Connect provider, provisioned like a
/// sign-in.
pub async fn provider_actor<C: ConnectionTrait>(
    db: &C,
    keys: &ProviderKeys,
    token: &str,
) -> AppResult<Actor> {
    let claims = keys.verify(token).await?;
    let Some(email) = claims.email else {
        return Err(AppError::Unauthenticated(
            "the token names no verified e-mail address".to_owned(),
        ));
    };
    let identity = Identity {
        role: roles_from(&claims.claims, keys.settings()),
        subject: claims.subject,
        name: claims.name.unwrap_or_default(),
        email,
    };
    let user = provision(db, &identity).await?;
    Ok(Actor {
        id: user.id,
        email: user.email,
        role: user.role,
    })
}
