//! Pure formatters of analysts' downloads: models in, text out. The licence every download
//! carries lives in `csv` (as `#` lines) and is repeated in the XML formats' descriptions.

pub mod csv;
pub mod gexf;
pub mod graphml;

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, Event};

use crate::bulk::export::ExportNode;
use crate::ids;
use crate::service::graph::{Edge, NodeKey};

/// The type of an attribute in the graph formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeType {
    Text,
    Integer,
    Decimal,
}

impl AttributeType {
    /// The type's name in GraphML `attr.type` and GEXF `type` (the same three words in both).
    pub fn xml_name(self) -> &'static str {
        match self {
            Self::Text => "string",
            Self::Integer => "long",
            Self::Decimal => "double",
        }
    }
}

/// A node attribute of the graph exports: its name, type and value at a node.
pub struct NodeAttribute {
    pub name: &'static str,
    pub kind: AttributeType,
    pub value: fn(&ExportNode) -> Option<String>,
}

/// The node attributes, in the order of the nodes CSV (after `id` and `label`).
pub const NODE_ATTRIBUTES: [NodeAttribute; 8] = [
    NodeAttribute {
        name: "type",
        kind: AttributeType::Text,
        value: |node| Some(node.key.0.type_name().to_owned()),
    },
    NodeAttribute {
        name: "degree",
        kind: AttributeType::Integer,
        value: |node| Some(node.degree.to_string()),
    },
    NodeAttribute {
        name: "state",
        kind: AttributeType::Text,
        value: |node| node.state.clone(),
    },
    NodeAttribute {
        name: "population",
        kind: AttributeType::Integer,
        value: |node| node.population.map(|p| p.to_string()),
    },
    NodeAttribute {
        name: "latitude",
        kind: AttributeType::Decimal,
        value: |node| node.latitude.map(|v| v.to_string()),
    },
    NodeAttribute {
        name: "longitude",
        kind: AttributeType::Decimal,
        value: |node| node.longitude.map(|v| v.to_string()),
    },
    NodeAttribute {
        name: "startsAt",
        kind: AttributeType::Text,
        value: |node| node.starts_at.map(|t| t.to_rfc3339()),
    },
    NodeAttribute {
        name: "category",
        kind: AttributeType::Text,
        value: |node| node.category.clone(),
    },
];

/// The id of a node in every export: its global ID, as in GraphQL and REST.
pub fn node_id(key: NodeKey) -> String {
    ids::encode(key.0.type_name(), key.1)
}

/// What an edge stands for (`membership`, `contribution`, …) and its role, if any.
pub fn edge_attributes(edge: &Edge) -> [(&'static str, Option<String>); 2] {
    [
        ("relation", Some(edge.kind.name().to_owned())),
        ("role", edge.role.clone()),
    ]
}

/// The licence as one paragraph, for the descriptions of the XML formats.
pub fn licence_text() -> String {
    csv::LICENCE_LINES
        .iter()
        .map(|line| line.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text as XML 1.0 allows it: a character it forbids (most control characters, U+FFFE, U+FFFF)
/// becomes U+FFFD, so one stray character in a name cannot make a whole graph file unreadable.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if allowed(c) {
                        c
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect(),
        )
    }
}

/// An XML writer failed (on a `Vec`, it cannot; kept typed anyway).
fn xml_failed(error: std::io::Error) -> crate::error::AppError {
    crate::error::AppError::Internal(format!("cannot write XML: {error}"))
}

/// An indented UTF-8 XML document: the declaration, then the element `root` in `namespace` with
/// its schema location and `attributes`, its content written by `content`.
fn xml_document(
    root: &str,
    namespace: &str,
    schema_location: &str,
    attributes: &[(&str, &str)],
    content: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>,
) -> crate::error::AppResult<Vec<u8>> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_failed)?;
    writer
        .create_element(root)
        .with_attributes([
            ("xmlns", namespace),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:schemaLocation", schema_location),
        ])
        .with_attributes(attributes.iter().copied())
        .write_inner_content(content)
        .map_err(xml_failed)?;
    Ok(writer.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_forbids_are_replaced() {
        assert_eq!(xml_safe("Bad Soden-Salmünster"), "Bad Soden-Salmünster");
        assert!(matches!(xml_safe("a\tb\nc"), Cow::Borrowed(_)));
        assert_eq!(
            xml_safe("a\u{1}b\u{b}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
    }
}
