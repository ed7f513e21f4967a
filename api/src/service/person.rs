//! People and their privacy (GDPR). The one home of the rules:
//! - a person is public when they appear in a published programme, authored a document, hold an
//!   advisory-board seat, or consented to a public profile; everyone else is visible to staff only;
//! - e-mail, phone, registrations and consent records are never public: only staff see them, filter
//!   by them or export them;
//! - biography, photo and website are public only with recorded consent;
//! - an administrator can export everything stored about a person, and erase it: registrations are
//!   deleted, the record is deleted or (while programmes, documents or boards refer to it)
//!   pseudonymised, and the audit log keeps no personal value of it.

use chrono::{DateTime, Utc};
use entity::enums::{AuditAction, ContributionRole};
use entity::{
    Sources, advisory_board_membership, audit_entry, contribution, document, document_author,
    person, registration,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Select, Set,
};
use serde_json::{Value as Json, json};

use super::event;
use super::validate;
use crate::auth::Actor;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate};
use crate::store::write::{self, Record, pick};
use crate::store::{probe, text};
use crate::viewer::Viewer;

/// What a viewer may read about a person. Built by [`profile_for`]: anyone gets the public profile,
/// in which the private fields are absent; staff get the whole record.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonView {
    pub id: i32,
    pub name: String,
    pub academic_title: Option<String>,
    pub position: Option<String>,
    pub organisation_id: Option<i32>,
    pub town_id: Option<i32>,
    /// Public only with recorded consent.
    pub biography: Option<String>,
    /// Public only with recorded consent.
    pub photo_url: Option<String>,
    /// Public only with recorded consent.
    pub website: Option<String>,
    /// Staff only.
    pub email: Option<String>,
    /// Staff only.
    pub phone: Option<String>,
    /// Staff only.
    pub consent_given_at: Option<DateTime<Utc>>,
    /// Staff only.
    pub consent_note: Option<String>,
    pub sources: Vec<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Reduces a stored person to its public profile: no contact or consent data, and biography, photo
/// and website only with recorded consent.
pub fn public_profile(person: person::Model) -> PersonView {
    let consented = person.consent_given_at.is_some();
    PersonView {
        biography: person.biography.clone().filter(|_| consented),
        photo_url: person.photo_url.clone().filter(|_| consented),
        website: person.website.clone().filter(|_| consented),
        email: None,
        phone: None,
        consent_given_at: None,
        consent_note: None,
        ..staff_profile(person)
    }
}

/// The whole stored person, for staff.
pub fn staff_profile(person: person::Model) -> PersonView {
    PersonView {
        id: person.id,
        name: person.name,
        academic_title: person.academic_title,
        position: person.position,
        organisation_id: person.organisation_id,
        town_id: person.town_id,
        biography: person.biography,
        photo_url: person.photo_url,
        website: person.website,
        email: person.email,
        phone: person.phone,
        consent_given_at: person.consent_given_at,
        consent_note: person.consent_note,
        sources: person.sources.0,
        version: person.version,
        updated_at: person.updated_at,
    }
}

/// The view of people the viewer may have.
pub fn profile_for(viewer: Viewer) -> fn(person::Model) -> PersonView {
    if viewer.is_staff() {
        staff_profile
    } else {
        public_profile
    }
}

/// People the viewer may see at all: those who consented, and those who appear in a visible
/// programme, a visible document or on an advisory board.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        return Condition::all();
    }
    let person = || Expr::col((person::Entity, person::Column::Id));
    Condition::any()
        .add(person::Column::ConsentGivenAt.is_not_null())
        .add(probe::found(
            Query::select()
                .expr(Expr::val(1))
                .from(contribution::Entity)
                .inner_join(
                    entity::event::Entity,
                    Expr::col((entity::event::Entity, entity::event::Column::Id))
                        .equals((contribution::Entity, contribution::Column::EventId)),
                )
                .and_where(
                    Expr::col((contribution::Entity, contribution::Column::PersonId)).eq(person()),
                )
                .cond_where(event::visible(viewer))
                .to_owned(),
        ))
        .add(probe::found(
            Query::select()
                .expr(Expr::val(1))
                .from(document_author::Entity)
                .inner_join(
                    document::Entity,
                    Expr::col((document::Entity, document::Column::Id))
                        .equals((document_author::Entity, document_author::Column::DocumentId)),
                )
                .and_where(
                    Expr::col((document_author::Entity, document_author::Column::PersonId))
                        .eq(person()),
                )
                .cond_where(super::document::visible(viewer))
                .to_owned(),
        ))
        .add(probe::found(
            Query::select()
                .expr(Expr::val(1))
                .from(advisory_board_membership::Entity)
                .and_where(
                    Expr::col((
                        advisory_board_membership::Entity,
                        advisory_board_membership::Column::PersonId,
                    ))
                    .eq(person()),
                )
                .to_owned(),
        ))
}

