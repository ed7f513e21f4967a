//! The public network as GraphML (<http://graphml.graphdrawing.org>), for Gephi, yEd, NetworkX
//! and igraph: typed `key` declarations, then nodes and edges with their `data`.

use quick_xml::Writer;
use quick_xml::events::BytesText;

use super::{NODE_ATTRIBUTES, edge_attributes, licence_text, node_id, xml_document, xml_safe};
use crate::bulk::export::Network;
use crate::error::AppResult;

const NAMESPACE: &str = "http://graphml.graphdrawing.org/xmlns";
const SCHEMA_LOCATION: &str = "http://graphml.graphdrawing.org/xmlns \
                               http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd";

/// The network as a GraphML document.
pub fn network(network: &Network) -> AppResult<Vec<u8>> {
    xml_document("graphml", NAMESPACE, SCHEMA_LOCATION, &[], |writer| {
        writer
            .create_element("key")
            .with_attributes([
                ("id", "label"),
                ("for", "node"),
                ("attr.name", "label"),
                ("attr.type", "string"),
            ])
            .write_empty()?;
        for attribute in &NODE_ATTRIBUTES {
            writer
                .create_element("key")
                .with_attributes([
                    ("id", attribute.name),
                    ("for", "node"),
                    ("attr.name", attribute.name),
                    ("attr.type", attribute.kind.xml_name()),
                ])
                .write_empty()?;
        }
        for name in ["relation", "role"] {
            writer
                .create_element("key")
                .with_attributes([
                    ("id", name),
                    ("for", "edge"),
                    ("attr.name", name),
                    ("attr.type", "string"),
                ])
                .write_empty()?;
        }
        writer
            .create_element("graph")
            .with_attributes([("id", "kleinstadt"), ("edgedefault", "undirected")])
            .write_inner_content(|writer| {
                writer
                    .create_element("desc")
                    .write_text_content(BytesText::new(&licence_text()))?;
                for node in &network.nodes {
                    writer
                        .create_element("node")
                        .with_attribute(("id", node_id(node.key).as_str()))
                        .write_inner_content(|writer| {
                            data(writer, "label", &node.label)?;
                            for attribute in &NODE_ATTRIBUTES {
                                if let Some(value) = (attribute.value)(node) {
                                    data(writer, attribute.name, &value)?;
                                }
                            }
                            Ok::<(), std::io::Error>(())
                        })?;
                }
                for (index, edge) in network.edges.iter().enumerate() {
                    writer
                        .create_element("edge")
                        .with_attributes([
                            ("id", format!("e{index}").as_str()),
                            ("source", node_id(edge.source).as_str()),
                            ("target", node_id(edge.target).as_str()),
                        ])
                        .write_inner_content(|writer| {
                            for (name, value) in edge_attributes(edge) {
                                if let Some(value) = value {
                                    data(writer, name, &value)?;
                                }
                            }
                            Ok::<(), std::io::Error>(())
                        })?;
                }
                Ok::<(), std::io::Error>(())
            })?;
        Ok(())
    })
}

fn data(writer: &mut Writer<Vec<u8>>, key: &str, value: &str) -> std::io::Result<()> {
    writer
        .create_element("data")
        .with_attribute(("key", key))
        .write_text_content(BytesText::new(&xml_safe(value)))?;
    Ok(())
}
