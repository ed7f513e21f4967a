//! Persisted documents (administrators register them; anyone runs them): GraphQL documents known by
//! their SHA-256, so that partner sites send an id instead of a query, over GET, and caches can keep
//! the answers. The `documents` command and the GraphQL API both register through here.

use entity::persisted_document;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::validate;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::write;
use sea_orm::QueryOrder;

/// The public type name of persisted documents (audit log).
pub const TYPE: &str = "PersistedDocument";

/// Longest document that can be registered, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// The prefix of every document id.
pub const PREFIX: &str = "sha256:";

/// The id of a document text: `sha256:` and the lowercase hex SHA-256 of its bytes.
pub fn document_id(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut id = String::with_capacity(PREFIX.len() + 64);
    id.push_str(PREFIX);
    for byte in digest {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

/// The hex hash of a well-formed id (`sha256:` and 64 hex digits, any case), lowercased; `None`
/// for anything else.
pub fn parse_id(value: &str) -> Option<String> {
    let hex = value.strip_prefix(PREFIX)?;
    is_sha256_hex(hex).then(|| hex.to_ascii_lowercase())
}

/// Whether `value` is 64 hex digits.
pub fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn admin(actor: &Actor) -> AppResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only administrators may register persisted documents".to_owned(),
        ))
    }
}

/// Registers `text` under its SHA-256 (the same text again returns the first registration).
/// The text must be a GraphQL document that parses; it is kept byte for byte, since the id is
/// the hash of exactly these bytes.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    text: &str,
    name: Option<&str>,
) -> AppResult<persisted_document::Model> {
    admin(actor)?;
    if text.trim().is_empty() {
        return Err(AppError::bad_field("document", "`document` is empty"));
    }
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::bad_field(
            "document",
            format!("`document` is longer than {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    if let Err(error) = async_graphql::parser::parse_query(text) {
        return Err(AppError::bad_field(
            "document",
            format!("`document` is not a GraphQL document: {error}"),
        ));
    }
    let name = validate::opt_text("name", name, 200)?;
    let id = document_id(text);
    let txn = write::begin(db).await?;
    if let Some(existing) = by_id(&txn, &id).await? {
        return Ok(existing);
    }
    let record = persisted_document::ActiveModel {
        document_id: Set(id),
        document: Set(text.to_owned()),
        name: Set(name),
        ..Default::default()
    };
    let created = write::create::<persisted_document::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// The document registered under `id` (`sha256:<hex>`), if any.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    id: &str,
) -> AppResult<Option<persisted_document::Model>> {
    Ok(persisted_document::Entity::find()
        .filter(persisted_document::Column::DocumentId.eq(id))
        .one(db)
        .await?)
}

/// One page of registered documents, oldest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<persisted_document::Model>> {
    admin(actor)?;
    let select = persisted_document::Entity::find().order_by_asc(persisted_document::Column::Id);
    paginate(db, select, args, want_total).await
}

/// Every registered document, oldest first (for the command line).
pub async fn all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> AppResult<Vec<persisted_document::Model>> {
    admin(actor)?;
    Ok(persisted_document::Entity::find()
        .order_by_asc(persisted_document::Column::Id)
        .all(db)
        .await?)
}

/// Removes a registration: clients that still send its id get "not found" (instances that have
/// it in memory forget it within [`crate::persisted::REMEMBER_SECONDS`]).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<persisted_document::Model> {
    admin(actor)?;
    let txn = write::begin(db).await?;
    let deleted =
        write::delete::<persisted_document::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_sha256_of_the_exact_text() {
        // sha256("") is the well-known e3b0…b855.
        assert_eq!(
            document_id(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_ne!(document_id("{ a }"), document_id("{ a }\n"));
    }

    #[test]
    fn only_well_formed_ids_parse() {
        let hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(
            parse_id(&format!("sha256:{hex}")).as_deref(),
            Some(hex.to_ascii_lowercase().as_str())
        );
        assert_eq!(parse_id(hex), None);
        assert_eq!(parse_id("sha256:abc"), None);
        assert_eq!(parse_id(&format!("md5:{hex}")), None);
    }
}
