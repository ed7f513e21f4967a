//! Calendar feeds (RFC 5545): one event with every session, one session, and lists of upcoming
//! events. Pure rendering: programmes in, text out.
//!
//! - UIDs are `event-{id}@kleinstadt` and `session-{id}@kleinstadt` (database ids, stable for the
//!   life of the record); a session is a VEVENT `RELATED-TO` its event's.
//! - `SEQUENCE` counts changes: an event's is its `version - 1`; a session's adds its event's
//!   changes to its own (status and place are the event's). `DTSTAMP` and `LAST-MODIFIED` are the
//!   last change (no `METHOD`, so RFC 5545 makes them equal), so an unchanged record renders alike.
//! - Times are local with `TZID` and a VTIMEZONE from the IANA database; events known only to the
//!   day, month or year are all-day entries on their stored dates.
//! - A session without an end lasts until the next later session starts, else until the event
//!   ends, else 30 minutes.
//! - Cancelled events and all their sessions stay in the feed with `STATUS:CANCELLED`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::enums::{DatePrecision, EventStatus, OrganiserRole};

use super::content_line::{Lines, param_value};
use super::{german, people, vtimezone};
use crate::ids;
use crate::service::programme::{EventInfo, Programme, ProgrammeSession};

/// The UID of an event's VEVENT.
pub fn event_uid(id: i32) -> String {
    format!("event-{id}@kleinstadt")
}

/// The UID of a session's VEVENT.
pub fn session_uid(id: i32) -> String {
    format!("session-{id}@kleinstadt")
}

/// The calendar of one event: the event itself and every session.
pub fn event_calendar(programme: &Programme) -> String {
    let mut calendar = Calendar::new(&programme.event.record.title);
    calendar.add_event(&programme.event, programme_end(programme));
    for session in &programme.sessions {
        calendar.add_session(&programme.event, session);
    }
    calendar.finish()
}

/// The calendar of one session of a programme.
pub fn session_calendar(programme: &Programme, session: &ProgrammeSession) -> String {
    let mut calendar = Calendar::new(&format!(
        "{} – {}",
        session.record.title, programme.event.record.title
    ));
    calendar.add_session(&programme.event, session);
    calendar.finish()
}

/// A calendar of events (without their sessions), named `name`.
pub fn events_calendar(name: &str, events: &[EventInfo]) -> String {
    let mut calendar = Calendar::new(name);
    for event in events {
        calendar.add_event(event, None);
    }
    calendar.finish()
}

/// The end of an event without a recorded end: the end of its last session.
fn programme_end(programme: &Programme) -> Option<DateTime<Utc>> {
    programme.sessions.iter().map(|s| s.calendar_end).max()
}

fn status(status: EventStatus) -> &'static str {
    match status {
        EventStatus::Scheduled | EventStatus::MovedOnline => "CONFIRMED",
        EventStatus::Cancelled => "CANCELLED",
        EventStatus::Postponed => "TENTATIVE",
    }
}

/// VEVENTs collected with the zones and time span their local times need.
struct Calendar {
    name: String,
    events: Lines,
    zones: BTreeMap<String, (Tz, DateTime<Utc>, DateTime<Utc>)>,
}

