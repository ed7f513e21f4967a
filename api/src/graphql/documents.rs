//! Parsed GraphQL documents, by their text. Clients send the same few documents again and again
//! (with other variables); parsing one costs more than executing a small query, so each text is
//! parsed once and its syntax tree reused. Only the syntax is kept: validation, limits and
//! execution run for every request as before, and a document that does not parse is not kept.

use std::sync::Arc;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use moka::sync::Cache;

/// Longest document text that is kept, in bytes.
const MAX_KEPT_BYTES: usize = 16 * 1024;
/// Total size of the texts kept, in bytes.
const CAPACITY_BYTES: u64 = 2 * 1024 * 1024;

/// A bounded map from document text to its syntax tree.
#[derive(Clone)]
pub struct ParsedDocuments(Cache<Arc<str>, Arc<ExecutableDocument>>);

impl std::fmt::Debug for ParsedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedDocuments")
            .field("entries", &self.0.entry_count())
            .finish()
    }
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self(
            Cache::builder()
                .max_capacity(CAPACITY_BYTES)
                .weigher(|text: &Arc<str>, _: &Arc<ExecutableDocument>| {
                    u32::try_from(text.len()).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }
}

impl ParsedDocuments {
    /// Gives `request` its syntax tree, parsed now or taken from an earlier request with the same
    /// text; `None` when the text does not parse (execution then reports why).
    pub fn prepare<'a>(&self, request: &'a mut Request) -> Option<&'a ExecutableDocument> {
        if let Some(document) = self.0.get(request.query.as_str()) {
            request.set_parsed_query(ExecutableDocument::clone(&document));
        } else if request.query.len() <= MAX_KEPT_BYTES {
            let document = request.parsed_query().ok()?.clone();
            self.0
                .insert(Arc::from(request.query.as_str()), Arc::new(document));
        }
        request.parsed_query().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_reused() {
        let documents = ParsedDocuments::default();
        let mut first = Request::new("{ events { totalCount } }");
        assert!(documents.prepare(&mut first).is_some());
        assert!(documents.0.get("{ events { totalCount } }").is_some());
        let mut second = Request::new("{ events { totalCount } }");
        let reused = documents
            .prepare(&mut second)
            .map(|document| document.operations.iter().count());
        assert_eq!(reused, Some(1));
    }

    #[test]
    fn a_document_that_does_not_parse_is_not_kept() {
        let documents = ParsedDocuments::default();
        let mut request = Request::new("{ events {");
        assert!(documents.prepare(&mut request).is_none());
        assert!(documents.0.get("{ events {").is_none());
    }
}
