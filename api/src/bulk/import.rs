//! Import of GeoNames places (`geonames_id,name,state,population,lat,lon`) into the town table.
//!
//! Every line is validated on its own; bad lines are reported and skipped, valid lines are upserted
//! by GeoNames id. The whole import is one transaction.

use std::collections::HashMap;

use chrono::Utc;
use entity::enums::TownType;
use entity::{Sources, state, town};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, TransactionSession, TransactionTrait,
};
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// The header a town CSV must start with, exactly.
pub const EXPECTED_HEADER: &str = "geonames_id,name,state,population,lat,lon";

const FIELD_COUNT: usize = 6;
const MAX_NAME_CHARS: usize = 200;
// Well below SQLite's and PostgreSQL's bind-parameter limits at 16 columns per row.
const INSERT_CHUNK: usize = 400;

/// What an import did: counts of created, updated and unchanged towns, and the rejected lines.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// Towns inserted.
    pub created: usize,
    /// Existing towns whose name, state, population or coordinates changed.
    pub updated: usize,
    /// Existing towns that were already up to date.
    pub unchanged: usize,
    /// Lines that were not imported, with the reason.
    pub rejected: Vec<RejectedLine>,
}

/// A line of the CSV that was not imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectedLine {
    /// 1-based line in the file; the header is line 1.
    pub line: u64,
    /// Why the line was rejected.
    pub reason: String,
}

/// A validated data line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TownLine {
    pub geonames_id: i64,
    pub name: String,
    pub state_id: i32,
    pub population: i32,
    pub latitude: f64,
    pub longitude: f64,
}

/// The valid lines (with their line numbers) and the rejected ones.
#[derive(Debug, Default)]
pub(crate) struct ParsedCsv {
    pub lines: Vec<(u64, TownLine)>,
    pub rejected: Vec<RejectedLine>,
}

/// Imports GeoNames places from CSV bytes, upserting by `geonames_id`, in one transaction.
pub async fn import_towns<C>(db: &C, csv: &[u8]) -> AppResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
{
    let started = std::time::Instant::now();
    let txn = db.begin().await?;
    let states = state_ids(&txn).await?;
    let parsed = parse_csv(csv, &states)?;

    let now = crate::store::change_log::now();
    let upserted = upsert_towns(
        &txn,
        parsed.lines.into_iter().map(|(_, line)| line).collect(),
        now,
    )
    .await?;
    crate::service::changes::log_bulk(&txn, now).await?;
    let report = ImportReport {
        created: upserted.created,
        updated: upserted.updated,
        unchanged: upserted.unchanged,
        rejected: parsed.rejected,
    };
    crate::store::search_index::rebuild_kind(&txn, crate::store::search_index::SearchKind::Town)
        .await?;
    txn.commit().await?;
    tracing::info!(
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        rejected = report.rejected.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "town import finished"
    );
    Ok(report)
}

/// The ids of the states by name, as GeoNames writes them (`Bayern`, `Thüringen`, …).
pub(crate) async fn state_ids<C: ConnectionTrait>(db: &C) -> AppResult<HashMap<String, i32>> {
    Ok(state::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|state| (state.name, state.id))
        .collect())
}

/// What [`upsert_towns`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Upserted {
    /// Towns inserted.
    pub created: usize,
    /// Existing towns that changed.
    pub updated: usize,
    /// Existing towns that were already up to date.
    pub unchanged: usize,
}

/// Inserts or updates validated towns, matched by GeoNames id, on `txn` (inserts in batches).
pub(crate) async fn upsert_towns<C: ConnectionTrait>(
    txn: &C,
    lines: Vec<TownLine>,
    now: chrono::DateTime<Utc>,
) -> AppResult<Upserted> {
    let existing: HashMap<i64, town::Model> = town::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|town| town.geonames_id.map(|id| (id, town)))
        .collect();

    let mut report = Upserted::default();
    let mut inserts = Vec::new();
    for line in lines {
        match existing.get(&line.geonames_id) {
            None => inserts.push(new_town(line, now)),
            Some(current) if is_unchanged(current, &line) => report.unchanged += 1,
            Some(current) => {
                let mut model: town::ActiveModel = current.clone().into();
                if !current.town_type_official {
                    model.town_type = Set(Some(TownType::from_population(line.population)));
                }
                model.name = Set(line.name);
                model.state_id = Set(Some(line.state_id));
                model.population = Set(Some(line.population));
                model.latitude = Set(Some(line.latitude));
                model.longitude = Set(Some(line.longitude));
                model.version = Set(current.version + 1);
                model.updated_at = Set(now);
                model.update_without_returning(txn).await?;
                report.updated += 1;
            }
        }
    }
    report.created = inserts.len();
    let mut pending = inserts.into_iter().peekable();
    while pending.peek().is_some() {
        let chunk: Vec<town::ActiveModel> = pending.by_ref().take(INSERT_CHUNK).collect();
        town::Entity::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(report)
}

