//! CSV for spreadsheets and data frames. Every file starts with the same licence block: lines
//! beginning with `#`, before the header row, so `pandas.read_csv(..., comment="#")` or any reader
//! that skips lines starting with `#` drops it. Text fields are always quoted, so a `#` inside a
//! value never starts a comment.

use super::{NODE_ATTRIBUTES, edge_attributes, node_id};
use crate::bulk::export::Network;
use crate::error::{AppError, AppResult};
use crate::service::statistics::Statistic;

/// The licence block that opens every CSV, one `#` line each.
pub const LICENCE_LINES: [&str; 3] = [
    "# kleinstadt, the knowledge base of the small-town network (Kleinstadtakademie, BBSR).",
    "# Licence: Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0, https://www.govdata.de/dl-de/by-2-0); attribution: \"kleinstadt / BBSR\".",
    "# Town names, populations, coordinates and the town types derived from them contain data from GeoNames (https://www.geonames.org), CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).",
];

/// The licence block as text, ending in a newline.
pub fn licence_block() -> String {
    LICENCE_LINES
        .iter()
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A CSV writer with the house settings: text always quoted, numbers bare, `\n` line ends.
pub fn writer<W: std::io::Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .quote_style(::csv::QuoteStyle::NonNumeric)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// The columns of a statistic: each dimension (and its label, where it has one), `count`, and
/// for participation `total` and `share`.
pub fn statistic_columns(statistic: &Statistic) -> Vec<String> {
    let mut columns = Vec::new();
    for (index, dimension) in statistic.dimensions.iter().enumerate() {
        columns.push((*dimension).to_owned());
        if statistic
            .rows
            .iter()
            .any(|row| row.keys.get(index).is_some_and(|key| key.label.is_some()))
        {
            columns.push(format!("{dimension}Label"));
        }
    }
    columns.push("count".to_owned());
    if statistic.has_total {
        columns.push("total".to_owned());
        columns.push("share".to_owned());
    }
    columns
}

fn failed(error: ::csv::Error) -> AppError {
    AppError::Internal(format!("cannot write CSV: {error}"))
}

/// The rows written by `out`, licence block first.
fn finish(out: ::csv::Writer<Vec<u8>>) -> AppResult<String> {
    let body = out
        .into_inner()
        .map_err(|error| AppError::Internal(format!("cannot write CSV: {error}")))?;
    let body = String::from_utf8(body)
        .map_err(|error| AppError::Internal(format!("cannot write CSV: {error}")))?;
    Ok(licence_block() + &body)
}

/// The nodes of the network: `id`, `label`, then the node attributes (empty where a kind has
/// none).
pub fn nodes(network: &Network) -> AppResult<String> {
    let mut out = writer(Vec::new());
    let mut header = vec!["id", "label"];
    header.extend(NODE_ATTRIBUTES.iter().map(|attribute| attribute.name));
    out.write_record(&header).map_err(failed)?;
    for node in &network.nodes {
        let mut record = vec![node_id(node.key), node.label.clone()];
        record.extend(
            NODE_ATTRIBUTES
                .iter()
                .map(|attribute| (attribute.value)(node).unwrap_or_default()),
        );
        out.write_record(&record).map_err(failed)?;
    }
    finish(out)
}

/// The edges of the network: `source`, `target` (node ids), `relation` and `role`.
pub fn edges(network: &Network) -> AppResult<String> {
    let mut out = writer(Vec::new());
    out.write_record(["source", "target", "relation", "role"])
        .map_err(failed)?;
    for edge in &network.edges {
        let mut record = vec![node_id(edge.source), node_id(edge.target)];
        record.extend(
            edge_attributes(edge)
                .into_iter()
                .map(|(_, value)| value.unwrap_or_default()),
        );
        out.write_record(&record).map_err(failed)?;
    }
    finish(out)
}

/// A statistic as CSV, licence block first.
pub fn statistic(statistic: &Statistic) -> AppResult<String> {
    let columns = statistic_columns(statistic);
    let labelled: Vec<bool> = statistic
        .dimensions
        .iter()
        .map(|dimension| columns.iter().any(|c| *c == format!("{dimension}Label")))
        .collect();
    let mut out = writer(Vec::new());
    out.write_record(&columns).map_err(failed)?;
    for row in &statistic.rows {
        let mut record: Vec<String> = Vec::with_capacity(columns.len());
        for (key, labelled) in row.keys.iter().zip(&labelled) {
            record.push(key.value.clone().unwrap_or_default());
            if *labelled {
                record.push(key.label.clone().unwrap_or_default());
            }
        }
        record.push(row.count.to_string());
        if statistic.has_total {
            record.push(row.total.unwrap_or(0).to_string());
            record.push(
                row.share()
                    .map(|share| format!("{share:.6}"))
                    .unwrap_or_default(),
            );
        }
        out.write_record(&record).map_err(failed)?;
    }
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::statistics::{Key, Row};

    #[test]
    fn statistic_csv_starts_with_the_licence_and_quotes_text() {
        let table = Statistic {
            subject: "towns",
            dimensions: vec!["state"],
            has_total: false,
            rows: vec![Row {
                keys: vec![Key {
                    value: Some("SN".to_owned()),
                    label: Some("Sachsen # 1".to_owned()),
                }],
                count: 3,
                total: None,
            }],
        };
        let text = statistic(&table).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[..3].iter().all(|line| line.starts_with('#')));
        assert_eq!(lines[3], "\"state\",\"stateLabel\",\"count\"");
        assert_eq!(lines[4], "\"SN\",\"Sachsen # 1\",3");
    }
}
