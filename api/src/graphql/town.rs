//! GraphQL types and queries of states and towns.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use entity::{state, town};

use super::connection::{args, connection, page_cost};
use super::enums::{MemberRole, StateCode, TownType};
use super::event::{Event, EventConnection};
use super::model_project::{ModelProject, TownModelProjectConnection};
use super::organisation::{Organisation, OrganisationConnection};
use super::person::{Person, PersonConnection};
use super::{DeletePayload, decode_opt, joined, maybe, request, wants_total};
use crate::ids;
use crate::load::Row;
use crate::service::relation::{
    MemberModelProject, StateTowns, TownById, TownEvents, TownMemberships, TownOrganisations,
    TownPeople, TownState,
};
use crate::service::town::{self as service, TownChanges, TownFilter, TownOrder, TownOrderField};
use crate::store::page::paginate_vec;

/// A German state (Land).
#[derive(Clone)]
pub struct State(pub Row<state::Model>);

/// A German state (Land).
#[Object]
impl State {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("State", self.0.id))
    }
    /// Two-digit key: the first two digits of every municipality key in the state.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// Two-letter abbreviation.
    async fn code(&self) -> Option<StateCode> {
        StateCode::from_abbreviation(&self.0.code)
    }
    /// Name, in German.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Towns in the state, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn towns(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<TownConnection> {
        let page = self
            .0
            .page::<StateTowns>(&args(first, after, last, before))
            .await?;
        Ok(TownConnection::from_page(page.map(Town)))
    }
}

/// A municipality (Gemeinde) or GeoNames place.
#[derive(Clone)]
pub struct Town(pub Row<town::Model>);

/// A municipality (Gemeinde) or GeoNames place.
#[Object]
impl Town {
    /// Global ID.
    pub async fn id(&self) -> ID {
        ID(ids::encode("Town", self.0.id))
    }
    /// Version of the record: pass it as `expectedVersion` when changing it.
    pub async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the record last changed.
    pub async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// State the town lies in (unknown for a few towns of the demo data).
    async fn state(&self) -> Result<Option<State>> {
        Ok(self.0.load_one::<TownState>().await?.map(State))
    }
    /// District (Landkreis), where known.
    async fn district(&self) -> Option<&str> {
        self.0.district.as_deref()
    }
    /// Official 8-digit municipality key (Amtlicher Gemeindeschlüssel), where known.
    async fn municipality_key(&self) -> Option<&str> {
        self.0.municipality_key.as_deref()
    }
    /// GeoNames id of the place.
    async fn geonames_id(&self) -> Option<i64> {
        self.0.geonames_id
    }
    /// Inhabitants (GeoNames figure), where known.
    async fn population(&self) -> Option<i32> {
        self.0.population
    }
    /// Latitude (WGS 84).
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84).
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// BBSR town type: official where set, else derived from population.
    async fn town_type(&self) -> Option<TownType> {
        service::town_type(&self.0).map(Into::into)
    }
    /// Whether `townType` is the official classification rather than derived from population.
    async fn town_type_official(&self) -> bool {
        self.0.town_type_official
    }
    /// Web site.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Public sources of this record.
    async fn sources(&self) -> &[String] {
        &self.0.sources.0
    }
    /// Model projects the town is a member of, with its role.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn model_projects(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<TownModelProjectConnection> {
        let rows = self
            .0
            .page_with::<TownMemberships, (MemberModelProject,)>(&args(first, after, last, before))
            .await?;
        let page = joined::<MemberModelProject, _, _>(
            rows,
            |row| MemberRole::from(row.role),
            ModelProject,
        )
        .await?;
        Ok(TownModelProjectConnection::from_page(page))
    }
    /// Events that take place in the town, by start.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn events(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<EventConnection> {
        let page = self
            .0
            .page::<TownEvents>(&args(first, after, last, before))
            .await?;
        Ok(EventConnection::from_page(page.map(Event)))
    }
    /// Public people from the town, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn people(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<PersonConnection> {
        let page = self
            .0
            .page::<TownPeople>(&args(first, after, last, before))
            .await?;
        Ok(PersonConnection::from_page(page.map(Person)))
    }
    /// Organisations seated in the town, by name.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn organisations(
        &self,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<OrganisationConnection> {
        let page = self
            .0
            .page::<TownOrganisations>(&args(first, after, last, before))
            .await?;
        Ok(OrganisationConnection::from_page(page.map(Organisation)))
    }
}

