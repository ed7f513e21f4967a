//! Every relation between records, declared once: from which rows, to which rows by which key
//! column, what a viewer may see of them and in which order. GraphQL, REST, the feeds and the
//! exports all load through these (see `load::Row::load`).
//!
//! A session or contribution reached from its event or session is visible when that parent is, and
//! parents are only ever loaded through their own visibility rule; so those relations skip the rule
//! (a subquery over all events in every statement). A contribution's event is always its session's.
//! A person reached through a visible contribution, authorship or board seat is public by the
//! privacy rule itself, so those relations do not check the rule twice either.

use entity::{
    advisory_board_membership, audit_entry, contribution, document, document_author, event,
    event_organiser, model_project, model_project_partner, model_project_town, organisation,
    person, project_call, registration, session, state, town,
};
use sea_orm::{Condition, IntoActiveModel, Select};
use serde::Serialize;

use crate::load::{Relation, relation};
use crate::service::person::{PersonView, profile_for};
use crate::service::{
    audit as audit_service, document as document_service, event as event_service,
    person as person_service, registration as registration_service, session as session_service,
};
use crate::store::write::Record;
use crate::viewer::Viewer;

// Lookups by ID.
relation!(/** A state by ID. */ StateById: i32 => state.Id, key = |id| Some(*id));
relation!(/** A town by ID. */ TownById: i32 => town.Id, key = |id| Some(*id));
relation!(/** An organisation by ID. */ OrganisationById: i32 => organisation.Id, key = |id| Some(*id));
relation!(/** A person by ID, if the viewer may see them. */ PersonById: i32 => person.Id, key = |id| Some(*id), scope = person_service::visible, item = PersonView => profile_for);
relation!(/** A project call by ID. */ ProjectCallById: i32 => project_call.Id, key = |id| Some(*id));
relation!(/** A model project by ID. */ ModelProjectById: i32 => model_project.Id, key = |id| Some(*id));
relation!(/** A project membership by ID. */ ModelProjectTownById: i32 => model_project_town.Id, key = |id| Some(*id));
relation!(/** A project partnership by ID. */ ModelProjectPartnerById: i32 => model_project_partner.Id, key = |id| Some(*id));
relation!(/** An event by ID, if the viewer may see it. */ EventById: i32 => event.Id, key = |id| Some(*id), scope = event_service::visible);
relation!(/** A session by ID, if the viewer may see it. */ SessionById: i32 => session.Id, key = |id| Some(*id), scope = session_service::visible);
relation!(/** A contribution by ID, if the viewer may see it. */ ContributionById: i32 => contribution.Id, key = |id| Some(*id), scope = session_service::contribution_visible);
relation!(/** A document by ID, if the viewer may see it. */ DocumentById: i32 => document.Id, key = |id| Some(*id), scope = document_service::visible);
relation!(/** An advisory-board membership by ID. */ BoardMembershipById: i32 => advisory_board_membership.Id, key = |id| Some(*id));

// A record read again whole (with its deferred columns), see `Row::whole`.
relation!(/** An event, read whole. */ EventWhole: event::Model => event.Id, key = |e| Some(e.id), scope = event_service::visible, whole = true);
relation!(/** A session, read whole. */ SessionWhole: session::Model => session.Id, key = |s| Some(s.id), scope = session_service::visible, whole = true);
relation!(/** A model project, read whole. */ ModelProjectWhole: model_project::Model => model_project.Id, key = |m| Some(m.id), whole = true);

// States and towns.
relation!(/** The towns of a state, by name. */ StateTowns: state::Model => town.StateId, key = |s| Some(s.id), order = [Name, Id]);
relation!(/** The state of a town. */ TownState: town::Model => state.Id, key = |t| t.state_id, rides town.StateId);
relation!(/** The projects a town is a member of. */ TownMemberships: town::Model => model_project_town.TownId, key = |t| Some(t.id), order = [ModelProjectId, Id]);
relation!(/** The visible events in a town, in time order. */ TownEvents: town::Model => event.TownId, key = |t| Some(t.id), scope = event_service::visible, order = [StartsAt, Id]);
relation!(/** The visible people of a town, by name. */ TownPeople: town::Model => person.TownId, key = |t| Some(t.id), scope = person_service::visible, order = [Name, Id], item = PersonView => profile_for);
relation!(/** The organisations seated in a town, by name. */ TownOrganisations: town::Model => organisation.TownId, key = |t| Some(t.id), order = [Name, Id]);

