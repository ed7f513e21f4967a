//! Changes to advisory-board memberships (staff only).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::enums::BoardRole;
use super::person::BoardMembership;
use super::{DeletePayload, maybe, request};
use crate::ids;
use crate::service::board::{self as service, BoardMembershipChanges};

/// A new seat on an advisory board.
#[derive(InputObject)]
pub struct CreateBoardMembershipInput {
    /// The board: an organisation of kind ADVISORY_BOARD.
    pub board: ID,
    /// The member.
    pub person: ID,
    /// The seat.
    pub role: BoardRole,
    /// Since when: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Until when (not before `from`): `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub until: Option<String>,
    /// What the sources say about the seat.
    pub note: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a seat; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateBoardMembershipInput {
    /// The board: an organisation of kind ADVISORY_BOARD.
    pub board: Option<ID>,
    /// The member.
    pub person: Option<ID>,
    /// The seat.
    pub role: Option<BoardRole>,
    /// Since when: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub from: MaybeUndefined<String>,
    /// Until when (not before `from`): `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub until: MaybeUndefined<String>,
    /// What the sources say about the seat.
    pub note: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateBoardMembershipInput {
    fn into_changes(self) -> crate::AppResult<BoardMembershipChanges> {
        Ok(BoardMembershipChanges {
            board_id: Some(ids::decode_as(&self.board, "Organisation", "board")?),
            person_id: Some(ids::decode_as(&self.person, "Person", "person")?),
            role: Some(self.role.into()),
            from: Some(self.from),
            until: Some(self.until),
            note: Some(self.note),
            sources: self.sources,
        })
    }
}

impl UpdateBoardMembershipInput {
    fn into_changes(self) -> crate::AppResult<BoardMembershipChanges> {
        Ok(BoardMembershipChanges {
            board_id: super::decode_opt(self.board.as_ref(), "Organisation", "board")?,
            person_id: super::decode_opt(self.person.as_ref(), "Person", "person")?,
            role: self.role.map(Into::into),
            from: maybe(self.from),
            until: maybe(self.until),
            note: maybe(self.note),
            sources: self.sources,
        })
    }
}

/// Changes to advisory-board memberships (staff only).
#[derive(Default)]
pub struct BoardMembershipMutation;

#[Object]
impl BoardMembershipMutation {
    /// Records a seat on an advisory board.
    async fn create_board_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new seat.")] input: CreateBoardMembershipInput,
    ) -> Result<BoardMembership> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(BoardMembership(rc.row(created)))
    }

    /// Changes a seat; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_board_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the membership.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateBoardMembershipInput,
    ) -> Result<BoardMembership> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "BoardMembership", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(BoardMembership(rc.row(updated)))
    }

    /// Deletes a seat.
    async fn delete_board_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the membership.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "BoardMembership", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("BoardMembership", id)),
        })
    }
}
