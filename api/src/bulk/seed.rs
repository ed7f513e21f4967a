//! The demo data: the GeoNames towns of `data/de-towns.csv` and the facts of `data/facts.yaml`,
//! translated into one data bundle that the bundle import ([`super::bundle`]) loads. This module
//! owns the reading and interpretation of the shipped files; it writes nothing itself.
//!
//! The facts are loaded once, into a database without content; the towns every time (their
//! import is idempotent). Whatever cannot be translated is listed, with the reason, in
//! [`SeedReport::skipped`].

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::enums::{
    BoardRole, ContributionRole, DatePrecision, DocumentKind, EventFormat, MemberRole,
    OrganisationKind, OrganiserRole, PartnerRole, RegistrationStatus, SessionKind,
};
use entity::{Sources, event, organisation};
use sea_orm::{ActiveEnum, ConnectionTrait, EntityTrait, TransactionTrait};
use serde::Serialize;
use serde_yaml_ng::Value;

use super::bundle::{
    self, BUNDLE_FORMAT, BoardMemberRecord, Bundle, ContributionRecord, DocumentRecord,
    EventRecord, MemberRecord, ModelProjectRecord, OrganisationRecord, OrganiserRecord,
    PartnerRecord, PersonRecord, ProjectCallRecord, RegistrationRecord, SessionRecord, TownRecord,
};
use super::import::{self, ImportReport, RejectedLine};
use crate::error::{AppError, AppResult};

const TOWNS_CSV: &[u8] = include_bytes!("../../../data/de-towns.csv");
const FACTS_YAML: &str = include_str!("../../../data/facts.yaml");
const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Berlin;

/// The `source` of the demo bundle; every record of it names its own sources.
const DEMO_SOURCE: &str = "data/de-towns.csv, data/facts.yaml";

/// Sections of facts.yaml that have no table; they are listed as skipped.
const UNMODELLED_SECTIONS: [&str; 5] = [
    "meta",
    "programme_facts",
    "key_figures",
    "definitions",
    "initiative",
];

/// What the seed loaded, and what it left out and why.
#[derive(Debug, Clone, Serialize)]
pub struct SeedReport {
    /// The GeoNames places.
    pub towns: ImportReport,
    /// Organisations created.
    pub organisations: usize,
    /// People created.
    pub people: usize,
    /// Events created.
    pub events: usize,
    /// Sessions created.
    pub sessions: usize,
    /// Contributions (speakers) created.
    pub contributions: usize,
    /// Model projects created.
    pub model_projects: usize,
    /// Documents created.
    pub documents: usize,
    /// Facts not loaded (or loaded only in part), each with the reason.
    pub skipped: Vec<String>,
}

/// The demo data as a bundle, with what did not make it into the bundle.
#[derive(Debug, Clone)]
pub struct DemoBundle {
    /// The towns and, when asked for, the facts.
    pub bundle: Bundle,
    /// Lines of the towns CSV that are not valid places.
    pub rejected: Vec<RejectedLine>,
    /// Facts left out (or taken only in part), each with the reason.
    pub skipped: Vec<String>,
}

/// True when any event or organisation exists, i.e. the facts need not be loaded.
pub async fn has_content<C: ConnectionTrait>(db: &C) -> AppResult<bool> {
    if event::Entity::find().one(db).await?.is_some() {
        return Ok(true);
    }
    Ok(organisation::Entity::find().one(db).await?.is_some())
}

/// Imports the shipped towns and, into a database without content, the shipped facts, as one
/// bundle.
pub async fn seed_demo<C>(db: &C) -> AppResult<SeedReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let started = Instant::now();
    let with_facts = !has_content(db).await?;
    let demo = demo_bundle(db, with_facts).await?;
    let imported = bundle::import_bundle(db, &demo.bundle).await?;
    let mut skipped = demo.skipped;
    if !with_facts {
        skipped.push(
            "facts.yaml: the database already has events or organisations, so the facts were \
             already present and were not loaded again"
                .to_owned(),
        );
    }
    let report = SeedReport {
        towns: ImportReport {
            created: imported.towns_created,
            updated: imported.towns_updated,
            unchanged: imported.towns_unchanged,
            rejected: demo.rejected,
        },
        organisations: imported.organisations,
        people: imported.people,
        events: imported.events,
        sessions: imported.sessions,
        contributions: imported.contributions,
        model_projects: imported.model_projects,
        documents: imported.documents,
        skipped,
    };
    tracing::info!(
        total_ms = started.elapsed().as_millis() as u64,
        organisations = report.organisations,
        people = report.people,
        events = report.events,
        sessions = report.sessions,
        skipped = report.skipped.len(),
        "demo data seeded"
    );
    Ok(report)
}

/// Translates the shipped towns and, with `with_facts`, the shipped facts into one bundle. Reads
/// only the states of `db` (to match the facts towns to GeoNames places within their state).
pub async fn demo_bundle<C: ConnectionTrait>(db: &C, with_facts: bool) -> AppResult<DemoBundle> {
    let states = import::state_ids(db).await?;
    let state_names: HashMap<i32, &str> = states
        .iter()
        .map(|(name, id)| (*id, name.as_str()))
        .collect();
    let parsed = import::parse_csv(TOWNS_CSV, &states)?;
    let towns = parsed
        .lines
        .into_iter()
        .map(|(_, line)| TownRecord {
            key: format!("geonames-{}", line.geonames_id),
            geonames_id: Some(line.geonames_id),
            state: state_names
                .get(&line.state_id)
                .map(|name| (*name).to_owned()),
            name: line.name,
            population: Some(i64::from(line.population)),
            latitude: Some(line.latitude),
            longitude: Some(line.longitude),
            slug: None,
            district: None,
            municipality_key: None,
            website: None,
            sources: None,
        })
        .collect();
    let bundle = Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        source: DEMO_SOURCE.to_owned(),
        towns,
        organisations: Vec::new(),
        project_calls: Vec::new(),
        people: Vec::new(),
        model_projects: Vec::new(),
        events: Vec::new(),
        sessions: Vec::new(),
        contributions: Vec::new(),
        documents: Vec::new(),
    };
    if !with_facts {
        return Ok(DemoBundle {
            bundle,
            rejected: parsed.rejected,
            skipped: Vec::new(),
        });
    }
    let facts: Value = serde_yaml_ng::from_str(FACTS_YAML)
        .map_err(|error| AppError::Internal(format!("facts.yaml does not parse: {error}")))?;
    let mut translator = Translator::new(&states, bundle);
    translator.translate(&facts);
    Ok(DemoBundle {
        bundle: translator.bundle,
        rejected: parsed.rejected,
        skipped: translator.skipped,
    })
}

/// The entries of a top-level list, or nothing.
fn records<'a>(facts: &'a Value, key: &str) -> &'a [Value] {
    facts
        .get(key)
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

