//! Statistics: counts of what the viewer may see, grouped by typed dimensions. One query builder
//! turns a subject, its dimensions and its filter into a single `GROUP BY` statement; the database
//! counts, nothing is loaded row by row.

use chrono::Utc;
use entity::enums::TownType;
use entity::{
    contribution, event, model_project, model_project_town, organisation, person, project_call,
    session, state, town,
};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, IntoTableRef, JoinType, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, QueryResult};

use super::event::EventFilter;
use super::model_project::ModelProjectFilter;
use super::session::SessionFilter;
use super::town::TownFilter;
use crate::error::{AppError, AppResult};
use crate::viewer::Viewer;

/// Most dimensions one statistic may be grouped by.
pub const MAX_DIMENSIONS: usize = 3;

/// Population bands of the town statistics: lower bound and name (BBSR thresholds, and 50,000).
pub const POPULATION_BANDS: [(i32, &str); 6] = [
    (0, "0-4999"),
    (5_000, "5000-9999"),
    (10_000, "10000-19999"),
    (20_000, "20000-49999"),
    (50_000, "50000-99999"),
    (100_000, "100000+"),
];

/// The town types counted as small towns (Kleinstädte).
pub const SMALL_TOWN_TYPES: [TownType; 2] = [TownType::SmallerSmallTown, TownType::LargerSmallTown];

macro_rules! dimensions {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every dimension of this subject.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name of the dimension in REST parameters and CSV headers.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }

            /// The dimension called `name`, if there is one.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|dimension| dimension.name() == name)
            }
        }
    };
}

dimensions!(
    /// What towns can be grouped by.
    TownDimension {
        State = "state",
        District = "district",
        TownType = "townType",
        PopulationBand = "populationBand",
    }
);

dimensions!(
    /// What participation in model projects can be grouped by.
    ParticipationDimension {
        State = "state",
        TownType = "townType",
    }
);

dimensions!(
    /// What events can be grouped by.
    EventDimension {
        Year = "year",
        Format = "format",
        Status = "status",
    }
);

dimensions!(
    /// What sessions can be grouped by.
    SessionDimension {
        Kind = "kind",
        Year = "year",
    }
);

dimensions!(
    /// What contributions can be grouped by.
    ContributionDimension {
        Role = "role",
        OrganisationKind = "organisationKind",
    }
);

dimensions!(
    /// What model projects can be grouped by.
    ModelProjectDimension {
        ProjectCall = "projectCall",
        Topic = "topic",
    }
);

/// Filters of the contribution statistics; all given filters must hold.
#[derive(Clone, Debug, Default)]
pub struct ContributionFilter {
    pub roles: Option<Vec<entity::enums::ContributionRole>>,
    pub event_id: Option<i32>,
}

/// One group's value of one dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The value (an enum name, a state code, a year, a band); `None` where it is unknown.
    pub value: Option<String>,
    /// A readable name where the value is a code (the state's or the call's name).
    pub label: Option<String>,
}

/// One group and its counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// One key per dimension, in the order asked for.
    pub keys: Vec<Key>,
    /// Records in the group.
    pub count: i64,
    /// For participation: all towns in the group, participating or not.
    pub total: Option<i64>,
}

impl Row {
    /// `count / total`, where there is a total and it is not zero.
    pub fn share(&self) -> Option<f64> {
        self.total
            .filter(|total| *total > 0)
            .map(|total| self.count as f64 / total as f64)
    }
}

/// A grouped count: the dimensions asked for and one row per group, in key order (unknown last).
#[derive(Clone, Debug, PartialEq)]
pub struct Statistic {
    /// The subject (`towns`, `events`, …).
    pub subject: &'static str,
    /// The dimension names, in the order asked for.
    pub dimensions: Vec<&'static str>,
    /// Whether rows carry `total` (and so `share`).
    pub has_total: bool,
    pub rows: Vec<Row>,
}

/// How the database returns a dimension's value.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Number,
    Band,
}

/// Tables a dimension needs next to the subject's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    State,
    ProjectCall,
    ContributorOrganisation,
}

/// A dimension as SQL: its value, an optional label, what it needs joined.
struct Column {
    name: &'static str,
    value: SimpleExpr,
    label: Option<SimpleExpr>,
    kind: Kind,
    join: Option<Join>,
}

impl Column {
    fn text(name: &'static str, value: impl Into<SimpleExpr>) -> Self {
        Self {
            name,
            value: value.into(),
            label: None,
            kind: Kind::Text,
            join: None,
        }
    }
}

