//! Batched loading of every relation: one SQL statement per relation and response level, whatever the
//! page size. A relation is declared by a spec (entity, key column, visibility, order).

use std::any::{Any, TypeId};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use entity::{
    advisory_board_membership, audit_entry, contribution, document, document_author, event,
    event_organiser, model_project, model_project_partner, model_project_town, organisation,
    person, project_call, registration, session, state, town,
};
use foldhash::HashMap;
use foldhash::HashMapExt as _;
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait as _, IntoIden};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, JoinType, ModelTrait, QueryFilter, QueryOrder,
    QueryTrait, Select, Value,
};
use tokio::sync::OnceCell;

use crate::error::{AppError, AppResult};
use crate::service::reader::Reader;
use crate::service::rows::{self, Decode, Joined};
use crate::service::session as session_service;
use crate::service::viewer::Viewer;
use crate::service::write::Record;
use crate::service::{
    audit as audit_service, document as document_service, event as event_service,
    person as person_service, registration as registration_service,
};

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
    models: Vec<M>,
    reader: Reader,
    viewer: Viewer,
    /// Whether the models may lack their deferred columns (read as NULL).
    abridged: bool,
    related: Mutex<RelationCache>,
}

/// Relations loaded for a level, by spec and relation name; each loads once.
type RelationCache = HashMap<(TypeId, &'static str), Arc<OnceCell<Arc<dyn Any + Send + Sync>>>>;

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
struct Loaded<C> {
    level: Arc<Level<C>>,
    by_key: HashMap<i32, Vec<usize>>,
}

fn key_of(value: Value) -> Option<i32> {
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

fn identity<T>(value: T) -> T {
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
            rows::abridged(select)
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
    let select = rows::joined_columns::<P, Target<R, O>>(select, source.clone(), slot, abridged);
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

macro_rules! spec {
    ($(#[$meta:meta])* $name:ident, $entity:ident, $key:ident $(, scope = $scope:path)? $(, order = [$($col:ident),+])? $(, whole = $whole:literal)?) => {
        $(#[$meta])*
        pub struct $name;
        impl BatchSpec for $name {
            type Entity = $entity::Entity;
            $(const WHOLE: bool = $whole;)?
            fn key() -> $entity::Column {
                $entity::Column::$key
            }
            $(fn scope(viewer: Viewer) -> Condition {
                $scope(viewer)
            })?
            $(fn order(select: Select<$entity::Entity>) -> Select<$entity::Entity> {
                select$(.order_by_asc($entity::Column::$col))+
            })?
        }
    };
}

spec!(/** States by id. */ StateById, state, Id);
spec!(/** Towns by id. */ TownById, town, Id);
spec!(/** Towns of a state. */ TownsByState, town, StateId, order = [Name, Id]);
spec!(/** Organisations by id. */ OrganisationById, organisation, Id);
spec!(/** Organisations seated in a town. */ OrganisationsByTown, organisation, TownId, order = [Name, Id]);
spec!(/** Visible people by id. */ PersonById, person, Id, scope = person_service::visible);
spec!(
    /** People by id, reached through a visible contribution, authorship or board seat: such a
    link makes a person public by the privacy rule itself, so the rule is not checked twice. */
    LinkedPersonById,
    person,
    Id
);
spec!(/** Visible people of an organisation. */ PeopleByOrganisation, person, OrganisationId, scope = person_service::visible, order = [Name, Id]);
spec!(/** Visible people of a town. */ PeopleByTown, person, TownId, scope = person_service::visible, order = [Name, Id]);
spec!(/** Project calls by id. */ ProjectCallById, project_call, Id);
spec!(/** Model projects by id. */ ModelProjectById, model_project, Id);
spec!(/** Model projects by id, read whole. */ WholeModelProjectById, model_project, Id, whole = true);
spec!(/** Model projects of a call. */ ModelProjectsByCall, model_project, ProjectCallId, order = [Title, Id]);
spec!(/** Member towns of a project. */ MembersByProject, model_project_town, ModelProjectId, order = [Position, Id]);
spec!(/** Projects a town is a member of. */ MembershipsByTown, model_project_town, TownId, order = [ModelProjectId, Id]);
spec!(/** Memberships by id. */ ModelProjectTownById, model_project_town, Id);
spec!(/** Partnerships by id. */ ModelProjectPartnerById, model_project_partner, Id);
spec!(/** Partners of a project. */ PartnersByProject, model_project_partner, ModelProjectId, order = [Id]);
spec!(/** Partnerships of an organisation. */ PartnershipsByOrganisation, model_project_partner, OrganisationId, order = [ModelProjectId, Id]);
spec!(/** Visible events by id. */ EventById, event, Id, scope = event_service::visible);
spec!(/** Visible events by id, read whole. */ WholeEventById, event, Id, scope = event_service::visible, whole = true);
spec!(/** Visible events in a town. */ EventsByTown, event, TownId, scope = event_service::visible, order = [StartsAt, Id]);
spec!(/** Visible events of a model project. */ EventsByModelProject, event, ModelProjectId, scope = event_service::visible, order = [StartsAt, Id]);
spec!(/** Organisers of an event. */ OrganisersByEvent, event_organiser, EventId, order = [Id]);
spec!(/** Events an organisation organised. */ OrganisedByOrganisation, event_organiser, OrganisationId, order = [EventId, Id]);
spec!(/** Visible sessions by id. */ SessionById, session, Id, scope = session_service::visible);
spec!(/** Visible sessions by id, read whole. */ WholeSessionById, session, Id, scope = session_service::visible, whole = true);
// A session or contribution reached from its event or session is visible when that parent is, and
// parents are only ever loaded through their own visibility rule; so these relations skip the rule
// (a subquery over all events in every statement). A contribution's event is always its session's.
spec!(/** Sessions of an event (a visible one), in time order. */ SessionsByEvent, session, EventId, order = [StartsAt, Position, Id]);
spec!(/** Visible contributions by id. */ ContributionById, contribution, Id, scope = session_service::contribution_visible);
spec!(/** Contributions to a session (a visible one). */ ContributionsBySession, contribution, SessionId, order = [Position, Id]);
spec!(/** Contributions to an event (a visible one). */ ContributionsByEvent, contribution, EventId, order = [SessionId, Position, Id]);
spec!(/** Visible contributions of a person. */ ContributionsByPerson, contribution, PersonId, scope = session_service::contribution_visible, order = [EventId, SessionId, Id]);
spec!(/** Visible contributions of an organisation. */ ContributionsByOrganisation, contribution, OrganisationId, scope = session_service::contribution_visible, order = [EventId, SessionId, Id]);
spec!(/** Visible documents by id. */ DocumentById, document, Id, scope = document_service::visible);
spec!(/** Visible documents of a model project. */ DocumentsByModelProject, document, ModelProjectId, scope = document_service::visible, order = [Title, Id]);
spec!(/** Visible documents of an event. */ DocumentsByEvent, document, EventId, scope = document_service::visible, order = [Title, Id]);
spec!(/** Visible documents of a session. */ DocumentsBySession, document, SessionId, scope = document_service::visible, order = [Title, Id]);
spec!(/** Visible documents an organisation published. */ DocumentsByPublisher, document, PublisherId, scope = document_service::visible, order = [Title, Id]);
spec!(/** Authors of a document. */ AuthorsByDocument, document_author, DocumentId, order = [Position, Id]);
spec!(/** Authorships of a person. */ AuthorshipsByPerson, document_author, PersonId, order = [DocumentId, Id]);
spec!(/** Advisory-board memberships by id. */ BoardMembershipById, advisory_board_membership, Id);
spec!(/** Advisory-board seats of a person. */ BoardSeatsByPerson, advisory_board_membership, PersonId, order = [FromDate, Id]);
spec!(/** Seats of an advisory board. */ BoardSeatsByBoard, advisory_board_membership, BoardId, order = [FromDate, Id]);
spec!(/** Registrations for an event (staff only). */ RegistrationsByEvent, registration, EventId, scope = registration_service::visible, order = [PersonId, Id]);
spec!(/** Registrations of a person (staff only). */ RegistrationsByPerson, registration, PersonId, scope = registration_service::visible, order = [EventId, Id]);

macro_rules! rider {
    ($(#[$meta:meta])* $name:ident, $owner:ident . $fk:ident => $spec:ident as $converted:ty, $convert:expr) => {
        $(#[$meta])*
        pub struct $name;
        impl Rider<$owner::Entity> for $name {
            type Spec = $spec;
            type Converted = $converted;
            const RELATION: &'static str = stringify!($spec);
            fn foreign_key() -> $owner::Column {
                $owner::Column::$fk
            }
            fn convert(viewer: Viewer) -> fn(ModelOf<$spec>) -> $converted {
                $convert(viewer)
            }
        }
    };
}

/// The plain models of a rider, whoever reads them.
fn unconverted<M>(_viewer: Viewer) -> fn(M) -> M {
    identity
}

rider!(/** The person of a contribution, read with it. */ ContributionPerson, contribution.PersonId => LinkedPersonById as person_service::PersonView, person_service::profile_for);
rider!(/** The organisation of a contribution, read with it. */ ContributionOrganisation, contribution.OrganisationId => OrganisationById as organisation::Model, unconverted);
rider!(/** The town of a project membership, read with it. */ MemberTown, model_project_town.TownId => TownById as town::Model, unconverted);
rider!(/** The state of a town, read with it. */ TownState, town.StateId => StateById as state::Model, unconverted);

/// Audit entries of records of type `E` by record id, newest first (staff only).
pub struct HistoryOf<E>(std::marker::PhantomData<fn() -> E>);

impl<E> BatchSpec for HistoryOf<E>
where
    E: Record,
    E::Model: serde::Serialize + Clone + Send + Sync + sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    type Entity = audit_entry::Entity;
    fn key() -> audit_entry::Column {
        audit_entry::Column::EntityId
    }
    fn scope(viewer: Viewer) -> Condition {
        audit_service::history_scope(viewer, E::TYPE)
    }
    fn order(select: Select<audit_entry::Entity>) -> Select<audit_entry::Entity> {
        audit_service::newest_first(select)
    }
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
