//! Every relation between records, declared once: which rows, matched on which key, what a viewer
//! may see of them and in which order. GraphQL, REST and the exports load through these.

use entity::{
    advisory_board_membership, audit_entry, contribution, document, document_author, event,
    event_organiser, model_project, model_project_partner, model_project_town, organisation,
    person, project_call, registration, session, state, town,
};
use sea_orm::{Condition, QueryOrder, Select};

use crate::load::{BatchSpec, ModelOf, Rider};
use crate::service::viewer::Viewer;
use crate::service::write::Record;
use crate::service::{
    audit as audit_service, document as document_service, event as event_service,
    person as person_service, registration as registration_service, session as session_service,
};

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
    crate::load::identity
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
