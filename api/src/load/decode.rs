//! Decoding whole models from PostgreSQL rows by position. sea-orm looks every column up by name and
//! checks its type on every row (and formats an error text for every NULL); a page of a few hundred
//! rows spent most of its decoding time there. Here the column names and types of a result are
//! checked once, against the model, on its first row; every row is then decoded by position. A
//! result that does not have exactly the model's columns, and every other backend, is decoded by
//! sea-orm as before.

use chrono::{DateTime, Utc};
use entity::enums::{
    AuditAction, BoardRole, ContributionRole, DatePrecision, DocumentKind, EventFormat,
    EventStatus, MemberRole, OrganisationKind, OrganiserRole, PartnerRole, RegistrationStatus,
    SessionKind, TownType,
};
use entity::sources::Sources;
use futures::future::BoxFuture;
use sea_orm::sea_query::{DynIden, Expr, SelectStatement};
use sea_orm::sqlx::postgres::{PgRow, PgTypeInfo, PgValueFormat};
use sea_orm::sqlx::types::Json;
use sea_orm::sqlx::{Column as _, Postgres, Row as _, Type, ValueRef as _};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IdenStatic as _,
    Iterable as _, QueryResult, QuerySelect as _, QueryTrait, Select,
};

/// A model that can be decoded from a PostgreSQL row by position.
pub trait Decode: FromQueryResult + Sized {
    /// The column names in the order `Entity::find()` selects them; empty: always decoded by sea-orm.
    const COLUMNS: &'static [&'static str] = &[];

    /// Long text columns that an abridged read leaves out (reads them as NULL): a list shows them
    /// rarely, and they are most of a row's bytes.
    const DEFERRED: &'static [&'static str] = &[];

    /// Whether every column type of `row` from `offset` on decodes into its field.
    fn compatible(_row: &PgRow, _offset: usize) -> bool {
        false
    }

    /// Decodes a row whose columns from `offset` on are [`Decode::COLUMNS`] with compatible types.
    fn decode(_row: &PgRow, _offset: usize) -> Result<Self, DbErr> {
        Err(DbErr::Custom("no positional decoder".to_owned()))
    }
}

/// Models read in the same row as another one, after its columns: to-one relations joined to it
/// (see [`joined_columns`]). A joined model is `None` where the join found no row.
pub trait Joined: Sized + Send {
    /// How many columns they take.
    const WIDTH: usize;
    /// Whether `row`'s columns from `offset` on are theirs, by name and type.
    fn compatible(row: &PgRow, offset: usize) -> bool;
    /// Decodes them by position from `offset`.
    fn decode(row: &PgRow, offset: usize) -> Result<Self, DbErr>;
    /// Decodes them by name (every backend).
    fn by_name(row: &QueryResult) -> Result<Self, DbErr>;
}

impl Joined for () {
    const WIDTH: usize = 0;
    fn compatible(_row: &PgRow, _offset: usize) -> bool {
        true
    }
    fn decode(_row: &PgRow, _offset: usize) -> Result<Self, DbErr> {
        Ok(())
    }
    fn by_name(_row: &QueryResult) -> Result<Self, DbErr> {
        Ok(())
    }
}

/// The alias prefix of the columns of the joined model at `slot`.
pub const JOIN_PREFIXES: [&str; 2] = ["j0_", "j1_"];

/// The joined model at `slot` of a row whose columns from `offset` on are its own (`None` when its
/// first column, the ID, is NULL).
fn joined_at<M: Decode>(row: &PgRow, offset: usize) -> Result<Option<M>, DbErr> {
    let value = row.try_get_raw(offset).map_err(decode_error)?;
    if value.is_null() {
        return Ok(None);
    }
    M::decode(row, offset).map(Some)
}

fn joined_by_name<M: Decode>(row: &QueryResult, slot: usize) -> Result<Option<M>, DbErr> {
    let prefix = JOIN_PREFIXES[slot];
    match row.try_get::<Option<i32>>(prefix, M::COLUMNS.first().copied().unwrap_or("id"))? {
        None => Ok(None),
        Some(_) => M::from_query_result(row, prefix).map(Some),
    }
}

fn joined_compatible<M: Decode>(row: &PgRow, offset: usize, slot: usize) -> bool {
    same_columns_at(row, offset, JOIN_PREFIXES[slot], M::COLUMNS) && M::compatible(row, offset)
}

