//! Full-text search over the index (`store::search_index`): queries go through the same folding
//! and stemming as the indexed text, and their last word also matches as a prefix (type-ahead). Only
//! the ranking functions differ between the backends (bm25 and `ts_rank`, titles weighted above
//! other text). Who may see what is decided here, with the same rules as everywhere else, so
//! publishing or unpublishing needs no re-indexing and drafts and private people never appear.

use entity::{document, model_project, organisation, person, session, town};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{Condition, ConnectionTrait, DbBackend};

use crate::error::{AppError, AppResult};
use crate::store::search_index::{SearchKind, col, fold, stem, table, words};
use crate::viewer::Viewer;

/// Most hits one search returns.
pub const MAX_HITS: i32 = 100;

/// Most words a query may have.
pub const MAX_QUERY_WORDS: usize = 8;

/// Characters of context on each side of the first match in a snippet.
const SNIPPET_CONTEXT: usize = 70;

/// One ranked hit.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: SearchKind,
    pub id: i32,
    pub title: String,
    /// The text around the first match (of the body, else the title).
    pub snippet: String,
    /// Relevance; higher is better. Comparable within one answer only.
    pub score: f64,
}

/// One word of a query: it matches when any alternative does; `prefix` when the word may be
/// incomplete.
#[derive(Clone, Debug, PartialEq)]
struct QueryWord {
    folded: String,
    stemmed: String,
    prefix: bool,
}

impl QueryWord {
    fn matches(&self, word: &str) -> bool {
        let folded = fold(word);
        folded == self.folded
            || stem(word) == self.stemmed
            || (self.prefix && folded.starts_with(&self.folded))
    }
}

fn parse_query(query: &str) -> AppResult<Vec<QueryWord>> {
    let query = crate::store::text::search_text(query, "query")?;
    let mut parsed: Vec<QueryWord> = words(&query)
        .map(|word| QueryWord {
            folded: fold(word),
            stemmed: stem(word),
            prefix: false,
        })
        .filter(|word| !word.folded.is_empty())
        .collect();
    if parsed.is_empty() {
        return Err(AppError::bad_field(
            "query",
            "`query` must contain at least one letter or digit",
        ));
    }
    if parsed.len() > MAX_QUERY_WORDS {
        return Err(AppError::bad_field(
            "query",
            format!("`query` may have at most {MAX_QUERY_WORDS} words"),
        ));
    }
    if let Some(last) = parsed.last_mut() {
        last.prefix = last.folded.len() >= 2;
    }
    Ok(parsed)
}