// Organisations.
relation!(/** The town an organisation is seated in. */ OrganisationTown: organisation::Model => town.Id, key = |o| o.town_id);
relation!(/** The visible people of an organisation, by name. */ OrganisationPeople: organisation::Model => person.OrganisationId, key = |o| Some(o.id), scope = person_service::visible, order = [Name, Id], item = PersonView => profile_for);
relation!(/** The visible contributions of an organisation. */ OrganisationContributions: organisation::Model => contribution.OrganisationId, key = |o| Some(o.id), scope = session_service::contribution_visible, order = [EventId, SessionId, Id]);
relation!(/** The project partnerships of an organisation. */ OrganisationPartnerships: organisation::Model => model_project_partner.OrganisationId, key = |o| Some(o.id), order = [ModelProjectId, Id]);
relation!(/** The events an organisation organised. */ OrganisationOrganised: organisation::Model => event_organiser.OrganisationId, key = |o| Some(o.id), order = [EventId, Id]);
relation!(/** The visible documents an organisation published, by title. */ OrganisationDocuments: organisation::Model => document.PublisherId, key = |o| Some(o.id), scope = document_service::visible, order = [Title, Id]);
relation!(/** The seats of an advisory board (an organisation). */ OrganisationBoardSeats: organisation::Model => advisory_board_membership.BoardId, key = |o| Some(o.id), order = [FromDate, Id]);

// People.
relation!(/** The organisation a person belongs to. */ PersonOrganisation: PersonView => organisation.Id, key = |p| p.organisation_id);
relation!(/** The town a person lives or works in. */ PersonTown: PersonView => town.Id, key = |p| p.town_id);
relation!(/** The visible contributions of a person. */ PersonContributions: PersonView => contribution.PersonId, key = |p| Some(p.id), scope = session_service::contribution_visible, order = [EventId, SessionId, Id]);
relation!(/** The authorships of a person. */ PersonAuthorships: PersonView => document_author.PersonId, key = |p| Some(p.id), order = [DocumentId, Id]);
relation!(/** The advisory-board seats of a person. */ PersonBoardSeats: PersonView => advisory_board_membership.PersonId, key = |p| Some(p.id), order = [FromDate, Id]);
relation!(/** The registrations of a person (staff only). */ PersonRegistrations: PersonView => registration.PersonId, key = |p| Some(p.id), scope = registration_service::visible, order = [EventId, Id]);
relation!(/** The board (an organisation) of an advisory-board seat. */ SeatBoard: advisory_board_membership::Model => organisation.Id, key = |m| Some(m.board_id));
relation!(/** The person holding an advisory-board seat. */ SeatPerson: advisory_board_membership::Model => person.Id, key = |m| Some(m.person_id), item = PersonView => profile_for);

// Project calls and model projects.
relation!(/** The model projects of a call, by title. */ CallModelProjects: project_call::Model => model_project.ProjectCallId, key = |c| Some(c.id), order = [Title, Id]);
relation!(/** The call a model project was chosen in. */ ModelProjectCall: model_project::Model => project_call.Id, key = |m| m.project_call_id);
relation!(/** The lead town of a model project. */ ModelProjectLeadTown: model_project::Model => town.Id, key = |m| m.lead_town_id);
relation!(/** The member towns of a model project, in their order. */ ModelProjectMembers: model_project::Model => model_project_town.ModelProjectId, key = |m| Some(m.id), order = [Position, Id]);
relation!(/** The partners of a model project. */ ModelProjectPartners: model_project::Model => model_project_partner.ModelProjectId, key = |m| Some(m.id), order = [Id]);
relation!(/** The visible events of a model project, in time order. */ ModelProjectEvents: model_project::Model => event.ModelProjectId, key = |m| Some(m.id), scope = event_service::visible, order = [StartsAt, Id]);
relation!(/** The visible documents of a model project, by title. */ ModelProjectDocuments: model_project::Model => document.ModelProjectId, key = |m| Some(m.id), scope = document_service::visible, order = [Title, Id]);
relation!(/** The town of a project membership. */ MemberTown: model_project_town::Model => town.Id, key = |m| Some(m.town_id), rides model_project_town.TownId);
relation!(/** The model project of a membership. */ MemberModelProject: model_project_town::Model => model_project.Id, key = |m| Some(m.model_project_id), rides model_project_town.ModelProjectId);
relation!(/** The organisation of a partnership. */ PartnerOrganisation: model_project_partner::Model => organisation.Id, key = |m| Some(m.organisation_id), rides model_project_partner.OrganisationId);
relation!(/** The model project of a partnership. */ PartnerModelProject: model_project_partner::Model => model_project.Id, key = |m| Some(m.model_project_id), rides model_project_partner.ModelProjectId);