impl<A: Decode + Send> Joined for (Option<A>,) {
    const WIDTH: usize = A::COLUMNS.len();
    fn compatible(row: &PgRow, offset: usize) -> bool {
        joined_compatible::<A>(row, offset, 0)
    }
    fn decode(row: &PgRow, offset: usize) -> Result<Self, DbErr> {
        Ok((joined_at(row, offset)?,))
    }
    fn by_name(row: &QueryResult) -> Result<Self, DbErr> {
        Ok((joined_by_name(row, 0)?,))
    }
}

impl<A: Decode + Send, B: Decode + Send> Joined for (Option<A>, Option<B>) {
    const WIDTH: usize = A::COLUMNS.len() + B::COLUMNS.len();
    fn compatible(row: &PgRow, offset: usize) -> bool {
        joined_compatible::<A>(row, offset, 0)
            && joined_compatible::<B>(row, offset + A::COLUMNS.len(), 1)
    }
    fn decode(row: &PgRow, offset: usize) -> Result<Self, DbErr> {
        Ok((
            joined_at(row, offset)?,
            joined_at(row, offset + A::COLUMNS.len())?,
        ))
    }
    fn by_name(row: &QueryResult) -> Result<Self, DbErr> {
        Ok((joined_by_name(row, 0)?, joined_by_name(row, 1)?))
    }
}

/// The names of the two columns a windowed read adds after the models: the row's place among the
/// rows of its key (from 1), and how many rows the key has in all.
pub const WINDOW_COLUMNS: [&str; 2] = ["_rn", "_n"];

/// Joined models `X` followed by the columns of a windowed read ([`WINDOW_COLUMNS`]); the second
/// field is the number of rows of the row's key.
pub struct Windowed<X>(pub X, pub i64);

impl<X: Joined> Joined for Windowed<X> {
    const WIDTH: usize = X::WIDTH + WINDOW_COLUMNS.len();
    fn compatible(row: &PgRow, offset: usize) -> bool {
        let at = offset + X::WIDTH;
        X::compatible(row, offset)
            && same_columns_at(row, at, "", &WINDOW_COLUMNS)
            && row.columns()[at..at + 2]
                .iter()
                .all(|column| <i64 as Type<Postgres>>::compatible(column.type_info()))
    }
    fn decode(row: &PgRow, offset: usize) -> Result<Self, DbErr> {
        let total = row
            .try_get_unchecked::<i64, _>(offset + X::WIDTH + 1)
            .map_err(decode_error)?;
        Ok(Self(X::decode(row, offset)?, total))
    }
    fn by_name(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self(
            X::by_name(row)?,
            row.try_get::<i64>("", WINDOW_COLUMNS[1])?,
        ))
    }
}

/// `select` with the columns of entity `J`, joined to it by the caller as `source` (its table or a
/// subquery's alias), appended under the aliases of `slot`; with `abridged`, `J`'s deferred columns
/// are read as NULL.
pub fn joined_columns<E, J>(
    select: Select<E>,
    source: DynIden,
    slot: usize,
    abridged: bool,
) -> Select<E>
where
    E: EntityTrait,
    J: EntityTrait,
    J::Model: Decode,
{
    let prefix = JOIN_PREFIXES[slot];
    let deferred = <J::Model as Decode>::DEFERRED;
    J::Column::iter().fold(select, |select, column| {
        let alias = format!("{prefix}{}", column.as_str());
        if abridged && deferred.contains(&column.as_str()) {
            select.column_as(Expr::cust("CAST(NULL AS TEXT)"), alias)
        } else {
            select.column_as(Expr::col((source.clone(), column)), alias)
        }
    })
}

/// All models a select finds, like [`Select::all`]. The query runs in a future of its own on the
/// heap, so the (large) state of the database driver is not copied into every resolver that may
/// load a relation.
pub fn all<'a, E, C>(select: Select<E>, db: &'a C) -> BoxFuture<'a, Result<Vec<E::Model>, DbErr>>
where
    E: EntityTrait,
    E::Model: Decode + Send,
    C: ConnectionTrait + Sync,
{
    Box::pin(async move {
        if <E::Model as Decode>::COLUMNS.is_empty()
            || db.get_database_backend() != DbBackend::Postgres
        {
            return select.all(db).await;
        }
        let rows = db.query_all(&select.into_query()).await?;
        decode_all(&rows)
    })
}

/// Models, each with the models joined to it.
pub type JoinedRows<M, X> = Vec<(M, X)>;

