//! Batched loading of every relation: one SQL statement per relation and request level, whatever the
//! page size. A loader is declared by a spec (entity, key column, visibility, order) and created lazily,
//! once per request, for the request's viewer.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    advisory_board_membership, contribution, document, document_author, event, event_organiser,
    model_project, model_project_partner, model_project_town, organisation, person, project_call,
    session, state, town,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select, Value,
};

use crate::error::{AppError, AppResult};
use crate::service::viewer::Viewer;
use crate::service::{document as document_service, event as event_service, person as person_service};
use crate::service::session as session_service;

/// Most keys in one statement: far above any page (100 × 100 nested items), far below the
/// bind-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const MAX_BATCH: usize = 10_000;

/// How to batch-load the rows of one entity by one integer column.
pub trait BatchSpec: Send + Sync + 'static {
    /// The entity loaded.
    type Entity: EntityTrait;
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
}

/// A loader of all rows per key, for the spec `S`.
pub struct ByKey<S> {
    db: DatabaseConnection,
    viewer: Viewer,
    spec: PhantomData<fn() -> S>,
}

/// Failure of a batch, shared by all waiting resolvers.
#[derive(Clone, Debug)]
pub struct LoadError(Arc<AppError>);

impl LoadError {
    /// The error to report.
    pub fn into_app_error(self) -> AppError {
        AppError::Internal(self.0.to_string())
    }
}

fn key_of(value: Value) -> Option<i32> {
    match value {
        Value::Int(Some(v)) => Some(v),
        Value::BigInt(Some(v)) => i32::try_from(v).ok(),
        _ => None,
    }
}

