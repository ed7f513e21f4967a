//! schema.org JSON-LD of an event: an `Event` with a `subEvent` per session, attendance mode,
//! status, location, organisers and performers (public profiles only), local times with offsets.

use chrono::{DateTime, Utc};
use entity::enums::{DatePrecision, EventFormat, EventStatus};
use entity::organisation;
use serde_json::{Map, Value, json};

use super::people;
use crate::ids;
use crate::service::programme::{Contributor, EventInfo, Programme};

const SCHEMA: &str = "https://schema.org/";

/// The JSON-LD document of a programme.
pub fn event(programme: &Programme) -> Value {
    let info = &programme.event;
    let record = &info.record;
    let description = [record.subtitle.clone(), record.description.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    let sub_events: Vec<Value> = programme
        .sessions
        .iter()
        .map(|session| {
            let s = &session.record;
            compact(json!({
                "@type": "Event",
                "identifier": ids::encode("Session", s.id),
                "name": s.title,
                "description": s.subtitle,
                "startDate": date(info, s.starts_at, DatePrecision::Minute),
                "endDate": s.ends_at.map(|end| date(info, end, DatePrecision::Minute)),
                "eventStatus": status(record.status),
                "eventAttendanceMode": attendance_mode(info),
                "performer": performers(&session.contributors),
            }))
        })
        .collect();
    let organisers: Vec<Value> = info
        .organisers
        .iter()
        .map(|o| organisation(&o.organisation))
        .collect();
    compact(json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "identifier": ids::encode("Event", record.id),
        "name": record.title,
        "description": (!description.is_empty()).then_some(description),
        "inLanguage": "de",
        "startDate": date(info, record.starts_at, record.date_precision),
        "endDate": record.ends_at.map(|end| date(info, end, record.date_precision)),
        "eventStatus": status(record.status),
        "eventAttendanceMode": attendance_mode(info),
        "location": location(info),
        "url": record.website,
        "organizer": organisers,
        "performer": performers(&programme.contributors),
        "subEvent": sub_events,
    }))
}

/// A date as precise as it is known; a time in the event's zone with its UTC offset.
fn date(info: &EventInfo, at: DateTime<Utc>, precision: DatePrecision) -> String {
    let local = at.with_timezone(&info.zone);
    match precision {
        DatePrecision::Minute => local.to_rfc3339(),
        DatePrecision::Day => local.format("%Y-%m-%d").to_string(),
        DatePrecision::Month => local.format("%Y-%m").to_string(),
        DatePrecision::Year => local.format("%Y").to_string(),
    }
}

fn status(status: EventStatus) -> String {
    let name = match status {
        EventStatus::Scheduled => "EventScheduled",
        EventStatus::Cancelled => "EventCancelled",
        EventStatus::Postponed => "EventPostponed",
        EventStatus::MovedOnline => "EventMovedOnline",
    };
    format!("{SCHEMA}{name}")
}

fn attendance_mode(info: &EventInfo) -> Option<String> {
    let name = if info.record.status == EventStatus::MovedOnline {
        "OnlineEventAttendanceMode"
    } else {
        match info.record.format? {
            EventFormat::Digital => "OnlineEventAttendanceMode",
            EventFormat::InPerson => "OfflineEventAttendanceMode",
            EventFormat::Hybrid => "MixedEventAttendanceMode",
        }
    };
    Some(format!("{SCHEMA}{name}"))
}

/// A `VirtualLocation` for online events, a `Place` otherwise, both for hybrid ones.
fn location(info: &EventInfo) -> Value {
    let record = &info.record;
    let virtual_location = || {
        compact(json!({
            "@type": "VirtualLocation",
            "url": record.online_url.clone().or_else(|| record.website.clone()),
        }))
    };
    let place = || {
        let name = people::place(info)?;
        let town = info.town.as_ref();
        Some(compact(json!({
            "@type": "Place",
            "name": name,
            "address": {
                "@type": "PostalAddress",
                "addressLocality": town.map(|t| t.town.name.clone()),
                "addressRegion": town.and_then(|t| t.state.as_ref()).map(|s| s.name.clone()),
                "addressCountry": "DE",
            },
        })))
    };
    let online = people::online_only(info);
    match (record.format, online) {
        (_, true) => virtual_location(),
        (Some(EventFormat::Hybrid), false) => match place() {
            Some(place) => json!([place, virtual_location()]),
            None => virtual_location(),
        },
        (_, false) => match (place(), &record.online_url) {
            (Some(place), _) => place,
            (None, Some(_)) => virtual_location(),
            (None, None) => Value::Null,
        },
    }
}

fn organisation(organisation: &organisation::Model) -> Value {
    compact(json!({
        "@type": "Organization",
        "name": organisation.name,
        "alternateName": organisation.short_name,
        "url": organisation.website,
    }))
}

/// People with their public profile as `Person`, organisations as `Organization`.
fn performers(contributors: &[Contributor]) -> Vec<Value> {
    contributors
        .iter()
        .filter_map(|c| match (&c.person, &c.organisation) {
            (Some(person), _) => {
                let affiliation = c.organisation.as_ref().or(c.person_organisation.as_ref());
                Some(compact(json!({
                    "@type": "Person",
                    "name": person.name,
                    "honorificPrefix": person.academic_title,
                    "jobTitle": person.position,
                    "affiliation": affiliation.map(organisation),
                    "description": person.biography,
                    "image": person.photo_url,
                    "url": person.website,
                })))
            }
            (None, Some(org)) => Some(organisation(org)),
            (None, None) => None,
        })
        .collect()
}

/// Drops null members and empty lists, so absent facts are absent rather than `null`.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter_map(|(key, value)| {
                    let value = compact(value);
                    let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
                    (!empty).then_some((key, value))
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(compact).collect()),
        other => other,
    }
}
