//! Reads the rows of one relation by key, for the batched loaders. On PostgreSQL the statement goes
//! straight through sqlx: its text is built by sea-query once per relation, viewer and number of
//! keys and then reused, so a request neither rebuilds it nor pays for sea-orm's (large, copied)
//! futures. Every statement is still counted. Statements whose values are not plain keys and
//! scalars, and every other backend, go through sea-orm.

use std::any::TypeId;
use std::sync::{Arc, Mutex};

use foldhash::HashMap;
use sea_orm::sqlx::postgres::{PgArguments, PgPool};
use sea_orm::sqlx::{Arguments as _, AssertSqlSafe, Error as SqlxError};
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryResult, RuntimeErr, Value};

use sea_orm::sea_query::SelectStatement;

use super::decode::{self, Decode, Joined};
use crate::db::StatementCounter;
use crate::viewer::Viewer;

/// The connection the loaders read with.
#[derive(Clone)]
pub struct Reader {
    /// sea-orm's connection (the pool every other access uses).
    conn: DatabaseConnection,
    direct: Option<Direct>,
    /// Whether rows are read without their deferred columns (see [`decode::abridged`]).
    abridged: bool,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("direct", &self.direct.is_some())
            .field("abridged", &self.abridged)
            .finish_non_exhaustive()
    }
}

/// The sqlx pool behind a PostgreSQL connection, the statement counter and the statements built.
#[derive(Clone)]
struct Direct {
    pool: PgPool,
    statements: Arc<StatementCounter>,
    texts: Arc<Mutex<HashMap<TextKey, Option<Arc<Text>>>>>,
}

/// A statement: which relation (and riders), for whom, with how many keys, abridged or not, and
/// how many rows per key (a windowed read) or all.
type TextKey = (TypeId, Viewer, usize, bool, Option<u64>);

/// A statement text and the values that follow its keys (the viewer's scope).
struct Text {
    sql: Arc<str>,
    rest: Vec<Value>,
}

/// Most statement texts kept (a relation has a handful: keys are padded to powers of two).
const MAX_TEXTS: usize = 4096;

impl Reader {
    /// A reader over `conn`, counting its direct statements in `statements`.
    pub fn new(conn: DatabaseConnection, statements: Arc<StatementCounter>) -> Self {
        let direct = match &conn.inner {
            sea_orm::DatabaseConnectionType::SqlxPostgresPoolConnection(_) => Some(Direct {
                pool: conn.get_postgres_connection_pool().clone(),
                statements,
                texts: Arc::default(),
            }),
            _ => None,
        };
        Self {
            conn,
            direct,
            abridged: false,
        }
    }

    /// The same reader, reading rows without their deferred columns where a read allows it.
    pub fn abridged(&self) -> Self {
        Self {
            abridged: true,
            ..self.clone()
        }
    }

    /// Whether this reader leaves deferred columns out.
    pub fn is_abridged(&self) -> bool {
        self.abridged
    }

