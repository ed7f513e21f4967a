//! REST API v1 through the router: every resource, filters, pagination with `Link` headers,
//! `expand`, errors, drafts and private fields, ETag/304, CORS and the OpenAPI document.

use std::collections::BTreeSet;

use crate::support::{Client, TestApp, parse_json};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// GETs a REST path anonymously that must answer 200 with JSON.
async fn ok(app: &TestApp, uri: &str) -> Value {
    app.anonymous().get_ok(uri).await
}

/// GETs a REST path that must fail with `status` and `code`; returns the error body.
async fn fails(app: &TestApp, uri: &str, status: StatusCode, code: &str) -> Value {
    let (got, headers, body) = app.get(uri).await;
    assert_eq!(got, status, "{uri}: {}", String::from_utf8_lossy(&body));
    assert_eq!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{uri}"
    );
    let body = parse_json(&body);
    assert_eq!(body["error"]["code"], code, "{uri}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    body
}

/// The global ID of the demo Bundestagung.
async fn bundestagung(app: &TestApp) -> String {
    let page = ok(
        app,
        "/api/v1/events?q=Bundestagung&from=2022-01-21T00:00:00Z&to=2022-01-22T00:00:00Z",
    )
    .await;
    assert_eq!(page["totalCount"], 1, "{page}");
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

/// An RFC 3339 timestamp as an instant (GraphQL writes `+00:00`, REST `Z`).
fn instant(value: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    value
        .as_str()
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.to_utc())
}

fn link_target(headers: &axum::http::HeaderMap, rel: &str) -> Option<String> {
    let value = headers.get(header::LINK)?.to_str().ok()?;
    value.split(", ").find_map(|part| {
        let (target, params) = part.split_once(';')?;
        (params.trim() == format!("rel=\"{rel}\""))
            .then(|| target.trim_matches(|c| c == '<' || c == '>').to_owned())
    })
}

#[tokio::test]
async fn the_demo_programme_matches_graphql() {
    let app = TestApp::seeded().await;
    let id = bundestagung(&app).await;
    let event = ok(
        &app,
        &format!("/api/v1/events/{id}?expand=sessions,organisers,town"),
    )
    .await;
    assert_eq!(event["title"], "Bundestagung „Kleinstädte in Deutschland“");
    assert_eq!(event["format"], "DIGITAL");
    assert_eq!(event["startsAtLocal"], "2022-01-21T09:30:00+01:00");
    let sessions = event["sessions"].as_array().cloned().unwrap();
    assert_eq!(sessions.len(), 11, "{event}");
    assert_eq!(sessions[0]["startsAt"], "2022-01-21T08:30:00Z");
    assert_eq!(sessions[0]["startsAtLocal"], "2022-01-21T09:30:00+01:00");
    assert!(
        event["organisers"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    );

    let graphql = app
        .query(
            r#"query($id: ID!) { event(id: $id) { id title startsAt endsAt timeZone
                 sessions(first: 50) { nodes { id title kind startsAt endsAtLocal
                   contributions { nodes { role affiliation person { id name position } organisation { id name } } } } } } }"#,
            json!({ "id": id }),
        )
        .await;
    let gql = &graphql["event"];
    for field in ["id", "title", "timeZone"] {
        assert_eq!(event[field], gql[field], "{field}");
    }
    for field in ["startsAt", "endsAt"] {
        assert_eq!(instant(&event[field]), instant(&gql[field]), "{field}");
    }
    let gql_sessions = gql["sessions"]["nodes"].as_array().cloned().unwrap();
    assert_eq!(gql_sessions.len(), sessions.len());
    for (rest, gql) in sessions.iter().zip(&gql_sessions) {
        for field in ["id", "title", "kind", "endsAtLocal"] {
            assert_eq!(rest[field], gql[field], "session {field}");
        }
        assert_eq!(instant(&rest["startsAt"]), instant(&gql["startsAt"]));
        let rest_contributions = rest["contributions"].as_array().cloned().unwrap();
        let gql_contributions = gql["contributions"]["nodes"].as_array().cloned().unwrap();
        assert_eq!(
            rest_contributions.len(),
            gql_contributions.len(),
            "{}",
            rest["title"]
        );
        for (r, g) in rest_contributions.iter().zip(&gql_contributions) {
            assert_eq!(r["role"], g["role"]);
            assert_eq!(r["affiliation"], g["affiliation"]);
            assert_eq!(r["person"]["name"], g["person"]["name"]);
            assert_eq!(r["person"]["position"], g["person"]["position"]);
            assert_eq!(r["organisation"]["name"], g["organisation"]["name"]);
        }
    }

    // The programme on its own, and one session with its contributions.
    let programme = ok(&app, &format!("/api/v1/events/{id}/sessions?limit=100")).await;
    assert_eq!(programme["totalCount"], 11);
    assert_eq!(programme["items"][0]["title"], sessions[0]["title"]);
    assert!(programme["items"][3]["contributions"].is_array());
    let session_id = sessions[1]["id"].as_str().unwrap();
    let session = ok(
        &app,
        &format!("/api/v1/sessions/{session_id}?expand=contributions,event"),
    )
    .await;
    assert_eq!(session["eventId"], id.as_str());
    assert_eq!(session["event"]["id"], id.as_str());
    assert_eq!(session["contributions"], sessions[1]["contributions"]);
    let plain = ok(&app, &format!("/api/v1/sessions/{session_id}")).await;
    assert!(plain.get("contributions").is_none() && plain.get("event").is_none());
}

