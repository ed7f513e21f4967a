//! Reading form values out of a record's stored form (the JSON the audit log keeps).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value as Json;

use crate::admin::form::local_value;

/// A text, number or enumeration value as text; empty for null.
pub fn text(stored: &Json, key: &str) -> String {
    match &stored[key] {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// An instant as local date and time in `zone`; empty for null.
pub fn local(stored: &Json, key: &str, zone: Tz) -> String {
    stored[key]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| local_value(at.with_timezone(&Utc), zone))
        .unwrap_or_default()
}

/// A list of texts, one per line.
pub fn lines(stored: &Json, key: &str) -> String {
    stored[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// A record id.
pub fn id(stored: &Json, key: &str) -> Option<i32> {
    stored[key].as_i64().and_then(|id| i32::try_from(id).ok())
}
