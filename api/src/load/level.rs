//! The batching engine: the rows of one response level, and their relations loaded once for the
//! whole level. Each relation costs one statement per level, whatever the page size.

use std::any::{Any, TypeId};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use foldhash::HashMap;
use foldhash::HashMapExt as _;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait as _, Order, Query, WindowStatement};
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter, QueryTrait as _, Value};
use tokio::sync::OnceCell;

use super::decode;
use super::reader::Reader;
use super::relation::{Relation, TargetModel};
use super::rider::Riders;
use crate::error::{AppError, AppResult};
use crate::store::page::{Page, PageArgs, paginate_prefix};
use crate::viewer::Viewer;

/// The rows fetched together for one level of a response (one page, or all children of one relation
/// across that page), shared by the GraphQL objects made from them. A relation of any of them is
/// loaded once for all of them, so each relation costs one statement per level, whatever the page
/// size, and without waiting on timers.
pub struct Level<M> {
    pub(super) models: Vec<M>,
    pub(super) reader: Reader,
    pub(super) viewer: Viewer,
    /// Whether the models may lack their deferred columns (read as NULL).
    pub(super) abridged: bool,
    pub(super) related: Mutex<RelationCache>,
}

/// Relations loaded for a level, by relation and rows kept per key (all: `None`); each loads once.
pub(super) type RelationCache =
    HashMap<(TypeId, Option<u64>), Arc<OnceCell<Arc<dyn Any + Send + Sync>>>>;

/// One row of a level: cheap to clone, dereferences to its model.
pub struct Row<M> {
    level: Arc<Level<M>>,
    index: usize,
}

impl<M> Clone for Row<M> {
    fn clone(&self) -> Self {
        Self {
            level: self.level.clone(),
            index: self.index,
        }
    }
}

impl<M> Deref for Row<M> {
    type Target = M;

    fn deref(&self) -> &M {
        &self.level.models[self.index]
    }
}

/// A relation loaded for a whole level: the next level, and which of its rows belong to which key.
pub(super) struct Loaded<C> {
    pub(super) level: Arc<Level<C>>,
    pub(super) by_key: HashMap<i32, Vec<usize>>,
    /// How many rows each key has in all, where only the first ones were read (a window).
    pub(super) totals: HashMap<i32, u64>,
}

pub(super) fn key_of(value: Value) -> Option<i32> {
    match value {
        Value::Int(Some(v)) => Some(v),
        Value::BigInt(Some(v)) => i32::try_from(v).ok(),
        _ => None,
    }
}

impl<M: Send + Sync + 'static> Level<M> {
    /// A level of `models`, fetched for `viewer` with `reader`; returns its rows in order. An
    /// abridged reader may have left the deferred columns out.
    pub fn rows(models: Vec<M>, reader: &Reader, viewer: Viewer) -> Vec<Row<M>> {
        Self::rows_read(models, reader, viewer, reader.is_abridged())
    }

    /// A level of one model, fetched for `viewer` with `reader`; returns its row.
    pub fn row(model: M, reader: &Reader, viewer: Viewer) -> Row<M> {
        Row {
            level: Arc::new(Self {
                models: vec![model],
                reader: reader.clone(),
                viewer,
                abridged: reader.is_abridged(),
                related: Mutex::new(HashMap::new()),
            }),
            index: 0,
        }
    }

    fn rows_read(models: Vec<M>, reader: &Reader, viewer: Viewer, abridged: bool) -> Vec<Row<M>> {
        let count = models.len();
        let level = Arc::new(Self {
            models,
            reader: reader.clone(),
            viewer,
            abridged,
            related: Mutex::new(HashMap::new()),
        });
        (0..count)
            .map(|index| Row {
                level: level.clone(),
                index,
            })
            .collect()
    }

    /// Loads the rows of relation `R` of every model of this level, once, with the to-one
    /// relations `X` of those rows read in the same statement; with `window`, only the first
    /// `window` rows of each key (and how many it has).
    async fn load<R, X>(&self, window: Option<u64>) -> AppResult<Arc<Loaded<R::Item>>>
    where
        R: Relation<Parent = M>,
        X: Riders<R::Target>,
    {
        let cell = {
            let mut related = match self.related.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            related
                .entry((TypeId::of::<R>(), window))
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let loaded = cell
            .get_or_try_init(|| async {
                let mut keys: Vec<i32> = self.models.iter().filter_map(R::key).collect();
                keys.sort_unstable();
                keys.dedup();
                let abridged = abridges::<R>(&self.reader);
                let rows =
                    read::<R, X>(&self.reader, self.viewer, padded(keys), abridged, window).await?;
                let mut by_key: HashMap<i32, Vec<usize>> = HashMap::new();
                let mut totals: HashMap<i32, u64> = HashMap::new();
                let mut models = Vec::with_capacity(rows.len());
                let mut riders = Vec::with_capacity(rows.len());
                for (index, (row, joined, total)) in rows.into_iter().enumerate() {
                    if let Some(k) = key_of(row.get(R::target_key())) {
                        by_key.entry(k).or_default().push(index);
                        if let Some(total) = total {
                            totals.insert(k, total);
                        }
                    }
                    models.push(R::item(self.viewer, row));
                    riders.push(joined);
                }
                let mut related = HashMap::new();
                X::seed(riders, &self.reader, self.viewer, abridged, &mut related);
                let level = Arc::new(Level {
                    models,
                    reader: self.reader.clone(),
                    viewer: self.viewer,
                    abridged,
                    related: Mutex::new(related),
                });
                let loaded: Arc<dyn Any + Send + Sync> = Arc::new(Loaded {
                    level,
                    by_key,
                    totals,
                });
                Ok::<_, AppError>(loaded)
            })
            .await?
            .clone();
        loaded.downcast::<Loaded<R::Item>>().map_err(|_| {
            AppError::Internal(format!(
                "relation {} loaded with another type",
                std::any::type_name::<R>()
            ))
        })
    }
}