/// A scalar as text (numbers and booleans included), trimmed; None when absent, null or empty.
fn scalar(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// The scalar field `key` of a record as text.
fn text(record: &Value, key: &str) -> Option<String> {
    record.get(key).and_then(scalar)
}

/// The field `key` as a list of texts: a single scalar becomes a one-element list.
fn texts(record: &Value, key: &str) -> Vec<String> {
    match record.get(key) {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(value) => scalar(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The field `key` only when it is a list of ids.
fn id_list(record: &Value, key: &str) -> Option<Vec<String>> {
    let items = record.get(key)?.as_sequence()?;
    items
        .iter()
        .map(|item| item.as_str().map(|id| id.trim().to_owned()))
        .collect()
}

/// The `source:` of a record.
fn sources(record: &Value) -> Sources {
    Sources(texts(record, "source"))
}

/// A date as precise as the sources give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartialDate {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    /// ISO 8601 form: `2021`, `2021-05` or `2021-05-04`.
    pub(crate) fn iso(self) -> String {
        match self {
            Self::Year(year) => format!("{year:04}"),
            Self::Month(year, month) => format!("{year:04}-{month:02}"),
            Self::Day(date) => date.format("%Y-%m-%d").to_string(),
        }
    }

    /// The year.
    pub(crate) fn year(self) -> i32 {
        match self {
            Self::Year(year) | Self::Month(year, _) => year,
            Self::Day(date) => date.year(),
        }
    }

    /// The first day the date covers.
    pub(crate) fn first_day(self) -> Option<NaiveDate> {
        match self {
            Self::Year(year) => NaiveDate::from_ymd_opt(year, 1, 1),
            Self::Month(year, month) => NaiveDate::from_ymd_opt(year, month, 1),
            Self::Day(date) => Some(date),
        }
    }

    /// The event precision that goes with the date.
    pub(crate) fn precision(self) -> DatePrecision {
        match self {
            Self::Year(_) => DatePrecision::Year,
            Self::Month(..) => DatePrecision::Month,
            Self::Day(_) => DatePrecision::Day,
        }
    }
}

/// The first ISO-looking date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) outside parentheses, and the rest.
pub(crate) fn find_partial_date(text: &str) -> Option<(PartialDate, &str)> {
    let bytes = text.as_bytes();
    let digit = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_digit);
    let number = |at: usize, len: usize| text.get(at..at + len)?.parse::<u32>().ok();
    let pair_after_dash = |at: usize| {
        bytes.get(at) == Some(&b'-') && digit(at + 1) && digit(at + 2) && !digit(at + 3)
    };
    let mut depth = 0_usize;
    for (start, byte) in bytes.iter().enumerate() {
        match byte {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let four_digits = (start..start + 4).all(&digit);
        // Parentheses hold commentary: "24-25 April (year not stated; after Dec 2021)" has no date.
        if depth > 0 || !four_digits || (start > 0 && digit(start - 1)) || digit(start + 4) {
            continue;
        }
        let Some(year) = number(start, 4).and_then(|year| i32::try_from(year).ok()) else {
            continue;
        };
        if !(1900..=2100).contains(&year) {
            continue;
        }
        let mut end = start + 4;
        let mut date = PartialDate::Year(year);
        if pair_after_dash(end)
            && let Some(month) = number(end + 1, 2).filter(|month| (1..=12).contains(month))
        {
            date = PartialDate::Month(year, month);
            end += 3;
            if pair_after_dash(end) {
                let day =
                    number(end + 1, 2).and_then(|day| NaiveDate::from_ymd_opt(year, month, day));
                if let Some(day) = day {
                    date = PartialDate::Day(day);
                    end += 3;
                }
            }
        }
        return Some((date, text.get(end..).unwrap_or("")));
    }
    None
}

/// The ISO form of the first date in a text (`"2021 (not exactly stated)"` → `2021`).
pub(crate) fn partial_iso(text: &str) -> Option<String> {
    find_partial_date(text).map(|(date, _)| date.iso())
}

/// An event date: the first date in the text, and the last day of a `YYYY-MM-DD/DD` range.
pub(crate) fn parse_event_date(text: &str) -> Option<(PartialDate, Option<NaiveDate>)> {
    let (date, rest) = find_partial_date(text)?;
    let PartialDate::Day(day) = date else {
        return Some((date, None));
    };
    let range_end = rest
        .strip_prefix('/')
        .filter(|tail| {
            let bytes = tail.as_bytes();
            bytes.len() >= 2
                && bytes[..2].iter().all(u8::is_ascii_digit)
                && !bytes.get(2).is_some_and(u8::is_ascii_digit)
        })
        .and_then(|tail| tail.get(..2)?.parse::<u32>().ok())
        .and_then(|last| day.with_day(last))
        .filter(|last| *last > day);
    Some((date, range_end))
}

/// A clock time like `09:30` (or `9.30`).
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H.%M"))
        .ok()
}

/// Converts a local wall-clock time to UTC; a time skipped by a clock change is an error, and of
/// two possible instants (clock set back) the earlier is taken.
pub(crate) fn local_to_utc(
    date: NaiveDate,
    time: NaiveTime,
    zone: Tz,
) -> Result<DateTime<Utc>, String> {
    match zone.from_local_datetime(&date.and_time(time)) {
        chrono::LocalResult::Single(instant) => Ok(instant.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(format!(
            "{date} {} does not exist in {zone} (clock change)",
            time.format("%H:%M")
        )),
    }
}

/// The last second of a local day, in UTC.
fn end_of_day(date: NaiveDate, zone: Tz) -> Result<DateTime<Utc>, String> {
    let last_second = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
    local_to_utc(date, last_second, zone)
}

/// The names under which a facts town is looked up in GeoNames, most specific first.
pub(crate) fn name_variants(name: &str) -> Vec<String> {
    fn push(variant: &str, variants: &mut Vec<String>) {
        let variant = variant.trim();
        if !variant.is_empty() && !variants.iter().any(|known| known == variant) {
            variants.push(variant.to_owned());
        }
    }
    let mut variants: Vec<String> = Vec::new();
    let mut current = name.trim().to_owned();
    push(&current, &mut variants);
    // Steps build on each other, as `Hansestadt Osterburg (Altmark)` needs two of them.
    if current.ends_with(')')
        && let Some((base, _)) = current.split_once(" (")
    {
        current = base.trim().to_owned();
        push(&current, &mut variants);
    }
    if let Some(base) = current.strip_prefix("Hansestadt ") {
        current = base.trim().to_owned();
        push(&current, &mut variants);
    }
    if let Some((base, _)) = current.split_once(" an der ") {
        current = base.trim().to_owned();
        push(&current, &mut variants);
    }
    if let Some((base, _)) = current.split_once('/') {
        current = base.trim().to_owned();
        push(&current, &mut variants);
    }
    variants
}

/// The outcome of looking a facts town up among the GeoNames places of its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TownMatch {
    /// Exactly one place has this name variant in the state (its position).
    One(usize),
    /// Several rows share the name variant; nothing is matched.
    Ambiguous { variant: String, count: usize },
    /// No variant names a row of the state.
    None,
}

/// Matches a name within one state, trying the name variants in order; never by name alone.
pub(crate) fn match_town(
    name: &str,
    state_id: i32,
    index: &HashMap<(i32, String), Vec<usize>>,
) -> TownMatch {
    for variant in name_variants(name) {
        match index.get(&(state_id, variant.clone())).map(Vec::as_slice) {
            Some([id]) => return TownMatch::One(*id),
            Some(ids) if ids.len() > 1 => {
                // A shorter variant would only be less specific.
                return TownMatch::Ambiguous {
                    variant,
                    count: ids.len(),
                };
            }
            _ => {}
        }
    }
    TownMatch::None
}

/// The organisation kind a free-text description implies.
pub(crate) fn organisation_kind(kind: &str) -> OrganisationKind {
    let kind = kind.to_lowercase();
    let has = |word: &str| kind.contains(word);
    if has("federal ministry") {
        OrganisationKind::FederalMinistry
    } else if has("federal research institute") || has("bundesamt") {
        OrganisationKind::FederalAuthority
    } else if has("state agency") {
        OrganisationKind::StateAuthority
    } else if has("municipal") && has("association") {
        OrganisationKind::MunicipalAssociation
    } else if has("research institute") || has("research academy") {
        OrganisationKind::ResearchInstitute
    } else if has("university") {
        OrganisationKind::University
    } else if has("advisory board") {
        OrganisationKind::AdvisoryBoard
    } else if has("national network") {
        OrganisationKind::Network
    } else if has("foundation") {
        OrganisationKind::Foundation
    } else if has("agency") || has("consulting") || has("economic development company") {
        OrganisationKind::Agency
    } else if has("association") || has("cooperative") {
        OrganisationKind::Association
    } else {
        OrganisationKind::Other
    }
}

/// The kind of a programme item.
pub(crate) fn session_kind(kind: &str) -> SessionKind {
    match kind.trim().to_lowercase().as_str() {
        "moderation" => SessionKind::Moderation,
        "welcome" => SessionKind::Welcome,
        "talk" => SessionKind::Talk,
        "keynote" => SessionKind::Keynote,
        "panel" => SessionKind::Panel,
        "survey" => SessionKind::Survey,
        "break" => SessionKind::Break,
        "closing" => SessionKind::Closing,
        "workshop" => SessionKind::Workshop,
        _ => SessionKind::Other,
    }
}

/// The role of a speaker from `role_at_event`.
pub(crate) fn contribution_role(role: Option<&str>) -> ContributionRole {
    let role = role.unwrap_or_default().to_lowercase();
    if role.contains("panel") {
        ContributionRole::Panelist
    } else if role.contains("keynote") {
        ContributionRole::Keynote
    } else if role.contains("moderat") {
        ContributionRole::Moderator
    } else if role.contains("host") {
        ContributionRole::Host
    } else {
        ContributionRole::Speaker
    }
}

/// The event format, from `digital`, `in-person` or `hybrid …`.
pub(crate) fn event_format(format: &str) -> Option<EventFormat> {
    let format = format.trim().to_lowercase();
    if format.starts_with("digital") {
        Some(EventFormat::Digital)
    } else if format.starts_with("in-person") || format.starts_with("in person") {
        Some(EventFormat::InPerson)
    } else if format.starts_with("hybrid") {
        Some(EventFormat::Hybrid)
    } else {
        None
    }
}

/// The partner role of a key of `accompanying_institutions`.
pub(crate) fn partner_role(key: &str) -> PartnerRole {
    match key {
        "project_agency" => PartnerRole::ProjectAgency,
        "scientific" => PartnerRole::ScientificAccompaniment,
        "local_support" => PartnerRole::LocalSupport,
        _ => PartnerRole::Other,
    }
}

/// The seat on the board a German role name stands for.
pub(crate) fn board_role(role: &str) -> BoardRole {
    let role = role.to_lowercase();
    if role.contains("jury") {
        BoardRole::JuryChair
    } else if role.contains("stellv") {
        BoardRole::DeputyChair
    } else if role.contains("vorsitz") {
        BoardRole::Chair
    } else {
        BoardRole::Member
    }
}

fn document_kind_in(text: &str) -> Option<DocumentKind> {
    let text = text.to_lowercase();
    let has = |word: &str| text.contains(word);
    // Order matters: an Abschlussbericht is also a Bericht.
    if has("abschlussbericht") {
        Some(DocumentKind::FinalReport)
    } else if has("positionspapier") {
        Some(DocumentKind::PositionPaper)
    } else if has("projektaufruf") {
        Some(DocumentKind::CallForProposals)
    } else if has("vortrag") {
        Some(DocumentKind::Presentation)
    } else if has("kompendium") {
        Some(DocumentKind::Book)
    } else if has("kurzfilm") {
        Some(DocumentKind::Film)
    } else if has("bericht") || has("exwost-informationen") || has("report") {
        Some(DocumentKind::Report)
    } else {
        None
    }
}

/// The document kind, from the title and common name, else from the facts id.
pub(crate) fn document_kind(title: &str, common_name: Option<&str>, id: &str) -> DocumentKind {
    let named = format!("{title} {}", common_name.unwrap_or_default());
    document_kind_in(&named)
        .or_else(|| document_kind_in(id))
        .unwrap_or(DocumentKind::Other)
}

/// Party names as they appear in parentheses after a position.
const PARTIES: [&str; 16] = [
    "cdu",
    "csu",
    "spd",
    "fdp",
    "afd",
    "linke",
    "die linke",
    "grüne",
    "die grünen",
    "bündnis 90/die grünen",
    "freie wähler",
    "fw",
    "bsw",
    "ödp",
    "parteilos",
    "independent",
];

/// A position without parenthesised party affiliations: political opinion is not stored.
pub(crate) fn strip_party(position: &str) -> String {
    let mut kept = String::with_capacity(position.len());
    let mut rest = position;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|close| open + close) else {
            break;
        };
        let inner = rest[open + 1..close].trim().to_lowercase();
        if PARTIES.contains(&inner.as_str()) {
            kept.push_str(rest[..open].trim_end());
        } else {
            kept.push_str(&rest[..=close]);
        }
        rest = &rest[close + 1..];
    }
    kept.push_str(rest);
    kept.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ;", ";")
        .replace(" ,", ",")
}