#[tokio::test]
async fn lists_page_with_cursors_and_link_headers() {
    let app = TestApp::seeded().await;
    let all = ok(&app, "/api/v1/events?limit=100").await;
    let total = all["totalCount"].as_u64().unwrap();
    assert!(total > 5, "{all}");
    let all_ids: Vec<Value> = all["items"]
        .as_array()
        .map(|items| items.iter().map(|e| e["id"].clone()).collect())
        .unwrap();
    assert_eq!(all_ids.len() as u64, total);

    // Walk the list two at a time by following `Link: rel="next"`.
    let mut uri = "/api/v1/events?limit=2&format=IN_PERSON,DIGITAL,HYBRID".to_owned();
    let filtered = ok(
        &app,
        "/api/v1/events?limit=100&format=IN_PERSON,DIGITAL,HYBRID",
    )
    .await["totalCount"]
        .clone();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, headers, body) = app.get(&uri).await;
        assert_eq!(status, StatusCode::OK);
        let page = parse_json(&body);
        assert_eq!(page["totalCount"], filtered);
        seen.extend(page["items"].as_array().cloned().unwrap());
        pages += 1;
        if pages > 1 {
            let prev = link_target(&headers, "prev");
            assert!(prev.is_some(), "page {pages} has a prev link");
            assert!(page["previousCursor"].is_string());
        } else {
            assert!(link_target(&headers, "prev").is_none());
        }
        match link_target(&headers, "next") {
            Some(next) => {
                assert!(
                    next.contains("format=IN_PERSON%2CDIGITAL%2CHYBRID"),
                    "{next}"
                );
                assert!(page["nextCursor"].is_string());
                uri = next;
            }
            None => {
                assert!(page.get("nextCursor").is_none());
                break;
            }
        }
        assert!(pages < 100, "pagination does not end");
    }
    assert_eq!(seen.len() as u64, filtered.as_u64().unwrap());
    let distinct: BTreeSet<String> = seen.iter().map(|e| e["id"].to_string()).collect();
    assert_eq!(distinct.len(), seen.len(), "no item twice");
    for event in &seen {
        assert!(["IN_PERSON", "DIGITAL", "HYBRID"].contains(&event["format"].as_str().unwrap()));
    }

    // The previous page of page 2 is page 1.
    let first = ok(&app, "/api/v1/events?limit=3").await;
    let second = ok(
        &app,
        &format!(
            "/api/v1/events?limit=3&cursor={}",
            first["nextCursor"].as_str().unwrap()
        ),
    )
    .await;
    let back = ok(
        &app,
        &format!(
            "/api/v1/events?limit=3&cursor={}",
            second["previousCursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(back["items"], first["items"]);
    assert_ne!(second["items"][0]["id"], first["items"][0]["id"]);

    // Ordering, both directions.
    let by_title = ok(&app, "/api/v1/events?orderBy=title&limit=100").await;
    let titles: Vec<String> = by_title["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|e| e["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap();
    let descending = ok(&app, "/api/v1/events?orderBy=-title&limit=100").await;
    let reversed: Vec<String> = descending["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .rev()
                .map(|e| e["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap();
    assert_eq!(titles, reversed);
}

#[tokio::test]
async fn bad_parameters_are_bad_user_input() {
    let app = TestApp::seeded().await;
    let cases = [
        ("/api/v1/events?limit=101", Some("limit")),
        ("/api/v1/events?limit=0", Some("limit")),
        ("/api/v1/events?limit=ten", None),
        ("/api/v1/events?cursor=not-a-cursor", Some("cursor")),
        ("/api/v1/events?format=ONLINE", Some("format")),
        ("/api/v1/events?status=SCHEDULED,NOPE", Some("status")),
        ("/api/v1/events?from=yesterday", None),
        ("/api/v1/events?orderBy=place", Some("orderBy")),
        ("/api/v1/events?expand=registrations", Some("expand")),
        (
            "/api/v1/events?town=VG93bjox&organiser=VG93bjox",
            Some("organiser"),
        ),
        ("/api/v1/towns?townType=BIG_CITY", Some("townType")),
        ("/api/v1/towns?state=XX", Some("state")),
        ("/api/v1/towns?state=17", Some("state")),
        (
            "/api/v1/towns/by-municipality-key/123",
            Some("municipalityKey"),
        ),
        ("/api/v1/people?role=SINGER", None),
        ("/api/v1/documents?expand=town", Some("expand")),
    ];
    for (uri, field) in cases {
        let body = fails(&app, uri, StatusCode::BAD_REQUEST, "BAD_USER_INPUT").await;
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
    }
}

#[tokio::test]
async fn unknown_records_and_routes_are_not_found() {
    let app = TestApp::seeded().await;
    let town = ok(&app, "/api/v1/towns?limit=1").await["items"][0]["id"].clone();
    let town = town.as_str().unwrap();
    for uri in [
        "/api/v1/events/RXZlbnQ6OTk5OTk".to_owned(), // Event:99999
        "/api/v1/events/not-an-id".to_owned(),
        format!("/api/v1/events/{town}"), // a town's ID is no event
        "/api/v1/sessions/U2Vzc2lvbjo5OTk5OQ".to_owned(),
        "/api/v1/towns/VG93bjo5OTk5OTk".to_owned(),
        "/api/v1/towns/by-municipality-key/99999999".to_owned(),
        "/api/v1/model-projects/TW9kZWxQcm9qZWN0Ojk5OQ".to_owned(),
        "/api/v1/organisations/T3JnYW5pc2F0aW9uOjk5OQ".to_owned(),
        "/api/v1/people/UGVyc29uOjk5OTk".to_owned(),
        "/api/v1/documents/RG9jdW1lbnQ6OTk5".to_owned(),
        "/api/v1/events/RXZlbnQ6OTk5OTk/sessions".to_owned(),
        "/api/v1/no-such-thing".to_owned(),
    ] {
        fails(&app, &uri, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    }
    let found = ok(&app, &format!("/api/v1/towns/{town}")).await;
    assert_eq!(found["id"], town);
}

#[tokio::test]
async fn towns_filter_order_expand_and_look_up_by_key() {
    let app = TestApp::seeded().await;
    let saxony = ok(
        &app,
        "/api/v1/towns?state=14&townType=SMALLER_SMALL_TOWN&orderBy=-population&limit=50",
    )
    .await;
    let items = saxony["items"].as_array().cloned().unwrap();
    assert!(!items.is_empty());
    let mut last = i64::MAX;
    for town in &items {
        assert_eq!(town["state"]["key"], "14", "{town}");
        assert_eq!(town["state"]["name"], "Sachsen");
        assert_eq!(town["townType"], "SMALLER_SMALL_TOWN");
        let population = town["population"].as_i64().unwrap();
        assert!((5_000..10_000).contains(&population), "{town}");
        assert!(population <= last, "descending by population");
        last = population;
    }
    let graphql = app
        .query(
            r#"{ towns(filter: { state: [SN], townType: [SMALLER_SMALL_TOWN] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(saxony["totalCount"], graphql["towns"]["totalCount"]);
    let by_code = ok(
        &app,
        "/api/v1/towns?state=sn&townType=SMALLER_SMALL_TOWN&limit=1",
    )
    .await;
    assert_eq!(by_code["totalCount"], saxony["totalCount"]);

    let keyed = app
        .query(
            r#"{ towns(filter: { nameContains: "Lobenstein" }) { nodes { id municipalityKey } } }"#,
            json!({}),
        )
        .await;
    let key = keyed["towns"]["nodes"][0]["municipalityKey"]
        .as_str()
        .unwrap();
    assert_eq!(key.len(), 8);
    let by_key = ok(
        &app,
        &format!("/api/v1/towns/by-municipality-key/{key}?expand=modelProjects"),
    )
    .await;
    assert_eq!(by_key["id"], keyed["towns"]["nodes"][0]["id"]);
    let projects = by_key["modelProjects"].as_array().cloned().unwrap();
    assert!(!projects.is_empty(), "{by_key}");
    assert!(projects[0]["modelProject"]["title"].is_string());
    assert!(projects[0]["role"].is_string());
}

#[tokio::test]
async fn model_projects_organisations_and_documents_expand_in_one_call() {
    let app = TestApp::seeded().await;
    let projects = ok(
        &app,
        "/api/v1/model-projects?expand=towns,partners,leadTown&limit=100",
    )
    .await;
    let graphql = app
        .query(
            "{ modelProjects(first: 100) { totalCount nodes { id title towns { totalCount } partners { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        projects["totalCount"],
        graphql["modelProjects"]["totalCount"]
    );
    let gql_projects = graphql["modelProjects"]["nodes"]
        .as_array()
        .cloned()
        .unwrap();
    for project in projects["items"].as_array().cloned().unwrap() {
        let twin = gql_projects
            .iter()
            .find(|p| p["id"] == project["id"])
            .unwrap_or_else(|| panic!("{} is in GraphQL", project["id"]));
        assert_eq!(project["title"], twin["title"]);
        assert_eq!(
            project["towns"].as_array().map(Vec::len).unwrap() as u64,
            twin["towns"]["totalCount"].as_u64().unwrap()
        );
        assert_eq!(
            project["partners"].as_array().map(Vec::len).unwrap() as u64,
            twin["partners"]["totalCount"].as_u64().unwrap()
        );
        if let Some(lead) = project["leadTownId"].as_str() {
            assert_eq!(project["leadTown"]["id"], lead);
        }
    }
    let one_id = projects["items"][0]["id"].as_str().unwrap();
    let one = ok(&app, &format!("/api/v1/model-projects/{one_id}")).await;
    assert_eq!(one["id"], one_id);
    assert!(one.get("towns").is_none(), "no expansion unless asked");

    let bbsr = ok(&app, "/api/v1/organisations?q=BBSR&expand=town").await;
    assert!(
        bbsr["totalCount"].as_u64().is_some_and(|n| n >= 1),
        "{bbsr}"
    );
    let organisation_id = bbsr["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        ok(&app, &format!("/api/v1/organisations/{organisation_id}")).await["id"],
        organisation_id
    );

    let documents = ok(&app, "/api/v1/documents?expand=authors,publisher&limit=100").await;
    let items = documents["items"].as_array().cloned().unwrap();
    assert!(!items.is_empty());
    for document in &items {
        if let Some(publisher) = document["publisherId"].as_str() {
            assert_eq!(document["publisher"]["id"], publisher);
        }
        assert!(document["authors"].is_array());
    }
    let document_id = items[0]["id"].as_str().unwrap();
    assert_eq!(
        ok(&app, &format!("/api/v1/documents/{document_id}")).await["id"],
        document_id
    );
}

/// A draft event with one session, created by staff through GraphQL; returns (event, session) IDs.
async fn draft(editor: &Client<'_>) -> (String, String) {
    let event = editor
        .create_event(json!({ "title": "Geheime Werkstatt", "startsAtLocal": "2031-05-06T10:00:00", "format": "IN_PERSON" }))
        .await;
    assert_eq!(event["published"], false, "{event}");
    let event = event["id"].as_str().expect("an event ID").to_owned();
    let session = editor
        .create_session(json!({ "event": event, "title": "Geheimer Vortrag", "kind": "TALK", "startsAtLocal": "2031-05-06T10:00:00" }))
        .await;
    let session = session["id"].as_str().expect("a session ID").to_owned();
    assert!(!session.is_empty());
    (event, session)
}

#[tokio::test]
async fn drafts_and_private_fields_never_appear() {
    let app = TestApp::seeded().await;
    let editor = app.editor().await;
    let (event, session) = draft(&editor).await;
    fails(
        &app,
        &format!("/api/v1/events/{event}"),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    fails(
        &app,
        &format!("/api/v1/events/{event}/sessions"),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    fails(
        &app,
        &format!("/api/v1/sessions/{session}"),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let sessions = ok(&app, &format!("/api/v1/sessions?event={event}")).await;
    assert_eq!(sessions["totalCount"], 0);
    for uri in [
        "/api/v1/events?limit=100",
        "/api/v1/events?q=Geheime",
        "/api/v1/sessions?q=Geheimer",
        "/api/v1/events?upcoming=true&expand=sessions",
    ] {
        let (_, _, body) = app.get(uri).await;
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("Geheim") && !text.contains(&event),
            "{uri}: {text}"
        );
    }

    // A person with contact data and no public role: not there at all.
    let (_, body) = editor
        .graphql("mutation($input: CreatePersonInput!) { createPerson(input: $input) { id } }",
            json!({ "input": { "name": "Erika Muster", "email": "erika.muster@kyritz.example", "phone": "+49 33971 8500", "biography": "Privat." } }),
        )
        .await;
    let person = body["data"]["createPerson"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!person.is_empty(), "{body}");
    fails(
        &app,
        &format!("/api/v1/people/{person}"),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    let listed = ok(&app, "/api/v1/people?q=Muster").await;
    assert_eq!(listed["totalCount"], 0);

    // With recorded consent the profile is public, still without contact data.
    let (_, body) = editor
        .graphql("mutation($id: ID!) { recordConsent(id: $id, expectedVersion: 1, note: \"Einverstanden\") { id } }",
            json!({ "id": person }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let profile = ok(&app, &format!("/api/v1/people/{person}")).await;
    assert_eq!(profile["name"], "Erika Muster");
    assert_eq!(profile["biography"], "Privat.");
    let text = profile.to_string();
    for private in ["erika.muster@kyritz", "33971", "email", "phone", "consent"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // Every public person in a list: no contact field anywhere.
    let people = ok(&app, "/api/v1/people?limit=100&expand=organisation,town").await;
    for person in people["items"].as_array().cloned().unwrap() {
        assert!(
            person.get("email").is_none() && person.get("phone").is_none(),
            "{person}"
        );
    }
}

#[tokio::test]
async fn etags_answer_304_until_the_data_changes() {
    let app = TestApp::seeded().await;
    let id = bundestagung(&app).await;
    let uri = format!("/api/v1/events/{id}?expand=sessions");
    let (status, headers, body) = app.get(&uri).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert!(
        headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("public, max-age=")),
        "{headers:?}"
    );
    let conditional = |tag: &str| {
        Request::get(&uri)
            .header(header::IF_NONE_MATCH, tag)
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, empty) = app.send(conditional(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(empty.is_empty());
    assert_eq!(
        headers.get(header::ETAG).and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );
    let (status, _, again) = app.send(conditional("\"something-else\"")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, body);

    // An edit changes the answer, so the old tag no longer matches.
    let editor = app.editor().await;
    let version = parse_json(&body)["version"].clone();
    let (_, edited) = editor
        .graphql("mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { subtitle: \"Digital\" }) { version } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    assert!(edited.get("errors").is_none(), "{edited}");
    let (status, headers, _) = app.send(conditional(&etag)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(
        headers.get(header::ETAG).and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );

    // Errors carry no ETag.
    let (_, headers, _) = app.get("/api/v1/events/RXZlbnQ6OTk5OTk").await;
    assert!(headers.get(header::ETAG).is_none());
}

fn preflight(uri: &str, origin: &str, headers: &str) -> Request<Body> {
    Request::builder()
        .method("OPTIONS")
        .uri(uri)
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, headers)
        .body(Body::empty())
        .unwrap()
}

fn allowed_origin(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn cors_opens_public_reads_and_nothing_with_credentials() {
    let app = TestApp::seeded().await;
    let site = "https://www.kyritz.example";
    let (status, headers, _) = app
        .send(preflight("/api/v1/events", site, "if-none-match"))
        .await;
    assert!(status.is_success(), "{status}");
    assert_eq!(allowed_origin(&headers).as_deref(), Some("*"));
    assert!(
        headers
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none()
    );
    let request = Request::get("/api/v1/towns?limit=1")
        .header(header::ORIGIN, site)
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = app.send(request).await;
    assert_eq!(allowed_origin(&headers).as_deref(), Some("*"));
    let exposed = headers
        .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("link"),
        "{exposed}"
    );

    // GraphQL reads are open, but not with a token.
    let (_, headers, _) = app.send(preflight("/graphql", site, "content-type")).await;
    assert_eq!(allowed_origin(&headers).as_deref(), Some("*"));
    let allowed = headers
        .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_ascii_lowercase();
    assert!(!allowed.contains("authorization"), "{allowed}");
    // The login endpoint is not open to other origins at all.
    let (_, headers, _) = app
        .send(preflight("/api/v1/auth/login", site, "content-type"))
        .await;
    assert!(allowed_origin(&headers).is_none(), "{headers:?}");

    // A configured list allows exactly its origins.
    let listed = TestApp::empty_with(|config| {
        config.cors_allowed_origins =
            "https://www.kyritz.example, https://perleberg.example".into();
    })
    .await;
    let (_, headers, _) = listed
        .send(preflight("/api/v1/events", site, "accept"))
        .await;
    assert_eq!(allowed_origin(&headers).as_deref(), Some(site));
    let (_, headers, _) = listed
        .send(preflight(
            "/api/v1/events",
            "https://evil.example",
            "accept",
        ))
        .await;
    assert!(allowed_origin(&headers).is_none());
}

#[test]
fn a_malformed_origin_list_is_refused_at_start() {
    let mut config = kleinstadt::config::Config::for_database("sqlite::memory:");
    config.cors_allowed_origins = "https://ok.example, not an origin".into();
    assert!(kleinstadt::cors::origins(&config).is_err());
    config.cors_allowed_origins = "https://ok.example/path".into();
    assert!(kleinstadt::cors::origins(&config).is_err());
    config.cors_allowed_origins = "https://ok.example".into();
    assert!(
        kleinstadt::cors::origins(&config).is_ok_and(|list| list.is_some_and(|l| l.len() == 1))
    );
}

#[tokio::test]
async fn expansions_cost_a_constant_number_of_statements() {
    let app = TestApp::seeded().await;
    let id = bundestagung(&app).await;
    // Every one of the demo event's first three sessions has contributors, like all eleven.
    let mut counts = Vec::new();
    for limit in [3, 11] {
        let before = app.statements().get();
        let page = ok(
            &app,
            &format!("/api/v1/sessions?event={id}&limit={limit}&expand=contributions,event"),
        )
        .await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(limit));
        counts.push(app.statements().get() - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for 3 and for 11 sessions: {counts:?}"
    );
    // All events with every expansion: one statement per relation, not per event.
    let before = app.statements().get();
    let all = ok(
        &app,
        "/api/v1/events?limit=100&expand=town,organisers,sessions,modelProject",
    )
    .await;
    let statements = app.statements().get() - before;
    assert!(all["totalCount"].as_u64().is_some_and(|n| n > 15));
    assert!(statements <= 14, "{statements} statements for all events");
}

#[tokio::test]
async fn the_openapi_document_is_committed_served_and_complete() {
    let app = TestApp::empty().await;
    let generated = kleinstadt::rest::openapi::json().unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    assert!(
        committed == generated,
        "openapi.json is stale: regenerate it with `cargo run -p kleinstadt-api -- export-openapi --output openapi.json` and commit it"
    );
    let served = ok(&app, "/api/v1/openapi.json").await;
    let document: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(served, document);
    assert_eq!(document["openapi"], "3.1.0");

    // Every reference resolves, every operation and parameter is described.
    let text = document.to_string();
    let schemas = document["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling reference to {name}");
    }
    let paths = document["paths"].as_object().cloned().unwrap();
    assert!(paths.len() >= 16, "{}", paths.len());
    for (path, item) in &paths {
        let operation = &item["get"];
        assert!(
            operation["summary"].is_string() || operation["description"].is_string(),
            "{path}"
        );
        // An operation without parameters has no list.
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            assert!(
                parameter["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{path}: {parameter}"
            );
        }
        // Every documented path is routed: with unknown IDs it answers 404 in the error shape,
        // never the router's own 405 or an empty body.
        let concrete = path
            .replace("{id}", "RXZlbnQ6OTk5OTk")
            .replace("{key}", "99999999")
            .replace("{file}", "no-such-file.csv");
        let (status, headers, body) = app.get(&concrete).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap();
        if content_type.starts_with("text/calendar") {
            assert!(
                String::from_utf8_lossy(&body).starts_with("BEGIN:VCALENDAR"),
                "{path}"
            );
            continue;
        }
        let body = parse_json(&body);
        assert!(
            body.get("items").is_some()
                || body.get("error").is_some()
                || body.get("id").is_some()
                || body.get("rows").is_some()
                || body.get("files").is_some(),
            "{path}: {body}"
        );
    }
}