/// What each group counts.
enum Measure {
    /// Rows in the group.
    Rows,
    /// Towns in a model project, and all towns, in the group.
    Participation,
}

/// The year of an instant column (UTC), the same on both backends.
fn year(backend: DbBackend, table: &str, column: &str) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!(
            "CAST(EXTRACT(YEAR FROM \"{table}\".\"{column}\" AT TIME ZONE 'UTC') AS INTEGER)"
        )),
        _ => Expr::cust(format!(
            "CAST(substr(\"{table}\".\"{column}\", 1, 4) AS INTEGER)"
        )),
    }
}

fn state_column() -> Column {
    Column {
        name: "state",
        value: Expr::col((state::Entity, state::Column::Code)),
        label: Some(Expr::col((state::Entity, state::Column::Name))),
        kind: Kind::Text,
        join: Some(Join::State),
    }
}

fn population_band() -> Column {
    let population = || Expr::col((town::Entity, town::Column::Population));
    let mut case = Expr::case(population().is_null(), Expr::cust("NULL"));
    for (index, (lower, _)) in POPULATION_BANDS.iter().enumerate().rev() {
        case = case.case(population().gte(*lower), Expr::cust(index.to_string()));
    }
    Column {
        name: "populationBand",
        value: case.finally(Expr::cust("0")).into(),
        label: None,
        kind: Kind::Band,
        join: None,
    }
}

fn town_column(dimension: TownDimension) -> Column {
    match dimension {
        TownDimension::State => state_column(),
        TownDimension::District => Column::text(
            "district",
            Expr::col((town::Entity, town::Column::District)),
        ),
        TownDimension::TownType => Column::text(
            "townType",
            Expr::col((town::Entity, town::Column::TownType)),
        ),
        TownDimension::PopulationBand => population_band(),
    }
}

/// Checks the dimensions asked for: at most [`MAX_DIMENSIONS`], none twice.
fn checked<D: Copy + PartialEq>(by: &[D]) -> AppResult<()> {
    if by.len() > MAX_DIMENSIONS {
        return Err(AppError::bad_field(
            "by",
            format!("group by at most {MAX_DIMENSIONS} dimensions"),
        ));
    }
    for (index, dimension) in by.iter().enumerate() {
        if by[..index].contains(dimension) {
            return Err(AppError::bad_field("by", "a dimension is named twice"));
        }
    }
    Ok(())
}

/// Towns, grouped.
pub async fn towns<C: ConnectionTrait>(
    db: &C,
    by: &[TownDimension],
    filter: &TownFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let columns = by.iter().map(|d| town_column(*d)).collect();
    let condition = super::town::condition(filter)?;
    grouped(db, "towns", town::Entity, columns, condition, Measure::Rows).await
}

/// Towns in model projects, grouped, each group with all its towns as `total`. Without a town-type
/// filter only small towns count, so `share` is the share of all small towns.
pub async fn participation<C: ConnectionTrait>(
    db: &C,
    by: &[ParticipationDimension],
    filter: &TownFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let columns = by
        .iter()
        .map(|dimension| match dimension {
            ParticipationDimension::State => town_column(TownDimension::State),
            ParticipationDimension::TownType => town_column(TownDimension::TownType),
        })
        .collect();
    let mut filter = filter.clone();
    if filter.town_types.is_none() {
        filter.town_types = Some(SMALL_TOWN_TYPES.to_vec());
    }
    let condition = super::town::condition(&filter)?;
    grouped(
        db,
        "participation",
        town::Entity,
        columns,
        condition,
        Measure::Participation,
    )
    .await
}

/// Events the viewer may see, grouped.
pub async fn events<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    by: &[EventDimension],
    filter: &EventFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let backend = db.get_database_backend();
    let columns = by
        .iter()
        .map(|dimension| match dimension {
            EventDimension::Year => Column {
                kind: Kind::Number,
                ..Column::text("year", year(backend, "event", "starts_at"))
            },
            EventDimension::Format => {
                Column::text("format", Expr::col((event::Entity, event::Column::Format)))
            }
            EventDimension::Status => {
                Column::text("status", Expr::col((event::Entity, event::Column::Status)))
            }
        })
        .collect();
    let condition = super::event::condition(viewer, filter, Utc::now())?;
    grouped(
        db,
        "events",
        event::Entity,
        columns,
        condition,
        Measure::Rows,
    )
    .await
}

