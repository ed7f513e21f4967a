//! Import of a data bundle: towns, organisations and their board seats, project calls, people,
//! model projects, events with organisers and registrations, sessions, contributions, documents
//! with their authors — from one JSON document, in one transaction (see [`Bundle`] for the
//! format). It is the one writer of bulk data: the demo seed hands its translation of the shipped
//! facts to it.
//!
//! Everything is checked before anything is written: a bundle with an unknown reference, a repeated
//! key, an unknown enumeration value or a key that is already in the database is rejected as a
//! whole, with every problem listed. Rows are inserted in batches.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::enums::{
    BoardRole, ContributionRole, DatePrecision, DocumentKind, EventFormat, EventStatus, MemberRole,
    OrganisationKind, OrganiserRole, PartnerRole, RegistrationStatus, SessionKind, TownType,
};
use entity::{
    Sources, advisory_board_membership, contribution, document, document_author, event,
    event_organiser, model_project, model_project_partner, model_project_town, organisation,
    person, project_call, registration, session, town,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    Iterable, QueryFilter, QuerySelect, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::import::{self, TownLine};
use crate::error::{AppError, AppResult};

/// The `format` a bundle must declare.
pub const BUNDLE_FORMAT: &str = "kleinstadt-bundle/1";

/// Longest key accepted (keys become slugs, a 64-character column).
pub const MAX_KEY_CHARS: usize = 64;

/// Rows per INSERT: at 22 columns well below the bind-parameter limits of SQLite and PostgreSQL.
const INSERT_CHUNK: usize = 400;

/// Problems listed in full before the rest is only counted.
const MAX_LISTED_PROBLEMS: usize = 50;

/// A data bundle: one JSON object whose lists hold the records to add.
///
/// ```json
/// {
///   "format": "kleinstadt-bundle/1",
///   "source": "bench:gen_data seed 20240601",
///   "towns": [{ "key": "town-2807344", "geonames_id": 2807344, "name": "Wittenberge",
///               "state": "Brandenburg", "population": 20171,
///               "latitude": 53.00543, "longitude": 11.75032 }],
///   "organisations": [{ "key": "org-1", "name": "Stadt Wittenberge",
///                       "kind": "MUNICIPAL_ASSOCIATION", "town": "town-2807344" }],
///   "people": [{ "key": "person-1", "name": "Erika Muster", "organisation": "org-1" }],
///   "model_projects": [{ "key": "project-1", "title": "Modellvorhaben Innenstadt",
///                        "lead_town": "town-2807344",
///                        "towns": [{ "town": "town-2807344", "role": "LEAD" }],
///                        "partners": [{ "organisation": "org-1", "role": "PROJECT_AGENCY" }] }],
///   "events": [{ "key": "event-1", "title": "Werkstatt Innenstadt", "format": "HYBRID",
///                "starts_at": "2026-03-05T08:00:00Z", "ends_at": "2026-03-05T15:00:00Z",
///                "town": "town-2807344",
///                "organisers": [{ "organisation": "org-1", "role": "ORGANISER" }] }],
///   "sessions": [{ "key": "event-1-s1", "event": "event-1", "title": "Begrüßung",
///                  "kind": "WELCOME", "starts_at": "2026-03-05T08:00:00Z" }],
///   "contributions": [{ "key": "event-1-s1-c1", "session": "event-1-s1", "person": "person-1",
///                       "organisation": "org-1", "role": "SPEAKER" }]
/// }
/// ```
///
/// Optional parts (all lists and fields below may be left out; bundles without them load as
/// before):
///
/// ```json
/// {
///   "towns": [{ "key": "herzberg", "slug": "herzberg_elster", "name": "Herzberg (Elster)",
///               "population": 9000, "district": "Elbe-Elster", "municipality_key": "12062224",
///               "website": "https://www.herzberg.de", "sources": ["https://…"] }],
///   "organisations": [{ "key": "beirat", "name": "Beirat", "kind": "ADVISORY_BOARD",
///                       "sources": ["https://…"],
///                       "board_members": [{ "person": "person-1", "role": "CHAIR",
///                                           "from": "2021-05", "until": null, "note": null }] }],
///   "project_calls": [{ "key": "call-2019", "name": "Projektaufruf 2019", "year": 2019,
///                       "opened_on": "2019-09", "deadline_on": "2019-11-30" }],
///   "model_projects": [{ "key": "project-1", "title": "…", "project_call": "call-2019" }],
///   "events": [{ "key": "event-1", "title": "…", "starts_at": "2021-01-01T00:00:00Z",
///                "date_precision": "MONTH",
///                "registrations": [{ "person": "person-1", "status": "ATTENDED" }] }],
///   "sessions": [{ "key": "s3", "event": "event-1", "position": 3, "end_inferred": true, … }],
///   "contributions": [{ "key": "c9", "event": "event-1", "person": "person-1",
///                       "role": "SPEAKER" }],
///   "documents": [{ "key": "report-2021", "title": "Kleinstadtbericht", "kind": "REPORT",
///                   "published_on": "2021-06", "year": 2021, "publisher": "org-1",
///                   "url": "https://…", "language": "de", "event": "event-1", "session": "s3",
///                   "authors": ["person-1"] }]
/// }
/// ```
///
/// - Every list may be left out. Fields not named here are errors (`deny_unknown_fields`).
/// - Every record has a `key`: 1 to 64 characters, unique within its list. Records refer to records
///   of the same bundle by key (`"organisation": "org-1"`); an unknown key is an error.
/// - Enumerations are spelt as in the GraphQL schema (`IN_PERSON`, `SPEAKER`, `LEAD`, …); instants
///   are RFC 3339 (`2026-03-05T08:00:00Z`); time zones are IANA names; dates (`from`, `opened_on`,
///   `published_on`, …) are ISO 8601 and may be partial (`2021`, `2021-05`, `2021-05-04`).
/// - Records with `sources` keep them; the others get the bundle's `source`.
///
/// How it is stored:
/// - Towns with a `geonames_id` are matched by it and checked with the rules of the town import
///   ([`import::import_towns`]): new places are inserted, changed ones updated, equal ones left
///   alone. Then a `slug`, `district`, `municipality_key` or `website` given is set on the place
///   and its `sources` are added to its GeoNames page (a changed place counts a new version).
///   Towns without a `geonames_id` need a `slug` and are inserted. A town's `key` is only used
///   inside the bundle; a `slug` that names another town in the database is an error.
/// - The keys of organisations, project calls, people, model projects, events and documents become
///   their `slug`, so a bundle loads once: a key that is already a slug in the database is an
///   error.
/// - Events are published. A model project's member towns keep their list order (`position` from
///   1); sessions are numbered per event in list order unless they give a `position`;
///   contributions are numbered per session (or, with `event` instead of `session`, per event) in
///   list order; a contribution belongs to the event of its session. Board seats share the
///   sources of their board, registrations those of their event; a document's `session` must be
///   one of its `event`.
/// - Every row gets `version = 1` and `created_at = updated_at =` the time of the import.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Must be [`BUNDLE_FORMAT`].
    pub format: String,
    /// Where the records come from; stored as the `sources` of records that name none of their own.
    pub source: String,
    /// Towns: GeoNames places, and places without a GeoNames id.
    #[serde(default)]
    pub towns: Vec<TownRecord>,
    /// Organisations, advisory boards with their seats.
    #[serde(default)]
    pub organisations: Vec<OrganisationRecord>,
    /// Calls for model projects.
    #[serde(default)]
    pub project_calls: Vec<ProjectCallRecord>,
    /// People.
    #[serde(default)]
    pub people: Vec<PersonRecord>,
    /// Model projects with their member towns and partners.
    #[serde(default)]
    pub model_projects: Vec<ModelProjectRecord>,
    /// Events with their organisers and registrations.
    #[serde(default)]
    pub events: Vec<EventRecord>,
    /// Sessions (programme items) of the events.
    #[serde(default)]
    pub sessions: Vec<SessionRecord>,
    /// Who appears in which session, or in an event as a whole.
    #[serde(default)]
    pub contributions: Vec<ContributionRecord>,
    /// Documents with their authors.
    #[serde(default)]
    pub documents: Vec<DocumentRecord>,
}

