//! The `sources` column: the public URLs a record's facts are taken from.

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A JSON array of source URLs (or `"seed"` for the published programme of the demo event).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Sources(pub Vec<String>);
