//! The batching engine: the rows of one response level, and their relations loaded once for the
//! whole level. Each relation costs one statement per level, whatever the page size.

use std::any::{Any, TypeId};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use foldhash::HashMap;
use foldhash::HashMapExt as _;
use sea_orm::{ColumnTrait, Condition, EntityTrait, ModelTrait, QueryFilter, Select, Value};
use tokio::sync::OnceCell;

use super::decode::{self, Decode};
use super::reader::Reader;
use super::rider::Riders;
use crate::error::{AppError, AppResult};
use crate::service::viewer::Viewer;

/// How to batch-load the rows of one entity by one integer column.
pub trait BatchSpec: Send + Sync + 'static {
    /// The entity loaded.
    type Entity: EntityTrait<Model: Decode>;
    /// The column the keys are matched against.
    fn key() -> <Self::Entity as EntityTrait>::Column;
    /// What the viewer may see (all rows unless overridden).
    fn scope(_viewer: Viewer) -> Condition {
        Condition::all()
    }
    /// Order of the rows that share a key.
    fn order(select: Select<Self::Entity>) -> Select<Self::Entity> {
        select
    }
    /// Whether the rows are always read whole, also by an abridged reader (see [`Row::whole`]).
    const WHOLE: bool = false;
}

/// The model type a spec loads.
pub type ModelOf<S> = <<S as BatchSpec>::Entity as EntityTrait>::Model;

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

