//! The persisted documents an instance knows: those registered by an operator (kept in the
//! database, remembered here for a minute so that every request does not read them), and those
//! that Apollo clients taught it with Automatic Persisted Queries (kept in memory only, bounded).

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use sea_orm::DatabaseConnection;

use crate::error::AppResult;
use crate::service::persisted;

/// How long a registered document is remembered before it is read again (so a deletion reaches
/// every instance within this time).
pub const REMEMBER_SECONDS: u64 = 60;

/// Total size of the texts that Apollo clients registered automatically, in bytes.
const AUTOMATIC_CAPACITY_BYTES: u64 = 4 * 1024 * 1024;

/// The documents known by their hash (lowercase hex SHA-256).
#[derive(Clone)]
pub struct PersistedDocuments {
    registered: Cache<Arc<str>, Arc<str>>,
    automatic: Cache<Arc<str>, Arc<str>>,
}

impl std::fmt::Debug for PersistedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistedDocuments")
            .field("registered", &self.registered.entry_count())
            .field("automatic", &self.automatic.entry_count())
            .finish()
    }
}

impl Default for PersistedDocuments {
    fn default() -> Self {
        let weigh = |hash: &Arc<str>, text: &Arc<str>| {
            u32::try_from(hash.len() + text.len()).unwrap_or(u32::MAX)
        };
        Self {
            registered: Cache::builder()
                .max_capacity(16 * 1024 * 1024)
                .weigher(weigh)
                .time_to_live(Duration::from_secs(REMEMBER_SECONDS))
                .build(),
            automatic: Cache::builder()
                .max_capacity(AUTOMATIC_CAPACITY_BYTES)
                .weigher(weigh)
                .build(),
        }
    }
}

impl PersistedDocuments {
    /// The text an operator registered under `hash`, if any.
    pub async fn registered(
        &self,
        db: &DatabaseConnection,
        hash: &str,
    ) -> AppResult<Option<Arc<str>>> {
        if let Some(text) = self.registered.get(hash) {
            return Ok(Some(text));
        }
        let id = format!("{}{hash}", persisted::PREFIX);
        let Some(model) = persisted::by_id(db, &id).await? else {
            return Ok(None);
        };
        let text: Arc<str> = model.document.into();
        self.registered.insert(hash.into(), text.clone());
        Ok(Some(text))
    }

    /// The text an Apollo client sent earlier with `hash` (Automatic Persisted Queries).
    pub fn automatic(&self, hash: &str) -> Option<Arc<str>> {
        self.automatic.get(hash)
    }

    /// Keeps the text an Apollo client sent with its hash (already checked to match).
    pub fn remember(&self, hash: &str, text: &str) {
        self.automatic.insert(hash.into(), text.into());
    }
}
