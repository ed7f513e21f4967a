//! The schema: the merged query roots and the limits that protect the server.

use async_graphql::{EmptySubscription, MergedObject, Schema};

use super::account::{AccountMutation, AccountQuery};
use super::audit::AuditQuery;
use super::board::BoardMembershipMutation;
use super::changes::ChangeQuery;
use super::document::{DocumentMutation, DocumentQuery};
use super::event::{EventMutation, EventOrganiserMutation, EventQuery};
use super::model_project::{ModelProjectMutation, ModelProjectQuery};
use super::network::NetworkQuery;
use super::node::NodeQuery;
use super::organisation::{OrganisationMutation, OrganisationQuery};
use super::persisted::{PersistedDocumentMutation, PersistedDocumentQuery};
use super::person::{PersonMutation, PersonQuery};
use super::registration::RegistrationMutation;
use super::search::SearchQuery;
use super::session::{SessionMutation, SessionQuery};
use super::statistics::StatisticsQuery;
use super::town::{TownMutation, TownQuery};
use super::webhook::{WebhookMutation, WebhookQuery};
use crate::config::Config;

/// The root of all read queries.
#[derive(MergedObject, Default)]
pub struct Query(
    NodeQuery,
    TownQuery,
    ModelProjectQuery,
    EventQuery,
    SessionQuery,
    PersonQuery,
    OrganisationQuery,
    DocumentQuery,
    AccountQuery,
    AuditQuery,
    StatisticsQuery,
    SearchQuery,
    NetworkQuery,
    ChangeQuery,
    WebhookQuery,
    PersistedDocumentQuery,
);

/// The root of all changes (staff only, except `login`).
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountMutation,
    EventMutation,
    EventOrganiserMutation,
    SessionMutation,
    RegistrationMutation,
    DocumentMutation,
    BoardMembershipMutation,
    TownMutation,
    OrganisationMutation,
    PersonMutation,
    ModelProjectMutation,
    WebhookMutation,
    PersistedDocumentMutation,
);

/// The kleinstadt GraphQL schema.
pub type ApiSchema = Schema<Query, Mutation, EmptySubscription>;

/// Builds the schema with depth, complexity, recursion and directive limits switched on.
pub fn build(config: &Config) -> ApiSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .finish()
}

/// The schema anonymous callers use in production mode: no field suggestions in error messages
/// (introspection is switched off per request).
pub fn build_public(config: &Config) -> ApiSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(config.graphql_max_depth)
        .limit_complexity(config.graphql_max_complexity)
        .limit_recursive_depth(32)
        .limit_directives(16)
        .disable_suggestions()
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl(config: &Config) -> String {
    build(config).sdl()
}