/// A URL with a scheme (`www.example.de` → `https://www.example.de`).
fn with_scheme(url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    }
}

/// The first `value` of a population list (or a plain number).
fn first_population(record: &Value) -> Option<i32> {
    let value = record.get("population")?;
    let first = match value {
        Value::Sequence(items) => items.first()?,
        other => other,
    };
    let number = match first {
        Value::Mapping(_) => first.get("value")?,
        other => other,
    };
    number.as_i64().and_then(|n| i32::try_from(n).ok())
}

/// Texts joined into one description, or None.
fn joined(parts: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    joined_with(" ", parts)
}

/// Texts joined with a separator, or None.
fn joined_with(separator: &str, parts: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(separator))
}

/// A programme item ready to be written.
struct SessionPlan<'a> {
    position: i32,
    title: String,
    subtitle: Option<String>,
    kind: SessionKind,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    end_inferred: bool,
    sources: Sources,
    record: &'a Value,
}

/// When an event takes place.
struct EventTime {
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    precision: DatePrecision,
    /// The day, when the event is known to the day (sessions are placed on it).
    day: Option<NaiveDate>,
}

/// Translates the facts into bundle records, keeping the keys the records refer through. The key
/// of every record is its facts id, which becomes its slug.
struct Translator<'a> {
    states: &'a HashMap<String, i32>,
    bundle: Bundle,
    skipped: Vec<String>,
    /// Keys of the towns the facts name.
    towns: HashSet<String>,
    /// Town names for matching event places, longest first, with the town's key.
    place_names: Vec<(String, String)>,
    /// Organisation key → its position in the bundle.
    organisations: HashMap<String, usize>,
    /// Person key → the key of their organisation.
    people: HashMap<String, Option<String>>,
    calls: HashSet<String>,
    model_projects: HashSet<String>,
    events: HashSet<String>,
    /// (event key, position) → session key.
    sessions: HashMap<(String, i32), String>,
    /// Document key → (event key, session key) of the session presenting it.
    presented_in: HashMap<String, (String, String)>,
}

impl<'a> Translator<'a> {
    fn new(states: &'a HashMap<String, i32>, bundle: Bundle) -> Self {
        Self {
            states,
            bundle,
            skipped: Vec::new(),
            towns: HashSet::new(),
            place_names: Vec::new(),
            organisations: HashMap::new(),
            people: HashMap::new(),
            calls: HashSet::new(),
            model_projects: HashSet::new(),
            events: HashSet::new(),
            sessions: HashMap::new(),
            presented_in: HashMap::new(),
        }
    }

    fn skip(&mut self, reason: String) {
        self.skipped.push(reason);
    }

    fn translate(&mut self, facts: &Value) {
        self.translate_towns(records(facts, "towns"));
        self.translate_organisations(records(facts, "organisations"));
        self.translate_project_calls(records(facts, "project_calls"));
        self.translate_model_projects(records(facts, "model_projects"));
        self.translate_people(records(facts, "people"));
        self.translate_board_members(records(facts, "organisations"));
        self.translate_events(records(facts, "events"));
        self.translate_documents(records(facts, "documents"));
        for section in UNMODELLED_SECTIONS {
            if facts.get(section).is_some() {
                self.skip(format!("{section}: no table in the schema, not seeded"));
            }
        }
    }

