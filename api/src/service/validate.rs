//! Input rules shared by every write: each function parses one value or refuses it with a
//! `BAD_USER_INPUT` error naming the field.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{AppError, AppResult};

/// Trimmed text, not empty, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Optional text: empty means absent.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(field, value, max).map(Some),
    }
}

/// An e-mail address (syntax per RFC 5322 addr-spec), lower-cased.
pub fn email(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim().to_lowercase();
    if value.len() > 254 || !email_address::EmailAddress::is_valid(&value) {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` is not a valid e-mail address"),
        ));
    }
    Ok(value)
}

/// An absolute http(s) URL.
pub fn url(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let invalid =
        || AppError::bad_field(field, format!("`{field}` must be an absolute http(s) URL"));
    if value.len() > 2000 {
        return Err(invalid());
    }
    let parsed = url::Url::parse(value).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid());
    }
    Ok(parsed.to_string())
}

/// An optional URL.
pub fn opt_url(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => url(field, value).map(Some),
    }
}

/// An 8-digit municipality key whose first two digits are the state's key.
pub fn municipality_key(field: &str, value: &str, state_key: Option<&str>) -> AppResult<String> {
    let value = value.trim();
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_field(
            field,
            "a municipality key has exactly 8 digits",
        ));
    }
    if let Some(state_key) = state_key
        && !value.starts_with(state_key)
    {
        return Err(AppError::bad_field(
            field,
            format!("a municipality key in this state starts with {state_key}"),
        ));
    }
    Ok(value.to_owned())
}

/// A population: zero or more.
pub fn population(field: &str, value: i32) -> AppResult<i32> {
    if value < 0 {
        return Err(AppError::bad_field(
            field,
            "a population cannot be negative",
        ));
    }
    Ok(value)
}

/// A latitude in degrees.
pub fn latitude(field: &str, value: f64) -> AppResult<f64> {
    if !(-90.0..=90.0).contains(&value) {
        return Err(AppError::bad_field(
            field,
            "a latitude lies between -90 and 90",
        ));
    }
    Ok(value)
}

/// A longitude in degrees.
pub fn longitude(field: &str, value: f64) -> AppResult<f64> {
    if !(-180.0..=180.0).contains(&value) {
        return Err(AppError::bad_field(
            field,
            "a longitude lies between -180 and 180",
        ));
    }
    Ok(value)
}

/// An ISO 8601 date, possibly partial: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub fn partial_date(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let invalid = || {
        AppError::bad_field(
            field,
            format!("`{field}` must be YYYY, YYYY-MM or YYYY-MM-DD"),
        )
    };
    let parts: Vec<&str> = value.split('-').collect();
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>().map_err(|_| invalid()))
        .collect::<AppResult<_>>()?;
    let valid = match (parts.as_slice(), numbers.as_slice()) {
        ([y], [_]) => y.len() == 4,
        ([y, m], [_, month]) => y.len() == 4 && m.len() == 2 && (1..=12).contains(month),
        ([y, m, d], [year, month, day]) => {
            y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && chrono::NaiveDate::from_ymd_opt(*year as i32, *month, *day).is_some()
        }
        _ => false,
    };
    if valid {
        Ok(value.to_owned())
    } else {
        Err(invalid())
    }
}

/// An optional partial date.
pub fn opt_partial_date(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => partial_date(field, value).map(Some),
    }
}

/// Checks that a (possibly partial) end date does not lie before its start, compared at the
/// precision both share (`2021` ends fine in `2021-05`).
pub fn dates_in_order(field: &str, start: Option<&str>, end: Option<&str>) -> AppResult<()> {
    if let (Some(start), Some(end)) = (start, end) {
        let shared = start.len().min(end.len());
        if end.get(..shared) < start.get(..shared) {
            return Err(AppError::bad_field(
                field,
                format!("`{field}` must not lie before the start"),
            ));
        }
    }
    Ok(())
}

/// A telephone number: digits, spaces and `-/()`, an optional leading `+`; at least 3 digits, at
/// most 50 characters.
pub fn phone(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let allowed = value.char_indices().all(|(at, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '/' | '(' | ')') || (c == '+' && at == 0)
    });
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !allowed || digits < 3 || value.chars().count() > 50 {
        return Err(AppError::bad_field(
            field,
            format!(
                "`{field}` must be a telephone number (digits, spaces, `+-/()`, at most 50 characters)"
            ),
        ));
    }
    Ok(value.to_owned())
}

/// A calendar year from 1800 to 2200.
pub fn year(field: &str, value: i32) -> AppResult<i32> {
    if !(1800..=2200).contains(&value) {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must be a year from 1800 to 2200"),
        ));
    }
    Ok(value)
}

/// A positive identifier of an external register (GeoNames).
pub fn external_id(field: &str, value: i64) -> AppResult<i64> {
    if value <= 0 {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must be a positive number"),
        ));
    }
    Ok(value)
}

/// An IANA time zone name.
pub fn time_zone(field: &str, value: &str) -> AppResult<Tz> {
    value
        .trim()
        .parse::<Tz>()
        .map_err(|_| AppError::bad_field(field, format!("`{value}` is not an IANA time zone")))
}

/// A local time read in `zone`; a time that does not exist there (clock change) is an error, and
/// an ambiguous one (the repeated hour) takes the earlier instant.
pub fn local_time(field: &str, value: NaiveDateTime, zone: Tz) -> AppResult<DateTime<Utc>> {
    match zone.from_local_datetime(&value) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(AppError::bad_field(
            field,
            format!("{value} does not exist in {zone} (clock change)"),
        )),
    }
}

/// Checks that an end lies after its start.
pub fn end_after_start(
    field: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> AppResult<()> {
    match end {
        Some(end) if end <= start => Err(AppError::bad_field(
            field,
            "the end must lie after the start",
        )),
        _ => Ok(()),
    }
}

/// A position in an ordered list (programme, author list): 1 to 10,000.
pub fn position(field: &str, value: i32) -> AppResult<i32> {
    if !(1..=10_000).contains(&value) {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must lie between 1 and 10000"),
        ));
    }
    Ok(value)
}

/// An ISBN-10 or ISBN-13 with a valid check digit; hyphens and spaces are kept as given.
pub fn isbn(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let invalid = || {
        AppError::bad_field(
            field,
            format!("`{field}` is not a valid ISBN-10 or ISBN-13"),
        )
    };
    if value.len() > 20 {
        return Err(invalid());
    }
    let chars: Vec<char> = value.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let digit = |c: char| c.to_digit(10);
    let valid = match chars.len() {
        10 => {
            let mut sum = 0;
            for (i, c) in chars.iter().enumerate() {
                let value = match (i, c) {
                    (9, 'X' | 'x') => 10,
                    (_, c) => digit(*c).ok_or_else(invalid)?,
                };
                sum += value * (10 - i as u32);
            }
            sum % 11 == 0
        }
        13 => {
            let mut sum = 0;
            for (i, c) in chars.iter().enumerate() {
                let value = digit(*c).ok_or_else(invalid)?;
                sum += if i % 2 == 0 { value } else { 3 * value };
            }
            sum % 10 == 0
        }
        _ => false,
    };
    if valid {
        Ok(value.to_owned())
    } else {
        Err(invalid())
    }
}

/// A language as an ISO 639-1 code (two letters), lower-cased.
pub fn language(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim().to_lowercase();
    if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(AppError::bad_field(
            field,
            format!("`{field}` must be an ISO 639-1 code such as `de` or `en`"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipality_keys_have_8_digits_and_the_state_prefix() {
        assert!(municipality_key("k", "16075062", Some("16")).is_ok());
        assert!(municipality_key("k", "1607506", Some("16")).is_err());
        assert!(municipality_key("k", "1607506x", None).is_err());
        assert!(municipality_key("k", "14075062", Some("16")).is_err());
    }

    #[test]
    fn e_mails_and_urls() {
        assert_eq!(
            email("e", " A@Example.org ").ok().as_deref(),
            Some("a@example.org")
        );
        assert!(email("e", "not an address").is_err());
        assert!(url("u", "https://www.bbsr.bund.de/x").is_ok());
        assert!(url("u", "javascript:alert(1)").is_err());
        assert!(url("u", "www.example.org").is_err());
    }

    #[test]
    fn partial_dates() {
        for ok in ["2021", "2021-05", "2021-05-31"] {
            assert!(partial_date("d", ok).is_ok(), "{ok}");
        }
        for bad in ["21", "2021-13", "2021-02-30", "2021-5", "May 2021", ""] {
            assert!(partial_date("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_isbns_and_languages() {
        assert!(dates_in_order("u", Some("2021-05"), Some("2021-04-30")).is_err());
        assert!(dates_in_order("u", Some("2021"), None).is_ok());
        assert!(isbn("i", "978-3-87994-123-3").is_err());
        assert!(isbn("i", "978-3-16-148410-0").is_ok());
        assert!(isbn("i", "3-598-21508-8").is_ok());
        assert!(isbn("i", "0-8044-2957-X").is_ok());
        assert!(isbn("i", "12345").is_err());
        assert_eq!(language("l", " DE ").ok().as_deref(), Some("de"));
        assert!(language("l", "deu").is_err());
        assert!(position("p", 0).is_err());
    }

    #[test]
    fn partial_dates_in_order_and_phones() {
        assert!(dates_in_order("end", Some("2021-05"), Some("2021")).is_ok());
        assert!(dates_in_order("end", Some("2021-05"), Some("2021-06-01")).is_ok());
        assert!(dates_in_order("end", Some("2021-05"), Some("2021-04")).is_err());
        assert!(dates_in_order("end", Some("2022"), Some("2021-12-31")).is_err());
        assert!(dates_in_order("end", None, Some("2021")).is_ok());
        assert!(phone("p", "+49 (30) 1234-56").is_ok());
        assert!(phone("p", "call me").is_err());
        assert!(phone("p", "49+30").is_err());
    }

    #[test]
    fn local_times_in_the_gap_are_refused() {
        let zone = chrono_tz::Europe::Berlin;
        let gap =
            chrono::NaiveDate::from_ymd_opt(2022, 3, 27).and_then(|d| d.and_hms_opt(2, 30, 0));
        let winter =
            chrono::NaiveDate::from_ymd_opt(2022, 1, 21).and_then(|d| d.and_hms_opt(9, 30, 0));
        assert!(gap.is_some_and(|gap| local_time("t", gap, zone).is_err()));
        let utc = winter.and_then(|w| local_time("t", w, zone).ok());
        assert_eq!(
            utc.map(|u| u.to_rfc3339()).as_deref(),
            Some("2022-01-21T08:30:00+00:00")
        );
    }
}