/// Filters of the people list; all given filters must hold. Anyone may filter on public fields;
/// the private ones (e-mail) only staff.
#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub name_contains: Option<String>,
    /// Text in the e-mail address (staff only).
    pub email_contains: Option<String>,
    pub organisation_id: Option<i32>,
    pub town_id: Option<i32>,
    /// People who appeared in this role in a visible programme.
    pub role: Option<ContributionRole>,
}

fn query(viewer: Viewer, filter: &PersonFilter) -> AppResult<Select<person::Entity>> {
    let mut condition = Condition::all().add(visible(viewer));
    if let Some(name) = &filter.name_contains {
        let name = text::search_text(name, "filter.nameContains")?;
        condition = condition.add(text::contains(person::Column::Name, &name));
    }
    if let Some(email) = &filter.email_contains {
        if !viewer.is_staff() {
            return Err(AppError::Forbidden(
                "only staff may filter people by e-mail".to_owned(),
            ));
        }
        let email = text::search_text(email, "filter.emailContains")?;
        condition = condition.add(text::contains(person::Column::Email, &email));
    }
    if let Some(organisation) = filter.organisation_id {
        condition = condition.add(person::Column::OrganisationId.eq(organisation));
    }
    if let Some(town) = filter.town_id {
        condition = condition.add(person::Column::TownId.eq(town));
    }
    if let Some(role) = filter.role {
        condition = condition.add(
            person::Column::Id.in_subquery(
                Query::select()
                    .column(contribution::Column::PersonId)
                    .from(contribution::Entity)
                    .and_where(Expr::col(contribution::Column::Role).eq(role))
                    .and_where(
                        Expr::col(contribution::Column::EventId)
                            .in_subquery(event::visible_ids(viewer)),
                    )
                    .to_owned(),
            ),
        );
    }
    Ok(person::Entity::find()
        .filter(condition)
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id))
}

/// One page of the people the viewer may see, by name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    filter: &PersonFilter,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<person::Model>> {
    paginate(db, query(viewer, filter)?, args, want_total).await
}

/// Values for a new or changed person. `None` leaves a field as it is (on create: empty);
/// `Some(None)` clears an optional field. Consent is recorded and withdrawn on its own.
#[derive(Clone, Debug, Default)]
pub struct PersonChanges {
    pub name: Option<String>,
    pub academic_title: Option<Option<String>>,
    pub position: Option<Option<String>>,
    pub organisation_id: Option<Option<i32>>,
    pub town_id: Option<Option<i32>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub biography: Option<Option<String>>,
    pub photo_url: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub sources: Option<Vec<String>>,
}