    /// Matches the facts towns to the GeoNames places already in the bundle and completes those;
    /// the others become towns of their own.
    fn translate_towns(&mut self, records: &[Value]) {
        let mut index: HashMap<(i32, String), Vec<usize>> = HashMap::new();
        for (position, town) in self.bundle.towns.iter().enumerate() {
            let state_id = town
                .state
                .as_deref()
                .and_then(|name| self.states.get(name).copied());
            if let (Some(_), Some(state_id)) = (town.geonames_id, state_id) {
                index
                    .entry((state_id, town.name.clone()))
                    .or_default()
                    .push(position);
            }
        }
        let mut claimed: HashSet<usize> = HashSet::new();
        let mut others = Vec::new();

        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(name)) = (text(record, "id"), text(record, "name")) else {
                self.skip(format!("towns entry {}: no id or name", number + 1));
                continue;
            };
            let state_name = text(record, "state");
            let state_id = state_name
                .as_deref()
                .and_then(|name| self.states.get(name).copied());
            let matched = match (&state_name, state_id) {
                (None, _) => Err(format!(
                    "town {slug}: no state in the sources, not matched to GeoNames"
                )),
                (Some(state), None) => Err(format!(
                    "town {slug}: unknown state \"{state}\", not matched to GeoNames"
                )),
                (Some(state), Some(state_id)) => match match_town(&name, state_id, &index) {
                    TownMatch::One(position) if claimed.contains(&position) => Err(format!(
                        "town {slug}: the GeoNames place for \"{name}\" in {state} is already \
                         taken by another town of the facts"
                    )),
                    TownMatch::One(position) => Ok(position),
                    TownMatch::Ambiguous { variant, count } => Err(format!(
                        "town {slug}: {count} GeoNames places are named \"{variant}\" in \
                         {state}, not matched"
                    )),
                    TownMatch::None => Err(format!(
                        "town {slug}: no GeoNames place named \"{name}\" (or a shorter form) \
                         in {state}"
                    )),
                },
            };
            let district = text(record, "district");
            let municipality_key = text(record, "municipality_key");
            let website = text(record, "website").map(|url| with_scheme(&url));
            let sources = Some(texts(record, "source"));
            let place =
                match matched.map(|position| (position, self.bundle.towns.get_mut(position))) {
                    Ok((position, Some(town))) => {
                        claimed.insert(position);
                        town.key = slug.clone();
                        town.slug = Some(slug.clone());
                        town.district = district;
                        town.municipality_key = municipality_key;
                        town.website = website;
                        town.sources = sources;
                        town.name.clone()
                    }
                    Ok((_, None)) => continue,
                    Err(reason) => {
                        self.skip(format!("{reason}; created as a town of its own"));
                        others.push(TownRecord {
                            key: slug.clone(),
                            geonames_id: None,
                            name: name.clone(),
                            state: state_id.and(state_name),
                            population: first_population(record).map(i64::from),
                            latitude: None,
                            longitude: None,
                            slug: Some(slug.clone()),
                            district,
                            municipality_key,
                            website,
                            sources,
                        });
                        name.clone()
                    }
                };
            if place != name {
                self.place_names.push((place, slug.clone()));
            }
            self.place_names.push((name, slug.clone()));
            self.towns.insert(slug);
        }
        self.bundle.towns.extend(others);
        self.place_names
            .sort_by_key(|(name, _)| std::cmp::Reverse(name.chars().count()));
    }

    /// The facts town a place text starts with (`Wittenberge, Rathaus` → Wittenberge).
    fn town_of_place(&self, place: &str) -> Option<String> {
        self.place_names.iter().find_map(|(name, key)| {
            let rest = place.strip_prefix(name.as_str())?;
            let boundary = rest
                .chars()
                .next()
                .is_none_or(|next| matches!(next, ',' | ' ' | '(' | ';' | '/'));
            boundary.then(|| key.clone())
        })
    }

    fn translate_organisations(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(name)) = (text(record, "id"), text(record, "name")) else {
                self.skip(format!("organisations entry {}: no id or name", number + 1));
                continue;
            };
            let town = match text(record, "seat_town") {
                Some(town) if self.towns.contains(&town) => Some(town),
                Some(town) => {
                    self.skip(format!(
                        "organisation {slug}: seat town \"{town}\" is not a seeded town"
                    ));
                    None
                }
                None => None,
            };
            let website = text(record, "website")
                .or_else(|| texts(record, "websites").into_iter().next())
                .map(|url| with_scheme(&url));
            self.organisations
                .insert(slug.clone(), self.bundle.organisations.len());
            self.bundle.organisations.push(OrganisationRecord {
                key: slug,
                name,
                short_name: text(record, "short_name"),
                kind: organisation_kind(&text(record, "kind").unwrap_or_default()).to_value(),
                description: joined([text(record, "role"), text(record, "note")]),
                website,
                address: text(record, "address"),
                town,
                sources: Some(texts(record, "source")),
                board_members: Vec::new(),
            });
        }
    }

    /// `slug` when it names a translated organisation, else None, noted in `skipped`.
    fn organisation(&mut self, slug: &str, context: &str, field: &str) -> Option<String> {
        if self.organisations.contains_key(slug) {
            return Some(slug.to_owned());
        }
        self.skip(format!(
            "{context}: {field} \"{slug}\" is not a seeded organisation, left out"
        ));
        None
    }

    /// `slug` when it names a translated town, else None, noted in `skipped`.
    fn town(&mut self, slug: &str, context: &str, field: &str) -> Option<String> {
        if self.towns.contains(slug) {
            return Some(slug.to_owned());
        }
        self.skip(format!(
            "{context}: {field} \"{slug}\" is not a seeded town, left out"
        ));
        None
    }

    /// `slug` and the person's organisation when it names a translated person, else None, noted
    /// in `skipped`.
    fn person(
        &mut self,
        slug: &str,
        context: &str,
        field: &str,
    ) -> Option<(String, Option<String>)> {
        if let Some(organisation) = self.people.get(slug) {
            return Some((slug.to_owned(), organisation.clone()));
        }
        self.skip(format!(
            "{context}: {field} \"{slug}\" is not a seeded person, left out"
        ));
        None
    }

    fn translate_people(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(name)) = (text(record, "id"), text(record, "name")) else {
                self.skip(format!("people entry {}: no id or name", number + 1));
                continue;
            };
            let context = format!("person {slug}");
            let organisation = match text(record, "organisation") {
                Some(organisation) => self.organisation(&organisation, &context, "organisation"),
                None => None,
            };
            let town = match text(record, "town") {
                Some(town) => self.town(&town, &context, "town"),
                None => None,
            };
            // `party` is deliberately not read: political opinion is special-category data.
            self.people.insert(slug.clone(), organisation.clone());
            self.bundle.people.push(PersonRecord {
                key: slug,
                name,
                academic_title: text(record, "title"),
                position: text(record, "position")
                    .map(|position| strip_party(&position))
                    .filter(|position| !position.is_empty()),
                organisation,
                town,
                sources: Some(texts(record, "source")),
            });
        }
    }

    fn translate_board_members(&mut self, organisations: &[Value]) {
        for record in organisations {
            let Some(chairs) = record.get("chairs").and_then(Value::as_sequence) else {
                continue;
            };
            let Some(board) =
                text(record, "id").and_then(|slug| self.organisations.get(&slug).copied())
            else {
                continue;
            };
            for (number, chair) in chairs.iter().enumerate() {
                let context = format!(
                    "advisory board {} seat {}",
                    text(record, "id").unwrap_or_default(),
                    number + 1
                );
                let Some(person_slug) = text(chair, "person") else {
                    self.skip(format!("{context}: no person, left out"));
                    continue;
                };
                let Some((person, _)) = self.person(&person_slug, &context, "person") else {
                    continue;
                };
                let from = text(chair, "from");
                let seat = BoardMemberRecord {
                    person,
                    role: board_role(&text(chair, "role").unwrap_or_default()).to_value(),
                    from: from.as_deref().and_then(partial_iso),
                    until: text(chair, "until").as_deref().and_then(partial_iso),
                    note: joined_with("; ", [from, text(chair, "note")]),
                };
                if let Some(board) = self.bundle.organisations.get_mut(board) {
                    board.board_members.push(seat);
                }
            }
        }
    }

    fn translate_project_calls(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(name)) = (text(record, "id"), text(record, "name")) else {
                self.skip(format!("project_calls entry {}: no id or name", number + 1));
                continue;
            };
            let year = ["published", "opened"]
                .iter()
                .filter_map(|key| text(record, key))
                .chain([slug.clone()])
                .find_map(|candidate| find_partial_date(&candidate).map(|(date, _)| date.year()));
            let Some(year) = year else {
                self.skip(format!("project call {slug}: no year found, not seeded"));
                continue;
            };
            let opened_on = ["opened", "published", "period"]
                .iter()
                .find_map(|key| text(record, key).as_deref().and_then(partial_iso));
            self.calls.insert(slug.clone());
            self.bundle.project_calls.push(ProjectCallRecord {
                key: slug,
                name,
                year,
                opened_on,
                deadline_on: text(record, "deadline").as_deref().and_then(partial_iso),
                description: None,
                sources: Some(texts(record, "source")),
            });
        }
    }

    fn translate_model_projects(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let Some(slug) = text(record, "id") else {
                self.skip(format!("model_projects entry {}: no id", number + 1));
                continue;
            };
            let Some(title) = text(record, "title") else {
                self.skip(format!(
                    "model project {slug}: no title (not identified in the sources), not seeded"
                ));
                continue;
            };
            let context = format!("model project {slug}");
            let project_call = match text(record, "project_call") {
                Some(call) if self.calls.contains(&call) => Some(call),
                Some(call) => {
                    self.skip(format!("{context}: project call \"{call}\" is not seeded"));
                    None
                }
                None => None,
            };
            let lead = text(record, "lead_town");
            let lead_town = match &lead {
                Some(town) => self.town(town, &context, "lead town"),
                None => None,
            };
            let period = record.get("period");
            let period_part = |key: &str| {
                period
                    .and_then(|period| text(period, key))
                    .as_deref()
                    .and_then(partial_iso)
            };

            let mut members: Vec<MemberRecord> = Vec::new();
            for town_slug in texts(record, "towns") {
                let Some(town) = self.town(&town_slug, &context, "member town") else {
                    continue;
                };
                if members.iter().any(|member| member.town == town) {
                    continue;
                }
                let role = if lead.as_deref() == Some(town.as_str()) {
                    MemberRole::Lead
                } else {
                    MemberRole::Member
                };
                members.push(MemberRecord {
                    town,
                    role: role.to_value(),
                });
            }
            if let Some(lead) = &lead_town
                && !members.iter().any(|member| member.town == *lead)
            {
                self.skip(format!(
                    "{context}: lead town {lead} is not among the towns, added as lead"
                ));
                members.insert(
                    0,
                    MemberRecord {
                        town: lead.clone(),
                        role: MemberRole::Lead.to_value(),
                    },
                );
            }

            let mut partners: Vec<PartnerRecord> = Vec::new();
            let institutions = record
                .get("accompanying_institutions")
                .and_then(Value::as_mapping);
            for (key, value) in institutions.into_iter().flatten() {
                let (Some(key), Some(slugs)) = (key.as_str(), value.as_sequence()) else {
                    continue;
                };
                let role = partner_role(key).to_value();
                for organisation in slugs.iter().filter_map(scalar) {
                    let Some(organisation) = self.organisation(&organisation, &context, "partner")
                    else {
                        continue;
                    };
                    if !partners
                        .iter()
                        .any(|p| p.organisation == organisation && p.role == role)
                    {
                        partners.push(PartnerRecord {
                            organisation,
                            role: role.clone(),
                        });
                    }
                }
            }

            self.model_projects.insert(slug.clone());
            self.bundle.model_projects.push(ModelProjectRecord {
                key: slug,
                short_title: title
                    .split_once(" – ")
                    .map(|(short, _)| short.trim().to_owned()),
                title,
                topic: text(record, "topic"),
                description: text(record, "description"),
                period_start: period_part("start"),
                period_end: period_part("end"),
                funding_programme: text(record, "funding_programme"),
                project_call,
                lead_town,
                towns: members,
                partners,
                sources: Some(texts(record, "source")),
            });
        }
    }

    fn translate_events(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(title)) = (text(record, "id"), text(record, "title")) else {
                self.skip(format!("events entry {}: no id or title", number + 1));
                continue;
            };
            let zone = match text(record, "timezone") {
                None => DEFAULT_TIME_ZONE,
                Some(name) => match name.parse::<Tz>() {
                    Ok(zone) => zone,
                    Err(_) => {
                        self.skip(format!(
                            "event {slug}: unknown time zone \"{name}\", not seeded"
                        ));
                        continue;
                    }
                },
            };
            let event_sources = sources(record);
            let (time, sessions, problems) =
                match plan_event(&slug, &title, record, zone, &event_sources) {
                    Ok(plan) => plan,
                    Err(reason) => {
                        self.skip(format!("event {slug}: {reason}, not seeded"));
                        continue;
                    }
                };
            let context = format!("event {slug}");
            for problem in problems {
                self.skip(format!("{context}: {problem}"));
            }
            let model_project = match text(record, "model_project") {
                Some(project) if self.model_projects.contains(&project) => Some(project),
                Some(project) => {
                    self.skip(format!(
                        "{context}: model project \"{project}\" is not seeded, left out"
                    ));
                    None
                }
                None => None,
            };
            let place = text(record, "place");
            let organisers = self.organisers(record, &context);
            self.events.insert(slug.clone());
            self.bundle.events.push(EventRecord {
                key: slug.clone(),
                title,
                subtitle: None,
                description: text(record, "described_as")
                    .or_else(|| text(record, "topic"))
                    .or_else(|| text(record, "outcome")),
                format: text(record, "format")
                    .as_deref()
                    .and_then(event_format)
                    .map(|format| format.to_value()),
                status: None,
                time_zone: Some(zone.name().to_owned()),
                starts_at: time.starts_at,
                ends_at: time.ends_at,
                date_precision: Some(time.precision.to_value()),
                town: place.as_deref().and_then(|place| self.town_of_place(place)),
                place,
                online_url: None,
                website: text(record, "website").map(|url| with_scheme(&url)),
                model_project,
                organisers,
                registrations: Vec::new(),
                sources: Some(event_sources.0.clone()),
            });

            for plan in sessions {
                self.translate_session(&slug, plan, &context);
            }
            if let Some(speakers) = id_list(record, "speakers") {
                for speaker in speakers {
                    let Some((person, organisation)) = self.person(&speaker, &context, "speaker")
                    else {
                        continue;
                    };
                    self.contribution(
                        None,
                        Some(slug.clone()),
                        Some(person),
                        organisation,
                        ContributionRole::Speaker,
                        None,
                    );
                }
            }
            let registrations = match id_list(record, "participants") {
                Some(participants) => {
                    let mut registrations: Vec<RegistrationRecord> = Vec::new();
                    for participant in participants {
                        let Some((person, _)) = self.person(&participant, &context, "participant")
                        else {
                            continue;
                        };
                        if registrations.iter().any(|r| r.person == person) {
                            continue;
                        }
                        registrations.push(RegistrationRecord {
                            person,
                            status: RegistrationStatus::Attended.to_value(),
                            registered_at: None,
                            note: None,
                        });
                    }
                    registrations
                }
                None => {
                    if record.get("participants").is_some() {
                        self.skip(format!(
                            "{context}: participants are described in words, not as people; \
                             no registrations"
                        ));
                    }
                    Vec::new()
                }
            };
            if let Some(event) = self.bundle.events.last_mut() {
                event.registrations = registrations;
            }
        }
    }

    fn organisers(&mut self, record: &Value, context: &str) -> Vec<OrganiserRecord> {
        let mut organisers: Vec<OrganiserRecord> = Vec::new();
        for (key, role) in [
            ("organisers", OrganiserRole::Organiser),
            ("produced_by", OrganiserRole::Producer),
            ("cooperation", OrganiserRole::CooperationPartner),
            ("support", OrganiserRole::Supporter),
        ] {
            let role = role.to_value();
            for slug in texts(record, key) {
                let Some(organisation) = self.organisation(&slug, context, key) else {
                    continue;
                };
                if organisers
                    .iter()
                    .any(|o| o.organisation == organisation && o.role == role)
                {
                    continue;
                }
                organisers.push(OrganiserRecord {
                    organisation,
                    role: role.clone(),
                });
            }
        }
        organisers
    }

    fn translate_session(&mut self, event: &str, plan: SessionPlan<'_>, context: &str) {
        let record = plan.record;
        let position = plan.position;
        let key = format!("session-{}", self.bundle.sessions.len() + 1);
        self.bundle.sessions.push(SessionRecord {
            key: key.clone(),
            event: event.to_owned(),
            position: Some(position),
            title: plan.title,
            subtitle: plan.subtitle,
            kind: plan.kind.to_value(),
            starts_at: plan.starts_at,
            ends_at: plan.ends_at,
            end_inferred: plan.end_inferred,
            description: None,
            sources: Some(plan.sources.0),
        });
        self.sessions
            .insert((event.to_owned(), position), key.clone());
        if let Some(document) = text(record, "related_document") {
            self.presented_in
                .insert(document, (event.to_owned(), key.clone()));
        }

        let context = format!("{context} session {position}");
        let speakers = record
            .get("speakers")
            .and_then(Value::as_sequence)
            .map_or(&[][..], Vec::as_slice);
        for speaker in speakers {
            let (person_slug, organisation_slug) = match speaker {
                Value::Mapping(_) => (text(speaker, "person"), text(speaker, "organisation")),
                other => (scalar(other), None),
            };
            let person = match &person_slug {
                Some(slug) => self.person(slug, &context, "speaker"),
                None => None,
            };
            let organisation = match &organisation_slug {
                Some(slug) => self.organisation(slug, &context, "organisation"),
                None => person
                    .as_ref()
                    .and_then(|(_, organisation)| organisation.clone()),
            };
            let person = person.map(|(slug, _)| slug);
            if person.is_none() && organisation.is_none() {
                self.skip(format!(
                    "{context}: a speaker entry names neither a seeded person nor organisation"
                ));
                continue;
            }
            self.contribution(
                Some(key.clone()),
                None,
                person,
                organisation,
                contribution_role(text(speaker, "role_at_event").as_deref()),
                text(speaker, "organisation_text"),
            );
        }
    }

    /// Adds a contribution to a session, or to an event as a whole.
    fn contribution(
        &mut self,
        session: Option<String>,
        event: Option<String>,
        person: Option<String>,
        organisation: Option<String>,
        role: ContributionRole,
        affiliation: Option<String>,
    ) {
        let key = format!("contribution-{}", self.bundle.contributions.len() + 1);
        self.bundle.contributions.push(ContributionRecord {
            key,
            session,
            event,
            person,
            organisation,
            role: role.to_value(),
            affiliation,
        });
    }

    fn translate_documents(&mut self, records: &[Value]) {
        for (number, record) in records.iter().enumerate() {
            let (Some(slug), Some(title)) = (text(record, "id"), text(record, "title")) else {
                self.skip(format!("documents entry {}: no id or title", number + 1));
                continue;
            };
            let context = format!("document {slug}");
            let published = text(record, "date")
                .or_else(|| text(record, "status_date"))
                .and_then(|date| find_partial_date(&date).map(|(date, _)| date));
            let year = record
                .get("year")
                .and_then(Value::as_i64)
                .and_then(|year| i32::try_from(year).ok())
                .or_else(|| published.map(PartialDate::year));
            let publisher = match text(record, "publisher") {
                Some(publisher) => self.organisation(&publisher, &context, "publisher"),
                None => None,
            };
            let model_project = match text(record, "about_model_project") {
                Some(project) if self.model_projects.contains(&project) => Some(project),
                Some(project) => {
                    self.skip(format!(
                        "{context}: model project \"{project}\" is not seeded, left out"
                    ));
                    None
                }
                None => None,
            };
            let (event, session) = self.document_event(&slug, record, &context);
            let language = match text(record, "language") {
                Some(language) if language.eq_ignore_ascii_case("english") => "en",
                _ => "de",
            };
            let mut authors: Vec<String> = Vec::new();
            let named = texts(record, "authors")
                .into_iter()
                .chain(texts(record, "author"));
            for author in named {
                if let Some((person, _)) = self.person(&author, &context, "author")
                    && !authors.contains(&person)
                {
                    authors.push(person);
                }
            }
            if record.get("editors").is_some() {
                self.skip(format!(
                    "{context}: editors are given as names, not as people; not linked"
                ));
            }
            self.bundle.documents.push(DocumentRecord {
                kind: document_kind(&title, text(record, "common_name").as_deref(), &slug)
                    .to_value(),
                key: slug,
                title,
                published_on: published.map(PartialDate::iso),
                year,
                publisher,
                url: text(record, "url").map(|url| with_scheme(&url)),
                isbn: text(record, "isbn"),
                language: Some(language.to_owned()),
                model_project,
                event,
                session,
                description: text(record, "content").or_else(|| text(record, "note")),
                authors,
                sources: Some(texts(record, "source")),
            });
        }
    }

    /// The event (and session) a document is about or was presented at.
    fn document_event(
        &mut self,
        slug: &str,
        record: &Value,
        context: &str,
    ) -> (Option<String>, Option<String>) {
        if let Some(event) = text(record, "about_event") {
            if self.events.contains(&event) {
                return (Some(event), None);
            }
            self.skip(format!(
                "{context}: event \"{event}\" is not seeded, left out"
            ));
            return (None, None);
        }
        if let Some(presented_at) = text(record, "presented_at") {
            let event: String = presented_at
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if self.events.contains(&event) {
                let session = session_number(&presented_at)
                    .and_then(|position| self.sessions.get(&(event.clone(), position)))
                    .cloned()
                    .or_else(|| {
                        self.presented_in
                            .get(slug)
                            .filter(|(presenting, _)| *presenting == event)
                            .map(|(_, session)| session.clone())
                    });
                return (Some(event), session);
            }
        }
        match self.presented_in.get(slug) {
            Some((event, session)) => (Some(event.clone()), Some(session.clone())),
            None => (None, None),
        }
    }
}