/// Relations loaded for a level, by spec and relation name; each loads once.
pub(super) type RelationCache =
    HashMap<(TypeId, &'static str), Arc<OnceCell<Arc<dyn Any + Send + Sync>>>>;

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

    /// Loads the rows of spec `S` matching `key` of every model of this level, once, with the
    /// to-one relations `X` read in the same statement.
    async fn load<S, X, C>(
        &self,
        relation: &'static str,
        key: &(dyn Fn(&M) -> Option<i32> + Sync),
        convert: fn(ModelOf<S>) -> C,
    ) -> AppResult<Arc<Loaded<C>>>
    where
        S: BatchSpec,
        X: Riders<S::Entity>,
        ModelOf<S>: Send + Sync,
        C: Send + Sync + 'static,
    {
        let cell = {
            let mut related = match self.related.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            related
                .entry((TypeId::of::<S>(), relation))
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let loaded = cell
            .get_or_try_init(|| async {
                let mut keys: Vec<i32> = self.models.iter().filter_map(key).collect();
                keys.sort_unstable();
                keys.dedup();
                let abridged = abridges::<S>(&self.reader);
                let rows = read::<S, X>(&self.reader, self.viewer, padded(keys), abridged).await?;
                let mut by_key: HashMap<i32, Vec<usize>> = HashMap::new();
                let mut models = Vec::with_capacity(rows.len());
                let mut riders = Vec::with_capacity(rows.len());
                for (index, (row, joined)) in rows.into_iter().enumerate() {
                    if let Some(k) = key_of(row.get(S::key())) {
                        by_key.entry(k).or_default().push(index);
                    }
                    models.push(convert(row));
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
                let loaded: Arc<dyn Any + Send + Sync> = Arc::new(Loaded { level, by_key });
                Ok::<_, AppError>(loaded)
            })
            .await?
            .clone();
        loaded.downcast::<Loaded<C>>().map_err(|_| {
            AppError::Internal(format!("relation {relation} loaded with another type"))
        })
    }
}

impl<M: Send + Sync + 'static> Row<M> {
    /// Who the row was fetched for.
    pub fn viewer(&self) -> Viewer {
        self.level.viewer
    }

    /// The rows of spec `S` whose key column equals `key(self)`, loaded for the whole level at once
    /// and converted with `convert`. `relation` names the relation (one name per key function).
    pub async fn related_as<S, C>(
        &self,
        relation: &'static str,
        key: impl Fn(&M) -> Option<i32> + Sync,
        convert: fn(ModelOf<S>) -> C,
    ) -> AppResult<Vec<Row<C>>>
    where
        S: BatchSpec,
        ModelOf<S>: Send + Sync,
        C: Send + Sync + 'static,
    {
        self.related_joined::<S, (), C>(relation, key, convert)
            .await
    }

    /// Like [`Row::related_as`], reading the to-one relations `X` of the rows found in the same
    /// statement, so that their resolvers find them loaded (when this relation loads first).
    pub async fn related_joined<S, X, C>(
        &self,
        relation: &'static str,
        key: impl Fn(&M) -> Option<i32> + Sync,
        convert: fn(ModelOf<S>) -> C,
    ) -> AppResult<Vec<Row<C>>>
    where
        S: BatchSpec,
        X: Riders<S::Entity>,
        ModelOf<S>: Send + Sync,
        C: Send + Sync + 'static,
    {
        let Some(own) = key(self) else {
            return Ok(Vec::new());
        };
        let loaded = self.level.load::<S, X, C>(relation, &key, convert).await?;
        Ok(loaded
            .by_key
            .get(&own)
            .map(|indexes| {
                indexes
                    .iter()
                    .map(|&index| Row {
                        level: loaded.level.clone(),
                        index,
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Like [`Row::related_as`], keeping the stored model.
    pub async fn related<S>(
        &self,
        relation: &'static str,
        key: impl Fn(&M) -> Option<i32> + Sync,
    ) -> AppResult<Vec<Row<ModelOf<S>>>>
    where
        S: BatchSpec,
        ModelOf<S>: Send + Sync,
    {
        self.related_as::<S, ModelOf<S>>(relation, key, identity)
            .await
    }

    /// This row with its deferred columns: itself when its level was read whole, otherwise the
    /// same record read again through spec `S` (keyed by ID, [`BatchSpec::WHOLE`]), once for the
    /// whole level. `None` when the record has gone (or turned invisible) in between.
    pub async fn whole<S>(&self) -> AppResult<Option<Row<M>>>
    where
        S: BatchSpec,
        S::Entity: EntityTrait<Model = M>,
        M: ModelTrait<Entity = S::Entity>,
    {
        const {
            assert!(
                S::WHOLE,
                "whole rows come from a spec that reads them whole"
            )
        };
        if !self.level.abridged {
            return Ok(Some(self.clone()));
        }
        self.related_one::<S>("whole", |model| key_of(model.get(S::key())))
            .await
    }

    /// The single row of spec `S` for `key(self)` (for specs keyed by a unique column).
    pub async fn related_one<S>(
        &self,
        relation: &'static str,
        key: impl Fn(&M) -> Option<i32> + Sync,
    ) -> AppResult<Option<Row<ModelOf<S>>>>
    where
        S: BatchSpec,
        ModelOf<S>: Send + Sync,
    {
        Ok(self.related::<S>(relation, key).await?.into_iter().next())
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

pub(crate) fn identity<T>(value: T) -> T {
    value
}

/// Fetches the rows of spec `S` for `keys` as one level (lookups by ID), converted with `convert`.
pub async fn fetch<S, C>(
    reader: &Reader,
    viewer: Viewer,
    keys: &[i32],
    convert: fn(ModelOf<S>) -> C,
) -> AppResult<Vec<Row<C>>>
where
    S: BatchSpec,
    ModelOf<S>: Send + Sync,
    C: Send + Sync + 'static,
{
    let abridged = abridges::<S>(reader);
    let rows = read::<S, ()>(reader, viewer, padded(keys.to_vec()), abridged).await?;
    Ok(Level::rows_read(
        rows.into_iter().map(|(model, ())| convert(model)).collect(),
        reader,
        viewer,
        abridged,
    ))
}

/// Whether `reader` leaves the deferred columns of spec `S` out.
fn abridges<S: BatchSpec>(reader: &Reader) -> bool {
    reader.is_abridged() && !S::WHOLE
}

/// The rows of spec `S` whose key is one of `keys` (already padded), as `viewer` may see them,
/// each with its to-one relations `X`; `abridged`: without their deferred columns.
async fn read<S, X>(
    reader: &Reader,
    viewer: Viewer,
    keys: Vec<i32>,
    abridged: bool,
) -> AppResult<Vec<(ModelOf<S>, X::Models)>>
where
    S: BatchSpec,
    X: Riders<S::Entity>,
    ModelOf<S>: Send + Sync,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let backend = reader.connection().get_database_backend();
    let select = || {
        let select = S::Entity::find();
        let select = if abridged {
            decode::abridged(select)
        } else {
            select
        };
        X::join(
            S::order(
                select
                    .filter(S::key().is_in(keys.iter().copied()))
                    .filter(S::scope(viewer)),
            ),
            viewer,
            abridged,
            backend,
        )
    };
    Ok(reader
        .all_joined::<S::Entity, X::Models>(TypeId::of::<(S, X)>(), viewer, &keys, abridged, select)
        .await?)
}

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