    /// The connection behind this reader.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The models `select` finds, each with its joined models `X` (see [`decode::Joined`]), where
    /// `select` matches the relation's key column against `keys` (as its first condition) and adds
    /// `viewer`'s scope; `relation` tells relations apart, `window` the rows kept per key. `select`
    /// leaves out the deferred columns itself where `abridged` says so.
    pub async fn all_joined<E, X>(
        &self,
        relation: TypeId,
        viewer: Viewer,
        keys: &[i32],
        abridged: bool,
        window: Option<u64>,
        select: impl Fn() -> SelectStatement,
    ) -> Result<Vec<(E::Model, X)>, DbErr>
    where
        E: EntityTrait,
        E::Model: Decode + Send,
        X: Joined,
    {
        let by_sea_orm = || decode::all_joined::<E, X, _>(select(), &self.conn);
        let Some(direct) = &self.direct else {
            return by_sea_orm().await;
        };
        let key = (relation, viewer, keys.len(), abridged, window);
        let known = direct
            .texts
            .lock()
            .ok()
            .and_then(|texts| texts.get(&key).cloned());
        let text = match known {
            Some(Some(text)) => text,
            // Not expressible with plain values: sea-orm runs it.
            Some(None) => return by_sea_orm().await,
            None => {
                let statement = DbBackend::Postgres.build(&select());
                let mut values = statement.values.map(|values| values.0).unwrap_or_default();
                let reusable = keys_first(&values, keys)
                    && statement.sql.contains(&placeholders(keys.len()))
                    && arguments(keys, &values[keys.len()..]).is_some();
                let text = reusable.then(|| {
                    Arc::new(Text {
                        sql: Arc::from(statement.sql),
                        rest: values.split_off(keys.len()),
                    })
                });
                if let Ok(mut texts) = direct.texts.lock()
                    && texts.len() < MAX_TEXTS
                {
                    texts.insert(key, text.clone());
                }
                match text {
                    Some(text) => text,
                    None => return by_sea_orm().await,
                }
            }
        };
        let Some(arguments) = arguments(keys, &text.rest) else {
            return by_sea_orm().await;
        };
        // The text is sea-query's, with every value a parameter.
        let fetch = sea_orm::sqlx::query_with(AssertSqlSafe(text.sql.clone()), arguments)
            .fetch_all(&direct.pool);
        let result = without_span(fetch).await;
        direct.statements.add();
        let rows: Vec<QueryResult> = result
            .map_err(query_error)?
            .into_iter()
            .map(QueryResult::from)
            .collect();
        decode::decode_all_joined(&rows)
    }
}

/// Polls `future` with no subscriber in scope. sqlx wraps its row stream in the span current
/// when the stream starts (the request's) and enters it again for every row; statement logging
/// is off, so nothing sqlx would record is lost, and errors come back as values.
async fn without_span<F: Future>(future: F) -> F::Output {
    let mut future = Box::pin(future);
    let none = tracing::Dispatch::none();
    std::future::poll_fn(move |cx| {
        tracing::dispatcher::with_default(&none, || future.as_mut().poll(cx))
    })
    .await
}

/// Whether a statement's values start with exactly `keys`, so that another set of as many keys can
/// take their place.
fn keys_first(values: &[Value], keys: &[i32]) -> bool {
    values.len() >= keys.len()
        && values
            .iter()
            .zip(keys)
            .all(|(value, key)| *value == Value::Int(Some(*key)))
}

/// The key list of a statement whose first values are `count` keys: `IN ($1, …, $count)`.
fn placeholders(count: usize) -> String {
    let list: Vec<String> = (1..=count).map(|index| format!("${index}")).collect();
    format!("IN ({})", list.join(", "))
}

/// `keys`, then `rest`, as sqlx arguments; `None` when a value is not a plain scalar.
fn arguments(keys: &[i32], rest: &[Value]) -> Option<PgArguments> {
    let mut arguments = PgArguments::default();
    for key in keys {
        arguments.add(*key).ok()?;
    }
    for value in rest {
        match value {
            Value::Bool(value) => arguments.add(*value).ok()?,
            Value::Int(value) => arguments.add(*value).ok()?,
            Value::BigInt(value) => arguments.add(*value).ok()?,
            Value::String(value) => arguments.add(value.as_deref()).ok()?,
            _ => return None,
        }
    }
    Some(arguments)
}

/// A driver error as sea-orm reports one of its own queries (so that "busy" still reads as such).
fn query_error(error: SqlxError) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_statements_that_start_with_the_keys_are_reused() {
        let values = [
            Value::Int(Some(3)),
            Value::Int(Some(5)),
            Value::Bool(Some(true)),
        ];
        assert!(keys_first(&values, &[3, 5]));
        assert!(!keys_first(&values, &[5, 3]));
        assert!(!keys_first(&values[..1], &[3, 5]));
    }

    #[test]
    fn the_keys_are_the_first_placeholders() {
        assert_eq!(placeholders(1), "IN ($1)");
        assert_eq!(placeholders(3), "IN ($1, $2, $3)");
    }

    #[test]
    fn values_other_than_plain_scalars_are_not_bound_here() {
        assert!(arguments(&[1, 2], &[Value::Bool(Some(true)), Value::String(None)]).is_some());
        assert!(arguments(&[1], &[Value::Double(Some(1.5))]).is_none());
    }
}
