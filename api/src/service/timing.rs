//! Instants given by clients: with an offset, or as local time in the event's zone.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::validate;
use crate::error::{AppError, AppResult};

/// An instant in a time zone, as RFC 3339 with the zone's offset (`2022-01-21T09:30:00+01:00`).
pub fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).to_rfc3339()
}

/// A point in time as a client gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// An instant with an offset.
    Instant(DateTime<Utc>),
    /// A wall-clock time, read in the event's time zone.
    Local(NaiveDateTime),
}

impl When {
    /// The instant, reading local times in `zone`.
    pub fn resolve(self, field: &str, zone: Tz) -> AppResult<DateTime<Utc>> {
        match self {
            Self::Instant(at) => Ok(at),
            Self::Local(local) => validate::local_time(field, local, zone),
        }
    }

    /// One of an instant and a local time; both or neither is an error when `required`.
    pub fn pick(
        field: &str,
        instant: Option<DateTime<Utc>>,
        local: Option<NaiveDateTime>,
    ) -> AppResult<Option<Self>> {
        match (instant, local) {
            (Some(_), Some(_)) => Err(AppError::bad_field(
                field,
                format!("give `{field}` or `{field}Local`, not both"),
            )),
            (Some(at), None) => Ok(Some(Self::Instant(at))),
            (None, Some(local)) => Ok(Some(Self::Local(local))),
            (None, None) => Ok(None),
        }
    }
}