/// Sessions the viewer may see, grouped.
pub async fn sessions<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    by: &[SessionDimension],
    filter: &SessionFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let backend = db.get_database_backend();
    let columns = by
        .iter()
        .map(|dimension| match dimension {
            SessionDimension::Kind => {
                Column::text("kind", Expr::col((session::Entity, session::Column::Kind)))
            }
            SessionDimension::Year => Column {
                kind: Kind::Number,
                ..Column::text("year", year(backend, "session", "starts_at"))
            },
        })
        .collect();
    let condition = super::session::condition(viewer, filter)?;
    grouped(
        db,
        "sessions",
        session::Entity,
        columns,
        condition,
        Measure::Rows,
    )
    .await
}

/// Contributions the viewer may see, grouped. A person's contribution counts for the person's
/// organisation unless the programme names another.
pub async fn contributions<C: ConnectionTrait>(
    db: &C,
    viewer: Viewer,
    by: &[ContributionDimension],
    filter: &ContributionFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let columns = by
        .iter()
        .map(|dimension| match dimension {
            ContributionDimension::Role => Column::text(
                "role",
                Expr::col((contribution::Entity, contribution::Column::Role)),
            ),
            ContributionDimension::OrganisationKind => Column {
                join: Some(Join::ContributorOrganisation),
                ..Column::text(
                    "organisationKind",
                    Expr::col((organisation::Entity, organisation::Column::Kind)),
                )
            },
        })
        .collect();
    let mut condition = Condition::all().add(super::session::contribution_visible(viewer));
    if let Some(roles) = &filter.roles {
        condition = condition.add(contribution::Column::Role.is_in(roles.clone()));
    }
    if let Some(event) = filter.event_id {
        condition = condition.add(contribution::Column::EventId.eq(event));
    }
    grouped(
        db,
        "contributions",
        contribution::Entity,
        columns,
        condition,
        Measure::Rows,
    )
    .await
}

/// Model projects, grouped.
pub async fn model_projects<C: ConnectionTrait>(
    db: &C,
    by: &[ModelProjectDimension],
    filter: &ModelProjectFilter,
) -> AppResult<Statistic> {
    checked(by)?;
    let columns = by
        .iter()
        .map(|dimension| match dimension {
            ModelProjectDimension::ProjectCall => Column {
                name: "projectCall",
                value: Expr::col((project_call::Entity, project_call::Column::Year)),
                label: Some(Expr::col((
                    project_call::Entity,
                    project_call::Column::Name,
                ))),
                kind: Kind::Number,
                join: Some(Join::ProjectCall),
            },
            ModelProjectDimension::Topic => Column::text(
                "topic",
                Expr::col((model_project::Entity, model_project::Column::Topic)),
            ),
        })
        .collect();
    let condition = super::model_project::condition(filter)?;
    grouped(
        db,
        "modelProjects",
        model_project::Entity,
        columns,
        condition,
        Measure::Rows,
    )
    .await
}

fn join(query: &mut SelectStatement, join: Join) {
    match join {
        Join::State => query.join(
            JoinType::LeftJoin,
            state::Entity,
            Expr::col((state::Entity, state::Column::Id))
                .equals((town::Entity, town::Column::StateId)),
        ),
        Join::ProjectCall => query.join(
            JoinType::LeftJoin,
            project_call::Entity,
            Expr::col((project_call::Entity, project_call::Column::Id))
                .equals((model_project::Entity, model_project::Column::ProjectCallId)),
        ),
        Join::ContributorOrganisation => query
            .join(
                JoinType::LeftJoin,
                person::Entity,
                Expr::col((person::Entity, person::Column::Id))
                    .equals((contribution::Entity, contribution::Column::PersonId)),
            )
            .join(
                JoinType::LeftJoin,
                organisation::Entity,
                Expr::col((organisation::Entity, organisation::Column::Id)).eq(Func::coalesce([
                    Expr::col((contribution::Entity, contribution::Column::OrganisationId)),
                    Expr::col((person::Entity, person::Column::OrganisationId)),
                ])),
            ),
    };
}

