//! Riders: to-one relations of a level's rows read in the same statement as the rows (a LEFT JOIN,
//! on PostgreSQL an ordered LATERAL subquery), and handed to the level as if loaded on their own.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex};

use foldhash::HashMap;
use foldhash::HashMapExt as _;
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait as _, IntoIden};
use sea_orm::{
    Condition, DbBackend, EntityTrait, JoinType, ModelTrait, QueryFilter, QueryOrder, QueryTrait,
    Select,
};
use tokio::sync::OnceCell;

use super::decode::{self, Decode, Joined};
use super::level::{Level, Loaded, RelationCache, key_of};
use super::reader::Reader;
use super::relation::{TargetModel, ToOne};
use crate::viewer::Viewer;

/// The to-one relations read with the rows of `P`: none, or a tuple of [`ToOne`] relations of `P`, or [`Then`].
pub trait Riders<P: EntityTrait>: Send + Sync + 'static {
    /// The joined models of one row.
    type Models: Joined + Send;
    /// `select` with the joins and the joined columns, in the order of [`Riders::Models`].
    fn join(select: Select<P>, viewer: Viewer, abridged: bool, backend: DbBackend) -> Select<P>;
    /// Puts the joined models into `related` as the relations they stand for.
    fn seed(
        models: Vec<Self::Models>,
        reader: &Reader,
        viewer: Viewer,
        abridged: bool,
        related: &mut RelationCache,
    );
}

impl<P: EntityTrait> Riders<P> for () {
    type Models = ();
    fn join(select: Select<P>, _: Viewer, _: bool, _: DbBackend) -> Select<P> {
        select
    }
    fn seed(_: Vec<()>, _: &Reader, _: Viewer, _: bool, _: &mut RelationCache) {}
}

/// Joins rider `R` of the rows of `owner` (the statement's table, or an earlier rider's source) at
/// `slot`: on PostgreSQL as a LATERAL subquery that the planner cannot merge into the statement
/// (it is ordered), so that each row looks its rider up by key, however large the rider's table;
/// elsewhere as a plain LEFT JOIN. The rider's scope for `viewer` applies. Returns the select and
/// the rider's source, for the riders of the rider.
fn join_rider<P, O, R>(
    mut select: Select<P>,
    owner: DynIden,
    slot: usize,
    viewer: Viewer,
    abridged: bool,
    backend: DbBackend,
) -> (Select<P>, DynIden)
where
    P: EntityTrait,
    O: EntityTrait,
    R: ToOne<Owner = O>,
    TargetModel<R>: Decode,
{
    let matches =
        Expr::col((R::Target::default(), R::target_key())).equals((owner, R::foreign_key()));
    let source: DynIden = if backend == DbBackend::Postgres {
        let lookup = R::Target::find()
            .filter(matches)
            .filter(R::scope(viewer))
            .order_by_asc(R::target_key())
            .into_query();
        let alias = Alias::new(LATERAL_ALIASES[slot]).into_iden();
        QueryTrait::query(&mut select).join_lateral(
            JoinType::LeftJoin,
            lookup,
            alias.clone(),
            Expr::cust("TRUE"),
        );
        alias
    } else {
        QueryTrait::query(&mut select).join(
            JoinType::LeftJoin,
            R::Target::default(),
            Condition::all().add(matches).add(R::scope(viewer)),
        );
        R::Target::default().into_iden()
    };
    let select = decode::joined_columns::<P, R::Target>(select, source.clone(), slot, abridged);
    (select, source)
}

/// The aliases of the riders' subqueries, by slot.
const LATERAL_ALIASES: [&str; 2] = ["j0", "j1"];

/// The level of the models rider `R` found (each once), with the relations `inner` already loaded
/// for it, under the key of its relation.
fn seed_rider<P, R>(
    models: impl Iterator<Item = Option<TargetModel<R>>>,
    reader: &Reader,
    viewer: Viewer,
    abridged: bool,
    inner: RelationCache,
    related: &mut RelationCache,
) where
    P: EntityTrait,
    R: ToOne<Owner = P>,
    TargetModel<R>: Send + Sync,
{
    let mut by_key: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut found = Vec::new();
    for model in models.flatten() {
        let Some(key) = key_of(model.get(R::target_key())) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(entry) = by_key.entry(key) {
            entry.insert(vec![found.len()]);
            found.push(R::item(viewer, model));
        }
    }
    let level = Arc::new(Level {
        models: found,
        reader: reader.clone(),
        viewer,
        abridged,
        related: Mutex::new(inner),
    });
    let loaded: Arc<dyn Any + Send + Sync> = Arc::new(Loaded {
        level,
        by_key,
        totals: HashMap::new(),
    });
    related.insert(
        (TypeId::of::<R>(), None),
        Arc::new(OnceCell::new_with(Some(loaded))),
    );
}