/// A town: a GeoNames place (the columns of `data/de-towns.csv`) or, without `geonames_id`, a
/// place known by its slug only.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TownRecord {
    /// Key within the bundle.
    pub key: String,
    /// GeoNames id: the town is matched by it; `state`, `population`, `latitude` and `longitude`
    /// are then required.
    #[serde(default)]
    pub geonames_id: Option<i64>,
    /// Name.
    pub name: String,
    /// State as GeoNames writes it (`Bayern`, `Thüringen`).
    #[serde(default)]
    pub state: Option<String>,
    /// Inhabitants.
    #[serde(default)]
    pub population: Option<i64>,
    /// Latitude in degrees (GeoNames places only).
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude in degrees (GeoNames places only).
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Slug; required without `geonames_id`.
    #[serde(default)]
    pub slug: Option<String>,
    /// District (Landkreis).
    #[serde(default)]
    pub district: Option<String>,
    /// Official municipality key (AGS).
    #[serde(default)]
    pub municipality_key: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Sources, added to the GeoNames page of a GeoNames place.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// An organisation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Name.
    pub name: String,
    /// Abbreviation.
    #[serde(default)]
    pub short_name: Option<String>,
    /// Kind (`UNIVERSITY`, `AGENCY`, …).
    pub kind: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// Key of the seat town.
    #[serde(default)]
    pub town: Option<String>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
    /// Seats on this (advisory) board, in order; they share the organisation's sources.
    #[serde(default)]
    pub board_members: Vec<BoardMemberRecord>,
}

/// A person's seat on a board.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BoardMemberRecord {
    /// Key of the person.
    pub person: String,
    /// `CHAIR`, `DEPUTY_CHAIR`, `JURY_CHAIR` or `MEMBER`.
    pub role: String,
    /// Since when, an ISO 8601 date, possibly partial (`2021`, `2021-05`).
    #[serde(default)]
    pub from: Option<String>,
    /// Until when, an ISO 8601 date, possibly partial.
    #[serde(default)]
    pub until: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A call for model projects.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectCallRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Name.
    pub name: String,
    /// Year of the call.
    pub year: i32,
    /// Opening date, an ISO 8601 date, possibly partial.
    #[serde(default)]
    pub opened_on: Option<String>,
    /// Deadline, an ISO 8601 date, possibly partial.
    #[serde(default)]
    pub deadline_on: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// A person (public profile fields only).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Name.
    pub name: String,
    /// Academic title (`Dr.`).
    #[serde(default)]
    pub academic_title: Option<String>,
    /// Position or job title.
    #[serde(default)]
    pub position: Option<String>,
    /// Key of the organisation.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Key of the town.
    #[serde(default)]
    pub town: Option<String>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// A model project with its member towns and partners.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProjectRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Title.
    pub title: String,
    /// Short title.
    #[serde(default)]
    pub short_title: Option<String>,
    /// Topic.
    #[serde(default)]
    pub topic: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Start, an ISO 8601 date, possibly partial (`2020-03`).
    #[serde(default)]
    pub period_start: Option<String>,
    /// End, an ISO 8601 date, possibly partial.
    #[serde(default)]
    pub period_end: Option<String>,
    /// Funding programme.
    #[serde(default)]
    pub funding_programme: Option<String>,
    /// Key of the project call it was selected in.
    #[serde(default)]
    pub project_call: Option<String>,
    /// Key of the lead town.
    #[serde(default)]
    pub lead_town: Option<String>,
    /// Member towns, in order.
    #[serde(default)]
    pub towns: Vec<MemberRecord>,
    /// Partner organisations.
    #[serde(default)]
    pub partners: Vec<PartnerRecord>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// A town's membership in a model project.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRecord {
    /// Key of the town.
    pub town: String,
    /// `LEAD` or `MEMBER`.
    pub role: String,
}

/// An organisation's partnership in a model project.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerRecord {
    /// Key of the organisation.
    pub organisation: String,
    /// Role (`PROJECT_AGENCY`, `SCIENTIFIC_ACCOMPANIMENT`, `LOCAL_SUPPORT`, `OTHER`).
    pub role: String,
}

/// An event with its organisers and registrations; it is stored as published.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Title.
    pub title: String,
    /// Subtitle.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `IN_PERSON`, `DIGITAL` or `HYBRID`.
    #[serde(default)]
    pub format: Option<String>,
    /// Status; `SCHEDULED` when left out.
    #[serde(default)]
    pub status: Option<String>,
    /// IANA time zone; `Europe/Berlin` when left out.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Start (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// End (RFC 3339), not before the start.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// How exactly the start is known (`MINUTE`, `DAY`, `MONTH`, `YEAR`); `MINUTE` when left out.
    #[serde(default)]
    pub date_precision: Option<String>,
    /// Venue as text.
    #[serde(default)]
    pub place: Option<String>,
    /// Key of the town it takes place in.
    #[serde(default)]
    pub town: Option<String>,
    /// Online address.
    #[serde(default)]
    pub online_url: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Key of the model project it belongs to.
    #[serde(default)]
    pub model_project: Option<String>,
    /// Organising organisations.
    #[serde(default)]
    pub organisers: Vec<OrganiserRecord>,
    /// Registered people, in order; they share the event's sources.
    #[serde(default)]
    pub registrations: Vec<RegistrationRecord>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// An organisation's part in an event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrganiserRecord {
    /// Key of the organisation.
    pub organisation: String,
    /// `ORGANISER`, `PRODUCER`, `COOPERATION_PARTNER` or `SUPPORTER`.
    pub role: String,
}

/// A person's registration for an event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRecord {
    /// Key of the person.
    pub person: String,
    /// `REGISTERED`, `ATTENDED` or `CANCELLED`.
    pub status: String,
    /// When the person registered (RFC 3339).
    #[serde(default)]
    pub registered_at: Option<DateTime<Utc>>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A session (programme item) of an event.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    /// Key within the bundle.
    pub key: String,
    /// Key of the event.
    pub event: String,
    /// Place in the programme, from 1; one more than the event's highest so far when left out.
    #[serde(default)]
    pub position: Option<i32>,
    /// Title.
    pub title: String,
    /// Subtitle.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Kind (`TALK`, `PANEL`, `BREAK`, …).
    pub kind: String,
    /// Start (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// End (RFC 3339), not before the start.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// True when the end is not published but taken from the next item.
    #[serde(default)]
    pub end_inferred: bool,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// A person or organisation appearing in a session, or in an event as a whole.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionRecord {
    /// Key within the bundle.
    pub key: String,
    /// Key of the session (a session or an event, not both).
    #[serde(default)]
    pub session: Option<String>,
    /// Key of the event, for an appearance not tied to a session.
    #[serde(default)]
    pub event: Option<String>,
    /// Key of the person (a person, an organisation or both).
    #[serde(default)]
    pub person: Option<String>,
    /// Key of the organisation the person appears for, or that appears itself.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Role (`SPEAKER`, `PANELIST`, `MODERATOR`, …).
    pub role: String,
    /// Affiliation as printed in the programme.
    #[serde(default)]
    pub affiliation: Option<String>,
}

/// A document (report, position paper, presentation, …) with its authors.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentRecord {
    /// Key within the bundle; becomes the slug.
    pub key: String,
    /// Title.
    pub title: String,
    /// Kind (`REPORT`, `POSITION_PAPER`, `PRESENTATION`, …).
    pub kind: String,
    /// Publication date, an ISO 8601 date, possibly partial.
    #[serde(default)]
    pub published_on: Option<String>,
    /// Year of publication.
    #[serde(default)]
    pub year: Option<i32>,
    /// Key of the publishing organisation.
    #[serde(default)]
    pub publisher: Option<String>,
    /// Web address.
    #[serde(default)]
    pub url: Option<String>,
    /// ISBN.
    #[serde(default)]
    pub isbn: Option<String>,
    /// Language code (`de`, `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Key of the model project it is about.
    #[serde(default)]
    pub model_project: Option<String>,
    /// Key of the event it is about or was presented at.
    #[serde(default)]
    pub event: Option<String>,
    /// Key of the session it was presented in; a session of `event` (which it implies).
    #[serde(default)]
    pub session: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Keys of the authors, in order.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Sources; the bundle's `source` when left out.
    #[serde(default)]
    pub sources: Option<Vec<String>>,
}

