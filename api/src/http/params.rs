//! The parameters of a GraphQL request (GraphQL over HTTP, "Request Parameters"), read from a GET
//! query string or a JSON POST body and checked for their types, so that a malformed request is a
//! 400 before anything runs.

use serde_json::{Map, Value};

/// What a GraphQL request asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    /// The document's text.
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Map<String, Value>>,
    /// A persisted document's id (`sha256:<hex>`), instead of `query`.
    pub document_id: Option<String>,
}

/// Reads the parameters of a GET request from its query string. Parameters not named by the
/// specification are ignored (a cache buster, say); a named one given twice is an error.
pub fn from_query_string(raw: &str) -> Result<Params, String> {
    let mut params = Params::default();
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        let value = value.into_owned();
        let duplicate = match name.as_ref() {
            "query" => params.query.replace(value).is_some(),
            "operationName" => params.operation_name.replace(value).is_some(),
            "documentId" => params.document_id.replace(value).is_some(),
            "variables" => params
                .variables
                .replace(json_map("variables", &value)?)
                .is_some(),
            "extensions" => params
                .extensions
                .replace(json_map("extensions", &value)?)
                .is_some(),
            _ => false,
        };
        if duplicate {
            return Err(format!("the parameter `{name}` is given more than once"));
        }
    }
    params.operation_name = params.operation_name.filter(|name| !name.is_empty());
    Ok(params)
}

/// Reads the parameters of a POST request from its JSON body: an object whose `query`,
/// `operationName` and `documentId` are strings and whose `variables` and `extensions` are
/// objects, each of them absent or `null`. Other members are ignored.
pub fn from_body(body: &[u8]) -> Result<Params, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the request body is empty; send a JSON object with `query`".to_owned());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|error| format!("the body is not JSON: {error}"))?;
    let Value::Object(mut object) = value else {
        return Err("the body must be a JSON object".to_owned());
    };
    Ok(Params {
        query: string(&mut object, "query")?,
        operation_name: string(&mut object, "operationName")?,
        variables: map(&mut object, "variables")?,
        extensions: map(&mut object, "extensions")?,
        document_id: string(&mut object, "documentId")?,
    })
}

fn string(object: &mut Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(format!("`{name}` must be a string")),
    }
}

fn map(object: &mut Map<String, Value>, name: &str) -> Result<Option<Map<String, Value>>, String> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(value)) => Ok(Some(value)),
        Some(_) => Err(format!("`{name}` must be an object")),
    }
}

/// A GET parameter that carries a JSON object (`variables`, `extensions`).
fn json_map(name: &str, text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(value)) => Ok(value),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(format!("`{name}` must be a JSON object")),
        Err(error) => Err(format!("`{name}` is not JSON: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_get_query_string_is_read_and_checked() -> Result<(), String> {
        let params = from_query_string(
            "query=%7B%20a%20%7D&variables=%7B%22x%22%3A1%7D&operationName=&_=123",
        )?;
        assert_eq!(params.query.as_deref(), Some("{ a }"));
        assert_eq!(params.operation_name, None);
        assert_eq!(
            params.variables.and_then(|map| map.get("x").cloned()),
            Some(Value::from(1))
        );
        assert!(from_query_string("variables=%5B1%5D").is_err());
        assert!(from_query_string("variables=%7B").is_err());
        assert!(from_query_string("query=a&query=b").is_err());
        Ok(())
    }

    #[test]
    fn a_post_body_must_have_the_right_types() -> Result<(), String> {
        let params = from_body(br#"{"query":"{ a }","variables":null,"extensions":{"x":1}}"#)?;
        assert_eq!(params.query.as_deref(), Some("{ a }"));
        assert_eq!(params.variables, None);
        for body in [
            &br#"{"query":{"obj":"ect"}}"#[..],
            br#"{"query":0}"#,
            br#"{"query":"{ a }","operationName":false}"#,
            br#"{"query":"{ a }","variables":"string"}"#,
            br#"{"query":"{ a }","extensions":["array"]}"#,
            br#"[{"query":"{ a }"}]"#,
            br#"{ "not a JSON"#,
            b"",
        ] {
            assert!(
                from_body(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        Ok(())
    }
}
