//! GraphQL over HTTP to the letter: media types and `Accept`, status codes of request errors,
//! malformed parameters, persisted documents (by `documentId`, by Apollo's hash, from the command
//! line) and the HTTP caching of anonymous persisted reads.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{TestApp, error_code, parse_json};

const RESPONSE: &str = "application/graphql-response+json";
const TOWN: &str = "query Town($name: String!) { towns(filter: { nameContains: $name }, first: 1) { nodes { id name population version } } }";

fn post(accept: Option<&str>, body: impl Into<String>) -> Request<Body> {
    let mut request = Request::post("/graphql").header(header::CONTENT_TYPE, "application/json");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    request.body(Body::from(body.into())).unwrap()
}

fn get(uri: &str, headers: &[(header::HeaderName, &str)]) -> Request<Body> {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.body(Body::empty()).unwrap()
}

fn content_type(headers: &HeaderMap) -> &str {
    headers[header::CONTENT_TYPE].to_str().unwrap()
}

fn cache_control(headers: &HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map_or("", |value| value.to_str().unwrap())
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn persisted_uri(id: &str, variables: &Value) -> String {
    format!(
        "/graphql?documentId={}&variables={}",
        encode(id),
        encode(&variables.to_string())
    )
}

async fn register(app: &TestApp, token: &str, document: &str) -> Value {
    let (status, body) = app
        .graphql_as(
            token,
            "mutation($document: String!) { registerPersistedDocument(document: $document, name: \"test\") { id documentId version } }",
            json!({ "document": document }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["registerPersistedDocument"].clone()
}

#[tokio::test]
async fn the_answer_type_follows_accept() {
    let app = TestApp::empty().await;
    let query = json!({ "query": "{ __typename }" }).to_string();
    for (accept, expected) in [
        (Some(RESPONSE), RESPONSE),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (None, "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            "application/json",
        ),
    ] {
        let (status, headers, body) = app.send(post(accept, query.clone())).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert!(
            content_type(&headers).starts_with(expected),
            "{accept:?} gave {}",
            content_type(&headers)
        );
        assert_eq!(parse_json(&body)["data"]["__typename"], "Query");
    }
    for accept in [
        "text/html",
        "application/xml, text/*;q=0.5",
        "application/json;q=0",
    ] {
        let (status, _, body) = app.send(post(Some(accept), query.clone())).await;
        assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        assert_eq!(error_code(&parse_json(&body)), Some("BAD_USER_INPUT"));
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_in_the_new_type_and_200_in_json() {
    let app = TestApp::empty().await;
    for body in [
        json!({ "query": "{" }),
        json!({ "query": "{ nosuchfield }" }),
        json!({ "query": "query($id: ID!) { __typename }", "variables": { "id": null } }),
    ] {
        let (status, headers, answer) = app.send(post(Some(RESPONSE), body.to_string())).await;
        let answer = parse_json(&answer);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(content_type(&headers).starts_with(RESPONSE));
        assert!(answer.get("data").is_none(), "{body}: {answer}");
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"));

        let (status, _, answer) = app
            .send(post(Some("application/json"), body.to_string()))
            .await;
        let answer = parse_json(&answer);
        assert_eq!(status, StatusCode::OK, "{body}: {answer}");
        assert_eq!(answer["data"], Value::Null);
        assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"));
    }
    // A field error is not a request error: the answer has data, and the status is 200.
    let body = json!({ "query": "{ __typename towns(first: 1000) { totalCount } }" });
    let (status, _, answer) = app.send(post(Some(RESPONSE), body.to_string())).await;
    let answer = parse_json(&answer);
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["errors"][0]["path"].is_array(), "{answer}");
    assert!(answer.get("data").is_some(), "{answer}");
}

#[tokio::test]
async fn malformed_requests_are_400_in_both_types() {
    let app = TestApp::empty().await;
    for body in [
        r#"{ "not a JSON"#.to_owned(),
        String::new(),
        json!({ "notquery": "{ __typename }" }).to_string(),
        json!({ "query": { "obj": "ect" } }).to_string(),
        json!({ "query": ["array"] }).to_string(),
        json!({ "query": "{ __typename }", "operationName": false }).to_string(),
        json!({ "query": "{ __typename }", "variables": "string" }).to_string(),
        json!({ "query": "{ __typename }", "extensions": 0 }).to_string(),
        json!({ "query": "{ __typename }", "documentId": "sha256:00" }).to_string(),
        json!({ "query": "{ __typename }", "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hex_sha256("{ __typename }") } } }).to_string(),
    ] {
        for accept in [RESPONSE, "application/json"] {
            let (status, _, answer) = app.send(post(Some(accept), body.clone())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{accept} {body}");
            let answer = parse_json(&answer);
            assert!(answer.get("data").is_none());
            assert_eq!(error_code(&answer), Some("BAD_USER_INPUT"), "{body}");
        }
    }
    // Null parameters are as good as absent ones.
    let body = json!({ "query": "{ __typename }", "variables": null, "operationName": null, "extensions": null });
    let (status, _, _) = app.send(post(Some(RESPONSE), body.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    // A body that is not UTF-8 by its declared charset.
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json; charset=iso-8859-1")
        .body(Body::from(json!({ "query": "{ __typename }" }).to_string()))
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn mutations_over_get_are_405_and_a_selected_query_runs() {
    let app = TestApp::empty().await;
    let (status, headers, body) = app
        .send(get(
            &format!(
                "/graphql?query={}",
                encode("mutation { login(email: \"a@b.de\", password: \"x\") { token } }")
            ),
            &[(header::ACCEPT, RESPONSE)],
        ))
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "POST");
    assert_eq!(error_code(&parse_json(&body)), Some("BAD_USER_INPUT"));
    let document = "query Read { __typename } mutation Write { login(email: \"a@b.de\", password: \"x\") { token } }";
    let (status, _, body) = app
        .send(get(
            &format!("/graphql?query={}&operationName=Read", encode(document)),
            &[],
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(parse_json(&body)["data"]["__typename"], "Query");
}

#[tokio::test]
async fn persisted_documents_run_by_id_and_anonymous_gets_are_cacheable() {
    let app = TestApp::seeded().await;
    let token = app
        .staff_token("admin@bbsr.example", entity::enums::StaffRole::Admin)
        .await;
    let registered = register(&app, &token, TOWN).await;
    let id = format!("sha256:{}", hex_sha256(TOWN));
    assert_eq!(registered["documentId"], id.as_str());
    // The same text again is the same registration.
    assert_eq!(register(&app, &token, TOWN).await["id"], registered["id"]);

    let variables = json!({ "name": "Wittenberge" });
    let uri = persisted_uri(&id, &variables);
    let (status, headers, body) = app.send(get(&uri, &[(header::ACCEPT, RESPONSE)])).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let answer = parse_json(&body);
    let town = answer["data"]["towns"]["nodes"][0].clone();
    assert_eq!(town["name"], "Wittenberge", "{answer}");
    assert!(content_type(&headers).starts_with(RESPONSE));
    assert_eq!(cache_control(&headers), "public, max-age=60");
    let vary = headers[header::VARY].to_str().unwrap();
    assert!(
        vary.contains("Accept") && vary.contains("Authorization"),
        "{vary}"
    );
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();

    // The same answer as a POST of the text, which is not cacheable.
    let (status, headers, posted) = app
        .send(post(
            Some(RESPONSE),
            json!({ "query": TOWN, "variables": variables }).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_json(&posted), answer);
    assert_eq!(cache_control(&headers), "no-store");
    assert!(headers.get(header::ETAG).is_none());

    // A client that has the answer gets 304.
    let (status, headers, body) = app
        .send(get(
            &uri,
            &[(header::ACCEPT, RESPONSE), (header::IF_NONE_MATCH, &etag)],
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(headers[header::ETAG].to_str().unwrap(), etag);
    // The other media type is another answer, with another tag.
    let (status, headers, _) = app
        .send(get(
            &uri,
            &[
                (header::ACCEPT, "application/json"),
                (header::IF_NONE_MATCH, &etag),
            ],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers[header::ETAG].to_str().unwrap(), etag);

    // Staff answers are never cacheable.
    let bearer = format!("Bearer {token}");
    let (status, headers, _) = app
        .send(get(
            &uri,
            &[(header::ACCEPT, RESPONSE), (header::AUTHORIZATION, &bearer)],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_control(&headers), "private, no-store");
    assert!(headers.get(header::ETAG).is_none());

    // The tag changes exactly when the data shown changes.
    let (status, updated) = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $version: Int!) { updateTown(id: $id, expectedVersion: $version, input: { population: 17001 }) { version } }",
            json!({ "id": town["id"], "version": town["version"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert!(updated.get("errors").is_none(), "{updated}");
    let (status, headers, body) = app
        .send(get(
            &uri,
            &[(header::ACCEPT, RESPONSE), (header::IF_NONE_MATCH, &etag)],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers[header::ETAG].to_str().unwrap(), etag);
    assert_eq!(
        parse_json(&body)["data"]["towns"]["nodes"][0]["population"],
        17001
    );

    // Unknown and malformed ids.
    let unknown = format!("sha256:{}", hex_sha256("{ __typename }"));
    let (status, headers, body) = app
        .send(get(
            &persisted_uri(&unknown, &json!({})),
            &[(header::ACCEPT, RESPONSE)],
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(cache_control(&headers), "no-store");
    assert_eq!(error_code(&parse_json(&body)), Some("NOT_FOUND"));
    let (status, _, body) = app
        .send(get(
            &persisted_uri(&unknown, &json!({})),
            &[(header::ACCEPT, "application/json")],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_code(&parse_json(&body)), Some("NOT_FOUND"));
    let (status, _, _) = app
        .send(get(
            "/graphql?documentId=md5%3Aabc",
            &[(header::ACCEPT, RESPONSE)],
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn only_administrators_register_documents_and_bad_documents_are_refused() {
    let app = TestApp::empty().await;
    let (_, body) = app
        .graphql(
            "mutation { registerPersistedDocument(document: \"{ __typename }\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let editor = app
        .staff_token("editor@bbsr.example", entity::enums::StaffRole::Editor)
        .await;
    let (_, body) = app
        .graphql_as(
            &editor,
            "mutation { registerPersistedDocument(document: \"{ __typename }\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"));
    let admin = app
        .staff_token("admin@bbsr.example", entity::enums::StaffRole::Admin)
        .await;
    for document in ["", "{ towns {", "not graphql"] {
        let (_, body) = app
            .graphql_as(
                &admin,
                "mutation($d: String!) { registerPersistedDocument(document: $d) { id } }",
                json!({ "d": document }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "{document:?}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "document");
    }
    let (_, body) = app
        .graphql_as(&admin, "{ persistedDocuments { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["persistedDocuments"]["totalCount"], 0);
}

#[tokio::test]
async fn apollo_automatic_persisted_queries_work_unchanged() {
    let app = TestApp::empty().await;
    let query = "{ states { totalCount } }";
    let hash = hex_sha256(query);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let hash_only = format!("/graphql?extensions={}", encode(&extensions.to_string()));
    // Unknown: the client is asked for the text.
    let (status, _, body) = app.send(get(&hash_only, &[(header::ACCEPT, "*/*")])).await;
    assert_eq!(status, StatusCode::OK);
    let body = parse_json(&body);
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(error_code(&body), Some("PERSISTED_QUERY_NOT_FOUND"));
    let (status, _, _) = app
        .send(get(&hash_only, &[(header::ACCEPT, RESPONSE)]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A text that does not match its hash is refused.
    let wrong = json!({ "query": "{ __typename }", "extensions": extensions });
    let (status, _, body) = app.send(post(Some(RESPONSE), wrong.to_string())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parse_json(&body)["errors"][0]["message"],
        "provided sha does not match query"
    );
    // The text with its hash runs and is remembered.
    let both = json!({ "query": query, "extensions": extensions });
    let (status, _, body) = app.send(post(Some(RESPONSE), both.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(parse_json(&body)["data"]["states"]["totalCount"].is_number());
    let (status, headers, body) = app
        .send(get(&hash_only, &[(header::ACCEPT, RESPONSE)]))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(parse_json(&body)["data"]["states"]["totalCount"].is_number());
    assert_eq!(cache_control(&headers), "public, max-age=60");
}

#[tokio::test]
async fn anonymous_callers_can_be_held_to_registered_documents() {
    let app = TestApp::empty_with(|config| config.graphql_persisted_only = true).await;
    let admin = app
        .staff_token("admin@bbsr.example", entity::enums::StaffRole::Admin)
        .await;
    let registered = "{ states { totalCount } }";
    register(&app, &admin, registered).await;
    let free = json!({ "query": "{ __typename }" }).to_string();
    let (status, _, body) = app.send(post(Some(RESPONSE), free.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&parse_json(&body)), Some("FORBIDDEN"));
    // The exact text of a registered document may be sent in full.
    let (status, _, _) = app
        .send(post(
            Some(RESPONSE),
            json!({ "query": registered }).to_string(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .send(get(
            &persisted_uri(&format!("sha256:{}", hex_sha256(registered)), &json!({})),
            &[],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Apollo clients cannot teach the server new documents.
    let apq = json!({ "query": "{ __typename }", "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hex_sha256("{ __typename }") } } });
    let (status, _, _) = app.send(post(Some(RESPONSE), apq.to_string())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Staff keep free-form queries.
    let (status, body) = app.graphql_as(&admin, "{ __typename }", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn the_documents_command_registers_files_by_their_hash() {
    let app = TestApp::empty().await;
    let folder =
        std::env::temp_dir().join(format!("kleinstadt-documents-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&folder).unwrap();
    let good = folder.join("states.graphql");
    let text = "query States { states { totalCount } }\n";
    std::fs::write(&good, text).unwrap();
    let bad = folder.join("broken.graphql");
    std::fs::write(&bad, "{ states {").unwrap();
    let config = kleinstadt::config::Config::for_database(app.database_url());
    let refused = kleinstadt::run::documents(
        config.clone(),
        kleinstadt::config::DocumentCommand::Register {
            files: vec![good.clone(), bad],
        },
    )
    .await;
    assert!(refused.is_err());
    let uri = persisted_uri(&format!("sha256:{}", hex_sha256(text)), &json!({}));
    let (status, _, _) = app.send(get(&uri, &[(header::ACCEPT, RESPONSE)])).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing is registered when a file is bad"
    );
    kleinstadt::run::documents(
        config,
        kleinstadt::config::DocumentCommand::Register { files: vec![good] },
    )
    .await
    .unwrap();
    let (status, _, body) = app.send(get(&uri, &[(header::ACCEPT, RESPONSE)])).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(parse_json(&body)["data"]["states"]["totalCount"].is_number());
    std::fs::remove_dir_all(folder).unwrap();
}