/// What an import added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    /// GeoNames places inserted.
    pub towns_created: usize,
    /// Existing GeoNames places whose GeoNames fields were updated.
    pub towns_updated: usize,
    /// Existing GeoNames places that were already up to date.
    pub towns_unchanged: usize,
    /// GeoNames places given a slug, district, municipality key, web site or sources.
    pub towns_completed: usize,
    /// Towns without a GeoNames id added.
    pub other_towns: usize,
    /// Organisations added.
    pub organisations: usize,
    /// Board seats added.
    pub board_members: usize,
    /// Project calls added.
    pub project_calls: usize,
    /// People added.
    pub people: usize,
    /// Model projects added.
    pub model_projects: usize,
    /// Member towns of model projects added.
    pub model_project_towns: usize,
    /// Partners of model projects added.
    pub model_project_partners: usize,
    /// Events added.
    pub events: usize,
    /// Organisers of events added.
    pub event_organisers: usize,
    /// Registrations for events added.
    pub registrations: usize,
    /// Sessions added.
    pub sessions: usize,
    /// Contributions added.
    pub contributions: usize,
    /// Documents added.
    pub documents: usize,
    /// Authors of documents added.
    pub document_authors: usize,
    /// Wall time of the import in milliseconds.
    pub elapsed_ms: u64,
}

/// Reads a bundle from JSON bytes.
pub fn parse(json: &[u8]) -> AppResult<Bundle> {
    serde_json::from_slice(json)
        .map_err(|error| AppError::bad_input(format!("the bundle cannot be read: {error}")))
}

