//! Sessions of the staff interface, kept on the server: opened at sign-in, ended by signing out,
//! by idling or at their absolute end, and useless once their account is disabled.

use chrono::{DateTime, Duration, Utc};
use entity::{staff_session, staff_user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use crate::error::AppResult;

/// A session's last-seen time is written at most this often.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Opens a session for an account, forgetting its ended ones.
pub async fn open<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    token_hash: String,
    csrf_token: String,
    lifetime: Duration,
) -> AppResult<()> {
    let now = Utc::now();
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffUserId.eq(user_id))
        .filter(staff_session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    staff_session::ActiveModel {
        token_hash: Set(token_hash),
        staff_user_id: Set(user_id),
        csrf_token: Set(csrf_token),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + lifetime),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The live session with this token hash and its active account; an ended session is deleted.
/// Touches the session's last-seen time.
pub async fn live<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
    idle: Duration,
) -> AppResult<Option<(staff_session::Model, staff_user::Model)>> {
    let now = Utc::now();
    let Some(session) = staff_session::Entity::find()
        .filter(staff_session::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if ended(&session, idle, now) {
        close(db, session.id).await?;
        return Ok(None);
    }
    let Some(user) = staff_user::Entity::find_by_id(session.staff_user_id)
        .one(db)
        .await?
        .filter(|user| user.active)
    else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY {
        let mut touched = session.clone().into_active_model();
        touched.last_seen_at = Set(now);
        touched.update(db).await?;
    }
    Ok(Some((session, user)))
}

fn ended(session: &staff_session::Model, idle: Duration, now: DateTime<Utc>) -> bool {
    session.expires_at <= now || session.last_seen_at + idle <= now
}

/// Ends a session.
pub async fn close<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<()> {
    staff_session::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Ends every session of an account but one.
pub async fn close_others<C: ConnectionTrait>(db: &C, user_id: i32, keep: i32) -> AppResult<()> {
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffUserId.eq(user_id))
        .filter(staff_session::Column::Id.ne(keep))
        .exec(db)
        .await?;
    Ok(())
}