/// `N` of a `(session N)` reference.
fn session_number(text: &str) -> Option<i32> {
    let (_, after) = text.split_once("(session ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// When an event takes place and its programme items, or why it cannot be seeded; the second
/// list says which programme items had to be left out.
fn plan_event<'a>(
    slug: &str,
    title: &str,
    record: &'a Value,
    zone: Tz,
    event_sources: &Sources,
) -> Result<(EventTime, Vec<SessionPlan<'a>>, Vec<String>), String> {
    let date_text = text(record, "date").or_else(|| text(record, "date_start"));
    let explicit = match &date_text {
        Some(date_text) => Some(event_time(date_text, record, zone)?),
        None => None,
    };
    let webtalk = slug.contains("webtalk") || title.to_lowercase().contains("webtalk");
    let event_day = explicit.as_ref().and_then(|time| time.day);
    let items = record
        .get("sessions")
        .and_then(Value::as_sequence)
        .map_or(&[][..], Vec::as_slice);
    let mut sessions = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match plan_session(index, item, event_day, zone, webtalk, event_sources) {
            Ok(plan) => sessions.push(plan),
            Err(reason) => problems.push(reason),
        }
    }
    let time = match explicit {
        Some(time) => time,
        None => {
            let first = sessions.iter().min_by_key(|plan| plan.starts_at);
            let last = sessions.iter().max_by_key(|plan| plan.starts_at);
            match (first, last) {
                (Some(first), Some(last)) => EventTime {
                    starts_at: first.starts_at,
                    ends_at: Some(last.ends_at.unwrap_or(last.starts_at)),
                    precision: DatePrecision::Minute,
                    day: None,
                },
                _ => return Err("no date".to_owned()),
            }
        }
    };
    Ok((time, sessions, problems))
}