/// Loads `bundle` in one transaction: checks everything first and writes nothing on any problem.
pub async fn import_bundle<C>(db: &C, bundle: &Bundle) -> AppResult<BundleReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let started = Instant::now();
    let txn = db.begin().await?;
    let mut problems = Problems::default();
    let plan = plan(bundle, &mut problems);
    let states = import::state_ids(&txn).await?;
    let towns = check_towns(&bundle.towns, &states, &mut problems);
    check_keys_are_new(&txn, bundle, &mut problems).await?;
    problems.into_result()?;

    // Microseconds, as PostgreSQL keeps them: the change log finds the rows written by this instant.
    let now = crate::store::change_log::now();
    let default_sources = Sources(vec![bundle.source.clone()]);
    let sources = |own: &Option<Vec<String>>| {
        own.as_ref()
            .map_or_else(|| default_sources.clone(), |own| Sources(own.clone()))
    };
    let mut report = BundleReport::default();

    let upserted = import::upsert_towns(&txn, towns.lines, now).await?;
    report.towns_created = upserted.created;
    report.towns_updated = upserted.updated;
    report.towns_unchanged = upserted.unchanged;
    let mut town_ids = geonames_town_ids(&txn, &bundle.towns).await?;
    let other_rows = towns
        .others
        .iter()
        .map(|other| {
            let record = &bundle.towns[other.index];
            town::ActiveModel {
                id: NotSet,
                slug: Set(record.slug.clone()),
                name: Set(record.name.clone()),
                state_id: Set(other.state),
                district: Set(record.district.clone()),
                municipality_key: Set(record.municipality_key.clone()),
                geonames_id: Set(None),
                population: Set(other.population),
                latitude: Set(None),
                longitude: Set(None),
                town_type: Set(other.population.map(TownType::from_population)),
                town_type_official: Set(false),
                website: Set(record.website.clone()),
                sources: Set(sources(&record.sources)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    let by_slug: HashMap<String, i32> = insert_returning(&txn, other_rows)
        .await?
        .into_iter()
        .filter_map(|m| m.slug.map(|slug| (slug, m.id)))
        .collect();
    for other in &towns.others {
        let slug = bundle.towns[other.index]
            .slug
            .as_deref()
            .unwrap_or_default();
        let id = by_slug
            .get(slug)
            .ok_or_else(|| AppError::Internal(format!("inserted town `{slug}` not returned")))?;
        town_ids[other.index] = Some(*id);
    }
    let town_ids = town_ids
        .into_iter()
        .zip(&bundle.towns)
        .map(|(id, record)| {
            id.ok_or_else(|| AppError::Internal(format!("town `{}` not stored", record.key)))
        })
        .collect::<AppResult<Vec<i32>>>()?;
    for (record, &id) in bundle.towns.iter().zip(&town_ids) {
        if record.geonames_id.is_some() && complete_town(&txn, record, id, now).await? {
            report.towns_completed += 1;
        }
    }
    report.other_towns = towns.others.len();

    let organisation_rows = bundle
        .organisations
        .iter()
        .zip(&plan.organisations)
        .map(|(record, plan)| organisation::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            name: Set(record.name.clone()),
            short_name: Set(record.short_name.clone()),
            kind: Set(plan.kind),
            description: Set(record.description.clone()),
            website: Set(record.website.clone()),
            address: Set(record.address.clone()),
            town_id: Set(plan.town.map(|i| town_ids[i])),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, organisation_rows).await?;
    let organisation_ids = ids_by_slug(
        "organisation",
        &bundle.organisations,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.organisations = organisation_ids.len();

    let call_rows = bundle
        .project_calls
        .iter()
        .map(|record| project_call::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            name: Set(record.name.clone()),
            year: Set(record.year),
            opened_on: Set(record.opened_on.clone()),
            deadline_on: Set(record.deadline_on.clone()),
            description: Set(record.description.clone()),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, call_rows).await?;
    let call_ids = ids_by_slug(
        "project call",
        &bundle.project_calls,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.project_calls = call_ids.len();

    let person_rows = bundle
        .people
        .iter()
        .zip(&plan.people)
        .map(|(record, plan)| person::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            name: Set(record.name.clone()),
            academic_title: Set(record.academic_title.clone()),
            position: Set(record.position.clone()),
            organisation_id: Set(plan.organisation.map(|i| organisation_ids[i])),
            town_id: Set(plan.town.map(|i| town_ids[i])),
            email: Set(None),
            phone: Set(None),
            biography: Set(None),
            photo_url: Set(None),
            website: Set(None),
            consent_given_at: Set(None),
            consent_note: Set(None),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, person_rows).await?;
    let person_ids = ids_by_slug(
        "person",
        &bundle.people,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.people = person_ids.len();

    let mut seats = Vec::new();
    for ((record, plan), &board_id) in bundle
        .organisations
        .iter()
        .zip(&plan.organisations)
        .zip(&organisation_ids)
    {
        for (seat, &(person, role)) in record.board_members.iter().zip(&plan.board_members) {
            seats.push(advisory_board_membership::ActiveModel {
                id: NotSet,
                board_id: Set(board_id),
                person_id: Set(person_ids[person]),
                role: Set(role),
                from_date: Set(seat.from.clone()),
                until_date: Set(seat.until.clone()),
                note: Set(seat.note.clone()),
                sources: Set(sources(&record.sources)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    report.board_members = insert_all(&txn, seats).await?;

    let project_rows = bundle
        .model_projects
        .iter()
        .zip(&plan.projects)
        .map(|(record, plan)| model_project::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            title: Set(record.title.clone()),
            short_title: Set(record.short_title.clone()),
            topic: Set(record.topic.clone()),
            description: Set(record.description.clone()),
            project_call_id: Set(plan.call.map(|i| call_ids[i])),
            lead_town_id: Set(plan.lead_town.map(|i| town_ids[i])),
            period_start: Set(record.period_start.clone()),
            period_end: Set(record.period_end.clone()),
            funding_programme: Set(record.funding_programme.clone()),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, project_rows).await?;
    let project_ids = ids_by_slug(
        "model project",
        &bundle.model_projects,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.model_projects = project_ids.len();
    let mut members = Vec::new();
    let mut partners = Vec::new();
    for (plan, &project_id) in plan.projects.iter().zip(&project_ids) {
        for (position, &(town, role)) in (1..).zip(&plan.towns) {
            members.push(model_project_town::ActiveModel {
                id: NotSet,
                model_project_id: Set(project_id),
                town_id: Set(town_ids[town]),
                role: Set(role),
                position: Set(position),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for &(organisation, role) in &plan.partners {
            partners.push(model_project_partner::ActiveModel {
                id: NotSet,
                model_project_id: Set(project_id),
                organisation_id: Set(organisation_ids[organisation]),
                role: Set(role),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    report.model_project_towns = insert_all(&txn, members).await?;
    report.model_project_partners = insert_all(&txn, partners).await?;

    let event_rows = bundle
        .events
        .iter()
        .zip(&plan.events)
        .map(|(record, plan)| event::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            title: Set(record.title.clone()),
            subtitle: Set(record.subtitle.clone()),
            description: Set(record.description.clone()),
            format: Set(plan.format),
            status: Set(plan.status),
            time_zone: Set(plan.time_zone.clone()),
            starts_at: Set(record.starts_at),
            ends_at: Set(record.ends_at),
            date_precision: Set(plan.precision),
            place: Set(record.place.clone()),
            town_id: Set(plan.town.map(|i| town_ids[i])),
            online_url: Set(record.online_url.clone()),
            website: Set(record.website.clone()),
            model_project_id: Set(plan.project.map(|i| project_ids[i])),
            published: Set(true),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, event_rows).await?;
    let event_ids = ids_by_slug(
        "event",
        &bundle.events,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.events = event_ids.len();
    let organisers = plan
        .events
        .iter()
        .zip(&event_ids)
        .flat_map(|(plan, &event_id)| {
            plan.organisers
                .iter()
                .map(move |&(organisation, role)| (event_id, organisation, role))
        })
        .map(
            |(event_id, organisation, role)| event_organiser::ActiveModel {
                id: NotSet,
                event_id: Set(event_id),
                organisation_id: Set(organisation_ids[organisation]),
                role: Set(role),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .collect();
    report.event_organisers = insert_all(&txn, organisers).await?;

    let session_rows = bundle
        .sessions
        .iter()
        .zip(&plan.sessions)
        .map(|(record, plan)| session::ActiveModel {
            id: NotSet,
            event_id: Set(event_ids[plan.event]),
            position: Set(plan.position),
            title: Set(record.title.clone()),
            subtitle: Set(record.subtitle.clone()),
            kind: Set(plan.kind),
            starts_at: Set(record.starts_at),
            ends_at: Set(record.ends_at),
            end_inferred: Set(record.end_inferred),
            description: Set(record.description.clone()),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    // Sessions have no slug: they are told apart by (event, position), unique within a bundle.
    let inserted: HashMap<(i32, i32), i32> = insert_returning(&txn, session_rows)
        .await?
        .into_iter()
        .map(|m| ((m.event_id, m.position), m.id))
        .collect();
    let session_ids = plan
        .sessions
        .iter()
        .map(|plan| {
            inserted
                .get(&(event_ids[plan.event], plan.position))
                .copied()
                .ok_or_else(|| AppError::Internal("an inserted session was not returned".into()))
        })
        .collect::<AppResult<Vec<i32>>>()?;
    report.sessions = session_ids.len();

    let contribution_rows = bundle
        .contributions
        .iter()
        .zip(&plan.contributions)
        .map(|(record, plan)| contribution::ActiveModel {
            id: NotSet,
            event_id: Set(event_ids[plan.event]),
            session_id: Set(plan.session.map(|i| session_ids[i])),
            person_id: Set(plan.person.map(|i| person_ids[i])),
            organisation_id: Set(plan.organisation.map(|i| organisation_ids[i])),
            role: Set(plan.role),
            affiliation: Set(record.affiliation.clone()),
            position: Set(plan.position),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    report.contributions = insert_all(&txn, contribution_rows).await?;

    let mut registrations = Vec::new();
    for ((record, plan), &event_id) in bundle.events.iter().zip(&plan.events).zip(&event_ids) {
        for (registration, &(person, status)) in
            record.registrations.iter().zip(&plan.registrations)
        {
            registrations.push(registration::ActiveModel {
                id: NotSet,
                event_id: Set(event_id),
                person_id: Set(person_ids[person]),
                status: Set(status),
                registered_at: Set(registration.registered_at),
                note: Set(registration.note.clone()),
                sources: Set(sources(&record.sources)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
    }
    report.registrations = insert_all(&txn, registrations).await?;

    let document_rows = bundle
        .documents
        .iter()
        .zip(&plan.documents)
        .map(|(record, plan)| document::ActiveModel {
            id: NotSet,
            slug: Set(Some(record.key.clone())),
            title: Set(record.title.clone()),
            kind: Set(plan.kind),
            published_on: Set(record.published_on.clone()),
            year: Set(record.year),
            publisher_id: Set(plan.publisher.map(|i| organisation_ids[i])),
            url: Set(record.url.clone()),
            isbn: Set(record.isbn.clone()),
            language: Set(record.language.clone()),
            model_project_id: Set(plan.project.map(|i| project_ids[i])),
            event_id: Set(plan.event.map(|i| event_ids[i])),
            session_id: Set(plan.session.map(|i| session_ids[i])),
            description: Set(record.description.clone()),
            sources: Set(sources(&record.sources)),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let inserted = insert_returning(&txn, document_rows).await?;
    let document_ids = ids_by_slug(
        "document",
        &bundle.documents,
        |r| &r.key,
        inserted.into_iter().map(|m| (m.slug, m.id)),
    )?;
    report.documents = document_ids.len();
    let authors = plan
        .documents
        .iter()
        .zip(&document_ids)
        .flat_map(|(plan, &document_id)| {
            (1..)
                .zip(&plan.authors)
                .map(move |(position, &person)| (document_id, position, person))
        })
        .map(
            |(document_id, position, person)| document_author::ActiveModel {
                id: NotSet,
                document_id: Set(document_id),
                person_id: Set(person_ids[person]),
                position: Set(position),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .collect();
    report.document_authors = insert_all(&txn, authors).await?;

    crate::service::changes::log_bulk(&txn, now).await?;
    crate::store::search_index::rebuild(&txn).await?;
    txn.commit().await?;
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        towns_created = report.towns_created,
        events = report.events,
        sessions = report.sessions,
        contributions = report.contributions,
        documents = report.documents,
        elapsed_ms = report.elapsed_ms,
        "bundle imported"
    );
    Ok(report)
}

/// Gives a stored GeoNames place the slug, district, municipality key, web site and sources of
/// its record; true when that changed the row (which then counts a new version).
async fn complete_town<C: ConnectionTrait>(
    db: &C,
    record: &TownRecord,
    id: i32,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let row = town::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("town `{}` not stored", record.key)))?;
    let mut sources = row.sources.0.clone();
    for source in record.sources.iter().flatten() {
        if !sources.contains(source) {
            sources.push(source.clone());
        }
    }
    let given = |value: &Option<String>, current: &Option<String>| {
        value.clone().or_else(|| current.clone())
    };
    let slug = given(&record.slug, &row.slug);
    let district = given(&record.district, &row.district);
    let municipality_key = given(&record.municipality_key, &row.municipality_key);
    let website = given(&record.website, &row.website);
    if slug == row.slug
        && district == row.district
        && municipality_key == row.municipality_key
        && website == row.website
        && sources == row.sources.0
    {
        return Ok(false);
    }
    let version = row.version + 1;
    let mut model: town::ActiveModel = row.into();
    model.slug = Set(slug);
    model.district = Set(district);
    model.municipality_key = Set(municipality_key);
    model.website = Set(website);
    model.sources = Set(Sources(sources));
    model.version = Set(version);
    model.updated_at = Set(now);
    model.update_without_returning(db).await?;
    Ok(true)
}

/// The problems found in a bundle; any one of them stops the import.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, problem: String) {
        self.0.push(problem);
    }

    fn into_result(self) -> AppResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        let count = self.0.len();
        let mut message = format!(
            "the bundle was not imported ({count} problem{}):",
            if count == 1 { "" } else { "s" }
        );
        for problem in self.0.iter().take(MAX_LISTED_PROBLEMS) {
            message.push_str("\n- ");
            message.push_str(problem);
        }
        if count > MAX_LISTED_PROBLEMS {
            message.push_str(&format!("\n- … and {} more", count - MAX_LISTED_PROBLEMS));
        }
        Err(AppError::bad_input(message))
    }
}

/// The keys of one list, by position; duplicates and bad keys are reported.
struct Keys<'a> {
    kind: &'static str,
    index: HashMap<&'a str, usize>,
}

impl<'a> Keys<'a> {
    fn new<R>(
        kind: &'static str,
        records: &'a [R],
        key: impl Fn(&'a R) -> &'a str,
        problems: &mut Problems,
    ) -> Self {
        let mut index = HashMap::with_capacity(records.len());
        for (position, record) in records.iter().enumerate() {
            let key = key(record);
            if key.trim().is_empty() {
                problems.add(format!("{kind} #{}: empty key", position + 1));
            } else if key.chars().count() > MAX_KEY_CHARS {
                problems.add(format!(
                    "{kind} `{key}`: key longer than {MAX_KEY_CHARS} characters"
                ));
            }
            if index.insert(key, position).is_some() {
                problems.add(format!("{kind} `{key}`: key used twice"));
            }
        }
        Self { kind, index }
    }

    /// The position of the record with `key`; reports an unknown key.
    fn get(&self, owner: &str, field: &str, key: &str, problems: &mut Problems) -> Option<usize> {
        let found = self.index.get(key).copied();
        if found.is_none() {
            problems.add(format!(
                "{owner}: `{field}` names no {} with key `{key}`",
                self.kind
            ));
        }
        found
    }

    /// Like [`Keys::get`] for an optional reference.
    fn get_opt(
        &self,
        owner: &str,
        field: &str,
        key: Option<&str>,
        problems: &mut Problems,
    ) -> Option<usize> {
        key.and_then(|key| self.get(owner, field, key, problems))
    }
}

/// An enumeration value in its stored (GraphQL) spelling; reports an unknown one.
fn enum_value<E: ActiveEnum<Value = String> + Iterable>(
    owner: &str,
    field: &str,
    value: &str,
    problems: &mut Problems,
) -> Option<E> {
    match E::try_from_value(&value.to_owned()) {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            let allowed: Vec<String> = E::iter().map(|v| v.to_value()).collect();
            problems.add(format!(
                "{owner}: `{field}` is `{value}`, not one of {}",
                allowed.join(", ")
            ));
            None
        }
    }
}

/// Checks a required text: not blank, at most `max` characters.
fn required_text(owner: &str, field: &str, value: &str, max: usize, problems: &mut Problems) {
    if value.trim().is_empty() {
        problems.add(format!("{owner}: `{field}` is empty"));
    }
    optional_text(owner, field, Some(value), max, problems);
}

/// Checks an optional text: at most `max` characters.
fn optional_text(
    owner: &str,
    field: &str,
    value: Option<&str>,
    max: usize,
    problems: &mut Problems,
) {
    if let Some(value) = value
        && value.chars().count() > max
    {
        problems.add(format!(
            "{owner}: `{field}` is longer than {max} characters"
        ));
    }
}

/// Checks that an end is not before its start.
fn check_period(
    owner: &str,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    problems: &mut Problems,
) {
    if ends_at.is_some_and(|end| end < starts_at) {
        problems.add(format!("{owner}: `ends_at` is before `starts_at`"));
    }
}

/// Checks a partial ISO 8601 date (`2021`, `2021-05`, `2021-05-04`).
fn partial_date(owner: &str, field: &str, value: Option<&str>, problems: &mut Problems) {
    let Some(value) = value else {
        return;
    };
    let padded = match value.len() {
        4 => format!("{value}-01-01"),
        7 => format!("{value}-01"),
        10 => value.to_owned(),
        _ => String::new(),
    };
    let valid = value.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && NaiveDate::parse_from_str(&padded, "%Y-%m-%d").is_ok();
    if !valid {
        problems.add(format!(
            "{owner}: `{field}` `{value}` is not a date like 2021, 2021-05 or 2021-05-04"
        ));
    }
}

/// Checks a list of sources: no blank entry.
fn check_sources(owner: &str, sources: Option<&Vec<String>>, problems: &mut Problems) {
    if sources.is_some_and(|sources| sources.iter().any(|source| source.trim().is_empty())) {
        problems.add(format!("{owner}: `sources` has an empty entry"));
    }
}

struct OrganisationPlan {
    kind: OrganisationKind,
    town: Option<usize>,
    board_members: Vec<(usize, BoardRole)>,
}

struct PersonPlan {
    organisation: Option<usize>,
    town: Option<usize>,
}

struct ProjectPlan {
    call: Option<usize>,
    lead_town: Option<usize>,
    towns: Vec<(usize, MemberRole)>,
    partners: Vec<(usize, PartnerRole)>,
}

struct EventPlan {
    format: Option<EventFormat>,
    status: EventStatus,
    precision: DatePrecision,
    time_zone: String,
    town: Option<usize>,
    project: Option<usize>,
    organisers: Vec<(usize, OrganiserRole)>,
    registrations: Vec<(usize, RegistrationStatus)>,
}

struct SessionPlan {
    event: usize,
    position: i32,
    kind: SessionKind,
}

struct ContributionPlan {
    event: usize,
    session: Option<usize>,
    person: Option<usize>,
    organisation: Option<usize>,
    role: ContributionRole,
    position: i32,
}

struct DocumentPlan {
    kind: DocumentKind,
    publisher: Option<usize>,
    project: Option<usize>,
    event: Option<usize>,
    session: Option<usize>,
    authors: Vec<usize>,
}

/// The bundle with every reference resolved to a list position. Only used when `problems` stays
/// empty, so that every position and enumeration in it is valid.
#[derive(Default)]
struct Plan {
    organisations: Vec<OrganisationPlan>,
    people: Vec<PersonPlan>,
    projects: Vec<ProjectPlan>,
    events: Vec<EventPlan>,
    sessions: Vec<SessionPlan>,
    contributions: Vec<ContributionPlan>,
    documents: Vec<DocumentPlan>,
}

/// Resolves the references of the bundle and checks its values (everything but the towns and the
/// keys already in the database).
fn plan(bundle: &Bundle, problems: &mut Problems) -> Plan {
    if bundle.format != BUNDLE_FORMAT {
        problems.add(format!(
            "`format` is `{}`, expected `{BUNDLE_FORMAT}`",
            bundle.format
        ));
    }
    required_text("the bundle", "source", &bundle.source, 2000, problems);
    let towns = Keys::new("town", &bundle.towns, |r| r.key.as_str(), problems);
    let organisations = Keys::new(
        "organisation",
        &bundle.organisations,
        |r| r.key.as_str(),
        problems,
    );
    let calls = Keys::new(
        "project call",
        &bundle.project_calls,
        |r| r.key.as_str(),
        problems,
    );
    let people = Keys::new("person", &bundle.people, |r| r.key.as_str(), problems);
    let projects = Keys::new(
        "model project",
        &bundle.model_projects,
        |r| r.key.as_str(),
        problems,
    );
    let events = Keys::new("event", &bundle.events, |r| r.key.as_str(), problems);
    let sessions = Keys::new("session", &bundle.sessions, |r| r.key.as_str(), problems);
    Keys::new(
        "contribution",
        &bundle.contributions,
        |r| r.key.as_str(),
        problems,
    );
    Keys::new("document", &bundle.documents, |r| r.key.as_str(), problems);

    let mut plan = Plan::default();
    for record in &bundle.organisations {
        let owner = format!("organisation `{}`", record.key);
        required_text(&owner, "name", &record.name, 300, problems);
        optional_text(
            &owner,
            "short_name",
            record.short_name.as_deref(),
            100,
            problems,
        );
        check_sources(&owner, record.sources.as_ref(), problems);
        let kind = enum_value(&owner, "kind", &record.kind, problems);
        let town = towns.get_opt(&owner, "town", record.town.as_deref(), problems);
        let mut board_members = Vec::new();
        for seat in &record.board_members {
            let person = people.get(&owner, "board_members.person", &seat.person, problems);
            let role = enum_value(&owner, "board_members.role", &seat.role, problems);
            partial_date(&owner, "board_members.from", seat.from.as_deref(), problems);
            partial_date(
                &owner,
                "board_members.until",
                seat.until.as_deref(),
                problems,
            );
            if let (Some(person), Some(role)) = (person, role) {
                board_members.push((person, role));
            }
        }
        plan.organisations.push(OrganisationPlan {
            kind: kind.unwrap_or(OrganisationKind::Other),
            town,
            board_members,
        });
    }
    for record in &bundle.project_calls {
        let owner = format!("project call `{}`", record.key);
        required_text(&owner, "name", &record.name, 300, problems);
        if !(1900..=2100).contains(&record.year) {
            problems.add(format!(
                "{owner}: `year` {} is not between 1900 and 2100",
                record.year
            ));
        }
        partial_date(&owner, "opened_on", record.opened_on.as_deref(), problems);
        partial_date(
            &owner,
            "deadline_on",
            record.deadline_on.as_deref(),
            problems,
        );
        check_sources(&owner, record.sources.as_ref(), problems);
    }
    for record in &bundle.people {
        let owner = format!("person `{}`", record.key);
        required_text(&owner, "name", &record.name, 200, problems);
        optional_text(
            &owner,
            "academic_title",
            record.academic_title.as_deref(),
            50,
            problems,
        );
        optional_text(
            &owner,
            "position",
            record.position.as_deref(),
            300,
            problems,
        );
        check_sources(&owner, record.sources.as_ref(), problems);
        plan.people.push(PersonPlan {
            organisation: organisations.get_opt(
                &owner,
                "organisation",
                record.organisation.as_deref(),
                problems,
            ),
            town: towns.get_opt(&owner, "town", record.town.as_deref(), problems),
        });
    }
    for record in &bundle.model_projects {
        let owner = format!("model project `{}`", record.key);
        required_text(&owner, "title", &record.title, 500, problems);
        optional_text(
            &owner,
            "short_title",
            record.short_title.as_deref(),
            200,
            problems,
        );
        optional_text(
            &owner,
            "period_start",
            record.period_start.as_deref(),
            10,
            problems,
        );
        optional_text(
            &owner,
            "period_end",
            record.period_end.as_deref(),
            10,
            problems,
        );
        check_sources(&owner, record.sources.as_ref(), problems);
        let mut members = Vec::new();
        let mut seen = HashSet::new();
        for member in &record.towns {
            let town = towns.get(&owner, "towns.town", &member.town, problems);
            let role = enum_value(&owner, "towns.role", &member.role, problems);
            if !seen.insert(member.town.as_str()) {
                problems.add(format!("{owner}: town `{}` listed twice", member.town));
            }
            if let (Some(town), Some(role)) = (town, role) {
                members.push((town, role));
            }
        }
        let mut partners = Vec::new();
        let mut seen = HashSet::new();
        for partner in &record.partners {
            let organisation = organisations.get(
                &owner,
                "partners.organisation",
                &partner.organisation,
                problems,
            );
            let role = enum_value(&owner, "partners.role", &partner.role, problems);
            if !seen.insert((partner.organisation.as_str(), partner.role.as_str())) {
                problems.add(format!(
                    "{owner}: partner `{}` listed twice as {}",
                    partner.organisation, partner.role
                ));
            }
            if let (Some(organisation), Some(role)) = (organisation, role) {
                partners.push((organisation, role));
            }
        }
        plan.projects.push(ProjectPlan {
            call: calls.get_opt(
                &owner,
                "project_call",
                record.project_call.as_deref(),
                problems,
            ),
            lead_town: towns.get_opt(&owner, "lead_town", record.lead_town.as_deref(), problems),
            towns: members,
            partners,
        });
    }
    for record in &bundle.events {
        let owner = format!("event `{}`", record.key);
        required_text(&owner, "title", &record.title, 500, problems);
        optional_text(
            &owner,
            "subtitle",
            record.subtitle.as_deref(),
            500,
            problems,
        );
        check_period(&owner, record.starts_at, record.ends_at, problems);
        check_sources(&owner, record.sources.as_ref(), problems);
        let time_zone = record
            .time_zone
            .clone()
            .unwrap_or_else(|| "Europe/Berlin".to_owned());
        if time_zone.parse::<Tz>().is_err() {
            problems.add(format!(
                "{owner}: `time_zone` `{time_zone}` is not an IANA time zone"
            ));
        }
        let format = record
            .format
            .as_deref()
            .and_then(|value| enum_value(&owner, "format", value, problems));
        let status = match record.status.as_deref() {
            Some(value) => enum_value(&owner, "status", value, problems),
            None => Some(EventStatus::Scheduled),
        };
        let precision = match record.date_precision.as_deref() {
            Some(value) => enum_value(&owner, "date_precision", value, problems),
            None => Some(DatePrecision::Minute),
        };
        let mut organisers = Vec::new();
        let mut seen = HashSet::new();
        for organiser in &record.organisers {
            let organisation = organisations.get(
                &owner,
                "organisers.organisation",
                &organiser.organisation,
                problems,
            );
            let role = enum_value(&owner, "organisers.role", &organiser.role, problems);
            if !seen.insert((organiser.organisation.as_str(), organiser.role.as_str())) {
                problems.add(format!(
                    "{owner}: organiser `{}` listed twice as {}",
                    organiser.organisation, organiser.role
                ));
            }
            if let (Some(organisation), Some(role)) = (organisation, role) {
                organisers.push((organisation, role));
            }
        }
        let mut registrations = Vec::new();
        let mut seen = HashSet::new();
        for registration in &record.registrations {
            let person = people.get(
                &owner,
                "registrations.person",
                &registration.person,
                problems,
            );
            let status = enum_value(
                &owner,
                "registrations.status",
                &registration.status,
                problems,
            );
            if !seen.insert(registration.person.as_str()) {
                problems.add(format!(
                    "{owner}: person `{}` registered twice",
                    registration.person
                ));
            }
            if let (Some(person), Some(status)) = (person, status) {
                registrations.push((person, status));
            }
        }
        plan.events.push(EventPlan {
            format,
            status: status.unwrap_or(EventStatus::Scheduled),
            precision: precision.unwrap_or(DatePrecision::Minute),
            time_zone,
            town: towns.get_opt(&owner, "town", record.town.as_deref(), problems),
            project: projects.get_opt(
                &owner,
                "model_project",
                record.model_project.as_deref(),
                problems,
            ),
            organisers,
            registrations,
        });
    }
    let mut last_session: HashMap<usize, i32> = HashMap::new();
    let mut taken_positions: HashSet<(usize, i32)> = HashSet::new();
    for record in &bundle.sessions {
        let owner = format!("session `{}`", record.key);
        required_text(&owner, "title", &record.title, 500, problems);
        optional_text(
            &owner,
            "subtitle",
            record.subtitle.as_deref(),
            500,
            problems,
        );
        check_period(&owner, record.starts_at, record.ends_at, problems);
        check_sources(&owner, record.sources.as_ref(), problems);
        let kind = enum_value(&owner, "kind", &record.kind, problems);
        let event = events.get(&owner, "event", &record.event, problems);
        if record.position.is_some_and(|position| position < 1) {
            problems.add(format!("{owner}: `position` must be 1 or more"));
        }
        let position = event.map_or(0, |event| {
            let last = last_session.entry(event).or_insert(0);
            let position = record.position.unwrap_or(*last + 1);
            *last = (*last).max(position);
            if !taken_positions.insert((event, position)) {
                problems.add(format!(
                    "{owner}: position {position} is taken by another session of event `{}`",
                    record.event
                ));
            }
            position
        });
        plan.sessions.push(SessionPlan {
            event: event.unwrap_or_default(),
            position,
            kind: kind.unwrap_or(SessionKind::Other),
        });
    }
    let mut in_session: HashMap<usize, i32> = HashMap::new();
    let mut in_event: HashMap<usize, i32> = HashMap::new();
    for record in &bundle.contributions {
        let owner = format!("contribution `{}`", record.key);
        optional_text(
            &owner,
            "affiliation",
            record.affiliation.as_deref(),
            500,
            problems,
        );
        if record.person.is_none() && record.organisation.is_none() {
            problems.add(format!("{owner}: needs a `person` or an `organisation`"));
        }
        let role = enum_value(&owner, "role", &record.role, problems);
        let (session, event) = match (&record.session, &record.event) {
            (Some(session), None) => {
                let session = sessions.get(&owner, "session", session, problems);
                (
                    session,
                    session.and_then(|s| plan.sessions.get(s)).map(|s| s.event),
                )
            }
            (None, Some(event)) => (None, events.get(&owner, "event", event, problems)),
            _ => {
                problems.add(format!(
                    "{owner}: needs a `session` or an `event`, not both"
                ));
                (None, None)
            }
        };
        let count = match (session, event) {
            (Some(session), _) => Some(in_session.entry(session).or_insert(0)),
            (None, Some(event)) => Some(in_event.entry(event).or_insert(0)),
            (None, None) => None,
        };
        let position = count.map_or(0, |count| {
            *count += 1;
            *count
        });
        plan.contributions.push(ContributionPlan {
            event: event.unwrap_or_default(),
            session,
            person: people.get_opt(&owner, "person", record.person.as_deref(), problems),
            organisation: organisations.get_opt(
                &owner,
                "organisation",
                record.organisation.as_deref(),
                problems,
            ),
            role: role.unwrap_or(ContributionRole::Speaker),
            position,
        });
    }
    for record in &bundle.documents {
        let owner = format!("document `{}`", record.key);
        required_text(&owner, "title", &record.title, 500, problems);
        partial_date(
            &owner,
            "published_on",
            record.published_on.as_deref(),
            problems,
        );
        check_sources(&owner, record.sources.as_ref(), problems);
        let kind = enum_value(&owner, "kind", &record.kind, problems);
        let session = sessions.get_opt(&owner, "session", record.session.as_deref(), problems);
        let sessions_event = session.and_then(|s| plan.sessions.get(s)).map(|s| s.event);
        let event = match record.event.as_deref() {
            Some(key) => {
                let event = events.get(&owner, "event", key, problems);
                if sessions_event.is_some() && event.is_some() && sessions_event != event {
                    problems.add(format!(
                        "{owner}: session `{}` is not a session of event `{key}`",
                        record.session.as_deref().unwrap_or_default()
                    ));
                }
                event
            }
            None => sessions_event,
        };
        let mut authors = Vec::new();
        let mut seen = HashSet::new();
        for author in &record.authors {
            if !seen.insert(author.as_str()) {
                problems.add(format!("{owner}: author `{author}` listed twice"));
            }
            if let Some(person) = people.get(&owner, "authors", author, problems) {
                authors.push(person);
            }
        }
        plan.documents.push(DocumentPlan {
            kind: kind.unwrap_or(DocumentKind::Other),
            publisher: organisations.get_opt(
                &owner,
                "publisher",
                record.publisher.as_deref(),
                problems,
            ),
            project: projects.get_opt(
                &owner,
                "model_project",
                record.model_project.as_deref(),
                problems,
            ),
            event,
            session,
            authors,
        });
    }
    plan
}

/// A town without a GeoNames id, checked.
struct OtherTown {
    index: usize,
    state: Option<i32>,
    population: Option<i32>,
}

/// The towns, checked: GeoNames places with the rules of the town import, the others here.
struct CheckedTowns {
    lines: Vec<TownLine>,
    others: Vec<OtherTown>,
}

/// Checks the towns; returns the valid ones.
fn check_towns(
    records: &[TownRecord],
    states: &HashMap<String, i32>,
    problems: &mut Problems,
) -> CheckedTowns {
    let mut checked = CheckedTowns {
        lines: Vec::with_capacity(records.len()),
        others: Vec::new(),
    };
    let mut seen: HashMap<i64, &str> = HashMap::new();
    let mut slugs: HashMap<&str, &str> = HashMap::new();
    for (index, record) in records.iter().enumerate() {
        let owner = format!("town `{}`", record.key);
        check_sources(&owner, record.sources.as_ref(), problems);
        optional_text(
            &owner,
            "district",
            record.district.as_deref(),
            200,
            problems,
        );
        optional_text(
            &owner,
            "municipality_key",
            record.municipality_key.as_deref(),
            20,
            problems,
        );
        if let Some(slug) = record.slug.as_deref() {
            if slug.trim().is_empty() || slug.chars().count() > MAX_KEY_CHARS {
                problems.add(format!(
                    "{owner}: `slug` must have 1 to {MAX_KEY_CHARS} characters"
                ));
            }
            if let Some(first) = slugs.insert(slug, &record.key) {
                problems.add(format!("{owner}: slug `{slug}` is also town `{first}`"));
            }
        }
        let Some(geonames_id) = record.geonames_id else {
            check_other_town(index, record, &owner, states, problems, &mut checked.others);
            continue;
        };
        let (Some(state), Some(population), Some(latitude), Some(longitude)) = (
            record.state.as_deref(),
            record.population,
            record.latitude,
            record.longitude,
        ) else {
            problems.add(format!(
                "{owner}: a GeoNames place needs `state`, `population`, `latitude` and `longitude`"
            ));
            continue;
        };
        let fields = [
            geonames_id.to_string(),
            record.name.clone(),
            state.to_owned(),
            population.to_string(),
            latitude.to_string(),
            longitude.to_string(),
        ];
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        match import::validate_line(&fields, states) {
            Ok(line) => {
                if let Some(first) = seen.insert(line.geonames_id, &record.key) {
                    problems.add(format!(
                        "{owner}: GeoNames id {} is also town `{first}`",
                        line.geonames_id
                    ));
                }
                checked.lines.push(line);
            }
            Err(reason) => problems.add(format!("{owner}: {reason}")),
        }
    }
    checked
}

/// Checks a town without a GeoNames id: it needs a slug, may name a known state and a population.
fn check_other_town(
    index: usize,
    record: &TownRecord,
    owner: &str,
    states: &HashMap<String, i32>,
    problems: &mut Problems,
    others: &mut Vec<OtherTown>,
) {
    required_text(owner, "name", &record.name, 200, problems);
    if record.slug.is_none() {
        problems.add(format!("{owner}: needs a `geonames_id` or a `slug`"));
    }
    if record.latitude.is_some() || record.longitude.is_some() {
        problems.add(format!(
            "{owner}: `latitude` and `longitude` are only read with a `geonames_id`"
        ));
    }
    let state = record
        .state
        .as_deref()
        .and_then(|state| match states.get(state) {
            Some(id) => Some(*id),
            None => {
                problems.add(format!("{owner}: unknown state \"{state}\""));
                None
            }
        });
    let population = record
        .population
        .and_then(|population| match i32::try_from(population) {
            Ok(population) if population >= 0 => Some(population),
            _ => {
                problems.add(format!(
                    "{owner}: `population` {population} is not a count of inhabitants"
                ));
                None
            }
        });
    others.push(OtherTown {
        index,
        state,
        population,
    });
}

/// Reports keys that are already slugs in the database (the bundle, or part of it, was loaded),
/// and town slugs that name another town.
async fn check_keys_are_new<C: ConnectionTrait>(
    db: &C,
    bundle: &Bundle,
    problems: &mut Problems,
) -> AppResult<()> {
    let taken = slugs::<organisation::Entity, _>(db, organisation::Column::Slug).await?;
    report_taken(
        "organisation",
        &bundle.organisations,
        |r| &r.key,
        &taken,
        problems,
    );
    let taken = slugs::<project_call::Entity, _>(db, project_call::Column::Slug).await?;
    report_taken(
        "project call",
        &bundle.project_calls,
        |r| &r.key,
        &taken,
        problems,
    );
    let taken = slugs::<person::Entity, _>(db, person::Column::Slug).await?;
    report_taken("person", &bundle.people, |r| &r.key, &taken, problems);
    let taken = slugs::<model_project::Entity, _>(db, model_project::Column::Slug).await?;
    report_taken(
        "model project",
        &bundle.model_projects,
        |r| &r.key,
        &taken,
        problems,
    );
    let taken = slugs::<event::Entity, _>(db, event::Column::Slug).await?;
    report_taken("event", &bundle.events, |r| &r.key, &taken, problems);
    let taken = slugs::<document::Entity, _>(db, document::Column::Slug).await?;
    report_taken("document", &bundle.documents, |r| &r.key, &taken, problems);

    let town_slugs: HashMap<String, Option<i64>> = town::Entity::find()
        .select_only()
        .column(town::Column::Slug)
        .column(town::Column::GeonamesId)
        .filter(town::Column::Slug.is_not_null())
        .into_tuple::<(Option<String>, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(slug, geonames_id)| slug.map(|slug| (slug, geonames_id)))
        .collect();
    for record in &bundle.towns {
        let Some(slug) = &record.slug else {
            continue;
        };
        // A GeoNames place may keep the slug it already has.
        let same_place = |holder: &Option<i64>| holder.is_some() && *holder == record.geonames_id;
        if town_slugs
            .get(slug)
            .is_some_and(|holder| !same_place(holder))
        {
            problems.add(format!(
                "town `{}`: slug `{slug}` is already in the database",
                record.key
            ));
        }
    }
    Ok(())
}

async fn slugs<E, C>(db: &C, column: E::Column) -> AppResult<HashSet<String>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows: Vec<Option<String>> = E::find()
        .select_only()
        .column(column)
        .filter(column.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

fn report_taken<R>(
    kind: &str,
    records: &[R],
    key: impl Fn(&R) -> &String,
    taken: &HashSet<String>,
    problems: &mut Problems,
) {
    for record in records {
        let key = key(record);
        if taken.contains(key) {
            problems.add(format!(
                "{kind} `{key}` is already in the database (was the bundle loaded before?)"
            ));
        }
    }
}

/// The row ids of the bundle's GeoNames places, in bundle order (None for the other towns).
async fn geonames_town_ids<C: ConnectionTrait>(
    db: &C,
    records: &[TownRecord],
) -> AppResult<Vec<Option<i32>>> {
    let rows: Vec<(i32, Option<i64>)> = town::Entity::find()
        .select_only()
        .column(town::Column::Id)
        .column(town::Column::GeonamesId)
        .filter(town::Column::GeonamesId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let by_geonames: HashMap<i64, i32> = rows
        .into_iter()
        .filter_map(|(id, geonames)| geonames.map(|g| (g, id)))
        .collect();
    records
        .iter()
        .map(|record| match record.geonames_id {
            None => Ok(None),
            Some(geonames_id) => by_geonames
                .get(&geonames_id)
                .copied()
                .map(Some)
                .ok_or_else(|| AppError::Internal(format!("town `{}` not stored", record.key))),
        })
        .collect()
}
/// The ids of inserted rows in bundle order, matched by slug (= key).
fn ids_by_slug<R>(
    kind: &str,
    records: &[R],
    key: impl Fn(&R) -> &String,
    inserted: impl Iterator<Item = (Option<String>, i32)>,
) -> AppResult<Vec<i32>> {
    let by_slug: HashMap<String, i32> = inserted
        .filter_map(|(slug, id)| slug.map(|slug| (slug, id)))
        .collect();
    records
        .iter()
        .map(|record| {
            by_slug.get(key(record)).copied().ok_or_else(|| {
                AppError::Internal(format!("inserted {kind} `{}` not returned", key(record)))
            })
        })
        .collect()
}

/// Inserts `rows` in batches; returns how many.
async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> AppResult<usize>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let count = rows.len();
    let mut pending = rows.into_iter().peekable();
    while pending.peek().is_some() {
        let chunk: Vec<A> = pending.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

/// Inserts `rows` in batches and returns the stored rows (with their ids), in no particular order.
async fn insert_returning<A, C>(
    db: &C,
    rows: Vec<A>,
) -> AppResult<Vec<<A::Entity as EntityTrait>::Model>>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
{
    let mut stored = Vec::with_capacity(rows.len());
    let mut pending = rows.into_iter().peekable();
    while pending.peek().is_some() {
        let chunk: Vec<A> = pending.by_ref().take(INSERT_CHUNK).collect();
        stored.extend(
            A::Entity::insert_many(chunk)
                .exec_with_returning(db)
                .await?,
        );
    }
    Ok(stored)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn bundle(json: &str) -> Bundle {
        parse(json.as_bytes()).unwrap_or_else(|e| panic!("bundle does not parse: {e:?}"))
    }

    fn problems_of(bundle: &Bundle) -> Vec<String> {
        let mut problems = Problems::default();
        plan(bundle, &mut problems);
        problems.0
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let error =
            parse(br#"{"format": "kleinstadt-bundle/1", "source": "x", "extra": 1}"#).unwrap_err();
        assert!(error.to_string().contains("extra"), "{error}");
    }

    #[test]
    fn every_bad_reference_and_value_is_listed() {
        let bundle = bundle(
            r#"{"format": "kleinstadt-bundle/2", "source": "test",
                "organisations": [{"key": "o", "name": "O", "kind": "CLUB"}],
                "people": [{"key": "p", "name": "P", "organisation": "nope"},
                           {"key": "p", "name": "Q"}],
                "events": [{"key": "e", "title": "E", "starts_at": "2026-01-02T10:00:00Z",
                            "ends_at": "2026-01-01T10:00:00Z", "time_zone": "Mars/Olympus"}],
                "sessions": [{"key": "s", "event": "e2", "title": "S", "kind": "TALK",
                              "starts_at": "2026-01-02T10:00:00Z"}],
                "contributions": [{"key": "c", "session": "s", "role": "SPEAKER"}]}"#,
        );
        let problems = problems_of(&bundle);
        let expected = [
            "`format` is `kleinstadt-bundle/2`, expected `kleinstadt-bundle/1`",
            "person `p`: key used twice",
            "organisation `o`: `kind` is `CLUB`, not one of",
            "person `p`: `organisation` names no organisation with key `nope`",
            "event `e`: `ends_at` is before `starts_at`",
            "event `e`: `time_zone` `Mars/Olympus` is not an IANA time zone",
            "session `s`: `event` names no event with key `e2`",
            "contribution `c`: needs a `person` or an `organisation`",
        ];
        for text in expected {
            assert!(
                problems.iter().any(|p| p.contains(text)),
                "missing {text:?} in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    }

    #[test]
    fn sessions_and_contributions_are_numbered_in_list_order() {
        let bundle = bundle(
            r#"{"format": "kleinstadt-bundle/1", "source": "test",
                "people": [{"key": "p", "name": "P"}],
                "events": [{"key": "a", "title": "A", "starts_at": "2026-01-01T10:00:00Z"},
                           {"key": "b", "title": "B", "starts_at": "2026-01-01T10:00:00Z"}],
                "sessions": [
                  {"key": "a1", "event": "a", "title": "1", "kind": "TALK", "starts_at": "2026-01-01T10:00:00Z"},
                  {"key": "b1", "event": "b", "title": "1", "kind": "TALK", "starts_at": "2026-01-01T10:00:00Z"},
                  {"key": "a2", "event": "a", "title": "2", "kind": "PANEL", "starts_at": "2026-01-01T11:00:00Z"}],
                "contributions": [
                  {"key": "x", "session": "a2", "person": "p", "role": "SPEAKER"},
                  {"key": "y", "session": "a2", "person": "p", "role": "MODERATOR"}]}"#,
        );
        let mut problems = Problems::default();
        let plan = plan(&bundle, &mut problems);
        assert!(problems.0.is_empty(), "{:?}", problems.0);
        let sessions: Vec<(usize, i32)> = plan
            .sessions
            .iter()
            .map(|s| (s.event, s.position))
            .collect();
        assert_eq!(sessions, [(0, 1), (1, 1), (0, 2)]);
        let contributions: Vec<(Option<usize>, usize, i32)> = plan
            .contributions
            .iter()
            .map(|c| (c.session, c.event, c.position))
            .collect();
        assert_eq!(contributions, [(Some(2), 0, 1), (Some(2), 0, 2)]);
    }
}