/// All models a select with joined models finds (see [`Joined`]), decoded by name on every backend
/// but PostgreSQL.
pub fn all_joined<'a, E, X, C>(
    select: SelectStatement,
    db: &'a C,
) -> BoxFuture<'a, Result<JoinedRows<E::Model, X>, DbErr>>
where
    E: EntityTrait,
    E::Model: Decode + Send,
    X: Joined + 'a,
    C: ConnectionTrait + Sync,
{
    Box::pin(async move {
        let rows = db.query_all(&select).await?;
        decode_all_joined(&rows)
    })
}

/// `select` with the model's [`Decode::DEFERRED`] columns read as NULL, under their own names, so
/// that the row still has the model's columns in order (and decodes by position).
pub fn abridged<E>(select: Select<E>) -> Select<E>
where
    E: EntityTrait,
    E::Model: Decode,
{
    let deferred = <E::Model as Decode>::DEFERRED;
    if deferred.is_empty() {
        return select;
    }
    E::Column::iter().fold(select.select_only(), |select, column| {
        if deferred.contains(&column.as_str()) {
            select.column_as(Expr::cust("CAST(NULL AS TEXT)"), column.as_str())
        } else {
            select.column(column)
        }
    })
}

/// Decodes a result: by position when its first row has exactly the model's columns and types.
pub fn decode_all<M: Decode>(rows: &[QueryResult]) -> Result<Vec<M>, DbErr> {
    Ok(decode_all_joined::<M, ()>(rows)?
        .into_iter()
        .map(|(model, ())| model)
        .collect())
}

/// Decodes a result of models and their joined models: by position when its first row has exactly
/// their columns and types, by name otherwise.
pub fn decode_all_joined<M: Decode, X: Joined>(rows: &[QueryResult]) -> Result<Vec<(M, X)>, DbErr> {
    let width = M::COLUMNS.len();
    let positional = rows
        .first()
        .and_then(QueryResult::try_as_pg_row)
        .is_some_and(|row| {
            row.columns().len() == width + X::WIDTH
                && same_columns_at(row, 0, "", M::COLUMNS)
                && M::compatible(row, 0)
                && X::compatible(row, width)
        });
    if !positional {
        return rows
            .iter()
            .map(|row| Ok((M::from_query_result(row, "")?, X::by_name(row)?)))
            .collect();
    }
    let mut models = Vec::with_capacity(rows.len());
    for row in rows {
        let row = row
            .try_as_pg_row()
            .ok_or_else(|| DbErr::Custom("a PostgreSQL result with another row type".to_owned()))?;
        models.push((M::decode(row, 0)?, X::decode(row, width)?));
    }
    Ok(models)
}

/// Whether the columns of `row` from `offset` on start with `names`, each behind `prefix`.
fn same_columns_at(row: &PgRow, offset: usize, prefix: &str, names: &[&str]) -> bool {
    let columns = row.columns().get(offset..).unwrap_or_default();
    columns.len() >= names.len()
        && columns.iter().zip(names).all(|(column, name)| {
            column
                .name()
                .strip_prefix(prefix)
                .is_some_and(|rest| rest == *name)
        })
}

/// One field of a model, read from a PostgreSQL column by position.
pub trait Field: Sized {
    /// Whether a column of type `ty` decodes into this field.
    fn compatible(ty: &PgTypeInfo) -> bool;
    /// The value at `index` (its type already checked by [`Field::compatible`]).
    fn get(row: &PgRow, index: usize) -> Result<Self, DbErr>;
}

fn column_compatible<M, T: Field>(_field: fn(&M) -> &T, row: &PgRow, index: usize) -> bool {
    row.columns()
        .get(index)
        .is_some_and(|column| T::compatible(column.type_info()))
}

fn decode_error(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Type(error.to_string())
}

fn null_error(row: &PgRow, index: usize) -> DbErr {
    let name = row.columns().get(index).map_or("?", |column| column.name());
    DbErr::Type(format!(
        "A null value was encountered while decoding {name:?}"
    ))
}

fn nullable<T>(row: &PgRow, index: usize) -> Result<Option<T>, DbErr>
where
    T: for<'r> sea_orm::sqlx::Decode<'r, Postgres> + Type<Postgres>,
{
    row.try_get_unchecked::<Option<T>, _>(index)
        .map_err(decode_error)
}