fn new_town(line: TownLine, now: chrono::DateTime<Utc>) -> town::ActiveModel {
    town::ActiveModel {
        id: NotSet,
        slug: Set(None),
        name: Set(line.name),
        state_id: Set(Some(line.state_id)),
        district: Set(None),
        municipality_key: Set(None),
        geonames_id: Set(Some(line.geonames_id)),
        population: Set(Some(line.population)),
        latitude: Set(Some(line.latitude)),
        longitude: Set(Some(line.longitude)),
        town_type: Set(Some(TownType::from_population(line.population))),
        town_type_official: Set(false),
        website: Set(None),
        sources: Set(Sources(vec![geonames_url(line.geonames_id)])),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn is_unchanged(current: &town::Model, line: &TownLine) -> bool {
    current.name == line.name
        && current.state_id == Some(line.state_id)
        && current.population == Some(line.population)
        && current.latitude == Some(line.latitude)
        && current.longitude == Some(line.longitude)
}

/// The public GeoNames page of a place.
pub fn geonames_url(geonames_id: i64) -> String {
    format!("https://www.geonames.org/{geonames_id}")
}

/// Reads the CSV, checks the header and validates every data line; duplicates are rejected.
pub(crate) fn parse_csv(csv: &[u8], states: &HashMap<String, i32>) -> AppResult<ParsedCsv> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(record) => record.map_err(unreadable)?,
        None => {
            return Err(AppError::bad_input(format!(
                "the CSV is empty; expected the header \"{EXPECTED_HEADER}\""
            )));
        }
    };
    let found: Vec<String> = header
        .iter()
        .map(|field| {
            String::from_utf8_lossy(field)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_owned()
        })
        .collect();
    let found = found.join(",");
    if found != EXPECTED_HEADER {
        return Err(AppError::bad_input(format!(
            "the CSV header must be exactly \"{EXPECTED_HEADER}\", found \"{found}\""
        )));
    }

    let mut lines = LineCounter::new(csv);
    let mut parsed = ParsedCsv::default();
    let mut first_line_of: HashMap<i64, u64> = HashMap::new();
    for record in records {
        let record = record.map_err(unreadable)?;
        let line = record
            .position()
            .map_or(0, |position| lines.line_at(position.byte()));
        let fields: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        let outcome = match fields {
            Err(_) => Err("the line is not valid UTF-8".to_owned()),
            Ok(fields) => validate_line(&fields, states),
        };
        match outcome {
            Err(reason) => parsed.rejected.push(RejectedLine { line, reason }),
            Ok(town) => {
                if let Some(first) = first_line_of.get(&town.geonames_id) {
                    parsed.rejected.push(RejectedLine {
                        line,
                        reason: format!(
                            "duplicate geonames_id {} (first on line {first})",
                            town.geonames_id
                        ),
                    });
                } else {
                    first_line_of.insert(town.geonames_id, line);
                    parsed.lines.push((line, town));
                }
            }
        }
    }
    Ok(parsed)
}

/// Line numbers from byte offsets; csv's own count lags by one after a CRLF line end.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of the record starting at `offset` (offsets must not decrease).
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(self.bytes.len());
        // A record's recorded start may still sit on the previous line end.
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let start = start.min(self.bytes.len()).max(self.offset);
        let newlines = self.bytes[self.offset..start]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = start;
        self.line
    }
}

fn unreadable(error: csv::Error) -> AppError {
    AppError::bad_input(format!("the CSV could not be read: {error}"))
}

