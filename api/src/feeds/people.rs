//! How contributors and places are named in the feeds and on the embeddable page.

use crate::service::programme::{Contributor, EventInfo};
use entity::enums::EventFormat;

/// A contributor's name: a person with academic title, else the organisation.
pub fn name(contributor: &Contributor) -> String {
    match (&contributor.person, &contributor.organisation) {
        (Some(person), _) => match &person.academic_title {
            Some(title) => format!("{title} {}", person.name),
            None => person.name.clone(),
        },
        (None, Some(organisation)) => organisation.name.clone(),
        (None, None) => String::new(),
    }
}

/// What is said about a person besides the name: the affiliation printed in the programme, else
/// position and organisation. Empty for an organisation.
pub fn details(contributor: &Contributor) -> Vec<String> {
    let Some(person) = &contributor.person else {
        return Vec::new();
    };
    if let Some(affiliation) = &contributor.affiliation {
        return vec![affiliation.clone()];
    }
    let organisation = contributor
        .organisation
        .as_ref()
        .or(contributor.person_organisation.as_ref())
        .map(|o| o.short_name.clone().unwrap_or_else(|| o.name.clone()));
    person
        .position
        .iter()
        .cloned()
        .chain(organisation)
        .collect()
}

/// A contributor on one line: `Dr. Elke Bojarra-Becker (Difu)`.
pub fn line(contributor: &Contributor) -> String {
    let details = details(contributor);
    if details.is_empty() {
        name(contributor)
    } else {
        format!("{} ({})", name(contributor), details.join(", "))
    }
}

/// Where an event takes place: the place and its town, as far as recorded.
pub fn place(info: &EventInfo) -> Option<String> {
    let place = info.record.place.clone().filter(|p| !p.trim().is_empty());
    let town = info.town.as_ref().map(|t| t.town.name.clone());
    match (place, town) {
        (Some(place), Some(town)) if !place.contains(&town) => Some(format!("{place}, {town}")),
        (Some(place), _) => Some(place),
        (None, town) => town,
    }
}

/// Whether the event takes place online only.
pub fn online_only(info: &EventInfo) -> bool {
    info.record.format == Some(EventFormat::Digital)
        || info.record.status == entity::enums::EventStatus::MovedOnline
}
