//! German words and time formats shared by the calendar feeds and the embeddable page.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;
use entity::enums::{ContributionRole, EventFormat, EventStatus, SessionKind};

/// The German name of a programme item's kind.
pub fn kind(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Moderation => "Moderation",
        SessionKind::Welcome => "Grußwort",
        SessionKind::Talk => "Vortrag",
        SessionKind::Keynote => "Impulsvortrag",
        SessionKind::Panel => "Podiumsdiskussion",
        SessionKind::Survey => "Umfrage",
        SessionKind::Break => "Pause",
        SessionKind::Closing => "Abschluss",
        SessionKind::Workshop => "Workshop",
        SessionKind::Other => "Programmpunkt",
    }
}

/// The German name of a contributor's role.
pub fn role(role: ContributionRole) -> &'static str {
    match role {
        ContributionRole::Speaker => "Vortrag",
        ContributionRole::Keynote => "Impulsvortrag",
        ContributionRole::Panelist => "Podium",
        ContributionRole::Moderator => "Moderation",
        ContributionRole::Host => "Gastgeber",
    }
}

/// The German name of an event's format.
pub fn format(format: EventFormat) -> &'static str {
    match format {
        EventFormat::Digital => "Digitale Veranstaltung",
        EventFormat::InPerson => "Präsenzveranstaltung",
        EventFormat::Hybrid => "Hybride Veranstaltung",
    }
}

/// The German notice for an event that does not take place as planned.
pub fn status_notice(status: EventStatus) -> Option<&'static str> {
    match status {
        EventStatus::Scheduled => None,
        EventStatus::Cancelled => Some("Abgesagt"),
        EventStatus::Postponed => Some("Verschoben"),
        EventStatus::MovedOnline => Some("Findet online statt"),
    }
}

/// A local time of day as Germans write it: `9:30 Uhr`.
pub fn clock(at: DateTime<Tz>) -> String {
    format!("{}:{:02} Uhr", at.hour(), at.minute())
}

/// A time span on one day: `9:30–9:45 Uhr`.
pub fn clock_span(from: DateTime<Tz>, to: DateTime<Tz>) -> String {
    format!(
        "{}:{:02}–{}:{:02} Uhr",
        from.hour(),
        from.minute(),
        to.hour(),
        to.minute()
    )
}

/// A date written out: `Freitag, 21. Januar 2022`.
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{}, {}. {} {}",
        weekday(date.weekday()),
        date.day(),
        month(date.month()),
        date.year()
    )
}

/// A month and year: `Januar 2022`.
pub fn month_year(date: NaiveDate) -> String {
    format!("{} {}", month(date.month()), date.year())
}

fn weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Montag",
        Weekday::Tue => "Dienstag",
        Weekday::Wed => "Mittwoch",
        Weekday::Thu => "Donnerstag",
        Weekday::Fri => "Freitag",
        Weekday::Sat => "Samstag",
        Weekday::Sun => "Sonntag",
    }
}

fn month(number: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    number
        .checked_sub(1)
        .and_then(|index| MONTHS.get(index as usize))
        .copied()
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_and_dates_read_german() {
        let zone = chrono_tz::Europe::Berlin;
        let at = chrono::Utc
            .with_ymd_and_hms(2022, 1, 21, 8, 30, 0)
            .single()
            .map(|t| t.with_timezone(&zone));
        let Some(at) = at else {
            panic!("valid time");
        };
        assert_eq!(clock(at), "9:30 Uhr");
        assert_eq!(long_date(at.date_naive()), "Freitag, 21. Januar 2022");
        assert_eq!(month_year(at.date_naive()), "Januar 2022");
    }
}