/// Validates the changes against the current record (none on create) into the values to store.
async fn prepare<C: ConnectionTrait>(
    db: &C,
    current: Option<&person::Model>,
    changes: PersonChanges,
) -> AppResult<person::ActiveModel> {
    let name = pick(changes.name, current.map(|p| &p.name))
        .ok_or_else(|| AppError::bad_field("name", "a person needs a name"))?;
    let name = validate::text("name", &name, 200)?;
    let academic_title = pick(changes.academic_title, current.map(|p| &p.academic_title)).flatten();
    let academic_title = validate::opt_text("academicTitle", academic_title.as_deref(), 50)?;
    let position = pick(changes.position, current.map(|p| &p.position)).flatten();
    let position = validate::opt_text("position", position.as_deref(), 300)?;
    let organisation_id =
        pick(changes.organisation_id, current.map(|p| &p.organisation_id)).flatten();
    if let Some(organisation) = organisation_id {
        write::must_exist::<entity::organisation::Entity, _>(db, "organisation", organisation)
            .await?;
    }
    let town_id = pick(changes.town_id, current.map(|p| &p.town_id)).flatten();
    if let Some(town) = town_id {
        write::must_exist::<entity::town::Entity, _>(db, "town", town).await?;
    }
    let email = pick(changes.email, current.map(|p| &p.email))
        .flatten()
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email("email", &e))
        .transpose()?;
    let phone = pick(changes.phone, current.map(|p| &p.phone))
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .map(|p| validate::phone("phone", &p))
        .transpose()?;
    let biography = pick(changes.biography, current.map(|p| &p.biography)).flatten();
    let biography = validate::opt_text("biography", biography.as_deref(), 20_000)?;
    let photo_url = pick(changes.photo_url, current.map(|p| &p.photo_url)).flatten();
    let photo_url = validate::opt_url("photoUrl", photo_url.as_deref())?;
    let website = pick(changes.website, current.map(|p| &p.website)).flatten();
    let website = validate::opt_url("website", website.as_deref())?;
    let sources = match changes.sources {
        Some(sources) => event::validate_sources(sources)?,
        None => current.map(|p| p.sources.clone()).unwrap_or_default(),
    };
    let mut record = match current {
        Some(current) => current.clone().into_active_model(),
        None => person::ActiveModel {
            slug: Set(None),
            consent_given_at: Set(None),
            consent_note: Set(None),
            ..Default::default()
        },
    };
    record.name = Set(name);
    record.academic_title = Set(academic_title);
    record.position = Set(position);
    record.organisation_id = Set(organisation_id);
    record.town_id = Set(town_id);
    record.email = Set(email);
    record.phone = Set(phone);
    record.biography = Set(biography);
    record.photo_url = Set(photo_url);
    record.website = Set(website);
    record.sources = Set(sources);
    Ok(record)
}