/// Validates the fields of one data line; on failure names every problem, `; `-joined.
pub(crate) fn validate_line(
    fields: &[&str],
    states: &HashMap<String, i32>,
) -> Result<TownLine, String> {
    if fields.len() != FIELD_COUNT {
        return Err(format!(
            "wrong number of fields ({}, expected {FIELD_COUNT})",
            fields.len()
        ));
    }
    let [id, name, state, population, lat, lon] = [
        fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
    ]
    .map(str::trim);
    let mut problems = Vec::new();

    let geonames_id = match id.parse::<i64>() {
        Ok(value) if value > 0 => Some(value),
        _ => {
            problems.push(format!("geonames_id \"{id}\" is not a positive integer"));
            None
        }
    };
    if name.is_empty() {
        problems.push("empty name".to_owned());
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(format!("name longer than {MAX_NAME_CHARS} characters"));
    }
    let state_id = match states.get(state) {
        Some(id) => Some(*id),
        None if state.is_empty() => {
            problems.push("empty state".to_owned());
            None
        }
        None => {
            problems.push(format!("unknown state \"{state}\""));
            None
        }
    };
    let population = match population.parse::<i64>() {
        Ok(value) if value < 0 => {
            problems.push(format!("population {value} is negative"));
            None
        }
        Ok(value) => match i32::try_from(value) {
            Ok(value) => Some(value),
            Err(_) => {
                problems.push(format!("population {value} is too large"));
                None
            }
        },
        Err(_) => {
            problems.push(format!("population \"{population}\" is not an integer"));
            None
        }
    };
    let latitude = coordinate("latitude", lat, 90.0, &mut problems);
    let longitude = coordinate("longitude", lon, 180.0, &mut problems);

    match (geonames_id, state_id, population, latitude, longitude) {
        (Some(geonames_id), Some(state_id), Some(population), Some(latitude), Some(longitude))
            if problems.is_empty() =>
        {
            Ok(TownLine {
                geonames_id,
                name: name.to_owned(),
                state_id,
                population,
                latitude,
                longitude,
            })
        }
        _ => Err(problems.join("; ")),
    }
}

