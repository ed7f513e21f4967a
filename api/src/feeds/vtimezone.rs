//! VTIMEZONE blocks from the IANA database (chrono-tz): every offset change of a zone over the
//! years a calendar covers, each as its own STANDARD or DAYLIGHT observance.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::content_line::Lines;

/// A zone's offset at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observance {
    offset_seconds: i32,
    daylight: bool,
    name: Option<String>,
}

fn observance(zone: Tz, at: DateTime<Utc>) -> Observance {
    let offset = zone.offset_from_utc_datetime(&at.naive_utc());
    Observance {
        offset_seconds: offset.fix().local_minus_utc(),
        daylight: !offset.dst_offset().is_zero(),
        name: offset.abbreviation().map(str::to_owned),
    }
}

/// An offset change: the instant and the observances before and after.
struct Transition {
    at: DateTime<Utc>,
    before: Observance,
    after: Observance,
}

fn year_start(year: i32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Offset changes between the start of the year before `from` and the end of the year after `to`.
fn transitions(
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (DateTime<Utc>, Vec<Transition>) {
    let start = year_start(from.year() - 1).unwrap_or(from);
    let stop = year_start(to.year() + 2).unwrap_or(to);
    let mut found = Vec::new();
    let mut day = start;
    let mut current = observance(zone, day);
    while day < stop {
        let next_day = day + Duration::days(1);
        let next = observance(zone, next_day);
        if next != current {
            let (mut low, mut high) = (day, next_day);
            while high - low > Duration::seconds(1) {
                let middle = low + (high - low) / 2;
                if observance(zone, middle) == current {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            found.push(Transition {
                at: high,
                before: current,
                after: next.clone(),
            });
            current = next;
        }
        day = next_day;
    }
    (start, found)
}

fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{rest:02}")
    }
}

fn write_observance(
    lines: &mut Lines,
    onset: DateTime<Utc>,
    before: &Observance,
    after: &Observance,
) {
    let kind = if after.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    let local_onset = onset.naive_utc() + Duration::seconds(i64::from(before.offset_seconds));
    lines.begin(kind);
    lines.raw("DTSTART", &local_onset.format("%Y%m%dT%H%M%S").to_string());
    lines.raw("TZOFFSETFROM", &offset(before.offset_seconds));
    lines.raw("TZOFFSETTO", &offset(after.offset_seconds));
    if let Some(name) = &after.name {
        lines.text("TZNAME", name);
    }
    lines.end(kind);
}

/// Writes the VTIMEZONE of `zone` covering the instants `from` to `to`.
pub fn write(lines: &mut Lines, zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    let (start, found) = transitions(zone, from, to);
    lines.begin("VTIMEZONE");
    lines.text("TZID", zone.name());
    if found.first().is_none_or(|first| first.at > from) {
        let initial = observance(zone, start);
        write_observance(lines, start, &initial, &initial);
    }
    for transition in &found {
        write_observance(lines, transition.at, &transition.before, &transition.after);
    }
    lines.end("VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_2022_has_its_two_changes() {
        let Some(from) = Utc.with_ymd_and_hms(2022, 1, 21, 8, 30, 0).single() else {
            panic!("valid instant");
        };
        let mut lines = Lines::default();
        write(&mut lines, chrono_tz::Europe::Berlin, from, from);
        let text = lines.finish();
        assert!(text.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
        assert!(text.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20220327T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"
        ));
        assert!(text.contains(
            "BEGIN:STANDARD\r\nDTSTART:20221030T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"
        ));
        assert!(text.contains("DTSTART:20211031T030000\r\n"), "{text}");
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let Some(from) = Utc.with_ymd_and_hms(2022, 6, 1, 0, 0, 0).single() else {
            panic!("valid instant");
        };
        let mut lines = Lines::default();
        write(&mut lines, chrono_tz::Etc::UTC, from, from);
        let text = lines.finish();
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1, "{text}");
        assert!(text.contains("TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"));
    }
}