/// The one query builder: `SELECT dimensions…, counts FROM subject [JOIN …] WHERE condition
/// GROUP BY dimensions…`.
async fn grouped<C: ConnectionTrait>(
    db: &C,
    subject: &'static str,
    table: impl IntoTableRef,
    columns: Vec<Column>,
    condition: Condition,
    measure: Measure,
) -> AppResult<Statistic> {
    let mut query = Query::select();
    query.from(table);
    let mut joins: Vec<Join> = Vec::new();
    let mut positions = Vec::new();
    for column in &columns {
        if let Some(needed) = column.join
            && !joins.contains(&needed)
        {
            joins.push(needed);
            join(&mut query, needed);
        }
        query.expr_as(
            column.value.clone(),
            Alias::new(format!("d{}", positions.len())),
        );
        positions.push(positions.len() + 1);
        if let Some(label) = &column.label {
            query.expr_as(label.clone(), Alias::new(format!("l{}", positions.len())));
            positions.push(positions.len() + 1);
        }
    }
    match measure {
        Measure::Rows => {
            query.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
        }
        Measure::Participation => {
            let participating = Query::select()
                .column(model_project_town::Column::TownId)
                .from(model_project_town::Entity)
                .to_owned();
            let member = Expr::case(
                Expr::col((town::Entity, town::Column::Id)).in_subquery(participating),
                Expr::cust("1"),
            )
            .finally(Expr::cust("0"));
            query
                .expr_as(Func::sum(member), Alias::new("n"))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("total"));
        }
    }
    query.cond_where(condition);
    // By position: PostgreSQL does not see two bound copies of one expression as the same.
    query.add_group_by(positions.iter().map(|at| Expr::cust(at.to_string())));
    let has_total = matches!(measure, Measure::Participation);
    let mut rows = Vec::new();
    for result in db.query_all(&query).await? {
        rows.push(read_row(&result, &columns, has_total)?);
    }
    let mut order: Vec<(Vec<Sort>, Row)> = rows;
    order.sort_by(|(a, _), (b, _)| a.cmp(b));
    Ok(Statistic {
        subject,
        dimensions: columns.iter().map(|column| column.name).collect(),
        has_total,
        rows: order.into_iter().map(|(_, row)| row).collect(),
    })
}

/// Sort position of one key: known values first, numbers by value, text by text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Sort {
    Number(i64),
    Text(String),
    Unknown,
}

fn read_row(
    result: &QueryResult,
    columns: &[Column],
    has_total: bool,
) -> AppResult<(Vec<Sort>, Row)> {
    let mut index = 0;
    let mut keys = Vec::with_capacity(columns.len());
    let mut sort = Vec::with_capacity(columns.len());
    for column in columns {
        let (value, position) = match column.kind {
            Kind::Text => {
                let value: Option<String> = result.try_get_by_index(index)?;
                let position = value.clone().map_or(Sort::Unknown, Sort::Text);
                (value, position)
            }
            Kind::Number => {
                let value: Option<i32> = result.try_get_by_index(index)?;
                (
                    value.map(|v| v.to_string()),
                    value.map_or(Sort::Unknown, |v| Sort::Number(v.into())),
                )
            }
            Kind::Band => {
                let value: Option<i32> = result.try_get_by_index(index)?;
                let band = value.and_then(|v| {
                    usize::try_from(v)
                        .ok()
                        .and_then(|at| POPULATION_BANDS.get(at))
                        .map(|(_, name)| (*name).to_owned())
                });
                (
                    band,
                    value.map_or(Sort::Unknown, |v| Sort::Number(v.into())),
                )
            }
        };
        index += 1;
        let label = if column.label.is_some() {
            let label: Option<String> = result.try_get_by_index(index)?;
            index += 1;
            label
        } else {
            None
        };
        keys.push(Key { value, label });
        sort.push(position);
    }
    let count: Option<i64> = result.try_get_by_index(index)?;
    let total = if has_total {
        let total: i64 = result.try_get_by_index(index + 1)?;
        Some(total)
    } else {
        None
    };
    Ok((
        sort,
        Row {
            keys,
            count: count.unwrap_or(0),
            total,
        },
    ))
}

/// Parses a comma-separated list of dimension names (`state,townType`) with `parse`.
pub fn parse_dimensions<D: Copy>(
    value: Option<&str>,
    parse: fn(&str) -> Option<D>,
    all: &[&str],
) -> AppResult<Vec<D>> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            parse(name).ok_or_else(|| {
                AppError::bad_field(
                    "by",
                    format!(
                        "cannot group by `{name}`; use one or more of {}",
                        all.join(", ")
                    ),
                )
            })
        })
        .collect()
}