connection!(TownConnection, TownEdge, Town, "towns");
connection!(StateConnection, StateEdge, State, "states");

/// Which towns to list; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct TownFilterInput {
    /// Towns in one of these states.
    pub state: Option<Vec<StateCode>>,
    /// Towns of one of these types.
    pub town_type: Option<Vec<TownType>>,
    /// Towns with at least this many inhabitants.
    pub population_min: Option<i32>,
    /// Towns with at most this many inhabitants.
    pub population_max: Option<i32>,
    /// Towns whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Towns that are members of this model project.
    pub model_project: Option<ID>,
}

/// Sort keys of towns.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TownOrderBy {
    /// By name, A to Z.
    #[default]
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// Smallest first; unknown population last.
    PopulationAsc,
    /// Largest first; unknown population last.
    PopulationDesc,
}

impl From<TownOrderBy> for TownOrder {
    fn from(order: TownOrderBy) -> Self {
        let (field, descending) = match order {
            TownOrderBy::NameAsc => (TownOrderField::Name, false),
            TownOrderBy::NameDesc => (TownOrderField::Name, true),
            TownOrderBy::PopulationAsc => (TownOrderField::Population, false),
            TownOrderBy::PopulationDesc => (TownOrderField::Population, true),
        };
        TownOrder { field, descending }
    }
}

impl TownFilterInput {
    pub fn into_filter(self) -> crate::AppResult<TownFilter> {
        Ok(TownFilter {
            state_keys: self.state.map(|codes| {
                codes
                    .into_iter()
                    .map(|code| code.key().to_owned())
                    .collect()
            }),
            town_types: self
                .town_type
                .map(|types| types.into_iter().map(Into::into).collect()),
            population_min: self.population_min,
            population_max: self.population_max,
            name_contains: self.name_contains,
            model_project_id: decode_opt(
                self.model_project.as_ref(),
                "ModelProject",
                "filter.modelProject",
            )?,
        })
    }
}

/// Queries of states and towns.
#[derive(Default)]
pub struct TownQuery;

#[Object]
impl TownQuery {
    /// Towns, filtered and ordered.
    #[graphql(complexity = "page_cost(first, last) * child_complexity")]
    async fn towns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which towns to list.")] filter: Option<TownFilterInput>,
        #[graphql(desc = "Sort order; ties are broken by ID.", default)] order_by: TownOrderBy,
        #[graphql(desc = "Number of items from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of items from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to end.")] before: Option<String>,
    ) -> Result<TownConnection> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let page = service::list(
            &rc.db,
            &filter,
            order_by.into(),
            &args(first, after, last, before),
            wants_total(ctx),
        )
        .await?;
        Ok(TownConnection::from_page(rc.rows(page).map(Town)))
    }

    /// One town, by global ID or by municipality key (exactly one of the two).
    async fn town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the town.")] id: Option<ID>,
        #[graphql(desc = "8-digit municipality key (Amtlicher Gemeindeschlüssel).")]
        municipality_key: Option<String>,
    ) -> Result<Option<Town>> {
        let rc = request(ctx)?;
        match (id, municipality_key) {
            (Some(id), None) => {
                let id = ids::decode_as(&id, "Town", "id")?;
                Ok(rc.fetch_one::<TownById>(id).await?.map(Town))
            }
            (None, Some(key)) => {
                let town = service::by_municipality_key(&rc.db, &key).await?;
                Ok(town.map(|town| Town(rc.row(town))))
            }
            _ => Err(
                crate::AppError::bad_input("pass exactly one of `id` and `municipalityKey`").into(),
            ),
        }
    }

    /// The 16 states, in key order.
    #[graphql(complexity = "StateCode::ALL.len() * child_complexity")]
    async fn states(&self, ctx: &Context<'_>) -> Result<StateConnection> {
        let rc = request(ctx)?;
        let states = service::states(&rc.db).await?;
        let page = paginate_vec(&states, &args(None, None, None, None))?;
        Ok(StateConnection::from_page(rc.rows(page).map(State)))
    }
}