/// A programme item placed on its day (its own `date`, else the event's), or why it cannot be.
fn plan_session<'a>(
    index: usize,
    item: &'a Value,
    event_day: Option<NaiveDate>,
    zone: Tz,
    webtalk: bool,
    event_sources: &Sources,
) -> Result<SessionPlan<'a>, String> {
    let position = item
        .get("seq")
        .or_else(|| item.get("order"))
        .and_then(Value::as_i64)
        .and_then(|seq| i32::try_from(seq).ok())
        .or_else(|| i32::try_from(index + 1).ok())
        .unwrap_or(i32::MAX);
    let left_out = |reason: String| format!("session {position} left out: {reason}");
    let day = match text(item, "date") {
        Some(date) => match find_partial_date(&date) {
            Some((PartialDate::Day(day), _)) => day,
            _ => return Err(left_out(format!("no full date in \"{date}\""))),
        },
        None => event_day.ok_or_else(|| left_out("no date".to_owned()))?,
    };
    let start = text(item, "start")
        .as_deref()
        .and_then(parse_time)
        .ok_or_else(|| left_out("no start time".to_owned()))?;
    let starts_at = local_to_utc(day, start, zone).map_err(left_out)?;
    let ends_at = match text(item, "end").as_deref().and_then(parse_time) {
        Some(end) => Some(local_to_utc(day, end, zone).map_err(left_out)?),
        None => None,
    };
    let title = text(item, "title").ok_or_else(|| left_out("no title".to_owned()))?;
    let kind = match text(item, "kind") {
        Some(kind) => session_kind(&kind),
        None if webtalk => SessionKind::Talk,
        None => SessionKind::Other,
    };
    let own_sources = sources(item);
    Ok(SessionPlan {
        position,
        title,
        subtitle: text(item, "subtitle"),
        kind,
        starts_at,
        ends_at,
        end_inferred: item
            .get("end_inferred")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        sources: if own_sources.0.is_empty() {
            event_sources.clone()
        } else {
            own_sources
        },
        record: item,
    })
}

