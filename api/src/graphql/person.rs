//! GraphQL types, queries and changes of people and advisory-board memberships. What a caller sees
//! of a person is decided by the service layer (`profile_for`): anonymous callers get public
//! profiles, staff the whole record.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};
use entity::{advisory_board_membership, person};

use super::audit::AuditEntryConnection;
use super::connection::{args, connection, page_cost};
use super::document::{Document, DocumentConnection};
use super::enums::{BoardRole, ContributionRole};
use super::organisation::Organisation;
use super::registration::RegistrationConnection;
use super::session::{Contribution, ContributionConnection};
use super::town::Town;
use super::{
    DeletePayload, RequestContext, decode_opt, joined, maybe, maybe_id, request, wants_total,
};
use crate::ids;
use crate::load::Row;
use crate::service::person::{
    self as service, ErasureOutcome as StoredOutcome, PersonChanges, PersonFilter, PersonView,
    profile_for,
};
use crate::service::relation::{
    AuthorDocument, PersonAuthorships, PersonBoardSeats, PersonById, PersonContributions,
    PersonOrganisation, PersonRegistrations, PersonTown, SeatBoard, SeatPerson,
};

/// A person. Anyone sees the public profile; contact, consent and registration data only staff.
#[derive(Clone)]
pub struct Person(pub Row<PersonView>);

/// A person. Anyone sees the public profile; contact, consent and registration data only staff.
#[Object]
impl Person {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Person", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Academic title (Dr., Prof. Dr.).
    async fn academic_title(&self) -> Option<&str> {
        self.0.academic_title.as_deref()
    }
    /// Position or office (e.g. Bürgermeisterin).
    async fn position(&self) -> Option<&str> {
        self.0.position.as_deref()
    }
    /// Biography; only with the person's recorded consent.
    async fn biography(&self) -> Option<&str> {
        self.0.biography.as_deref()
    }
    /// Photo URL; only with the person's recorded consent.
    async fn photo_url(&self) -> Option<&str> {
        self.0.photo_url.as_deref()
    }
    /// Personal web site; only with the person's recorded consent.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// E-mail address; staff only (null for anonymous callers).
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Telephone number; staff only (null for anonymous callers).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// When the person consented to a public profile; staff only (null for anonymous callers).
    async fn consent_given_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.consent_given_at
    }
    /// How the consent was given; staff only (null for anonymous callers).
    async fn consent_note(&self) -> Option<&str> {
        self.0.consent_note.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources
    }
    /// The organisation the person works for.
    async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(self
            .0
            .load_one::<PersonOrganisation>()
            .await?
            .map(Organisation))
    }
    /// The town the person holds office in or works for.
    async fn town(&self) -> Result<Option<Town>> {
        Ok(self.0.load_one::<PersonTown>().await?.map(Town))
    }
    /// Appearances in published programmes.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn contributions(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<ContributionConnection> {
        let page = self
            .0
            .page::<PersonContributions>(&args(first, after, last, before))
            .await?;
        Ok(ContributionConnection::from_page(page.map(Contribution)))
    }
    /// Documents the person (co-)authored.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn documents(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<DocumentConnection> {
        let rows = self
            .0
            .page_with::<PersonAuthorships, (AuthorDocument,)>(&args(first, after, last, before))
            .await?;
        let page = joined::<AuthorDocument, _, _>(rows, |_| (), Document).await?;
        Ok(DocumentConnection::from_page(
            page.map(|((), document)| document),
        ))
    }
    /// Seats the person held on advisory boards.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn board_memberships(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<BoardMembershipConnection> {
        let page = self
            .0
            .page::<PersonBoardSeats>(&args(first, after, last, before))
            .await?;
        Ok(BoardMembershipConnection::from_page(
            page.map(BoardMembership),
        ))
    }
    /// The person's registrations for events (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<RegistrationConnection>> {
        super::registration::registrations::<PersonRegistrations>(
            ctx,
            &self.0,
            args(first, after, last, before),
        )
        .await
    }
}

/// A seat on an advisory board (Beirat).
#[derive(Clone)]
pub struct BoardMembership(pub Row<advisory_board_membership::Model>);