impl<M: Send + Sync + 'static> Row<M> {
    /// Who the row was fetched for.
    pub fn viewer(&self) -> Viewer {
        self.level.viewer
    }

    /// The rows related to this one by `R`, loaded for the whole level at once.
    pub async fn load<R: Relation<Parent = M>>(&self) -> AppResult<Vec<Row<R::Item>>> {
        self.load_with::<R, ()>().await
    }

    /// Like [`Row::load`], reading the to-one relations `X` of the rows found in the same
    /// statement, so that they are found loaded (when this relation loads first).
    pub async fn load_with<R, X>(&self) -> AppResult<Vec<Row<R::Item>>>
    where
        R: Relation<Parent = M>,
        X: Riders<R::Target>,
    {
        let Some(own) = R::key(self) else {
            return Ok(Vec::new());
        };
        let loaded = self.level.load::<R, X>(None).await?;
        Ok(loaded.rows_of(own))
    }

    /// The page `args` asks for of the rows related to this one by `R`. Where `R` has an order by
    /// columns and the page lies within the first rows, only those are read, for the whole level
    /// at once in one statement (a window per key), with each key's total.
    pub async fn page<R: Relation<Parent = M>>(
        &self,
        args: &PageArgs,
    ) -> AppResult<Page<Row<R::Item>>> {
        self.page_with::<R, ()>(args).await
    }

    /// Like [`Row::page`], reading the to-one relations `X` of the rows found in the same
    /// statement (see [`Row::load_with`]).
    pub async fn page_with<R, X>(&self, args: &PageArgs) -> AppResult<Page<Row<R::Item>>>
    where
        R: Relation<Parent = M>,
        X: Riders<R::Target>,
    {
        // A window of no rows would not tell the totals (`first: 0` with `totalCount`).
        let window = if R::ordering().is_empty() {
            None
        } else {
            args.prefix()?.filter(|&rows| rows > 0)
        };
        let Some(own) = R::key(self) else {
            return paginate_prefix(&[], 0, args);
        };
        let loaded = self.level.load::<R, X>(window).await?;
        let rows = loaded.rows_of(own);
        let total = match window {
            Some(_) => loaded.totals.get(&own).copied().unwrap_or(0),
            None => rows.len() as u64,
        };
        paginate_prefix(&rows, total, args)
    }

    /// The single row related to this one by `R` (a relation to a unique key), if any.
    pub async fn load_one<R: Relation<Parent = M>>(&self) -> AppResult<Option<Row<R::Item>>> {
        Ok(self.load::<R>().await?.into_iter().next())
    }

    /// This row with its deferred columns: itself when its level was read whole, otherwise the
    /// same record read again through `R` (a relation of the record to itself that reads rows
    /// whole), once for the whole level. `None` when the record has gone (or turned invisible) in
    /// between.
    pub async fn whole<R: Relation<Parent = M, Item = M>>(&self) -> AppResult<Option<Row<M>>> {
        const {
            assert!(
                R::WHOLE,
                "whole rows come from a relation that reads them whole"
            )
        };
        if !self.level.abridged {
            return Ok(Some(self.clone()));
        }
        self.load_one::<R>().await
    }
}