/// Creates a person (without consent to a public profile).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    changes: PersonChanges,
) -> AppResult<person::Model> {
    let txn = write::begin(db).await?;
    let record = prepare(&txn, None, changes).await?;
    let created = write::create::<person::Entity, _>(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a person (the version must match).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    changes: PersonChanges,
) -> AppResult<person::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<person::Entity, _>(&txn, id, expected_version).await?;
    let record = prepare(&txn, Some(&current), changes).await?;
    let updated = write::update::<person::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            *target = record;
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Records the person's consent to a public profile (biography, photo, website), given at
/// `given_at` (not in the future; `None`: now), with a note on how it was given.
pub async fn record_consent(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    note: &str,
    given_at: Option<DateTime<Utc>>,
) -> AppResult<person::Model> {
    let note = validate::text("note", note, 1000)?;
    let now = Utc::now();
    let given_at = given_at.unwrap_or(now);
    if given_at > now {
        return Err(AppError::bad_field(
            "givenAt",
            "consent cannot be dated in the future",
        ));
    }
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<person::Entity, _>(&txn, id, expected_version).await?;
    let updated = write::update::<person::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |_, target| {
            target.consent_given_at = Set(Some(given_at));
            target.consent_note = Set(Some(note));
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Withdraws the person's consent: biography, photo and website are no longer public.
pub async fn withdraw_consent(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<person::Model> {
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<person::Entity, _>(&txn, id, expected_version).await?;
    let updated = write::update::<person::Entity, _, _>(
        &txn,
        actor,
        current,
        AuditAction::Update,
        |current, target| {
            if current.consent_given_at.is_none() {
                return Err(AppError::conflict("no consent is recorded for this person"));
            }
            target.consent_given_at = Set(None);
            target.consent_note = Set(None);
            Ok(())
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes the person's registrations (private, owned by the person) one by one, audited.
async fn delete_registrations<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: i32,
) -> AppResult<u64> {
    let registrations = registration::Entity::find()
        .filter(registration::Column::PersonId.eq(id))
        .all(db)
        .await?;
    for row in &registrations {
        write::delete::<registration::Entity, _>(db, actor, row.id, row.version).await?;
    }
    Ok(registrations.len() as u64)
}

/// Deletes a person with their registrations and board seats; refused (`CONFLICT`) while
/// programmes or documents name them. To remove a person's data in any case, erase them.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<person::Model> {
    let txn = write::begin(db).await?;
    write::load_for_change::<person::Entity, _>(&txn, id, expected_version).await?;
    delete_registrations(&txn, actor, id).await?;
    let seats = advisory_board_membership::Entity::find()
        .filter(advisory_board_membership::Column::PersonId.eq(id))
        .all(&txn)
        .await?;
    for seat in seats {
        write::delete::<advisory_board_membership::Entity, _>(&txn, actor, seat.id, seat.version)
            .await?;
    }
    let deleted = write::delete::<person::Entity, _>(&txn, actor, id, expected_version).await?;
    txn.commit().await?;
    Ok(deleted)
}

fn snapshot<T: serde::Serialize>(value: &T) -> AppResult<Json> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(format!("export failed: {e}")))
}

/// Everything stored about a person, for a data-subject request (administrators only): the record
/// with its private fields, contributions, registrations, authorships, board seats, and the audit
/// entries about all of them. The export itself is audited (action EXPORT).
pub async fn export(db: &DatabaseConnection, actor: &Actor, id: i32) -> AppResult<Json> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden(
            "only administrators may export personal data".to_owned(),
        ));
    }
    let txn = write::begin(db).await?;
    let person = person::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound(person::Entity::TYPE))?;
    let contributions = contribution::Entity::find()
        .filter(contribution::Column::PersonId.eq(id))
        .order_by_asc(contribution::Column::Id)
        .all(&txn)
        .await?;
    let registrations = registration::Entity::find()
        .filter(registration::Column::PersonId.eq(id))
        .order_by_asc(registration::Column::Id)
        .all(&txn)
        .await?;
    let authorships = document_author::Entity::find()
        .filter(document_author::Column::PersonId.eq(id))
        .order_by_asc(document_author::Column::Id)
        .all(&txn)
        .await?;
    let seats = advisory_board_membership::Entity::find()
        .filter(advisory_board_membership::Column::PersonId.eq(id))
        .order_by_asc(advisory_board_membership::Column::Id)
        .all(&txn)
        .await?;
    let about = |entity_type: &str, ids: Vec<i32>| {
        Condition::all()
            .add(audit_entry::Column::EntityType.eq(entity_type))
            .add(audit_entry::Column::EntityId.is_in(ids))
    };
    let audit = audit_entry::Entity::find()
        .filter(
            Condition::any()
                .add(about(person::Entity::TYPE, vec![id]))
                .add(about(
                    contribution::Entity::TYPE,
                    contributions.iter().map(|c| c.id).collect(),
                ))
                .add(about(
                    registration::Entity::TYPE,
                    registrations.iter().map(|r| r.id).collect(),
                ))
                .add(about(
                    document_author::Entity::TYPE,
                    authorships.iter().map(|a| a.id).collect(),
                ))
                .add(about(
                    advisory_board_membership::Entity::TYPE,
                    seats.iter().map(|s| s.id).collect(),
                )),
        )
        .order_by_asc(audit_entry::Column::At)
        .order_by_asc(audit_entry::Column::Id)
        .all(&txn)
        .await?;
    let export = json!({
        "exportedAt": Utc::now(),
        "person": snapshot(&person)?,
        "contributions": snapshot(&contributions)?,
        "registrations": snapshot(&registrations)?,
        "authorships": snapshot(&authorships)?,
        "boardMemberships": snapshot(&seats)?,
        "auditEntries": snapshot(&audit)?,
    });
    write::audit(
        &txn,
        actor,
        AuditAction::Export,
        person::Entity::TYPE,
        id,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(export)
}

/// The name an erased person keeps while programmes, documents or boards still refer to them.
pub const ERASED_NAME: &str = "Gelöschte Person";

/// What an erasure did with the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// Nothing referred to the person: the record is gone.
    Deleted,
    /// Programmes, documents or boards refer to the person: the record stays, without personal data.
    Pseudonymised,
}

