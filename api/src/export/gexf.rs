//! The public network as GEXF 1.3 (<https://gexf.net>), Gephi's own format: declared
//! attributes, then nodes with labels and edges with their relation.

use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::{NODE_ATTRIBUTES, edge_attributes, licence_text, node_id, xml_document, xml_safe};
use crate::bulk::export::Network;
use crate::error::AppResult;

const NAMESPACE: &str = "http://gexf.net/1.3";
const SCHEMA_LOCATION: &str = "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd";

/// The network as a GEXF document.
pub fn network(network: &Network) -> AppResult<Vec<u8>> {
    xml_document(
        "gexf",
        NAMESPACE,
        SCHEMA_LOCATION,
        &[("version", "1.3")],
        |writer| {
            writer
                .create_element("meta")
                .write_inner_content(|writer| {
                    writer
                        .create_element("creator")
                        .write_text_content(BytesText::new("kleinstadt"))?;
                    writer
                        .create_element("description")
                        .write_text_content(BytesText::new(&licence_text()))?;
                    Ok::<(), std::io::Error>(())
                })?;
            writer
                .create_element("graph")
                .with_attributes([("mode", "static"), ("defaultedgetype", "undirected")])
                .write_inner_content(|writer| {
                    writer
                        .create_element("attributes")
                        .with_attribute(("class", "node"))
                        .write_inner_content(|writer| {
                            for attribute in &NODE_ATTRIBUTES {
                                declare(writer, attribute.name, attribute.kind.xml_name())?;
                            }
                            Ok::<(), std::io::Error>(())
                        })?;
                    writer
                        .create_element("attributes")
                        .with_attribute(("class", "edge"))
                        .write_inner_content(|writer| {
                            declare(writer, "relation", "string")?;
                            declare(writer, "role", "string")?;
                            Ok::<(), std::io::Error>(())
                        })?;
                    writer
                        .create_element("nodes")
                        .write_inner_content(|writer| {
                            for node in &network.nodes {
                                let values: Vec<(&str, String)> = NODE_ATTRIBUTES
                                    .iter()
                                    .filter_map(|a| (a.value)(node).map(|v| (a.name, v)))
                                    .collect();
                                writer
                                    .create_element("node")
                                    .with_attributes([
                                        ("id", node_id(node.key).as_str()),
                                        ("label", &xml_safe(&node.label)),
                                    ])
                                    .write_inner_content(|writer| attvalues(writer, &values))?;
                            }
                            Ok::<(), std::io::Error>(())
                        })?;
                    writer
                        .create_element("edges")
                        .write_inner_content(|writer| {
                            for (index, edge) in network.edges.iter().enumerate() {
                                let values: Vec<(&str, String)> = edge_attributes(edge)
                                    .into_iter()
                                    .filter_map(|(name, value)| value.map(|v| (name, v)))
                                    .collect();
                                writer
                                    .create_element("edge")
                                    .with_attributes([
                                        ("id", index.to_string().as_str()),
                                        ("source", node_id(edge.source).as_str()),
                                        ("target", node_id(edge.target).as_str()),
                                        ("label", edge.kind.name()),
                                    ])
                                    .write_inner_content(|writer| attvalues(writer, &values))?;
                            }
                            Ok::<(), std::io::Error>(())
                        })?;
                    Ok::<(), std::io::Error>(())
                })?;
            Ok(())
        },
    )
}

fn declare(writer: &mut Writer<Vec<u8>>, name: &str, kind: &str) -> std::io::Result<()> {
    writer
        .create_element("attribute")
        .with_attributes([("id", name), ("title", name), ("type", kind)])
        .write_empty()?;
    Ok(())
}

fn attvalues(writer: &mut Writer<Vec<u8>>, values: &[(&str, String)]) -> std::io::Result<()> {
    writer
        .create_element("attvalues")
        .write_inner_content(|writer| {
            for (name, value) in values {
                writer
                    .create_element("attvalue")
                    .with_attributes([("for", *name), ("value", &xml_safe(value))])
                    .write_empty()?;
            }
            Ok::<(), std::io::Error>(())
        })?;
    Ok(())
}
