//! Answers to anonymous read queries, kept until the data changes. Staff requests never use it
//! (an editor sees drafts and private fields). Every mutation clears it, and so does every move of
//! the change log's head, whoever wrote (see [`crate::change_watch`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;

/// A bounded cache of response bodies, keyed by the exact request.
#[derive(Clone)]
pub struct ResponseCache {
    entries: Option<Cache<Arc<str>, Arc<[u8]>>>,
    generation: Arc<AtomicU64>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("enabled", &self.entries.is_some())
            .finish()
    }
}

/// A cache key and the generation it was computed in.
#[derive(Clone, Debug)]
pub struct Ticket {
    key: Arc<str>,
    generation: u64,
}

impl ResponseCache {
    /// A cache of at most `max_bytes` of keys and bodies; 0 disables it.
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &Arc<str>, body: &Arc<[u8]>| {
                    u32::try_from(key.len() + body.len()).unwrap_or(u32::MAX)
                })
                .time_to_idle(Duration::from_secs(3600))
                .build()
        });
        Self {
            entries,
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Whether answers are cached at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The ticket for a request: its exact text, variables and operation name.
    pub fn ticket(&self, query: &str, variables: &str, operation: Option<&str>) -> Ticket {
        let key = format!(
            "{}\u{0}{query}\u{0}{variables}",
            operation.unwrap_or_default()
        );
        Ticket {
            key: key.into(),
            generation: self.generation.load(Ordering::Acquire),
        }
    }

    /// The cached answer for a ticket.
    pub fn get(&self, ticket: &Ticket) -> Option<Arc<[u8]>> {
        self.entries.as_ref()?.get(&ticket.key)
    }

    /// Keeps an answer, unless the data changed while it was computed.
    pub fn put(&self, ticket: Ticket, body: Arc<[u8]>) {
        if let Some(entries) = &self.entries
            && self.generation.load(Ordering::Acquire) == ticket.generation
        {
            entries.insert(ticket.key, body);
        }
    }

    /// Drops every answer: the data changed.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_computed_across_a_change_are_not_kept() {
        let cache = ResponseCache::new(1 << 20);
        let ticket = cache.ticket("{ a }", "{}", None);
        cache.clear();
        cache.put(ticket, Arc::from(&b"old"[..]));
        let ticket = cache.ticket("{ a }", "{}", None);
        assert!(cache.get(&ticket).is_none());
        cache.put(ticket.clone(), Arc::from(&b"new"[..]));
        assert_eq!(cache.get(&ticket).as_deref(), Some(&b"new"[..]));
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = ResponseCache::new(0);
        let ticket = cache.ticket("{ a }", "{}", None);
        cache.put(ticket.clone(), Arc::from(&b"x"[..]));
        assert!(cache.get(&ticket).is_none());
    }
}
