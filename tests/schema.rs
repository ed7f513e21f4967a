//! The committed SDL matches the code, and every type, field and argument is described.

use kleinstadt::config::Config;
use kleinstadt::graphql::schema;
use serde_json::Value;

#[test]
fn schema_graphql_is_up_to_date() {
    let generated = schema::sdl(&Config::for_database("sqlite::memory:"));
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        committed == generated,
        "schema.graphql is stale: regenerate it with `cargo run -p kleinstadt-api -- export-schema --output schema.graphql` and commit it"
    );
}

const INTROSPECTION: &str = r#"{
  __schema {
    types {
      name kind description
      fields(includeDeprecated: true) { name description args { name description } }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}"#;

fn described(value: &Value) -> bool {
    value["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_and_argument_has_a_description() {
    let schema = schema::build(&Config::for_database("sqlite::memory:"));
    let response = schema.execute(INTROSPECTION).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().unwrap();
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().cloned().unwrap() {
        let name = ty["name"].as_str().unwrap().to_owned();
        if name.starts_with("__")
            || ["String", "Int", "Float", "Boolean", "ID"].contains(&name.as_str())
        {
            continue;
        }
        if !described(&ty) {
            missing.push(name.clone());
        }
        // Each list is null for the kinds of type that have none of its members.
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap();
            if !described(field) {
                missing.push(format!("{name}.{field_name}"));
            }
            for arg in field["args"].as_array().unwrap() {
                if !described(arg) {
                    missing.push(format!(
                        "{name}.{field_name}({})",
                        arg["name"].as_str().unwrap()
                    ));
                }
            }
        }
        for field in ty["inputFields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"].as_str().unwrap()));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}::{}", value["name"].as_str().unwrap()));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