impl Calendar {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            events: Lines::default(),
            zones: BTreeMap::new(),
        }
    }

    fn local(&mut self, property: &str, zone: Tz, at: DateTime<Utc>) {
        let span = self
            .zones
            .entry(zone.name().to_owned())
            .or_insert((zone, at, at));
        span.1 = span.1.min(at);
        span.2 = span.2.max(at);
        self.events
            .local(property, zone.name(), at.with_timezone(&zone).naive_local());
    }

    fn add_event(&mut self, event: &EventInfo, fallback_end: Option<DateTime<Utc>>) {
        let record = &event.record;
        self.events.begin("VEVENT");
        self.events.raw("UID", &event_uid(record.id));
        self.stamp(record.updated_at, record.version - 1);
        self.events.utc("CREATED", record.created_at);
        self.events.text("SUMMARY", &record.title);
        if record.date_precision == DatePrecision::Minute {
            self.local("DTSTART", event.zone, record.starts_at);
            if let Some(end) = record.ends_at.or(fallback_end) {
                self.local("DTEND", event.zone, end);
            }
        } else {
            let start = record.starts_at.with_timezone(&event.zone).date_naive();
            let last = record
                .ends_at
                .map(|end| end.with_timezone(&event.zone).date_naive())
                .unwrap_or(start)
                .max(start);
            self.events.date("DTSTART", start);
            self.events.date("DTEND", last + Duration::days(1));
        }
        self.events.raw("STATUS", status(record.status));
        let mut description = Vec::new();
        description.extend(record.subtitle.clone());
        description.extend(record.description.clone());
        self.common(event, description);
        self.events.end("VEVENT");
    }

    fn add_session(&mut self, event: &EventInfo, session: &ProgrammeSession) {
        let record = &session.record;
        let changed = session
            .contributors
            .iter()
            .map(|c| c.updated_at)
            .chain([record.updated_at, event.record.updated_at])
            .max()
            .unwrap_or(record.updated_at);
        self.events.begin("VEVENT");
        self.events.raw("UID", &session_uid(record.id));
        self.stamp(changed, (record.version - 1) + (event.record.version - 1));
        self.events.utc("CREATED", record.created_at);
        self.events.text("SUMMARY", &record.title);
        self.local("DTSTART", event.zone, record.starts_at);
        self.local("DTEND", event.zone, session.calendar_end);
        self.events.raw("STATUS", status(event.record.status));
        self.events.text("CATEGORIES", german::kind(record.kind));
        self.events
            .raw("RELATED-TO;RELTYPE=PARENT", &event_uid(event.record.id));
        let mut description = Vec::new();
        description.extend(record.subtitle.clone());
        if !session.contributors.is_empty() {
            let names: Vec<String> = session.contributors.iter().map(people::line).collect();
            description.push(format!("Mitwirkende: {}", names.join("; ")));
        }
        description.extend(record.description.clone());
        description.push(format!("Teil von: {}", event.record.title));
        self.common(event, description);
        self.events.end("VEVENT");
    }

    fn stamp(&mut self, changed: DateTime<Utc>, sequence: i32) {
        self.events.utc("DTSTAMP", changed);
        self.events.utc("LAST-MODIFIED", changed);
        self.events.raw("SEQUENCE", &sequence.max(0).to_string());
    }

    /// Description, location, URL and organiser, shared by an event and its sessions.
    fn common(&mut self, event: &EventInfo, mut description: Vec<String>) {
        let record = &event.record;
        let place = people::place(event);
        let location = match (&record.online_url, place) {
            (Some(url), _) if people::online_only(event) => Some(url.clone()),
            (Some(url), Some(place)) => {
                description.push(format!("Online-Teilnahme: {url}"));
                Some(place)
            }
            (url, place) => place.or_else(|| url.clone()),
        };
        if let Some(notice) = german::status_notice(record.status) {
            description.insert(0, notice.to_owned());
        }
        if !description.is_empty() {
            self.events.text("DESCRIPTION", &description.join("\n\n"));
        }
        if let Some(location) = location {
            self.events.text("LOCATION", &location);
        }
        if let Some(url) = &record.website {
            self.events.raw("URL", url);
        }
        let organiser = event
            .organisers
            .iter()
            .find(|o| o.role == OrganiserRole::Organiser)
            .or(event.organisers.first());
        if let Some(organiser) = organiser {
            let organisation = &organiser.organisation;
            let address = organisation.website.clone().unwrap_or_else(|| {
                format!(
                    "urn:kleinstadt:organisation:{}",
                    ids::encode("Organisation", organisation.id)
                )
            });
            self.events.raw(
                &format!("ORGANIZER;CN={}", param_value(&organisation.name)),
                &address,
            );
        }
    }

    fn finish(self) -> String {
        let mut lines = Lines::default();
        lines.begin("VCALENDAR");
        lines.raw("VERSION", "2.0");
        lines.raw("PRODID", "-//kleinstadt//Programme//DE");
        lines.raw("CALSCALE", "GREGORIAN");
        lines.text("NAME", &self.name);
        lines.text("X-WR-CALNAME", &self.name);
        if let [(name, _)] = self.zones.iter().collect::<Vec<_>>().as_slice() {
            lines.text("X-WR-TIMEZONE", name);
        }
        for (zone, from, to) in self.zones.values() {
            vtimezone::write(&mut lines, *zone, *from, *to);
        }
        let mut text = lines.finish();
        text.push_str(&self.events.finish());
        let mut end = Lines::default();
        end.end("VCALENDAR");
        text.push_str(&end.finish());
        text
    }
}
