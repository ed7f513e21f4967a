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
use super::level::{BatchSpec, Level, Loaded, ModelOf, RelationCache, key_of};
use super::reader::Reader;
use crate::service::viewer::Viewer;

/// A to-one relation of the rows of entity `P` that can be read in their statement (a LEFT JOIN
/// of `Spec`'s entity, which is neither `P` nor another rider's), and is then handed to their
/// level as if loaded through `Spec` under the name `RELATION`.
pub trait Rider<P: EntityTrait>: Send + Sync + 'static {
    /// The spec, keyed by ID, whose relation this fills.
    type Spec: BatchSpec;
    /// What the resolvers of the relation convert its rows to.
    type Converted: Send + Sync + 'static;
    /// The relation name the resolvers load it under.
    const RELATION: &'static str;
    /// The column of `P` that holds the rider's ID.
    fn foreign_key() -> P::Column;
    /// The conversion those resolvers apply for `viewer`.
    fn convert(viewer: Viewer) -> fn(ModelOf<Self::Spec>) -> Self::Converted;
}

/// The to-one relations read with the rows of `P`: none, or a tuple of [`Rider`]s.
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

/// The entity a rider of `P` reads.
type Target<R, P> = <<R as Rider<P>>::Spec as BatchSpec>::Entity;

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
    R: Rider<O>,
    ModelOf<R::Spec>: Decode,
{
    let matches =
        Expr::col((Target::<R, O>::default(), R::Spec::key())).equals((owner, R::foreign_key()));
    let source: DynIden = if backend == DbBackend::Postgres {
        let lookup = Target::<R, O>::find()
            .filter(matches)
            .filter(R::Spec::scope(viewer))
            .order_by_asc(R::Spec::key())
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
            Target::<R, O>::default(),
            Condition::all().add(matches).add(R::Spec::scope(viewer)),
        );
        Target::<R, O>::default().into_iden()
    };
    let select = decode::joined_columns::<P, Target<R, O>>(select, source.clone(), slot, abridged);
    (select, source)
}

/// The aliases of the riders' subqueries, by slot.
const LATERAL_ALIASES: [&str; 2] = ["j0", "j1"];

/// The level of the models rider `R` found (each once), with the relations `inner` already loaded
/// for it, under the key of its relation.
fn seed_rider<P, R>(
    models: impl Iterator<Item = Option<ModelOf<R::Spec>>>,
    reader: &Reader,
    viewer: Viewer,
    abridged: bool,
    inner: RelationCache,
    related: &mut RelationCache,
) where
    P: EntityTrait,
    R: Rider<P>,
    ModelOf<R::Spec>: Send + Sync,
{
    let convert = R::convert(viewer);
    let mut by_key: HashMap<i32, Vec<usize>> = HashMap::new();
    let mut found = Vec::new();
    for model in models.flatten() {
        let Some(key) = key_of(model.get(R::Spec::key())) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(entry) = by_key.entry(key) {
            entry.insert(vec![found.len()]);
            found.push(convert(model));
        }
    }
    let level = Arc::new(Level {
        models: found,
        reader: reader.clone(),
        viewer,
        abridged,
        related: Mutex::new(inner),
    });
    let loaded: Arc<dyn Any + Send + Sync> = Arc::new(Loaded { level, by_key });
    related.insert(
        (TypeId::of::<R::Spec>(), R::RELATION),
        Arc::new(OnceCell::new_with(Some(loaded))),
    );
}

impl<P, A> Riders<P> for (A,)
where
    P: EntityTrait,
    A: Rider<P>,
    ModelOf<A::Spec>: Decode + Send + Sync,
{
    type Models = (Option<ModelOf<A::Spec>>,);
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
    A: Rider<P>,
    B: Rider<P>,
    ModelOf<A::Spec>: Decode + Send + Sync,
    ModelOf<B::Spec>: Decode + Send + Sync,
{
    type Models = (Option<ModelOf<A::Spec>>, Option<ModelOf<B::Spec>>);
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
    A: Rider<P>,
    B: Rider<Target<A, P>>,
    ModelOf<A::Spec>: Decode + Send + Sync,
    ModelOf<B::Spec>: Decode + Send + Sync,
{
    type Models = (Option<ModelOf<A::Spec>>, Option<ModelOf<B::Spec>>);
    fn join(select: Select<P>, viewer: Viewer, abridged: bool, backend: DbBackend) -> Select<P> {
        let owner = P::default().into_iden();
        let (select, first) = join_rider::<P, P, A>(select, owner, 0, viewer, abridged, backend);
        join_rider::<P, Target<A, P>, B>(select, first, 1, viewer, abridged, backend).0
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
        seed_rider::<Target<A, P>, B>(
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
