//! iCalendar content lines (RFC 5545 §3.1): TEXT escaping, quoted parameter values, folding at 75
//! octets without splitting a UTF-8 character, CRLF line ends.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Longest physical line in octets, without its CRLF.
const MAX_OCTETS: usize = 75;

/// An iCalendar text under construction.
#[derive(Debug, Default)]
pub struct Lines {
    out: String,
}

impl Lines {
    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }

    /// A property whose value is already in its iCalendar form (dates, numbers, URIs, enums);
    /// `name` may carry parameters (`DTSTART;TZID=Europe/Berlin`).
    pub fn raw(&mut self, name: &str, value: &str) {
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        self.fold(&format!("{name}:{value}"));
    }

    /// A TEXT property, escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.fold(&format!("{name}:{}", escape_text(value)));
    }

    /// `BEGIN:` of a component.
    pub fn begin(&mut self, component: &str) {
        self.raw("BEGIN", component);
    }

    /// `END:` of a component.
    pub fn end(&mut self, component: &str) {
        self.raw("END", component);
    }

    /// A UTC date-time property (`DTSTAMP`, `LAST-MODIFIED`).
    pub fn utc(&mut self, name: &str, at: DateTime<Utc>) {
        self.raw(name, &utc(at));
    }

    /// A local date-time in the zone `tzid` (which a VTIMEZONE of the calendar defines).
    pub fn local(&mut self, name: &str, tzid: &str, at: NaiveDateTime) {
        self.raw(
            &format!("{name};TZID={}", param_value(tzid)),
            &at.format("%Y%m%dT%H%M%S").to_string(),
        );
    }

    /// A date (all-day) property.
    pub fn date(&mut self, name: &str, date: NaiveDate) {
        self.raw(
            &format!("{name};VALUE=DATE"),
            &date.format("%Y%m%d").to_string(),
        );
    }

    fn fold(&mut self, line: &str) {
        let mut budget = MAX_OCTETS;
        let mut used = 0;
        for c in line.chars() {
            let width = c.len_utf8();
            if used + width > budget {
                self.out.push_str("\r\n ");
                used = 1;
                budget = MAX_OCTETS;
            }
            self.out.push(c);
            used += width;
        }
        self.out.push_str("\r\n");
    }
}

/// A UTC date-time in iCalendar form: `20220121T083000Z`.
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks; other control characters
/// are not allowed in TEXT and are dropped.
pub fn escape_text(value: &str) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: carets, quotes and line breaks encoded per RFC 6868, quoted when it holds
/// a colon, semicolon or comma.
pub fn param_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '^' => out.push_str("^^"),
            '"' => out.push_str("^'"),
            '\n' => out.push_str("^n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    if out.contains([':', ';', ',']) {
        format!("\"{out}\"")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a,b;c\\d\r\ne\nf\u{7}"),
            "a\\,b\\;c\\\\d\\ne\\nf"
        );
    }

    #[test]
    fn parameters_are_quoted() {
        assert_eq!(param_value("Amt \"X\"; ^1"), "\"Amt ^'X^'; ^^1\"");
        assert_eq!(param_value("Europe/Berlin"), "Europe/Berlin");
    }

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        let mut lines = Lines::default();
        let title = "Ä".repeat(100);
        lines.text("SUMMARY", &title);
        let text = lines.finish();
        assert!(text.ends_with("\r\n"));
        let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 2);
        for (index, line) in physical.iter().enumerate() {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert_eq!(index > 0, line.starts_with(' '));
        }
        let unfolded: String = physical
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { *l } else { &l[1..] })
            .collect();
        assert_eq!(unfolded, format!("SUMMARY:{title}"));
    }

    #[test]
    fn short_lines_stay_whole() {
        let mut lines = Lines::default();
        lines.raw("VERSION", "2.0");
        assert_eq!(lines.finish(), "VERSION:2.0\r\n");
    }
}