/// A seat on an advisory board (Beirat).
#[Object]
impl BoardMembership {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("BoardMembership", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// The seat.
    async fn role(&self) -> BoardRole {
        self.0.role.into()
    }
    /// Since when (ISO 8601 date, possibly partial).
    async fn from(&self) -> Option<&str> {
        self.0.from_date.as_deref()
    }
    /// Until when (ISO 8601 date, possibly partial); open when absent.
    async fn until(&self) -> Option<&str> {
        self.0.until_date.as_deref()
    }
    /// What the sources say about the seat.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The board.
    async fn board(&self) -> Result<Option<Organisation>> {
        Ok(self.0.load_one::<SeatBoard>().await?.map(Organisation))
    }
    /// The member.
    async fn person(&self) -> Result<Option<Person>> {
        Ok(self
            .0
            .load::<SeatPerson>()
            .await?
            .into_iter()
            .next()
            .map(Person))
    }
    /// Changes to this record, newest first (staff only; null for anonymous callers).
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<Option<AuditEntryConnection>> {
        super::audit::history::<advisory_board_membership::Entity>(
            ctx,
            &self.0,
            args(first, after, last, before),
        )
        .await
    }
}

connection!(PersonConnection, PersonEdge, Person, "people");
connection!(
    BoardMembershipConnection,
    BoardMembershipEdge,
    BoardMembership,
    "advisory-board seats"
);

/// Which people to list; all given conditions must hold. Anyone can filter on public fields; the
/// private ones only staff.
#[derive(Default, InputObject)]
pub struct PersonFilterInput {
    /// People whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// People whose e-mail address contains this text (case-insensitive); staff only, FORBIDDEN
    /// for anonymous callers.
    pub email_contains: Option<String>,
    /// People of this organisation.
    pub organisation: Option<ID>,
    /// People of this town.
    pub town: Option<ID>,
    /// People who appeared in a published programme in this role.
    pub role: Option<ContributionRole>,
}

/// Queries of people.
#[derive(Default)]
pub struct PersonQuery;

#[Object]
impl PersonQuery {
    /// People with a public profile (staff see everyone), filtered, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn people(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which people to list.")] filter: Option<PersonFilterInput>,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersonConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default();
        let filter = PersonFilter {
            name_contains: filter.name_contains,
            email_contains: filter.email_contains,
            organisation_id: decode_opt(
                filter.organisation.as_ref(),
                "Organisation",
                "filter.organisation",
            )?,
            town_id: decode_opt(filter.town.as_ref(), "Town", "filter.town")?,
            role: filter.role.map(Into::into),
        };
        let page = service::list(
            &rc.db,
            rc.viewer,
            &filter,
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(PersonConnection::from_page(
            rc.rows(page.map(profile_for(rc.viewer))).map(Person),
        ))
    }

    /// One person by global ID, if their profile is public (staff see everyone).
    async fn person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
    ) -> Result<Option<Person>> {
        let rc = request(ctx)?;
        let id = ids::decode_as(&id, "Person", "id")?;
        Ok(rc.fetch_one::<PersonById>(id).await?.map(Person))
    }
}

