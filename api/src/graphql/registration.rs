//! Registrations for events: private, staff only.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use entity::registration;

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::enums::RegistrationStatus;
use super::event::Event;
use super::person::Person;
use super::{DeletePayload, maybe, request};
use crate::ids;
use crate::load::{Relation, Row};
use crate::service::registration::{self as service, RegistrationChanges};
use crate::service::relation::{RegistrationEvent, RegistrationPerson};

/// A person's registration for an event (private: staff only).
#[derive(Clone)]
pub struct Registration(pub Row<registration::Model>);

/// A person's registration for an event (private: staff only).
#[Object]
impl Registration {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Registration", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// State of the registration.
    async fn status(&self) -> RegistrationStatus {
        self.0.status.into()
    }
    /// When the person registered, where known.
    async fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.0.registered_at
    }
    /// Internal note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// The event.
    async fn event(&self) -> Result<Option<Event>> {
        Ok(self.0.load_one::<RegistrationEvent>().await?.map(Event))
    }
    /// The person.
    async fn person(&self) -> Result<Option<Person>> {
        Ok(self
            .0
            .load::<RegistrationPerson>()
            .await?
            .into_iter()
            .next()
            .map(Person))
    }
    /// Changes to this registration, newest first (staff only).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<AuditEntryConnection>> {
        super::audit::history::<registration::Entity>(
            ctx,
            &self.0,
            args(first, after, last, before),
        )
        .await
    }
}

connection!(
    RegistrationConnection,
    RegistrationEdge,
    Registration,
    "registrations"
);

/// A new registration.
#[derive(InputObject)]
pub struct CreateRegistrationInput {
    /// The event.
    pub event: ID,
    /// The person registering.
    pub person: ID,
    /// State of the registration (default REGISTERED).
    pub status: Option<RegistrationStatus>,
    /// When the person registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// Internal note.
    pub note: Option<String>,
    /// Sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a registration; fields left out stay as they are, `null` clears an optional field.
/// Event and person stay: delete the registration and register again to change them.
#[derive(InputObject)]
pub struct UpdateRegistrationInput {
    /// State of the registration.
    pub status: Option<RegistrationStatus>,
    /// When the person registered.
    pub registered_at: MaybeUndefined<DateTime<Utc>>,
    /// Internal note.
    pub note: MaybeUndefined<String>,
    /// Sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreateRegistrationInput {
    fn into_changes(self) -> crate::AppResult<RegistrationChanges> {
        Ok(RegistrationChanges {
            event_id: Some(ids::decode_as(&self.event, "Event", "event")?),
            person_id: Some(ids::decode_as(&self.person, "Person", "person")?),
            status: self.status.map(Into::into),
            registered_at: Some(self.registered_at),
            note: Some(self.note),
            sources: self.sources,
        })
    }
}

impl UpdateRegistrationInput {
    fn into_changes(self) -> RegistrationChanges {
        RegistrationChanges {
            event_id: None,
            person_id: None,
            status: self.status.map(Into::into),
            registered_at: maybe(self.registered_at),
            note: maybe(self.note),
            sources: self.sources,
        }
    }
}

/// Changes to registrations (staff only).
#[derive(Default)]
pub struct RegistrationMutation;

#[Object]
impl RegistrationMutation {
    /// Registers a person for an event; CONFLICT when they are registered already.
    async fn create_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new registration.")] input: CreateRegistrationInput,
    ) -> Result<Registration> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(Registration(rc.row(created)))
    }

    /// Changes a registration; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the registration.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateRegistrationInput,
    ) -> Result<Registration> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Registration", "id")?;
        let updated =
            service::update(&rc.db, actor, id, expected_version, input.into_changes()).await?;
        Ok(Registration(rc.row(updated)))
    }

    /// Deletes a registration.
    async fn delete_registration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the registration.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Registration", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Registration", id)),
        })
    }
}

/// The `registrations` field of an event or a person: null unless the caller is staff, loaded for
/// the whole response level at once.
pub async fn registrations<R>(
    ctx: &Context<'_>,
    row: &Row<R::Parent>,
    args: crate::store::page::PageArgs,
) -> Result<Option<RegistrationConnection>>
where
    R: Relation<Target = registration::Entity, Item = registration::Model>,
{
    let rc = request(ctx)?;
    if !service::may_read(rc.viewer) {
        return Ok(None);
    }
    let page = row.page::<R>(&args).await?;
    Ok(Some(RegistrationConnection::from_page(
        page.map(Registration),
    )))
}