/// The time of an event from its `date`/`date_start`, `start`, `end` and `date_end`.
fn event_time(date_text: &str, record: &Value, zone: Tz) -> Result<EventTime, String> {
    let (date, range_end) =
        parse_event_date(date_text).ok_or_else(|| format!("no year in date \"{date_text}\""))?;
    let first_day = date
        .first_day()
        .ok_or_else(|| format!("invalid date \"{date_text}\""))?;
    let date_end = match text(record, "date_end") {
        Some(end) => match find_partial_date(&end) {
            Some((PartialDate::Day(day), _)) => Some(day),
            _ => return Err(format!("date_end \"{end}\" is not a full date")),
        },
        None => range_end,
    };
    let start = text(record, "start").as_deref().and_then(parse_time);
    let end = text(record, "end").as_deref().and_then(parse_time);
    let (starts_at, precision) = match (date, start) {
        (PartialDate::Day(day), Some(start)) => {
            (local_to_utc(day, start, zone)?, DatePrecision::Minute)
        }
        _ => (
            local_to_utc(first_day, NaiveTime::MIN, zone)?,
            date.precision(),
        ),
    };
    let ends_at = match (date, end, date_end) {
        (PartialDate::Day(day), Some(end), _) => Some(local_to_utc(day, end, zone)?),
        (_, _, Some(last_day)) => Some(end_of_day(last_day, zone)?),
        _ => None,
    };
    let day = match date {
        PartialDate::Day(day) => Some(day),
        _ => None,
    };
    Ok(EventTime {
        starts_at,
        ends_at,
        precision,
        day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn day(year: i32, month: u32, day: u32) -> Result<NaiveDate, String> {
        NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| format!("{year}-{month:02}-{day:02} is not a date"))
    }

    fn time(hour: u32, minute: u32) -> Result<NaiveTime, String> {
        NaiveTime::from_hms_opt(hour, minute, 0)
            .ok_or_else(|| format!("{hour:02}:{minute:02} is not a time"))
    }

    fn utc(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
        text.parse()
    }

    #[test]
    fn finds_partial_dates_in_free_text() -> TestResult {
        let date = |text: &str| find_partial_date(text).map(|(date, _)| date);
        assert_eq!(date("2019"), Some(PartialDate::Year(2019)));
        assert_eq!(date("2019-09"), Some(PartialDate::Month(2019, 9)));
        assert_eq!(
            date("2022-01-21"),
            Some(PartialDate::Day(day(2022, 1, 21)?))
        );
        assert_eq!(
            date("2022-05 (start of week, reported 2022-05-04)"),
            Some(PartialDate::Month(2022, 5))
        );
        assert_eq!(
            date("reported 2023-02-01"),
            Some(PartialDate::Day(day(2023, 2, 1)?))
        );
        assert_eq!(
            date("2021-10 (week before 2021-10-10)"),
            Some(PartialDate::Month(2021, 10))
        );
        assert_eq!(date("2020 autumn/winter"), Some(PartialDate::Year(2020)));
        assert_eq!(
            date("2021 (not exactly stated)"),
            Some(PartialDate::Year(2021))
        );
        assert_eq!(date("call_2020"), Some(PartialDate::Year(2020)));
        assert_eq!(
            date("24-25 April (year not stated in excerpt; after Dec 2021)"),
            None
        );
        assert_eq!(date("(2020) 2021"), Some(PartialDate::Year(2021)));
        assert_eq!(date("24-25 April (year not stated in excerpt)"), None);
        assert_eq!(date("53179 Bonn"), None);
        assert_eq!(date("2021-13"), Some(PartialDate::Year(2021)));
        assert_eq!(date("2021-02-30"), Some(PartialDate::Month(2021, 2)));
        Ok(())
    }

    #[test]
    fn partial_dates_render_as_iso() -> TestResult {
        assert_eq!(PartialDate::Year(2021).iso(), "2021");
        assert_eq!(PartialDate::Month(2021, 5).iso(), "2021-05");
        assert_eq!(PartialDate::Day(day(2021, 5, 4)?).iso(), "2021-05-04");
        assert_eq!(
            partial_iso("2021 (not exactly stated)").as_deref(),
            Some("2021")
        );
        assert_eq!(
            partial_iso("elected at Berlin session reported 2023-02-01").as_deref(),
            Some("2023-02-01")
        );
        assert_eq!(
            PartialDate::Month(2021, 5).first_day(),
            Some(day(2021, 5, 1)?)
        );
        assert_eq!(
            PartialDate::Month(2021, 5).precision(),
            DatePrecision::Month
        );
        Ok(())
    }

    #[test]
    fn event_dates_may_be_short_ranges() -> TestResult {
        assert_eq!(
            parse_event_date("2022-09-08/09"),
            Some((PartialDate::Day(day(2022, 9, 8)?), Some(day(2022, 9, 9)?)))
        );
        assert_eq!(
            parse_event_date("2023-05-02/03"),
            Some((PartialDate::Day(day(2023, 5, 2)?), Some(day(2023, 5, 3)?)))
        );
        assert_eq!(
            parse_event_date("2022-01-21"),
            Some((PartialDate::Day(day(2022, 1, 21)?), None))
        );
        assert_eq!(
            parse_event_date("2020 autumn/winter"),
            Some((PartialDate::Year(2020), None))
        );
        Ok(())
    }

    #[test]
    fn converts_local_times_to_utc() -> TestResult {
        let berlin = chrono_tz::Europe::Berlin;
        assert_eq!(
            local_to_utc(day(2022, 1, 21)?, time(9, 30)?, berlin),
            Ok(utc("2022-01-21T08:30:00Z")?)
        );
        assert_eq!(
            local_to_utc(day(2025, 6, 25)?, time(9, 30)?, berlin),
            Ok(utc("2025-06-25T07:30:00Z")?)
        );
        // 02:30 does not exist on the night the clocks go forward.
        let gap = local_to_utc(day(2022, 3, 27)?, time(2, 30)?, berlin);
        assert_eq!(
            gap,
            Err("2022-03-27 02:30 does not exist in Europe/Berlin (clock change)".to_owned())
        );
        // When the clocks go back, 02:30 happens twice; the first is taken.
        assert_eq!(
            local_to_utc(day(2022, 10, 30)?, time(2, 30)?, berlin),
            Ok(utc("2022-10-30T00:30:00Z")?)
        );
        assert_eq!(parse_time("09:30"), Some(time(9, 30)?));
        assert_eq!(parse_time("9.30"), Some(time(9, 30)?));
        assert_eq!(parse_time("half past nine"), None);
        Ok(())
    }

    #[test]
    fn event_time_follows_the_precision_rules() -> TestResult {
        let berlin = chrono_tz::Europe::Berlin;
        let record: Value = serde_yaml_ng::from_str("{start: \"09:30\", end: \"14:15\"}")?;
        let timed = event_time("2022-01-21", &record, berlin)?;
        assert_eq!(timed.precision, DatePrecision::Minute);
        assert_eq!(timed.starts_at, utc("2022-01-21T08:30:00Z")?);
        assert_eq!(timed.ends_at, Some(utc("2022-01-21T13:15:00Z")?));

        let empty = Value::Mapping(Default::default());
        let daily = event_time("reported 2023-02-01", &empty, berlin)?;
        assert_eq!(daily.precision, DatePrecision::Day);
        assert_eq!(daily.starts_at, utc("2023-01-31T23:00:00Z")?);
        assert_eq!(daily.ends_at, None);

        let monthly = event_time(
            "2022-05 (start of week, reported 2022-05-04)",
            &empty,
            berlin,
        )?;
        assert_eq!(monthly.precision, DatePrecision::Month);
        assert_eq!(monthly.starts_at, utc("2022-04-30T22:00:00Z")?);

        let yearly = event_time("2025 second half", &empty, berlin)?;
        assert_eq!(yearly.precision, DatePrecision::Year);
        assert_eq!(yearly.starts_at, utc("2024-12-31T23:00:00Z")?);

        let spanning: Value = serde_yaml_ng::from_str("{date_end: 2023-06-30}")?;
        let window = event_time("2023-05-05", &spanning, berlin)?;
        assert_eq!(window.ends_at, Some(utc("2023-06-30T21:59:59Z")?));

        let ranged = event_time("2022-09-08/09", &empty, berlin)?;
        assert_eq!(ranged.ends_at, Some(utc("2022-09-09T21:59:59Z")?));

        assert!(event_time("24-25 April (year not stated)", &empty, berlin).is_err());
        let gap: Value = serde_yaml_ng::from_str("{start: \"02:15\"}")?;
        assert!(event_time("2022-03-27", &gap, berlin).is_err());
        Ok(())
    }

    #[test]
    fn a_bad_programme_item_is_left_out_alone() -> TestResult {
        let record: Value = serde_yaml_ng::from_str(
            "{id: w, date: 2022-03-27, sessions: [\
               {seq: 1, start: \"01:30\", end: \"02:30\", title: A},\
               {seq: 2, start: \"03:30\", title: B},\
               {seq: 3, title: C}]}",
        )?;
        let zone = chrono_tz::Europe::Berlin;
        let (time, sessions, problems) = plan_event("w", "W", &record, zone, &Sources::default())?;
        assert_eq!(time.precision, DatePrecision::Day);
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].starts_at, utc("2022-03-27T01:30:00Z")?);
        assert_eq!(
            problems,
            [
                "session 1 left out: 2022-03-27 02:30 does not exist in Europe/Berlin \
                 (clock change)",
                "session 3 left out: no start time"
            ]
        );

        let undated: Value = serde_yaml_ng::from_str(
            "{id: webtalks, sessions: [\
               {date: 2021-03-11, start: \"18:30\", end: \"20:00\", title: A},\
               {date: 2021-06-07, start: \"18:30\", title: B}]}",
        )?;
        let (time, sessions, problems) =
            plan_event("webtalks", "Webtalks", &undated, zone, &Sources::default())?;
        assert!(problems.is_empty());
        assert_eq!(time.precision, DatePrecision::Minute);
        assert_eq!(time.starts_at, utc("2021-03-11T17:30:00Z")?);
        assert_eq!(time.ends_at, Some(utc("2021-06-07T16:30:00Z")?));
        assert!(sessions.iter().all(|plan| plan.kind == SessionKind::Talk));

        let nothing: Value = serde_yaml_ng::from_str("{id: n}")?;
        assert!(plan_event("n", "N", &nothing, zone, &Sources::default()).is_err());
        Ok(())
    }

    #[test]
    fn builds_name_variants_in_order() {
        assert_eq!(name_variants("Wittenberge"), ["Wittenberge"]);
        assert_eq!(
            name_variants("Mücheln (Geiseltal)"),
            ["Mücheln (Geiseltal)", "Mücheln"]
        );
        assert_eq!(
            name_variants("Malente (Gemeinde Malente)"),
            ["Malente (Gemeinde Malente)", "Malente"]
        );
        assert_eq!(
            name_variants("Hansestadt Osterburg (Altmark)"),
            [
                "Hansestadt Osterburg (Altmark)",
                "Hansestadt Osterburg",
                "Osterburg"
            ]
        );
        assert_eq!(
            name_variants("Laucha an der Unstrut"),
            ["Laucha an der Unstrut", "Laucha"]
        );
        assert_eq!(
            name_variants("Frankenberg/Sachsen"),
            ["Frankenberg/Sachsen", "Frankenberg"]
        );
    }

    #[test]
    fn matches_towns_only_within_their_state_and_uniquely() {
        let index: HashMap<(i32, String), Vec<usize>> = HashMap::from([
            ((14, "Frankenberg".to_owned()), vec![1]),
            ((6, "Frankenberg".to_owned()), vec![2]),
            ((9, "Neustadt".to_owned()), vec![3, 4]),
        ]);
        assert_eq!(
            match_town("Frankenberg/Sachsen", 14, &index),
            TownMatch::One(1)
        );
        assert_eq!(match_town("Frankenberg", 6, &index), TownMatch::One(2));
        assert_eq!(match_town("Frankenberg", 12, &index), TownMatch::None);
        assert_eq!(
            match_town("Neustadt", 9, &index),
            TownMatch::Ambiguous {
                variant: "Neustadt".to_owned(),
                count: 2
            }
        );
    }

    #[test]
    fn maps_organisation_kinds() {
        let cases = [
            ("federal ministry", OrganisationKind::FederalMinistry),
            (
                "federal research institute",
                OrganisationKind::FederalAuthority,
            ),
            ("Bundesamt", OrganisationKind::FederalAuthority),
            (
                "state agency for civic education (Saxony)",
                OrganisationKind::StateAuthority,
            ),
            (
                "municipal umbrella association (county level)",
                OrganisationKind::MunicipalAssociation,
            ),
            (
                "municipal association (state level)",
                OrganisationKind::MunicipalAssociation,
            ),
            (
                "research institute (gGmbH)",
                OrganisationKind::ResearchInstitute,
            ),
            ("research academy", OrganisationKind::ResearchInstitute),
            (
                "university of applied sciences",
                OrganisationKind::University,
            ),
            (
                "association (research and policy)",
                OrganisationKind::Association,
            ),
            (
                "cooperative (Projektagentur)",
                OrganisationKind::Association,
            ),
            (
                "planning / consulting agency (Begleitagentur of the Pilotphase)",
                OrganisationKind::Agency,
            ),
            (
                "regional economic development company",
                OrganisationKind::Agency,
            ),
            ("regional agency (Projektagentur)", OrganisationKind::Agency),
            ("federal foundation", OrganisationKind::Foundation),
            ("advisory board", OrganisationKind::AdvisoryBoard),
            (
                "national network / platform with a municipal office (Geschäftsstelle)",
                OrganisationKind::Network,
            ),
            (
                "private foresight institute (Berlin)",
                OrganisationKind::Other,
            ),
        ];
        for (kind, expected) in cases {
            assert_eq!(organisation_kind(kind), expected, "{kind}");
        }
    }

    #[test]
    fn maps_the_other_kinds_and_roles() {
        assert_eq!(session_kind("keynote"), SessionKind::Keynote);
        assert_eq!(session_kind("Break"), SessionKind::Break);
        assert_eq!(session_kind("podcast"), SessionKind::Other);
        assert_eq!(
            contribution_role(Some("panelist")),
            ContributionRole::Panelist
        );
        assert_eq!(
            contribution_role(Some("keynote speaker")),
            ContributionRole::Keynote
        );
        assert_eq!(
            contribution_role(Some("moderator")),
            ContributionRole::Moderator
        );
        assert_eq!(contribution_role(Some("host")), ContributionRole::Host);
        assert_eq!(contribution_role(None), ContributionRole::Speaker);
        assert_eq!(event_format("digital"), Some(EventFormat::Digital));
        assert_eq!(
            event_format("in-person (congress + festival)"),
            Some(EventFormat::InPerson)
        );
        assert_eq!(
            event_format("hybrid (on site + livestream)"),
            Some(EventFormat::Hybrid)
        );
        assert_eq!(event_format("survey"), None);
        assert_eq!(
            partner_role("scientific"),
            PartnerRole::ScientificAccompaniment
        );
        assert_eq!(partner_role("project_agency"), PartnerRole::ProjectAgency);
        assert_eq!(partner_role("local_support"), PartnerRole::LocalSupport);
        assert_eq!(board_role("Vorsitzende"), BoardRole::Chair);
        assert_eq!(
            board_role("stellvertretender Vorsitzender"),
            BoardRole::DeputyChair
        );
        assert_eq!(
            board_role("stellvertretende Vorsitzende"),
            BoardRole::DeputyChair
        );
        assert_eq!(board_role("Mitglied"), BoardRole::Member);
    }

    #[test]
    fn maps_document_kinds() {
        let kind = |title: &str| document_kind(title, None, "doc");
        assert_eq!(
            kind("Abschlussbericht Modellvorhaben „Innenstadt (be)leben!“"),
            DocumentKind::FinalReport
        );
        assert_eq!(
            kind("„…“ – Positionspapier des Beirats"),
            DocumentKind::PositionPaper
        );
        assert_eq!(
            kind("Projektaufruf 2019 (PDF, 273 KB)"),
            DocumentKind::CallForProposals
        );
        assert_eq!(
            kind("Kleinstädte als Orte der Demokratiebildung (Vortrag, Bundestagung)"),
            DocumentKind::Presentation
        );
        assert_eq!(
            kind("Kompendium Kleinstadtforschung (Forschungsberichte der ARL 16)"),
            DocumentKind::Book
        );
        assert_eq!(
            kind("Kurzfilme zu den sechs Modellvorhaben"),
            DocumentKind::Film
        );
        assert_eq!(
            kind("BBSR-Sonderbericht zur Situation der Kleinstädte"),
            DocumentKind::Report
        );
        assert_eq!(
            kind("Potenziale von Kleinstädten (ExWoSt-Informationen 50/3)"),
            DocumentKind::Report
        );
        assert_eq!(
            kind("German Small Town Academy – Pilot Phase"),
            DocumentKind::Other
        );
        assert_eq!(
            document_kind(
                "Kleinstädte in Deutschland",
                Some("Kleinstadtbericht des BBSR"),
                "x"
            ),
            DocumentKind::Report
        );
        assert_eq!(
            document_kind(
                "Tätigkeit / Zwischenergebnisse",
                None,
                "zwischenbericht_2022"
            ),
            DocumentKind::Report
        );
    }

    #[test]
    fn positions_lose_party_affiliations() {
        assert_eq!(strip_party("Bürgermeister (CSU)"), "Bürgermeister");
        assert_eq!(strip_party("Bürgermeister (parteilos)"), "Bürgermeister");
        assert_eq!(
            strip_party(
                "Bürgermeister (parteilos); president Städte- und Gemeindebund Brandenburg"
            ),
            "Bürgermeister; president Städte- und Gemeindebund Brandenburg"
        );
        assert_eq!(
            strip_party("Präsident DStGB (2024); Bürgermeister Abensberg"),
            "Präsident DStGB (2024); Bürgermeister Abensberg"
        );
        assert_eq!(strip_party("Leiter (Bauamt"), "Leiter (Bauamt");
    }

    #[test]
    fn reads_yaml_tolerantly() -> TestResult {
        let record: Value = serde_yaml_ng::from_str(
            "{id: x, year: 2021, source: seed, towns: [a, b], \
             population: [{value: 5733}, {value: 1}], participants: some people}",
        )?;
        assert_eq!(text(&record, "year").as_deref(), Some("2021"));
        assert_eq!(sources(&record), Sources(vec!["seed".to_owned()]));
        assert_eq!(texts(&record, "towns"), ["a", "b"]);
        assert_eq!(first_population(&record), Some(5733));
        assert_eq!(id_list(&record, "participants"), None);
        assert_eq!(
            id_list(&record, "towns"),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(session_number("bundestagung_2022 (session 3)"), Some(3));
        assert_eq!(
            with_scheme("www.kleinstadtkongress.de"),
            "https://www.kleinstadtkongress.de"
        );
        Ok(())
    }

    #[test]
    fn the_shipped_facts_parse() -> TestResult {
        let facts: Value = serde_yaml_ng::from_str(FACTS_YAML)?;
        assert_eq!(records(&facts, "events").len(), 20);
        assert_eq!(records(&facts, "people").len(), 48);
        Ok(())
    }
}
