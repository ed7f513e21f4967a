//! The representations of the REST API: every record as JSON, and what `expand=` embeds. They
//! refer to each other (a town embeds its model projects, a model project its towns), like the
//! GraphQL types; the handlers in the files beside this one only pick rows and expansions.

use chrono::{DateTime, Utc};
use entity::enums::{
    ContributionRole, DatePrecision, DocumentKind, EventFormat, EventStatus, MemberRole,
    OrganisationKind, OrganiserRole, PartnerRole, SessionKind, TownType,
};
use entity::{contribution, document, event, model_project, organisation, session, town};
use serde::Serialize;
use utoipa::ToSchema;

use super::expand::Expand;
use crate::error::AppResult;
use crate::ids;
use crate::load::Row;
use crate::service::event::time_zone;
use crate::service::person::PersonView;
use crate::service::relation::{
    AuthorPerson, ContributionOrganisation, ContributionPerson, DocumentAuthors, DocumentPublisher,
    EventModelProject, EventOrganisers, EventSessions, EventTown, MemberModelProject, MemberTown,
    ModelProjectCall, ModelProjectLeadTown, ModelProjectMembers, ModelProjectPartners,
    OrganisationTown, OrganiserOrganisation, PartnerOrganisation, PersonOrganisation, PersonTown,
    SessionContributions, SessionEvent, TownMemberships, TownState,
};
use crate::service::timing::local;

/// A federal state (Bundesland).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = State)]
pub struct StateView {
    /// Two-digit key, the first two digits of municipality keys (`"14"`).
    pub key: String,
    /// ISO 3166-2 code (`"DE-SN"`).
    pub code: String,
    /// Name (`"Sachsen"`).
    pub name: String,
}

/// A town (municipality).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Town)]
pub struct TownView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Name.
    pub name: String,
    /// Federal state.
    pub state: Option<StateView>,
    /// District (Landkreis).
    pub district: Option<String>,
    /// Official municipality key (AGS), 8 digits.
    pub municipality_key: Option<String>,
    /// GeoNames id.
    pub geonames_id: Option<i64>,
    /// Inhabitants.
    pub population: Option<i32>,
    /// Latitude (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    pub longitude: Option<f64>,
    /// BBSR town type, derived from population unless set officially.
    pub town_type: Option<TownType>,
    /// Whether `townType` is the official classification.
    pub town_type_official: bool,
    /// Web site.
    pub website: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// With `expand=modelProjects`: the model projects the town is a member of.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub model_projects: Option<Vec<TownMembershipView>>,
}

/// A model project a town is a member of, with the town's role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TownMembership)]
pub struct TownMembershipView {
    /// The town's role in the project.
    pub role: MemberRole,
    /// The project.
    pub model_project: ModelProjectView,
}