impl<S> Loader<i32> for ByKey<S>
where
    S: BatchSpec,
    <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
{
    type Value = Vec<<S::Entity as EntityTrait>::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        use sea_orm::ModelTrait;
        let select = S::Entity::find()
            .filter(S::key().is_in(keys.iter().copied()))
            .filter(S::scope(self.viewer));
        let rows = S::order(select)
            .all(&self.db)
            .await
            .map_err(|e| LoadError(Arc::new(AppError::Database(e))))?;
        let mut grouped: HashMap<i32, Self::Value> = HashMap::with_capacity(keys.len());
        for row in rows {
            if let Some(key) = key_of(row.get(S::key())) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

/// The per-request set of loaders, created on first use.
pub struct Loaders {
    db: DatabaseConnection,
    viewer: Viewer,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    /// Loaders for one request of `viewer`.
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> Self {
        Self {
            db,
            viewer,
            made: Mutex::new(HashMap::new()),
        }
    }

    fn loader<S>(&self) -> Arc<DataLoader<ByKey<S>>>
    where
        S: BatchSpec,
        <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
    {
        let mut made = match self.made.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = made.entry(TypeId::of::<S>()).or_insert_with(|| {
            Arc::new(DataLoader::new(
                ByKey::<S> {
                    db: self.db.clone(),
                    viewer: self.viewer,
                    spec: PhantomData,
                },
                tokio::spawn,
            )
            .max_batch_size(MAX_BATCH))
        });
        match entry.clone().downcast::<DataLoader<ByKey<S>>>() {
            Ok(loader) => loader,
            // The map is keyed by the spec's type, so the downcast cannot fail; rebuild if it ever did.
            Err(_) => Arc::new(DataLoader::new(
                ByKey::<S> {
                    db: self.db.clone(),
                    viewer: self.viewer,
                    spec: PhantomData,
                },
                tokio::spawn,
            )),
        }
    }

    /// All rows for `key` under spec `S`, in the spec's order.
    pub async fn many<S>(&self, key: i32) -> AppResult<Vec<<S::Entity as EntityTrait>::Model>>
    where
        S: BatchSpec,
        <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
    {
        Ok(self
            .loader::<S>()
            .load_one(key)
            .await
            .map_err(LoadError::into_app_error)?
            .unwrap_or_default())
    }

    /// The row for `key` under spec `S` (for specs keyed by a unique column).
    pub async fn one<S>(&self, key: i32) -> AppResult<Option<<S::Entity as EntityTrait>::Model>>
    where
        S: BatchSpec,
        <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
    {
        Ok(self.many::<S>(key).await?.into_iter().next())
    }

    /// The row for an optional key.
    pub async fn maybe<S>(&self, key: Option<i32>) -> AppResult<Option<<S::Entity as EntityTrait>::Model>>
    where
        S: BatchSpec,
        <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
    {
        match key {
            Some(key) => self.one::<S>(key).await,
            None => Ok(None),
        }
    }

    /// The rows for several keys, each key's rows in spec order, keys in the given order.
    pub async fn each<S>(&self, keys: &[i32]) -> AppResult<Vec<<S::Entity as EntityTrait>::Model>>
    where
        S: BatchSpec,
        <S::Entity as EntityTrait>::Model: Clone + Send + Sync,
    {
        let mut found = self
            .loader::<S>()
            .load_many(keys.iter().copied())
            .await
            .map_err(LoadError::into_app_error)?;
        Ok(keys
            .iter()
            .filter_map(|key| found.remove(key))
            .flatten()
            .collect())
    }
}

macro_rules! spec {
    ($(#[$meta:meta])* $name:ident, $entity:ident, $key:ident $(, scope = $scope:path)? $(, order = [$($col:ident),+])?) => {
        $(#[$meta])*
        pub struct $name;
        impl BatchSpec for $name {
            type Entity = $entity::Entity;
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
spec!(/** Visible people of an organisation. */ PeopleByOrganisation, person, OrganisationId, scope = person_service::visible, order = [Name, Id]);
spec!(/** Visible people of a town. */ PeopleByTown, person, TownId, scope = person_service::visible, order = [Name, Id]);
spec!(/** Project calls by id. */ ProjectCallById, project_call, Id);
spec!(/** Model projects by id. */ ModelProjectById, model_project, Id);
spec!(/** Model projects of a call. */ ModelProjectsByCall, model_project, ProjectCallId, order = [Title, Id]);
spec!(/** Member towns of a project. */ MembersByProject, model_project_town, ModelProjectId, order = [Position, Id]);
spec!(/** Projects a town is a member of. */ MembershipsByTown, model_project_town, TownId, order = [ModelProjectId, Id]);
spec!(/** Partners of a project. */ PartnersByProject, model_project_partner, ModelProjectId, order = [Id]);
spec!(/** Partnerships of an organisation. */ PartnershipsByOrganisation, model_project_partner, OrganisationId, order = [ModelProjectId, Id]);
spec!(/** Visible events by id. */ EventById, event, Id, scope = event_service::visible);
spec!(/** Visible events in a town. */ EventsByTown, event, TownId, scope = event_service::visible, order = [StartsAt, Id]);
spec!(/** Visible events of a model project. */ EventsByModelProject, event, ModelProjectId, scope = event_service::visible, order = [StartsAt, Id]);
spec!(/** Organisers of an event. */ OrganisersByEvent, event_organiser, EventId, order = [Id]);
spec!(/** Events an organisation organised. */ OrganisedByOrganisation, event_organiser, OrganisationId, order = [EventId, Id]);
spec!(/** Visible sessions by id. */ SessionById, session, Id, scope = session_service::visible);
spec!(/** Visible sessions of an event, in time order. */ SessionsByEvent, session, EventId, scope = session_service::visible, order = [StartsAt, Position, Id]);
spec!(/** Visible contributions by id. */ ContributionById, contribution, Id, scope = session_service::contribution_visible);
spec!(/** Visible contributions to a session. */ ContributionsBySession, contribution, SessionId, scope = session_service::contribution_visible, order = [Position, Id]);
spec!(/** Visible contributions to an event. */ ContributionsByEvent, contribution, EventId, scope = session_service::contribution_visible, order = [SessionId, Position, Id]);
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
