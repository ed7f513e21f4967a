//! People and their privacy (GDPR). The one home of the rules:
//! - a person is public when they appear in a published programme, authored a document, hold an
//!   advisory-board seat, or consented to a public profile; everyone else is visible to staff only;
//! - e-mail, phone, registrations and consent records are never public;
//! - biography, photo and website are public only with recorded consent.

use chrono::{DateTime, Utc};
use entity::enums::ContributionRole;
use entity::{advisory_board_membership, contribution, document_author, person};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};

use super::event;
use super::page::{Page, PageArgs, paginate};
use super::text;
use super::viewer::Viewer;
use crate::error::AppResult;

/// What anyone may read about a person; private columns are not even carried.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicPerson {
    pub id: i32,
    pub name: String,
    pub academic_title: Option<String>,
    pub position: Option<String>,
    pub organisation_id: Option<i32>,
    pub town_id: Option<i32>,
    /// Present only with recorded consent.
    pub biography: Option<String>,
    /// Present only with recorded consent.
    pub photo_url: Option<String>,
    /// Present only with recorded consent.
    pub website: Option<String>,
    pub sources: Vec<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Reduces a stored person to its public profile.
pub fn public_profile(person: person::Model) -> PublicPerson {
    let consented = person.consent_given_at.is_some();
    PublicPerson {
        id: person.id,
        name: person.name,
        academic_title: person.academic_title,
        position: person.position,
        organisation_id: person.organisation_id,
        town_id: person.town_id,
        biography: person.biography.filter(|_| consented),
        photo_url: person.photo_url.filter(|_| consented),
        website: person.website.filter(|_| consented),
        sources: person.sources.0,
        version: person.version,
        updated_at: person.updated_at,
    }
}

/// People the viewer may see at all.
pub fn visible(viewer: Viewer) -> Condition {
    if viewer.is_staff() {
        return Condition::all();
    }
    Condition::any()
        .add(person::Column::ConsentGivenAt.is_not_null())
        .add(
            person::Column::Id.in_subquery(
                Query::select()
                    .column(contribution::Column::PersonId)
                    .from(contribution::Entity)
                    .and_where(Expr::col(contribution::Column::PersonId).is_not_null())
                    .and_where(
                        Expr::col(contribution::Column::EventId)
                            .in_subquery(event::visible_ids(viewer)),
                    )
                    .to_owned(),
            ),
        )
        .add(
            person::Column::Id.in_subquery(
                Query::select()
                    .column(document_author::Column::PersonId)
                    .from(document_author::Entity)
                    .to_owned(),
            ),
        )
        .add(
            person::Column::Id.in_subquery(
                Query::select()
                    .column(advisory_board_membership::Column::PersonId)
                    .from(advisory_board_membership::Entity)
                    .to_owned(),
            ),
        )
}

/// Filters of the people list; all given filters must hold. Only public fields can be filtered on.
#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub name_contains: Option<String>,
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
}
