//! GraphQL `statistics { … }`: grouped counts of towns, participation, events, sessions,
//! contributions and model projects.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::enums::ContributionRole;
use super::event::EventFilterInput;
use super::model_project::ModelProjectFilterInput;
use super::session::SessionFilterInput;
use super::town::TownFilterInput;
use super::{decode_opt, request};
use crate::service::statistics::{
    self as service, ContributionDimension, ContributionFilter, EventDimension,
    ModelProjectDimension, ParticipationDimension, SessionDimension, Statistic, TownDimension,
};

macro_rules! dimension_enum {
    ($(#[$meta:meta])* $name:ident = $service:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $service {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}

dimension_enum!(
    /// What towns can be grouped by.
    TownStatisticDimension = TownDimension {
        /// The state, by code (label: its name).
        State,
        /// The district (Landkreis).
        District,
        /// The BBSR town type.
        TownType,
        /// Population band: `0-4999`, `5000-9999`, `10000-19999`, `20000-49999`, `50000-99999`, `100000+`.
        PopulationBand,
    }
);

dimension_enum!(
    /// What participation in model projects can be grouped by.
    ParticipationStatisticDimension = ParticipationDimension {
        /// The state, by code (label: its name).
        State,
        /// The BBSR town type.
        TownType,
    }
);

dimension_enum!(
    /// What events can be grouped by.
    EventStatisticDimension = EventDimension {
        /// Year of the start (UTC).
        Year,
        /// Digital, in person or hybrid.
        Format,
        /// Scheduled, cancelled, postponed or moved online.
        Status,
    }
);

dimension_enum!(
    /// What sessions can be grouped by.
    SessionStatisticDimension = SessionDimension {
        /// The kind of programme item.
        Kind,
        /// Year of the start (UTC).
        Year,
    }
);

dimension_enum!(
    /// What contributions can be grouped by.
    ContributionStatisticDimension = ContributionDimension {
        /// The contributor's role.
        Role,
        /// Kind of the contributing organisation (for a person: the organisation named in the
        /// programme, else the person's organisation).
        OrganisationKind,
    }
);

dimension_enum!(
    /// What model projects can be grouped by.
    ModelProjectStatisticDimension = ModelProjectDimension {
        /// The project call, by year (label: its name).
        ProjectCall,
        /// The project's topic.
        Topic,
    }
);

/// Which contributions to count; all given conditions must hold.
#[derive(Default, InputObject)]
pub struct ContributionStatisticFilterInput {
    /// Contributions in one of these roles.
    pub role: Option<Vec<ContributionRole>>,
    /// Contributions to this event's programme.
    pub event: Option<ID>,
}

/// One group's value of one dimension.
#[derive(SimpleObject)]
pub struct StatisticKey {
    /// The dimension (`state`, `townType`, `year`, …).
    pub dimension: String,
    /// The value (an enum name, a state code, a year, a population band); null where unknown.
    pub value: Option<String>,
    /// A readable name, where the value is a code (a state's or a project call's name).
    pub label: Option<String>,
}

/// One group and its counts.
#[derive(SimpleObject)]
pub struct StatisticRow {
    /// The group: one key per dimension, in the order asked for.
    pub keys: Vec<StatisticKey>,
    /// Records in the group.
    pub count: i64,
    /// Participation only: all towns of the group, participating or not.
    pub total: Option<i64>,
    /// Participation only: `count / total`.
    pub share: Option<f64>,
}

/// A grouped count: one row per group, in key order (unknown values last).
#[derive(SimpleObject)]
pub struct StatisticTable {
    /// The dimensions grouped by, in the order asked for.
    pub dimensions: Vec<String>,
    /// The groups; without dimensions, one row with the overall count.
    pub rows: Vec<StatisticRow>,
    /// The sum of `count` over all rows.
    pub count: i64,
}

impl From<Statistic> for StatisticTable {
    fn from(statistic: Statistic) -> Self {
        let count = statistic.rows.iter().map(|row| row.count).sum();
        let rows = statistic
            .rows
            .into_iter()
            .map(|row| StatisticRow {
                share: row.share(),
                total: row.total,
                count: row.count,
                keys: statistic
                    .dimensions
                    .iter()
                    .zip(row.keys)
                    .map(|(dimension, key)| StatisticKey {
                        dimension: (*dimension).to_owned(),
                        value: key.value,
                        label: key.label,
                    })
                    .collect(),
            })
            .collect();
        Self {
            dimensions: statistic
                .dimensions
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            rows,
            count,
        }
    }
}

fn dimensions<G: Copy, S: From<G>>(by: Option<Vec<G>>) -> Vec<S> {
    by.unwrap_or_default().into_iter().map(Into::into).collect()
}

/// Grouped counts for analysts. Only what the caller may see is counted: drafts only for staff.
#[derive(Default)]
pub struct Statistics;

/// Grouped counts for analysts. Only what the caller may see is counted: drafts only for staff.
#[Object]
impl Statistics {
    /// Towns, grouped.
    async fn towns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<TownStatisticDimension>>,
        #[graphql(desc = "Which towns to count.")] filter: Option<TownFilterInput>,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let by: Vec<TownDimension> = dimensions(by);
        Ok(service::towns(&rc.db, &by, &filter).await?.into())
    }

    /// Towns that are members of a model project (`count`) against all towns (`total`) per group.
    /// Without a `townType` filter only small towns (5,000–19,999) count, so `share` is the share of
    /// all small towns.
    async fn participation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<ParticipationStatisticDimension>>,
        #[graphql(desc = "Which towns to count.")] filter: Option<TownFilterInput>,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let by: Vec<ParticipationDimension> = dimensions(by);
        Ok(service::participation(&rc.db, &by, &filter).await?.into())
    }

    /// Events, grouped.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<EventStatisticDimension>>,
        #[graphql(desc = "Which events to count.")] filter: Option<EventFilterInput>,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let by: Vec<EventDimension> = dimensions(by);
        Ok(service::events(&rc.db, rc.viewer, &by, &filter)
            .await?
            .into())
    }

    /// Sessions (programme items), grouped.
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<SessionStatisticDimension>>,
        #[graphql(desc = "Which sessions to count.")] filter: Option<SessionFilterInput>,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let by: Vec<SessionDimension> = dimensions(by);
        Ok(service::sessions(&rc.db, rc.viewer, &by, &filter)
            .await?
            .into())
    }

    /// Contributions to programmes, grouped.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<ContributionStatisticDimension>>,
        #[graphql(desc = "Which contributions to count.")] filter: Option<
            ContributionStatisticFilterInput,
        >,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let input = filter.unwrap_or_default();
        let filter = ContributionFilter {
            roles: input.role.map(|v| v.into_iter().map(Into::into).collect()),
            event_id: decode_opt(input.event.as_ref(), "Event", "filter.event")?,
        };
        let by: Vec<ContributionDimension> = dimensions(by);
        Ok(service::contributions(&rc.db, rc.viewer, &by, &filter)
            .await?
            .into())
    }

    /// Model projects, grouped.
    async fn model_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Dimensions to group by (at most 3); none gives the overall count.")]
        by: Option<Vec<ModelProjectStatisticDimension>>,
        #[graphql(desc = "Which model projects to count.")] filter: Option<ModelProjectFilterInput>,
    ) -> Result<StatisticTable> {
        let rc = request(ctx)?;
        let filter = filter.unwrap_or_default().into_filter()?;
        let by: Vec<ModelProjectDimension> = dimensions(by);
        Ok(service::model_projects(&rc.db, &by, &filter).await?.into())
    }
}

/// The `statistics` root field.
#[derive(Default)]
pub struct StatisticsQuery;

/// The `statistics` root field.
#[Object]
impl StatisticsQuery {
    /// Grouped counts for analysts: towns, participation in model projects, events, sessions,
    /// contributions and model projects, each by its own dimensions, computed in the database.
    async fn statistics(&self) -> Statistics {
        Statistics
    }
}