/// A new town.
#[derive(InputObject)]
pub struct CreateTownInput {
    /// Name.
    pub name: String,
    /// State; when left out, it follows from the municipality key.
    pub state: Option<StateCode>,
    /// District (Landkreis).
    pub district: Option<String>,
    /// Official 8-digit municipality key; its first two digits are the state's key.
    pub municipality_key: Option<String>,
    /// GeoNames id of the place.
    pub geonames_id: Option<i64>,
    /// Inhabitants (0 or more).
    pub population: Option<i32>,
    /// Latitude (WGS 84, -90 to 90); given together with `longitude`.
    pub latitude: Option<f64>,
    /// Longitude (WGS 84, -180 to 180); given together with `latitude`.
    pub longitude: Option<f64>,
    /// Official BBSR town type; when left out, it is derived from population.
    pub town_type: Option<TownType>,
    /// Web site.
    pub website: Option<String>,
    /// Public sources (URLs).
    pub sources: Option<Vec<String>>,
}

/// Changes to a town; fields left out stay as they are, `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateTownInput {
    /// Name.
    pub name: Option<String>,
    /// State; `null` lets it follow from the municipality key.
    pub state: MaybeUndefined<StateCode>,
    /// District (Landkreis).
    pub district: MaybeUndefined<String>,
    /// Official 8-digit municipality key; its first two digits are the state's key.
    pub municipality_key: MaybeUndefined<String>,
    /// GeoNames id of the place.
    pub geonames_id: MaybeUndefined<i64>,
    /// Inhabitants (0 or more).
    pub population: MaybeUndefined<i32>,
    /// Latitude (WGS 84, -90 to 90).
    pub latitude: MaybeUndefined<f64>,
    /// Longitude (WGS 84, -180 to 180).
    pub longitude: MaybeUndefined<f64>,
    /// Official BBSR town type; `null` derives it from population again.
    pub town_type: MaybeUndefined<TownType>,
    /// Web site.
    pub website: MaybeUndefined<String>,
    /// Public sources (URLs); replaces the list.
    pub sources: Option<Vec<String>>,
}

impl From<CreateTownInput> for TownChanges {
    fn from(input: CreateTownInput) -> Self {
        TownChanges {
            name: Some(input.name),
            state_key: Some(input.state.map(|code| code.key().to_owned())),
            district: Some(input.district),
            municipality_key: Some(input.municipality_key),
            geonames_id: Some(input.geonames_id),
            population: Some(input.population),
            latitude: Some(input.latitude),
            longitude: Some(input.longitude),
            town_type: Some(input.town_type.map(Into::into)),
            website: Some(input.website),
            sources: input.sources,
        }
    }
}

impl From<UpdateTownInput> for TownChanges {
    fn from(input: UpdateTownInput) -> Self {
        TownChanges {
            name: input.name,
            state_key: maybe(input.state).map(|code| code.map(|code| code.key().to_owned())),
            district: maybe(input.district),
            municipality_key: maybe(input.municipality_key),
            geonames_id: maybe(input.geonames_id),
            population: maybe(input.population),
            latitude: maybe(input.latitude),
            longitude: maybe(input.longitude),
            town_type: maybe(input.town_type).map(|t| t.map(Into::into)),
            website: maybe(input.website),
            sources: input.sources,
        }
    }
}

/// Changes to towns (staff only). States are fixed.
#[derive(Default)]
pub struct TownMutation;

#[Object]
impl TownMutation {
    /// Creates a town.
    async fn create_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new town.")] input: CreateTownInput,
    ) -> Result<Town> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let created = service::create(&rc.db, actor, input.into()).await?;
        Ok(Town(rc.row(created)))
    }

    /// Changes a town; fails with CONFLICT when someone else changed it since `expectedVersion`.
    async fn update_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the town.")] id: ID,
        #[graphql(desc = "The version the change is based on.")] expected_version: i32,
        #[graphql(desc = "The changes.")] input: UpdateTownInput,
    ) -> Result<Town> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Town", "id")?;
        let updated = service::update(&rc.db, actor, id, expected_version, input.into()).await?;
        Ok(Town(rc.row(updated)))
    }

    /// Deletes a town; refused (CONFLICT) while it is a member or lead of a model project, or
    /// events take place in it.
    async fn delete_town(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of the town.")] id: ID,
        #[graphql(desc = "The version the deletion is based on.")] expected_version: i32,
    ) -> Result<DeletePayload> {
        let rc = request(ctx)?;
        let actor = rc.editor()?;
        let id = ids::decode_as(&id, "Town", "id")?;
        service::delete(&rc.db, actor, id, expected_version).await?;
        Ok(DeletePayload {
            id: ID(ids::encode("Town", id)),
        })
    }
}