/// The representation of a town row, its state loaded with the whole level.
pub async fn town_view(row: &Row<town::Model>, expand: &Expand) -> AppResult<TownView> {
    let state = row.load_one::<TownState>().await?.map(|state| StateView {
        key: state.key.clone(),
        code: state.code.clone(),
        name: state.name.clone(),
    });
    let model_projects = if expand.has("modelProjects") {
        let memberships = row.load::<TownMemberships>().await?;
        let mut views = Vec::with_capacity(memberships.len());
        for membership in &memberships {
            if let Some(project) = membership.load_one::<MemberModelProject>().await? {
                views.push(TownMembershipView {
                    role: membership.role,
                    model_project: model_project_view(&project, &Expand::default()).await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(TownView {
        id: ids::encode("Town", row.id),
        version: row.version,
        updated_at: row.updated_at,
        name: row.name.clone(),
        state,
        district: row.district.clone(),
        municipality_key: row.municipality_key.clone(),
        geonames_id: row.geonames_id,
        population: row.population,
        latitude: row.latitude,
        longitude: row.longitude,
        town_type: crate::service::town::town_type(row),
        town_type_official: row.town_type_official,
        website: row.website.clone(),
        sources: row.sources.0.clone(),
        model_projects,
    })
}

/// The call (Projektaufruf) a model project was selected in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ProjectCall)]
pub struct ProjectCallView {
    /// Global ID.
    pub id: String,
    /// Name of the call.
    pub name: String,
    /// Year of the call.
    pub year: i32,
}

/// A model project (Modellvorhaben): a funded project of a group of towns.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ModelProject)]
pub struct ModelProjectView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Full title.
    pub title: String,
    /// Short title.
    pub short_title: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Start (ISO 8601 date, possibly partial).
    pub period_start: Option<String>,
    /// End (ISO 8601 date, possibly partial).
    pub period_end: Option<String>,
    /// Funding programme.
    pub funding_programme: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// The call the project was selected in.
    pub project_call: Option<ProjectCallView>,
    /// Global ID of the lead town.
    pub lead_town_id: Option<String>,
    /// With `expand=leadTown`: the lead town.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub lead_town: Option<Box<TownView>>,
    /// With `expand=towns`: member towns with their role, in the order the sources list them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub towns: Option<Vec<MemberTownView>>,
    /// With `expand=partners`: partner organisations with their role.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub partners: Option<Vec<PartnerView>>,
}

/// A member town of a model project.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ModelProjectTown)]
pub struct MemberTownView {
    /// The town's role.
    pub role: MemberRole,
    /// The town.
    pub town: TownView,
}

/// A partner organisation of a model project.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ModelProjectPartner)]
pub struct PartnerView {
    /// The organisation's role.
    pub role: PartnerRole,
    /// The organisation.
    pub organisation: OrganisationView,
}

/// The representation of a model-project row.
pub async fn model_project_view(
    row: &Row<model_project::Model>,
    expand: &Expand,
) -> AppResult<ModelProjectView> {
    let project_call = row
        .load_one::<ModelProjectCall>()
        .await?
        .map(|call| ProjectCallView {
            id: ids::encode("ProjectCall", call.id),
            name: call.name.clone(),
            year: call.year,
        });
    let lead_town = match expand.has("leadTown") {
        true => match row.load_one::<ModelProjectLeadTown>().await? {
            Some(town) => Some(Box::new(
                Box::pin(town_view(&town, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    let towns = if expand.has("towns") {
        let members = row.load::<ModelProjectMembers>().await?;
        let mut views = Vec::with_capacity(members.len());
        for member in &members {
            let town = member.load_one::<MemberTown>().await?;
            if let Some(town) = town {
                views.push(MemberTownView {
                    role: member.role,
                    town: Box::pin(town_view(&town, &Expand::default())).await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    let partners = if expand.has("partners") {
        let partners = row.load::<ModelProjectPartners>().await?;
        let mut views = Vec::with_capacity(partners.len());
        for partner in &partners {
            let organisation = partner.load_one::<PartnerOrganisation>().await?;
            if let Some(organisation) = organisation {
                views.push(PartnerView {
                    role: partner.role,
                    organisation: Box::pin(organisation_view(&organisation, &Expand::default()))
                        .await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(ModelProjectView {
        id: ids::encode("ModelProject", row.id),
        version: row.version,
        updated_at: row.updated_at,
        title: row.title.clone(),
        short_title: row.short_title.clone(),
        topic: row.topic.clone(),
        description: row.description.clone(),
        period_start: row.period_start.clone(),
        period_end: row.period_end.clone(),
        funding_programme: row.funding_programme.clone(),
        sources: row.sources.0.clone(),
        project_call,
        lead_town_id: row.lead_town_id.map(|id| ids::encode("Town", id)),
        lead_town,
        towns,
        partners,
    })
}

/// An organisation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Organisation)]
pub struct OrganisationView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Name.
    pub name: String,
    /// Abbreviation (`BBSR`).
    pub short_name: Option<String>,
    /// What kind of body it is.
    pub kind: OrganisationKind,
    /// Summary.
    pub description: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the town it is seated in.
    pub town_id: Option<String>,
    /// With `expand=town`: the town it is seated in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub town: Option<Box<TownView>>,
}

/// The representation of an organisation row.
pub async fn organisation_view(
    row: &Row<organisation::Model>,
    expand: &Expand,
) -> AppResult<OrganisationView> {
    let town = match expand.has("town") {
        true => match row.load_one::<OrganisationTown>().await? {
            Some(town) => Some(Box::new(
                Box::pin(town_view(&town, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    Ok(OrganisationView {
        id: ids::encode("Organisation", row.id),
        version: row.version,
        updated_at: row.updated_at,
        name: row.name.clone(),
        short_name: row.short_name.clone(),
        kind: row.kind,
        description: row.description.clone(),
        website: row.website.clone(),
        address: row.address.clone(),
        sources: row.sources.0.clone(),
        town_id: row.town_id.map(|id| ids::encode("Town", id)),
        town,
    })
}

/// An event (Veranstaltung): a conference, workshop, meeting, …
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Event)]
pub struct EventView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// How the event takes place, where known.
    pub format: Option<EventFormat>,
    /// Whether it takes place as planned.
    pub status: EventStatus,
    /// IANA time zone of the local times.
    pub time_zone: String,
    /// Start (UTC); see `datePrecision`.
    pub starts_at: DateTime<Utc>,
    /// End (UTC), where known.
    pub ends_at: Option<DateTime<Utc>>,
    /// Start in the event's time zone (RFC 3339 with offset).
    pub starts_at_local: String,
    /// End in the event's time zone (RFC 3339 with offset), where known.
    pub ends_at_local: Option<String>,
    /// How exactly the start is known.
    pub date_precision: DatePrecision,
    /// Venue, as text.
    pub place: Option<String>,
    /// URL of the online stream or meeting.
    pub online_url: Option<String>,
    /// Web site of the event.
    pub website: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the town it takes place in.
    pub town_id: Option<String>,
    /// Global ID of the model project it belongs to.
    pub model_project_id: Option<String>,
    /// With `expand=town`: the town.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub town: Option<Box<TownView>>,
    /// With `expand=modelProject`: the model project.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub model_project: Option<Box<ModelProjectView>>,
    /// With `expand=organisers`: organisations that organised, produced or supported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub organisers: Option<Vec<OrganiserView>>,
    /// With `expand=sessions`: the programme, in time order, with contributions.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub sessions: Option<Vec<SessionView>>,
}

/// An organisation's part in an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = EventOrganiser)]
pub struct OrganiserView {
    /// Its role.
    pub role: OrganiserRole,
    /// The organisation.
    pub organisation: OrganisationView,
}

/// The representation of an event row.
pub async fn event_view(row: &Row<event::Model>, expand: &Expand) -> AppResult<EventView> {
    let none = Expand::default();
    let zone = time_zone(row);
    let town = match expand.has("town") {
        true => match row.load_one::<EventTown>().await? {
            Some(town) => Some(Box::new(town_view(&town, &none).await?)),
            None => None,
        },
        false => None,
    };
    let model_project = match expand.has("modelProject") {
        true => match row.load_one::<EventModelProject>().await? {
            Some(project) => Some(Box::new(model_project_view(&project, &none).await?)),
            None => None,
        },
        false => None,
    };
    let organisers = if expand.has("organisers") {
        let found = row.load::<EventOrganisers>().await?;
        let mut views = Vec::with_capacity(found.len());
        for organiser in &found {
            let organisation = organiser.load_one::<OrganiserOrganisation>().await?;
            if let Some(organisation) = organisation {
                views.push(OrganiserView {
                    role: organiser.role,
                    organisation: organisation_view(&organisation, &none).await?,
                });
            }
        }
        Some(views)
    } else {
        None
    };
    let sessions = if expand.has("sessions") {
        let found = row.load::<EventSessions>().await?;
        let programme = Expand::parse(Some("contributions"), &["contributions"])?;
        let mut views = Vec::with_capacity(found.len());
        for session in &found {
            views.push(Box::pin(session_view(session, &programme)).await?);
        }
        Some(views)
    } else {
        None
    };
    Ok(EventView {
        id: ids::encode("Event", row.id),
        version: row.version,
        updated_at: row.updated_at,
        title: row.title.clone(),
        subtitle: row.subtitle.clone(),
        description: row.description.clone(),
        format: row.format,
        status: row.status,
        time_zone: zone.name().to_owned(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        starts_at_local: local(row.starts_at, zone),
        ends_at_local: row.ends_at.map(|at| local(at, zone)),
        date_precision: row.date_precision,
        place: row.place.clone(),
        online_url: row.online_url.clone(),
        website: row.website.clone(),
        sources: row.sources.0.clone(),
        town_id: row.town_id.map(|id| ids::encode("Town", id)),
        model_project_id: row
            .model_project_id
            .map(|id| ids::encode("ModelProject", id)),
        town,
        model_project,
        organisers,
        sessions,
    })
}

/// A programme item (Programmpunkt) of an event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Session)]
pub struct SessionView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Order within the programme.
    pub position: i32,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// What the item is.
    pub kind: SessionKind,
    /// Summary.
    pub description: Option<String>,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC), where known.
    pub ends_at: Option<DateTime<Utc>>,
    /// Start in the event's time zone (RFC 3339 with offset).
    pub starts_at_local: Option<String>,
    /// End in the event's time zone (RFC 3339 with offset).
    pub ends_at_local: Option<String>,
    /// Whether the end was not published but taken from the next item's start.
    pub end_inferred: bool,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the event.
    pub event_id: String,
    /// With `expand=event`: the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub event: Option<Box<EventView>>,
    /// With `expand=contributions` (always in an event's programme): who appears, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub contributions: Option<Vec<ContributionView>>,
}

/// Who appears in a session, and in which role.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Contribution)]
pub struct ContributionView {
    /// Global ID.
    pub id: String,
    /// In which role.
    pub role: ContributionRole,
    /// Affiliation as printed in the programme.
    pub affiliation: Option<String>,
    /// Order within the session.
    pub position: i32,
    /// The person, when a person is named (public profile).
    pub person: Option<PersonProfile>,
    /// The organisation: the one appearing itself, or the one the person speaks for.
    pub organisation: Option<OrganisationView>,
}

async fn contribution_view(row: &Row<contribution::Model>) -> AppResult<ContributionView> {
    let none = Expand::default();
    let person = match row.load::<ContributionPerson>().await?.first() {
        Some(person) => Some(person_profile(person, &none).await?),
        None => None,
    };
    let organisation = match row.load_one::<ContributionOrganisation>().await? {
        Some(organisation) => Some(organisation_view(&organisation, &none).await?),
        None => None,
    };
    Ok(ContributionView {
        id: ids::encode("Contribution", row.id),
        role: row.role,
        affiliation: row.affiliation.clone(),
        position: row.position,
        person,
        organisation,
    })
}

/// The representation of a session row; its event (for the time zone) loads with the level.
pub async fn session_view(row: &Row<session::Model>, expand: &Expand) -> AppResult<SessionView> {
    let event = row.load_one::<SessionEvent>().await?;
    let zone = event.as_ref().map(|event| time_zone(event));
    let contributions = if expand.has("contributions") {
        let found = row.load::<SessionContributions>().await?;
        let mut views = Vec::with_capacity(found.len());
        for contribution in &found {
            views.push(contribution_view(contribution).await?);
        }
        Some(views)
    } else {
        None
    };
    let event = match (expand.has("event"), event) {
        (true, Some(event)) => Some(Box::new(
            Box::pin(event_view(&event, &Expand::default())).await?,
        )),
        _ => None,
    };
    Ok(SessionView {
        id: ids::encode("Session", row.id),
        version: row.version,
        updated_at: row.updated_at,
        position: row.position,
        title: row.title.clone(),
        subtitle: row.subtitle.clone(),
        kind: row.kind,
        description: row.description.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        starts_at_local: zone.map(|zone| local(row.starts_at, zone)),
        ends_at_local: zone.and_then(|zone| row.ends_at.map(|at| local(at, zone))),
        end_inferred: row.end_inferred,
        sources: row.sources.0.clone(),
        event_id: ids::encode("Event", row.event_id),
        event,
        contributions,
    })
}

/// A person's public profile.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Person)]
pub struct PersonProfile {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Name.
    pub name: String,
    /// Academic title (`Dr.`).
    pub academic_title: Option<String>,
    /// Position (`Bürgermeisterin`).
    pub position: Option<String>,
    /// Biography (only with the person's consent).
    pub biography: Option<String>,
    /// Photo (only with the person's consent).
    pub photo_url: Option<String>,
    /// Web site (only with the person's consent).
    pub website: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the person's organisation.
    pub organisation_id: Option<String>,
    /// Global ID of the person's town.
    pub town_id: Option<String>,
    /// With `expand=organisation`: the organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub organisation: Option<Box<OrganisationView>>,
    /// With `expand=town`: the town.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub town: Option<Box<TownView>>,
}

/// The public representation of a person's (public) profile row.
pub async fn person_profile(row: &Row<PersonView>, expand: &Expand) -> AppResult<PersonProfile> {
    let organisation = match expand.has("organisation") {
        true => match row.load_one::<PersonOrganisation>().await? {
            Some(organisation) => Some(Box::new(
                Box::pin(organisation_view(&organisation, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    let town = match expand.has("town") {
        true => match row.load_one::<PersonTown>().await? {
            Some(town) => Some(Box::new(
                Box::pin(town_view(&town, &Expand::default())).await?,
            )),
            None => None,
        },
        false => None,
    };
    Ok(PersonProfile {
        id: ids::encode("Person", row.id),
        version: row.version,
        updated_at: row.updated_at,
        name: row.name.clone(),
        academic_title: row.academic_title.clone(),
        position: row.position.clone(),
        biography: row.biography.clone(),
        photo_url: row.photo_url.clone(),
        website: row.website.clone(),
        sources: row.sources.clone(),
        organisation_id: row
            .organisation_id
            .map(|id| ids::encode("Organisation", id)),
        town_id: row.town_id.map(|id| ids::encode("Town", id)),
        organisation,
        town,
    })
}

/// A publication.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Document)]
pub struct DocumentView {
    /// Global ID (the same as in GraphQL).
    pub id: String,
    /// Version of the record; it grows with every change.
    pub version: i32,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// Title.
    pub title: String,
    /// What the document is.
    pub kind: DocumentKind,
    /// Publication date (ISO 8601, possibly partial).
    pub published_on: Option<String>,
    /// Publication year.
    pub year: Option<i32>,
    /// Where to read it.
    pub url: Option<String>,
    /// ISBN.
    pub isbn: Option<String>,
    /// Language (ISO 639-1).
    pub language: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// Public sources of this record.
    pub sources: Vec<String>,
    /// Global ID of the publishing organisation.
    pub publisher_id: Option<String>,
    /// Global ID of the model project it is about.
    pub model_project_id: Option<String>,
    /// Global ID of the event it was presented at or is about.
    pub event_id: Option<String>,
    /// Global ID of the session it was presented in.
    pub session_id: Option<String>,
    /// With `expand=publisher`: the publishing organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub publisher: Option<Box<OrganisationView>>,
    /// With `expand=authors`: the authors, in the order of the title page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub authors: Option<Vec<PersonProfile>>,
}

/// The representation of a document row.
pub async fn document_view(row: &Row<document::Model>, expand: &Expand) -> AppResult<DocumentView> {
    let none = Expand::default();
    let publisher = match expand.has("publisher") {
        true => match row.load_one::<DocumentPublisher>().await? {
            Some(organisation) => Some(Box::new(organisation_view(&organisation, &none).await?)),
            None => None,
        },
        false => None,
    };
    let authors = if expand.has("authors") {
        let found = row.load::<DocumentAuthors>().await?;
        let mut views = Vec::with_capacity(found.len());
        for author in &found {
            let person = author.load::<AuthorPerson>().await?;
            if let Some(person) = person.first() {
                views.push(person_profile(person, &none).await?);
            }
        }
        Some(views)
    } else {
        None
    };
    Ok(DocumentView {
        id: ids::encode("Document", row.id),
        version: row.version,
        updated_at: row.updated_at,
        title: row.title.clone(),
        kind: row.kind,
        published_on: row.published_on.clone(),
        year: row.year,
        url: row.url.clone(),
        isbn: row.isbn.clone(),
        language: row.language.clone(),
        description: row.description.clone(),
        sources: row.sources.0.clone(),
        publisher_id: row.publisher_id.map(|id| ids::encode("Organisation", id)),
        model_project_id: row
            .model_project_id
            .map(|id| ids::encode("ModelProject", id)),
        event_id: row.event_id.map(|id| ids::encode("Event", id)),
        session_id: row.session_id.map(|id| ids::encode("Session", id)),
        publisher,
        authors,
    })
}