/// The result of an erasure.
#[derive(Clone, Debug)]
pub struct Erasure {
    pub outcome: ErasureOutcome,
    pub registrations_deleted: u64,
}

/// Erases a person (administrators only), in one transaction: deletes their registrations; deletes
/// the record, or pseudonymises it while contributions, authorships or board seats refer to it;
/// masks every value of the earlier audit entries about the person; and logs an ERASE entry that
/// holds no personal data.
pub async fn erase(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
) -> AppResult<Erasure> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden(
            "only administrators may erase personal data".to_owned(),
        ));
    }
    let txn = write::begin(db).await?;
    let current = write::load_for_change::<person::Entity, _>(&txn, id, expected_version).await?;
    let registrations_deleted = delete_registrations(&txn, actor, id).await?;
    let references = contribution::Entity::find()
        .filter(contribution::Column::PersonId.eq(id))
        .count(&txn)
        .await?
        + document_author::Entity::find()
            .filter(document_author::Column::PersonId.eq(id))
            .count(&txn)
            .await?
        + advisory_board_membership::Entity::find()
            .filter(advisory_board_membership::Column::PersonId.eq(id))
            .count(&txn)
            .await?;
    write::mask_audit_entries(&txn, person::Entity::TYPE, id).await?;
    let outcome = if references > 0 {
        ErasureOutcome::Pseudonymised
    } else {
        ErasureOutcome::Deleted
    };
    let summary = json!({
        "outcome": match outcome {
            ErasureOutcome::Deleted => "DELETED",
            ErasureOutcome::Pseudonymised => "PSEUDONYMISED",
        },
        "registrationsDeleted": registrations_deleted,
    });
    match outcome {
        ErasureOutcome::Pseudonymised => {
            write::update_audited_as::<person::Entity, _, _>(
                &txn,
                actor,
                current,
                AuditAction::Erase,
                Some(summary),
                |_, target| {
                    target.slug = Set(None);
                    target.name = Set(ERASED_NAME.to_owned());
                    target.academic_title = Set(None);
                    target.position = Set(None);
                    target.organisation_id = Set(None);
                    target.town_id = Set(None);
                    target.email = Set(None);
                    target.phone = Set(None);
                    target.biography = Set(None);
                    target.photo_url = Set(None);
                    target.website = Set(None);
                    target.consent_given_at = Set(None);
                    target.consent_note = Set(None);
                    target.sources = Set(Sources::default());
                    Ok(())
                },
            )
            .await?;
        }
        ErasureOutcome::Deleted => {
            write::delete_audited_as::<person::Entity, _>(
                &txn,
                actor,
                id,
                expected_version,
                AuditAction::Erase,
                Some(summary),
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(Erasure {
        outcome,
        registrations_deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn person(consent: bool) -> person::Model {
        let at = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
        person::Model {
            id: 1,
            slug: None,
            name: "Erika Muster".into(),
            academic_title: None,
            position: None,
            organisation_id: None,
            town_id: None,
            email: Some("erika@example.org".into()),
            phone: Some("+49 30 1234".into()),
            biography: Some("Bio".into()),
            photo_url: Some("https://example.org/p.jpg".into()),
            website: Some("https://example.org".into()),
            consent_given_at: consent.then_some(at),
            consent_note: None,
            sources: Default::default(),
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn profile_fields_need_consent() {
        let public = public_profile(person(false));
        assert_eq!(public.biography, None);
        assert_eq!(public.photo_url, None);
        assert_eq!(public.website, None);
        let public = public_profile(person(true));
        assert_eq!(public.biography.as_deref(), Some("Bio"));
    }

    #[test]
    fn private_fields_only_for_staff() {
        let public = profile_for(Viewer::Public)(person(true));
        assert_eq!(
            (public.email, public.phone, public.consent_given_at),
            (None, None, None)
        );
        let staff = profile_for(Viewer::Staff(entity::enums::StaffRole::Editor))(person(false));
        assert_eq!(staff.email.as_deref(), Some("erika@example.org"));
        assert_eq!(staff.biography.as_deref(), Some("Bio"));
    }
}