macro_rules! sqlx_fields {
    ($($ty:ty),+) => {$(
        impl Field for $ty {
            fn compatible(ty: &PgTypeInfo) -> bool {
                <$ty as Type<Postgres>>::compatible(ty)
            }
            fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
                nullable::<$ty>(row, index)?.ok_or_else(|| null_error(row, index))
            }
        }
        impl Field for Option<$ty> {
            fn compatible(ty: &PgTypeInfo) -> bool {
                <$ty as Type<Postgres>>::compatible(ty)
            }
            fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
                nullable::<$ty>(row, index)
            }
        }
    )+};
}

sqlx_fields!(i32, i64, f64, bool, String);

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamptz` column. Its binary form is microseconds since 2000-01-01 UTC, converted here in
/// one step (sqlx goes through calendar arithmetic on every value); any other form, and a value out
/// of chrono's range, is left to sqlx.
fn timestamp(row: &PgRow, index: usize) -> Result<Option<DateTime<Utc>>, DbErr> {
    let value = row.try_get_raw(index).map_err(decode_error)?;
    if value.is_null() {
        return Ok(None);
    }
    if value.format() == PgValueFormat::Binary
        && let Ok(bytes) = value.as_bytes()
        && let Ok(raw) = <[u8; 8]>::try_from(bytes)
        && let Some(time) = i64::from_be_bytes(raw)
            .checked_add(POSTGRES_EPOCH_MICROS)
            .and_then(DateTime::from_timestamp_micros)
    {
        return Ok(Some(time));
    }
    nullable::<DateTime<Utc>>(row, index)
}

impl Field for DateTime<Utc> {
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
    fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
        timestamp(row, index)?.ok_or_else(|| null_error(row, index))
    }
}

impl Field for Option<DateTime<Utc>> {
    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
    fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
        timestamp(row, index)
    }
}

/// Enumerations are stored as their string values, as sea-orm reads them.
macro_rules! enum_fields {
    ($($ty:ty),+) => {$(
        impl Field for $ty {
            fn compatible(ty: &PgTypeInfo) -> bool {
                <String as Type<Postgres>>::compatible(ty)
            }
            fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
                let value = nullable::<String>(row, index)?.ok_or_else(|| null_error(row, index))?;
                <$ty as ActiveEnum>::try_from_value(&value)
            }
        }
        impl Field for Option<$ty> {
            fn compatible(ty: &PgTypeInfo) -> bool {
                <String as Type<Postgres>>::compatible(ty)
            }
            fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
                nullable::<String>(row, index)?
                    .map(|value| <$ty as ActiveEnum>::try_from_value(&value))
                    .transpose()
            }
        }
    )+};
}

enum_fields!(
    AuditAction,
    BoardRole,
    ContributionRole,
    DatePrecision,
    DocumentKind,
    EventFormat,
    EventStatus,
    MemberRole,
    OrganisationKind,
    OrganiserRole,
    PartnerRole,
    RegistrationStatus,
    SessionKind,
    TownType
);

/// The `sources` column: JSON, as sea-orm reads it.
impl Field for Sources {
    fn compatible(ty: &PgTypeInfo) -> bool {
        <Json<Sources> as Type<Postgres>>::compatible(ty)
    }
    fn get(row: &PgRow, index: usize) -> Result<Self, DbErr> {
        nullable::<Json<Sources>>(row, index)?
            .map(|json| json.0)
            .ok_or_else(|| null_error(row, index))
    }
}

/// Declares the positional decoder of a model: its fields in column order.
macro_rules! positional {
    ($($entity:ident $(deferred($($deferred:ident),+))? { $($field:ident),+ $(,)? })+) => {$(
        impl Decode for entity::$entity::Model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),+];
            $(const DEFERRED: &'static [&'static str] = &[$(stringify!($deferred)),+];)?

            #[allow(unused_assignments)]
            fn compatible(row: &PgRow, offset: usize) -> bool {
                let mut index = offset;
                $(
                    if !column_compatible(|model: &Self| &model.$field, row, index) {
                        return false;
                    }
                    index += 1;
                )+
                true
            }

            #[allow(unused_assignments)]
            fn decode(row: &PgRow, offset: usize) -> Result<Self, DbErr> {
                let mut index = offset;
                $(
                    let $field = Field::get(row, index)?;
                    index += 1;
                )+
                Ok(Self { $($field),+ })
            }
        }
    )+};
}

positional! {
    advisory_board_membership {
        id, board_id, person_id, role, from_date, until_date, note, sources, version, created_at,
        updated_at,
    }
    contribution {
        id, event_id, session_id, person_id, organisation_id, role, affiliation, position, version,
        created_at, updated_at,
    }
    document {
        id, slug, title, kind, published_on, year, publisher_id, url, isbn, language,
        model_project_id, event_id, session_id, description, sources, version, created_at,
        updated_at,
    }
    document_author { id, document_id, person_id, position, version, created_at, updated_at }
    event deferred(description) {
        id, slug, title, subtitle, description, format, status, time_zone, starts_at, ends_at,
        date_precision, place, town_id, online_url, website, model_project_id, published, sources,
        version, created_at, updated_at,
    }
    event_organiser { id, event_id, organisation_id, role, version, created_at, updated_at }
    model_project deferred(description) {
        id, slug, title, short_title, topic, description, project_call_id, lead_town_id,
        period_start, period_end, funding_programme, sources, version, created_at, updated_at,
    }
    model_project_partner {
        id, model_project_id, organisation_id, role, version, created_at, updated_at,
    }
    model_project_town {
        id, model_project_id, town_id, role, position, version, created_at, updated_at,
    }
    organisation {
        id, slug, name, short_name, kind, description, website, address, town_id, sources, version,
        created_at, updated_at,
    }
    person {
        id, slug, name, academic_title, position, organisation_id, town_id, email, phone,
        biography, photo_url, website, consent_given_at, consent_note, sources, version,
        created_at, updated_at,
    }
    project_call {
        id, slug, name, year, opened_on, deadline_on, description, sources, version, created_at,
        updated_at,
    }
    registration {
        id, event_id, person_id, status, registered_at, note, sources, version, created_at,
        updated_at,
    }
    session deferred(description) {
        id, event_id, position, title, subtitle, kind, starts_at, ends_at, end_inferred,
        description, sources, version, created_at, updated_at,
    }
    state { id, key, code, name, version }
    town {
        id, slug, name, state_id, district, municipality_key, geonames_id, population, latitude,
        longitude, town_type, town_type_official, website, sources, version, created_at,
        updated_at,
    }
}

/// Audit entries keep their changes as free JSON: decoded by sea-orm.
impl Decode for entity::audit_entry::Model {}

/// Webhook endpoints and their delivery log are read by administrators only: decoded by sea-orm.
impl Decode for entity::webhook_endpoint::Model {}
impl Decode for entity::webhook_delivery::Model {}

/// Persisted documents are listed by administrators only: decoded by sea-orm.
impl Decode for entity::persisted_document::Model {}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ColumnTrait as _;

    fn columns<E: EntityTrait>() -> Vec<String> {
        E::Column::iter()
            .map(|column| column.as_str().to_owned())
            .collect()
    }

    fn declared<M: Decode>() -> Vec<String> {
        M::COLUMNS.iter().map(|name| (*name).to_owned()).collect()
    }

    /// A deferred column is one of the model's and nullable, so that reading it as NULL decodes.
    #[test]
    fn deferred_columns_are_nullable_columns_of_the_model() {
        fn check<E: EntityTrait>()
        where
            E::Model: Decode,
        {
            for name in <E::Model as Decode>::DEFERRED {
                let column = E::Column::iter().find(|column| column.as_str() == *name);
                let nullable = column.is_some_and(|column| column.def().is_null());
                assert!(
                    nullable,
                    "{name} is not a nullable column of {}",
                    E::default().as_str()
                );
            }
        }
        check::<entity::event::Entity>();
        check::<entity::session::Entity>();
        check::<entity::model_project::Entity>();
        assert!(!<entity::event::Model as Decode>::DEFERRED.is_empty());
    }

    /// The declared order must be the order `Entity::find()` selects, or the decoder is never used.
    #[test]
    fn positional_decoders_follow_the_select_list() {
        macro_rules! check {
            ($($entity:ident),+) => {$(
                assert_eq!(
                    declared::<entity::$entity::Model>(),
                    columns::<entity::$entity::Entity>(),
                    stringify!($entity)
                );
            )+};
        }
        check!(
            advisory_board_membership,
            contribution,
            document,
            document_author,
            event,
            event_organiser,
            model_project,
            model_project_partner,
            model_project_town,
            organisation,
            person,
            project_call,
            registration,
            session,
            state,
            town
        );
    }
}