impl<P, A> Riders<P> for (A,)
where
    P: EntityTrait,
    A: ToOne<Owner = P>,
    TargetModel<A>: Decode + Send + Sync,
{
    type Models = (Option<TargetModel<A>>,);
    fn join(select: Select<P>, viewer: Viewer, abridged: bool, backend: DbBackend) -> Select<P> {
        join_rider::<P, P, A>(
            select,
            P::default().into_iden(),
            0,
            viewer,
            abridged,
            backend,
        )
        .0
    }
    fn seed(
        models: Vec<Self::Models>,
        reader: &Reader,
        viewer: Viewer,
        abridged: bool,
        related: &mut RelationCache,
    ) {
        seed_rider::<P, A>(
            models.into_iter().map(|(a,)| a),
            reader,
            viewer,
            abridged,
            HashMap::new(),
            related,
        );
    }
}

impl<P, A, B> Riders<P> for (A, B)
where
    P: EntityTrait,
    A: ToOne<Owner = P>,
    B: ToOne<Owner = P>,
    TargetModel<A>: Decode + Send + Sync,
    TargetModel<B>: Decode + Send + Sync,
{
    type Models = (Option<TargetModel<A>>, Option<TargetModel<B>>);
    fn join(select: Select<P>, viewer: Viewer, abridged: bool, backend: DbBackend) -> Select<P> {
        let owner = P::default().into_iden();
        let (select, _) =
            join_rider::<P, P, A>(select, owner.clone(), 0, viewer, abridged, backend);
        join_rider::<P, P, B>(select, owner, 1, viewer, abridged, backend).0
    }
    fn seed(
        models: Vec<Self::Models>,
        reader: &Reader,
        viewer: Viewer,
        abridged: bool,
        related: &mut RelationCache,
    ) {
        let (first, second): (Vec<_>, Vec<_>) = models.into_iter().unzip();
        let inner = HashMap::new;
        seed_rider::<P, A>(
            first.into_iter(),
            reader,
            viewer,
            abridged,
            inner(),
            related,
        );
        seed_rider::<P, B>(
            second.into_iter(),
            reader,
            viewer,
            abridged,
            inner(),
            related,
        );
    }
}

/// Rider `A` of the rows of `P`, with its own rider `B` read in the same statement.
pub struct Then<A, B>(std::marker::PhantomData<fn() -> (A, B)>);

impl<P, A, B> Riders<P> for Then<A, B>
where
    P: EntityTrait,
    A: ToOne<Owner = P>,
    B: ToOne<Owner = A::Target>,
    TargetModel<A>: Decode + Send + Sync,
    TargetModel<B>: Decode + Send + Sync,
{
    type Models = (Option<TargetModel<A>>, Option<TargetModel<B>>);
    fn join(select: Select<P>, viewer: Viewer, abridged: bool, backend: DbBackend) -> Select<P> {
        let owner = P::default().into_iden();
        let (select, first) = join_rider::<P, P, A>(select, owner, 0, viewer, abridged, backend);
        join_rider::<P, A::Target, B>(select, first, 1, viewer, abridged, backend).0
    }
    fn seed(
        models: Vec<Self::Models>,
        reader: &Reader,
        viewer: Viewer,
        abridged: bool,
        related: &mut RelationCache,
    ) {
        let (first, second): (Vec<_>, Vec<_>) = models.into_iter().unzip();
        let mut inner = HashMap::new();
        seed_rider::<A::Target, B>(
            second.into_iter(),
            reader,
            viewer,
            abridged,
            HashMap::new(),
            &mut inner,
        );
        seed_rider::<P, A>(first.into_iter(), reader, viewer, abridged, inner, related);
    }
}