fn coordinate(label: &str, text: &str, limit: f64, problems: &mut Vec<String>) -> Option<f64> {
    match text.parse::<f64>() {
        Ok(value) if !value.is_finite() => {
            problems.push(format!("{label} \"{text}\" is not a number"));
            None
        }
        Ok(value) if value.abs() > limit => {
            problems.push(format!("{label} {text} out of range"));
            None
        }
        Ok(value) => Some(value),
        Err(_) => {
            problems.push(format!("{label} \"{text}\" is not a number"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn states() -> HashMap<String, i32> {
        HashMap::from([("Bayern".to_owned(), 9), ("Brandenburg".to_owned(), 12)])
    }

    fn check(line: &str) -> Result<TownLine, String> {
        let fields: Vec<&str> = line.split(',').collect();
        validate_line(&fields, &states())
    }

    #[test]
    fn accepts_a_valid_line() -> TestResult {
        let town = check("2807344,Wittenberge,Brandenburg,20171,53.00543,11.75032")?;
        assert_eq!(
            town,
            TownLine {
                geonames_id: 2807344,
                name: "Wittenberge".to_owned(),
                state_id: 12,
                population: 20171,
                latitude: 53.00543,
                longitude: 11.75032,
            }
        );
        Ok(())
    }

    #[test]
    fn trims_fields_and_accepts_zero_population() -> TestResult {
        let town = check(" 1 , Aach , Bayern , 0 , -90 , 180 ")?;
        assert_eq!(town.name, "Aach");
        assert_eq!(town.population, 0);
        Ok(())
    }

    #[test]
    fn rejects_each_bad_field_with_a_clear_reason() {
        let cases = [
            (
                "abc,X,Bayern,1,1,1",
                "geonames_id \"abc\" is not a positive integer",
            ),
            (
                "0,X,Bayern,1,1,1",
                "geonames_id \"0\" is not a positive integer",
            ),
            (
                "-3,X,Bayern,1,1,1",
                "geonames_id \"-3\" is not a positive integer",
            ),
            ("1,X,Bavaria,1,1,1", "unknown state \"Bavaria\""),
            ("1,X,,1,1,1", "empty state"),
            ("1,X,Bayern,-5,1,1", "population -5 is negative"),
            (
                "1,X,Bayern,many,1,1",
                "population \"many\" is not an integer",
            ),
            (
                "1,X,Bayern,3000000000,1,1",
                "population 3000000000 is too large",
            ),
            ("1,X,Bayern,1,95,1", "latitude 95 out of range"),
            ("1,X,Bayern,1,1,-180.5", "longitude -180.5 out of range"),
            ("1,X,Bayern,1,north,1", "latitude \"north\" is not a number"),
            ("1,X,Bayern,1,NaN,1", "latitude \"NaN\" is not a number"),
            ("1, ,Bayern,1,1,1", "empty name"),
            ("1,X,Bayern,1,1", "wrong number of fields (5, expected 6)"),
            (
                "1,X,Bayern,1,1,1,1",
                "wrong number of fields (7, expected 6)",
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(check(line), Err(reason.to_owned()), "line {line}");
        }
    }

    #[test]
    fn reports_every_problem_of_a_line() {
        assert_eq!(
            check("x,,Bavaria,-1,91,1"),
            Err("geonames_id \"x\" is not a positive integer; empty name; \
                 unknown state \"Bavaria\"; population -1 is negative; latitude 91 out of range"
                .to_owned())
        );
    }

    #[test]
    fn rejects_overlong_names() {
        let line = format!("1,{},Bayern,1,1,1", "a".repeat(201));
        assert_eq!(
            check(&line),
            Err("name longer than 200 characters".to_owned())
        );
    }

    #[test]
    fn parse_csv_checks_the_header() -> TestResult {
        let error = parse_csv(b"id,name,state,population,lat,lon\n", &states())
            .err()
            .ok_or("a wrong header was accepted")?;
        assert!(error.to_string().contains(EXPECTED_HEADER), "{error}");
        assert!(parse_csv(b"", &states()).is_err());
        Ok(())
    }

    #[test]
    fn parse_csv_numbers_lines_and_rejects_duplicates() -> TestResult {
        let csv = "\u{feff}geonames_id,name,state,population,lat,lon\r\n\
                   1,A,Bayern,10,48,11\r\n\
                   2,B,Bavaria,10,48,11\r\n\
                   \"3\",\"C, Markt\",Bayern,10,48,11\r\n\
                   1,A again,Bayern,10,48,11\r\n";
        let parsed = parse_csv(csv.as_bytes(), &states())?;
        let ids: Vec<(u64, i64)> = parsed
            .lines
            .iter()
            .map(|(line, town)| (*line, town.geonames_id))
            .collect();
        assert_eq!(ids, [(2, 1), (4, 3)]);
        assert_eq!(parsed.lines[1].1.name, "C, Markt");
        assert_eq!(
            parsed.rejected,
            [
                RejectedLine {
                    line: 3,
                    reason: "unknown state \"Bavaria\"".to_owned()
                },
                RejectedLine {
                    line: 5,
                    reason: "duplicate geonames_id 1 (first on line 2)".to_owned()
                },
            ]
        );
        Ok(())
    }

    #[test]
    fn parse_csv_counts_lines_with_plain_line_ends_and_blank_lines() -> TestResult {
        let csv = "geonames_id,name,state,population,lat,lon\n\
                   1,A,Bayern,10,48,11\n\
                   \n\
                   2,B,Bavaria,10,48,11\n\
                   \"3\",\"C\nD\",Bayern,10,48\n\
                   4,E,Bayern,10,48,11";
        let parsed = parse_csv(csv.as_bytes(), &states())?;
        let lines: Vec<u64> = parsed.lines.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, [2, 7]);
        let rejected: Vec<u64> = parsed
            .rejected
            .iter()
            .map(|rejected| rejected.line)
            .collect();
        assert_eq!(rejected, [4, 5]);
        Ok(())
    }

    #[test]
    fn parse_csv_rejects_invalid_utf8_lines() -> TestResult {
        let mut csv = b"geonames_id,name,state,population,lat,lon\n1,".to_vec();
        csv.extend_from_slice(&[0xff, 0xfe]);
        csv.extend_from_slice(b",Bayern,1,1,1\n");
        let parsed = parse_csv(&csv, &states())?;
        assert!(parsed.lines.is_empty());
        assert_eq!(parsed.rejected[0].reason, "the line is not valid UTF-8");
        Ok(())
    }

    #[test]
    fn the_shipped_file_is_valid() -> TestResult {
        let states: HashMap<String, i32> = [
            "Schleswig-Holstein",
            "Hamburg",
            "Niedersachsen",
            "Bremen",
            "Nordrhein-Westfalen",
            "Hessen",
            "Rheinland-Pfalz",
            "Baden-Württemberg",
            "Bayern",
            "Saarland",
            "Berlin",
            "Brandenburg",
            "Mecklenburg-Vorpommern",
            "Sachsen",
            "Sachsen-Anhalt",
            "Thüringen",
        ]
        .iter()
        .zip(1..)
        .map(|(name, id)| ((*name).to_owned(), id))
        .collect();
        let parsed = parse_csv(include_bytes!("../../../data/de-towns.csv"), &states)?;
        assert_eq!(parsed.lines.len(), 6978);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        Ok(())
    }
}