/// A new person. Consent to a public profile is recorded separately (`recordConsent`).
#[derive(InputObject)]
pub struct CreatePersonInput {
    /// Full name.
    pub name: String,
    /// Academic title (Dr., Prof. Dr.).
    pub academic_title: Option<String>,
    /// Position or office.
    pub position: Option<String>,
    /// The organisation the person works for.
    pub organisation: Option<ID>,
    /// The town the person holds office in or works for.
    pub town: Option<ID>,
    /// E-mail address (private).
    pub email: Option<String>,
    /// Telephone number (private).
    pub phone: Option<String>,
    /// Biography (public only with consent).
    pub biography: Option<String>,
    /// Photo URL (public only with consent).
    pub photo_url: Option<String>,
    /// Personal web site (public only with consent).
    pub website: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a person; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdatePersonInput {
    /// Full name.
    pub name: Option<String>,
    /// Academic title (Dr., Prof. Dr.).
    pub academic_title: MaybeUndefined<String>,
    /// Position or office.
    pub position: MaybeUndefined<String>,
    /// The organisation the person works for.
    pub organisation: MaybeUndefined<ID>,
    /// The town the person holds office in or works for.
    pub town: MaybeUndefined<ID>,
    /// E-mail address (private).
    pub email: MaybeUndefined<String>,
    /// Telephone number (private).
    pub phone: MaybeUndefined<String>,
    /// Biography (public only with consent).
    pub biography: MaybeUndefined<String>,
    /// Photo URL (public only with consent).
    pub photo_url: MaybeUndefined<String>,
    /// Personal web site (public only with consent).
    pub website: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl CreatePersonInput {
    fn into_changes(self) -> crate::AppResult<PersonChanges> {
        Ok(PersonChanges {
            name: Some(self.name),
            academic_title: Some(self.academic_title),
            position: Some(self.position),
            organisation_id: Some(decode_opt(
                self.organisation.as_ref(),
                "Organisation",
                "organisation",
            )?),
            town_id: Some(decode_opt(self.town.as_ref(), "Town", "town")?),
            email: Some(self.email),
            phone: Some(self.phone),
            biography: Some(self.biography),
            photo_url: Some(self.photo_url),
            website: Some(self.website),
            sources: self.sources,
        })
    }
}

impl UpdatePersonInput {
    fn into_changes(self) -> crate::AppResult<PersonChanges> {
        Ok(PersonChanges {
            name: self.name,
            academic_title: maybe(self.academic_title),
            position: maybe(self.position),
            organisation_id: maybe_id(self.organisation, "Organisation", "organisation")?,
            town_id: maybe_id(self.town, "Town", "town")?,
            email: maybe(self.email),
            phone: maybe(self.phone),
            biography: maybe(self.biography),
            photo_url: maybe(self.photo_url),
            website: maybe(self.website),
            sources: self.sources,
        })
    }
}

/// What an erasure did with the person's record.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// Nothing referred to the person: the record is deleted.
    Deleted,
    /// Programmes, documents or boards refer to the person: the record stays as "Gelöschte
    /// Person", without any personal data.
    Pseudonymised,
}

/// The answer to an erasure.
#[derive(SimpleObject)]
pub struct ErasePersonPayload {
    /// Global ID of the erased person.
    pub id: ID,
    /// Whether the record was deleted or pseudonymised.
    pub outcome: ErasureOutcome,
    /// How many registrations of the person were deleted.
    pub registrations_deleted: i32,
}

fn one_row(rc: &RequestContext, person: person::Model) -> Person {
    Person(rc.row(profile_for(rc.viewer)(person)))
}

/// Changes to people (staff only; export and erasure administrators only).
#[derive(Default)]
pub struct PersonMutation;

#[Object]
impl PersonMutation {
    /// Creates a person.
    async fn create_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new person.")] input: CreatePersonInput,
    ) -> Result<Person> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let changes = input.into_changes()?;
        let created = service::create(&rc.db, actor, changes).await?;
        Ok(one_row(rc, created))
    }

    /// Changes a person; fails with CONFLICT when someone else changed them since `expectedVersion`.
    async fn update_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdatePersonInput,
    ) -> Result<Person> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        let changes = input.into_changes()?;
        let updated = service::update(&rc.db, actor, id, expected_version, changes).await?;
        Ok(one_row(rc, updated))
    }

    /// Deletes a person with their registrations and board seats; refused (CONFLICT) while
    /// programmes or documents name them (erase them instead).
    async fn delete_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Person", id)),
        })
    }

    /// Records the person's consent to a public profile (biography, photo, web site), as of now.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "How and where the consent was given (e.g. \"form of 2024-05-02\").")]
        note: String,
    ) -> Result<Person> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        let updated =
            service::record_consent(&rc.db, actor, id, expected_version, &note, None).await?;
        Ok(one_row(rc, updated))
    }

    /// Withdraws the person's consent: biography, photo and web site are no longer public.
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
    ) -> Result<Person> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        let updated = service::withdraw_consent(&rc.db, actor, id, expected_version).await?;
        Ok(one_row(rc, updated))
    }

    /// Everything stored about a person, as JSON: the record with its private fields,
    /// contributions, registrations, authorships, board seats and the audit entries about them
    /// (administrators only; the export is audited).
    async fn export_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
    ) -> Result<Json<serde_json::Value>> {
        let rc = request(ctx)?;
        let actor = rc.admin()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        Ok(Json(service::export(&rc.db, actor, id).await?))
    }

    /// Erases a person (administrators only): deletes their registrations, then deletes the record
    /// or, while programmes, documents or boards refer to it, pseudonymises it; the audit log keeps
    /// no personal value of them.
    async fn erase_person(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the person.")] id: ID,
        #[graphql(desc = "The version the erasure is based on.")] expected_version: i32,
    ) -> Result<ErasePersonPayload> {
        let rc = request(ctx)?;
        let actor = rc.admin()?;
        let id = ids::decode_as(&id, "Person", "id")?;
        let erasure = service::erase(&rc.db, actor, id, expected_version).await?;
        Ok(ErasePersonPayload {
            id: ID(ids::encode("Person", id)),
            outcome: match erasure.outcome {
                StoredOutcome::Deleted => ErasureOutcome::Deleted,
                StoredOutcome::Pseudonymised => ErasureOutcome::Pseudonymised,
            },
            registrations_deleted: i32::try_from(erasure.registrations_deleted).unwrap_or(i32::MAX),
        })
    }
}