// Events and their programme.
relation!(/** The town an event takes place in. */ EventTown: event::Model => town.Id, key = |e| e.town_id, rides event.TownId);
relation!(/** The model project an event belongs to. */ EventModelProject: event::Model => model_project.Id, key = |e| e.model_project_id);
relation!(/** The programme of an event (a visible one): its sessions in time order. */ EventSessions: event::Model => session.EventId, key = |e| Some(e.id), order = [StartsAt, Position, Id]);
relation!(/** The contributions to an event (a visible one). */ EventContributions: event::Model => contribution.EventId, key = |e| Some(e.id), order = [SessionId, Position, Id]);
relation!(/** The organisers of an event. */ EventOrganisers: event::Model => event_organiser.EventId, key = |e| Some(e.id), order = [Id]);
relation!(/** The visible documents of an event, by title. */ EventDocuments: event::Model => document.EventId, key = |e| Some(e.id), scope = document_service::visible, order = [Title, Id]);
relation!(/** The registrations for an event (staff only). */ EventRegistrations: event::Model => registration.EventId, key = |e| Some(e.id), scope = registration_service::visible, order = [PersonId, Id]);
relation!(/** The event an organiser organised, if visible. */ OrganiserEvent: event_organiser::Model => event.Id, key = |o| Some(o.event_id), scope = event_service::visible, rides event_organiser.EventId);
relation!(/** The organisation of an organiser. */ OrganiserOrganisation: event_organiser::Model => organisation.Id, key = |o| Some(o.organisation_id), rides event_organiser.OrganisationId);
relation!(/** The event of a session, if visible. */ SessionEvent: session::Model => event.Id, key = |s| Some(s.event_id), scope = event_service::visible);
relation!(/** The contributions to a session (a visible one), in their order. */ SessionContributions: session::Model => contribution.SessionId, key = |s| Some(s.id), order = [Position, Id]);
relation!(/** The visible documents of a session, by title. */ SessionDocuments: session::Model => document.SessionId, key = |s| Some(s.id), scope = document_service::visible, order = [Title, Id]);
relation!(/** The person of a contribution. */ ContributionPerson: contribution::Model => person.Id, key = |c| c.person_id, item = PersonView => profile_for, rides contribution.PersonId);
relation!(/** The organisation of a contribution. */ ContributionOrganisation: contribution::Model => organisation.Id, key = |c| c.organisation_id, rides contribution.OrganisationId);
relation!(/** The session of a contribution, if visible. */ ContributionSession: contribution::Model => session.Id, key = |c| c.session_id, scope = session_service::visible);
relation!(/** The event of a contribution, if visible. */ ContributionEvent: contribution::Model => event.Id, key = |c| Some(c.event_id), scope = event_service::visible);

// Documents.
relation!(/** The organisation that published a document. */ DocumentPublisher: document::Model => organisation.Id, key = |d| d.publisher_id);
relation!(/** The model project of a document. */ DocumentModelProject: document::Model => model_project.Id, key = |d| d.model_project_id);
relation!(/** The event of a document, if visible. */ DocumentEvent: document::Model => event.Id, key = |d| d.event_id, scope = event_service::visible);
relation!(/** The session of a document, if visible. */ DocumentSession: document::Model => session.Id, key = |d| d.session_id, scope = session_service::visible);
relation!(/** The authors of a document, in their order. */ DocumentAuthors: document::Model => document_author.DocumentId, key = |d| Some(d.id), order = [Position, Id]);
relation!(/** The person of an authorship. */ AuthorPerson: document_author::Model => person.Id, key = |a| Some(a.person_id), item = PersonView => profile_for, rides document_author.PersonId);
relation!(/** The document of an authorship, if visible. */ AuthorDocument: document_author::Model => document.Id, key = |a| Some(a.document_id), scope = document_service::visible, rides document_author.DocumentId);

// Registrations.
relation!(/** The event of a registration, if visible. */ RegistrationEvent: registration::Model => event.Id, key = |r| Some(r.event_id), scope = event_service::visible);
relation!(/** The person of a registration, if visible. */ RegistrationPerson: registration::Model => person.Id, key = |r| Some(r.person_id), scope = person_service::visible, item = PersonView => profile_for);

/// The audit entries of a record of type `E`, newest first (staff only).
pub struct History<E>(std::marker::PhantomData<fn() -> E>);

impl<E> Relation for History<E>
where
    E: Record,
    E::Model: Serialize + Clone + Send + Sync + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    type Parent = E::Model;
    type Target = audit_entry::Entity;
    type Item = audit_entry::Model;
    fn key(parent: &E::Model) -> Option<i32> {
        Some(E::id_of(parent))
    }
    fn target_key() -> audit_entry::Column {
        audit_entry::Column::EntityId
    }
    fn scope(viewer: Viewer) -> Condition {
        audit_service::history_scope(viewer, E::TYPE)
    }
    fn order(select: Select<audit_entry::Entity>) -> Select<audit_entry::Entity> {
        audit_service::newest_first(select)
    }
    fn item(_viewer: Viewer, model: audit_entry::Model) -> audit_entry::Model {
        model
    }
}