impl<C> Loaded<C> {
    /// The rows of `key`, in order.
    fn rows_of(&self, key: i32) -> Vec<Row<C>> {
        self.by_key
            .get(&key)
            .map(|indexes| {
                indexes
                    .iter()
                    .map(|&index| Row {
                        level: self.level.clone(),
                        index,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Most keys padded (larger lists are left as they are, far below PostgreSQL's 65,535 parameters).
const MAX_PADDED_KEYS: usize = 1024;

/// Keys padded to the next power of two by repeating the last one: a relation is then read with a
/// handful of statement texts instead of one per number of keys, so its prepared statements stay in
/// each connection's statement cache.
fn padded(mut keys: Vec<i32>) -> Vec<i32> {
    if let Some(&last) = keys.last()
        && keys.len() <= MAX_PADDED_KEYS
    {
        keys.resize(keys.len().next_power_of_two(), last);
    }
    keys
}

/// The rows of `R` for `ids` as one level: lookups by ID, through a relation from an ID.
pub async fn fetch<R: Relation<Parent = i32>>(
    reader: &Reader,
    viewer: Viewer,
    ids: &[i32],
) -> AppResult<Vec<Row<R::Item>>> {
    let abridged = abridges::<R>(reader);
    let rows = read::<R, ()>(reader, viewer, padded(ids.to_vec()), abridged, None).await?;
    Ok(Level::rows_read(
        rows.into_iter()
            .map(|(model, (), _)| R::item(viewer, model))
            .collect(),
        reader,
        viewer,
        abridged,
    ))
}

/// Whether `reader` leaves the deferred columns of the rows of `R` out.
fn abridges<R: Relation>(reader: &Reader) -> bool {
    reader.is_abridged() && !R::WHOLE
}

/// The rows of `R` whose key is one of `keys` (already padded), as `viewer` may see them, each
/// with its to-one relations `X`; `abridged`: without their deferred columns. With `window`, only
/// the first `window` rows of each key in the relation's order, each with its key's total: the
/// statement numbers the rows of each key (`ROW_NUMBER`, `COUNT` over the key) and keeps the first.
async fn read<R, X>(
    reader: &Reader,
    viewer: Viewer,
    keys: Vec<i32>,
    abridged: bool,
    window: Option<u64>,
) -> AppResult<Vec<(TargetModel<R>, X::Models, Option<u64>)>>
where
    R: Relation,
    X: Riders<R::Target>,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let backend = reader.connection().get_database_backend();
    let select = || {
        let select = R::Target::find();
        let select = if abridged {
            decode::abridged(select)
        } else {
            select
        };
        let select = select
            .filter(R::target_key().is_in(keys.iter().copied()))
            .filter(R::scope(viewer));
        let select = if window.is_some() {
            select
        } else {
            R::order(select)
        };
        X::join(select, viewer, abridged, backend).into_query()
    };
    let relation = TypeId::of::<(R, X)>();
    let Some(window) = window else {
        let rows = reader
            .all_joined::<R::Target, X::Models>(relation, viewer, &keys, abridged, None, select)
            .await?;
        return Ok(rows
            .into_iter()
            .map(|(model, x)| (model, x, None))
            .collect());
    };
    let windowed = || {
        let table = R::Target::default();
        let partition = || WindowStatement::partition_by((table, R::target_key()));
        let mut order = partition();
        for column in R::ordering() {
            order.order_by((table, column), Order::Asc);
        }
        let [place, total] = decode::WINDOW_COLUMNS;
        let mut inner = select();
        inner
            .expr_window_as(Expr::cust("ROW_NUMBER()"), order, place)
            .expr_window_as(Expr::cust("COUNT(*)"), partition(), total);
        Query::select()
            .column(Asterisk)
            .from_subquery(inner, WINDOW_ALIAS)
            .and_where(Expr::col(place).lte(i64::try_from(window).unwrap_or(i64::MAX)))
            .order_by(place, Order::Asc)
            .to_owned()
    };
    let rows = reader
        .all_joined::<R::Target, decode::Windowed<X::Models>>(
            relation,
            viewer,
            &keys,
            abridged,
            Some(window),
            windowed,
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(model, decode::Windowed(x, total))| {
            (model, x, Some(u64::try_from(total).unwrap_or(0)))
        })
        .collect())
}

/// The alias of a windowed read's numbered rows.
const WINDOW_ALIAS: &str = "_w";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_padded_to_a_power_of_two_up_to_a_bound() {
        assert_eq!(padded(vec![]), Vec::<i32>::new());
        assert_eq!(padded(vec![7]), [7]);
        assert_eq!(padded(vec![1, 2, 3]), [1, 2, 3, 3]);
        assert_eq!(padded((1..=33).collect()).len(), 64);
        assert_eq!(padded((1..=1025).collect()).len(), 1025);
    }
}
