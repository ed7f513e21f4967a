//! Reading one record of any type by id, as staff see it (drafts included).

use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::store::write::Record;

/// One record by id; `NotFound` names its type.
pub async fn get<E, C>(db: &C, id: i32) -> AppResult<E::Model>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    E::find()
        .filter(E::id_column().eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound(E::TYPE))
}