/// The query for FTS5: every word must match, each by its folded form, its stem or (the last) as
/// a prefix. Terms are ASCII letters and digits only, so quoting them is safe.
fn fts5_query(words: &[QueryWord]) -> String {
    words
        .iter()
        .map(|word| {
            let folded = if word.prefix {
                format!("\"{}\"*", word.folded)
            } else {
                format!("\"{}\"", word.folded)
            };
            format!("({folded} OR \"{}\")", word.stemmed)
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The same query for PostgreSQL's `to_tsquery('simple', …)`.
fn tsquery(words: &[QueryWord]) -> String {
    words
        .iter()
        .map(|word| {
            let folded = if word.prefix {
                format!("{}:*", word.folded)
            } else {
                word.folded.clone()
            };
            format!("({folded} | {})", word.stemmed)
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The records of `kind` the viewer may see, as a condition on index rows.
fn visible(kind: SearchKind, viewer: Viewer) -> Condition {
    let ids = match kind {
        SearchKind::Town => Query::select()
            .column(town::Column::Id)
            .from(town::Entity)
            .to_owned(),
        SearchKind::ModelProject => Query::select()
            .column(model_project::Column::Id)
            .from(model_project::Entity)
            .to_owned(),
        SearchKind::Organisation => Query::select()
            .column(organisation::Column::Id)
            .from(organisation::Entity)
            .to_owned(),
        SearchKind::Event => super::event::visible_ids(viewer),
        SearchKind::Session => Query::select()
            .column(session::Column::Id)
            .from(session::Entity)
            .cond_where(super::session::visible(viewer))
            .to_owned(),
        SearchKind::Person => Query::select()
            .column(person::Column::Id)
            .from(person::Entity)
            .cond_where(super::person::visible(viewer))
            .to_owned(),
        SearchKind::Document => Query::select()
            .column(document::Column::Id)
            .from(document::Entity)
            .cond_where(super::document::visible(viewer))
            .to_owned(),
    };
    Condition::all()
        .add(col("kind").eq(kind.type_name()))
        .add(col("record_id").in_subquery(ids))
}

/// The best `first` hits for `query` among `kinds` (all when `None`) that the viewer may see.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    query: &str,
    kinds: Option<&[SearchKind]>,
    first: i32,
) -> AppResult<Vec<Hit>> {
    if !(1..=MAX_HITS).contains(&first) {
        return Err(AppError::bad_field(
            "first",
            format!("`first` must be between 1 and {MAX_HITS}, got {first}"),
        ));
    }
    let words = parse_query(query)?;
    let kinds = kinds.unwrap_or(&SearchKind::ALL);
    let mut allowed = Condition::any();
    for kind in SearchKind::ALL {
        if kinds.contains(&kind) {
            allowed = allowed.add(visible(kind, viewer));
        }
    }
    let mut select = Query::select();
    select
        .from(table())
        .expr(col("kind"))
        .expr(col("record_id"))
        .expr(col("title"))
        .expr(col("body"))
        .cond_where(allowed)
        .limit(first as u64);
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let tsquery = tsquery(&words);
            select
                .expr_as(
                    Expr::cust_with_values(
                        "CAST(ts_rank(\"search_entry\".\"document\", to_tsquery('simple', $1)) AS DOUBLE PRECISION)",
                        [tsquery.clone()],
                    ),
                    Alias::new("score"),
                )
                .and_where(Expr::cust_with_values(
                    "\"search_entry\".\"document\" @@ to_tsquery('simple', $1)",
                    [tsquery],
                ))
                .order_by(Alias::new("score"), Order::Desc);
        }
        _ => {
            select
                .expr_as(
                    Expr::cust("-bm25(\"search_fts\", 10.0, 1.0)"),
                    Alias::new("score"),
                )
                .join(
                    sea_orm::sea_query::JoinType::InnerJoin,
                    Alias::new("search_fts"),
                    Expr::col((Alias::new("search_fts"), Alias::new("rowid")))
                        .equals((table(), Alias::new("id"))),
                )
                .and_where(Expr::cust_with_values(
                    "\"search_fts\" MATCH ?",
                    [fts5_query(&words)],
                ))
                .order_by(Alias::new("score"), Order::Desc);
        }
    }
    select.order_by((table(), Alias::new("id")), Order::Asc);
    let mut hits = Vec::new();
    for row in db.query_all(&select).await? {
        let kind: String = row.try_get_by_index(0)?;
        let Some(kind) = SearchKind::from_type_name(&kind) else {
            continue;
        };
        let title: String = row.try_get_by_index(2)?;
        let body: String = row.try_get_by_index(3)?;
        hits.push(Hit {
            kind,
            id: row.try_get_by_index(1)?,
            snippet: snippet(&body, &words).unwrap_or_else(|| {
                snippet(&title, &words).unwrap_or_else(|| shorten(&body, 2 * SNIPPET_CONTEXT))
            }),
            title,
            score: row.try_get_by_index(4)?,
        });
    }
    Ok(hits)
}

/// The text cut to about `limit` characters at a word boundary.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut} …")
}

/// The text around the first word that matches the query, if one does.
fn snippet(text: &str, words: &[QueryWord]) -> Option<String> {
    let found = text
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| !word.is_empty() && words.iter().any(|q| q.matches(word)))
        .map(|word| word.as_ptr() as usize - text.as_ptr() as usize)?;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let position = chars.iter().position(|(at, _)| *at >= found).unwrap_or(0);
    let start = position.saturating_sub(SNIPPET_CONTEXT);
    let end = (position + SNIPPET_CONTEXT).min(chars.len());
    let piece: String = chars[start..end].iter().map(|(_, c)| c).collect();
    let mut piece = piece.trim().to_owned();
    if start > 0 {
        piece = format!(
            "… {}",
            piece.split_once(' ').map_or(piece.as_str(), |(_, t)| t)
        );
    }
    if end < chars.len() {
        piece = format!(
            "{} …",
            piece.rsplit_once(' ').map_or(piece.as_str(), |(h, _)| h)
        );
    }
    Some(piece)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_safe_match_expressions() {
        let words = parse_query("Innenstädte \"Münn").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            fts5_query(&words),
            "(\"innenstadte\" OR \"innenstadt\") AND (\"munn\"* OR \"munn\")"
        );
        assert_eq!(
            tsquery(&words),
            "(innenstadte | innenstadt) & (munn:* | munn)"
        );
        assert!(parse_query("  ").is_err());
        assert!(parse_query("!!!").is_err());
    }

    #[test]
    fn snippets_show_the_first_match_in_context() {
        let words = parse_query("Leerstand").unwrap_or_else(|e| panic!("{e}"));
        let text = "Leerstand in Innenstädten gemeinsam angehen.";
        assert_eq!(snippet(text, &words).as_deref(), Some(text));
    }
}
