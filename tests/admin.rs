//! The staff interface through the router: sessions and their cookie, sign-in and sign-out, what
//! anonymous callers, forged sessions and editors get, CSRF, forms with errors, local times, the
//! conflict page, history with restore, refused deletes, publishing and accounts.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use entity::staff_session;
use kleinstadt::auth::StaffRole;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::json;

use crate::support::browser::{Browser, Page};
use crate::support::{STAFF_PASSWORD, TestApp};

const EDITOR: &str = "redaktion@bbsr.example";
const ADMIN: &str = "admin@bbsr.example";

/// The fields of a new event as an editor types them.
fn event_fields<'a>(csrf: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("title", title),
        ("status", "SCHEDULED"),
        ("timeZone", "Europe/Berlin"),
        ("startsAt", "2027-05-04T09:00"),
        ("endsAt", "2027-05-04T17:00"),
        ("datePrecision", "MINUTE"),
        ("format", "DIGITAL"),
    ]
}

/// Creates an event through the form; returns its id.
async fn create_event(browser: &mut Browser<'_>, title: &str) -> i32 {
    let form = browser.get("/admin/veranstaltungen/neu").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let created = browser
        .post("/admin/veranstaltungen/neu", &event_fields(&csrf, title))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    id_in(created.location(), "/admin/veranstaltungen/")
}

fn id_in(location: &str, prefix: &str) -> i32 {
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.split(['?', '/']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

fn set_cookie(page: &Page) -> String {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("sitzung="))
        .unwrap_or_else(|| panic!("no session cookie set"))
        .to_owned()
}

#[tokio::test]
async fn the_session_cookie_is_safe_and_signing_out_ends_the_session() {
    let app = TestApp::empty().await;
    kleinstadt::service::account::create(
        app.db(),
        EDITOR,
        "Rita",
        StaffRole::Editor,
        STAFF_PASSWORD.to_owned(),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&app);
    let form = browser.get("/admin/anmelden").await;
    let csrf = form.csrf();
    let signed_in = browser
        .post(
            "/admin/anmelden",
            &[
                ("_csrf", &csrf),
                ("weiter", "/admin/veranstaltungen"),
                ("email", EDITOR),
                ("password", STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location(), "/admin/veranstaltungen");
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("kleinstadt-sitzung="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP in development: {cookie}"
    );
    let stolen = browser.cookies.clone();

    let start = browser.get("/admin").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.body.contains("Rita"));
    let csrf = start.csrf();
    let out = browser.post("/admin/abmelden", &[("_csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/admin/anmelden?abgemeldet=1");
    assert!(
        !browser.cookies.contains_key("kleinstadt-sitzung"),
        "{:?}",
        browser.cookies
    );

    // The old cookie is worth nothing now: the session ended on the server.
    let mut thief = Browser::new(&app);
    thief.cookies = stolen;
    let after = thief.get("/admin").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(after.location().starts_with("/admin/anmelden"));
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_bound() {
    let app = TestApp::empty_with(|config| config.session_cookie_secure = Some(true)).await;
    kleinstadt::service::account::create(
        app.db(),
        EDITOR,
        "Rita",
        StaffRole::Editor,
        STAFF_PASSWORD.to_owned(),
    )
    .await
    .unwrap();
    let mut browser = Browser::new(&app);
    let form = browser.get("/admin/anmelden").await;
    let csrf = form.csrf();
    let signed_in = browser
        .post(
            "/admin/anmelden",
            &[
                ("_csrf", &csrf),
                ("email", EDITOR),
                ("password", STAFF_PASSWORD),
            ],
        )
        .await;
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("__Host-kleinstadt-sitzung="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    assert_eq!(browser.get("/admin").await.status, StatusCode::OK);
}

#[tokio::test]
async fn anonymous_callers_and_forged_or_expired_sessions_get_the_sign_in_page() {
    let app = TestApp::seeded().await;
    let mut anonymous = Browser::new(&app);
    for path in [
        "/admin",
        "/admin/personen/1",
        "/admin/personen",
        "/admin/konten",
        "/admin/veranstaltungen/1/verlauf",
    ] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location().starts_with("/admin/anmelden?weiter="),
            "{path}: {}",
            page.location()
        );
        assert!(page.body.is_empty(), "{path} leaked {}", page.body);
    }
    let posted = anonymous
        .post("/admin/personen/1/auskunft", &[("_csrf", "x")])
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);

    let mut forged = Browser::new(&app);
    forged
        .cookies
        .insert("kleinstadt-sitzung".to_owned(), "forged".to_owned());
    let page = forged.get("/admin/personen/1").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/admin/anmelden"));

    // An idle session ends, and so does one past its absolute end.
    let mut idle = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    assert_eq!(idle.get("/admin").await.status, StatusCode::OK);
    let sessions = staff_session::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let mut old = sessions[0].clone().into_active_model();
    old.last_seen_at = Set(Utc::now() - Duration::minutes(31));
    old.update(app.db()).await.unwrap();
    assert_eq!(idle.get("/admin").await.status, StatusCode::SEE_OTHER);
    assert!(
        staff_session::Entity::find()
            .all(app.db())
            .await
            .unwrap()
            .is_empty(),
        "the ended session is deleted"
    );

    let mut long = Browser::new(&app);
    long.sign_in(EDITOR, STAFF_PASSWORD).await;
    let sessions = staff_session::Entity::find().all(app.db()).await.unwrap();
    let mut over = sessions[0].clone().into_active_model();
    over.expires_at = Set(Utc::now() - Duration::seconds(1));
    over.update(app.db()).await.unwrap();
    assert_eq!(long.get("/admin").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_needs_the_form_token_and_counts_against_the_login_limits() {
    let app = TestApp::empty().await;
    kleinstadt::service::account::create(
        app.db(),
        EDITOR,
        "Rita",
        StaffRole::Editor,
        STAFF_PASSWORD.to_owned(),
    )
    .await
    .unwrap();
    // A form posted from elsewhere has no pairing cookie.
    let mut elsewhere = Browser::new(&app);
    let refused = elsewhere
        .post(
            "/admin/anmelden",
            &[
                ("_csrf", "guess"),
                ("email", EDITOR),
                ("password", STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!elsewhere.cookies.contains_key("kleinstadt-sitzung"));

    let mut browser = Browser::new(&app);
    let mut last = None;
    for _ in 0..6 {
        let form = browser.get("/admin/anmelden").await;
        let csrf = form.csrf();
        let page = browser
            .post(
                "/admin/anmelden",
                &[
                    ("_csrf", &csrf),
                    ("email", EDITOR),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        last = Some(page);
    }
    let page = last.unwrap();
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    assert!(page.body.contains("Zu viele Anmeldeversuche"));
    assert!(page.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_wrong_password_is_answered_in_german_and_keeps_the_address() {
    let app = TestApp::empty().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/admin/anmelden").await;
    let csrf = form.csrf();
    let page = browser
        .post(
            "/admin/anmelden",
            &[("_csrf", &csrf), ("email", EDITOR), ("password", "nope")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("nicht richtig"));
    assert!(page.body.contains(&format!("value=\"{EDITOR}\"")));
    assert!(!page.body.contains("nope"), "the password is never echoed");
}

#[tokio::test]
async fn editors_get_nothing_of_the_administrator_pages() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let page = editor.get("/admin/personen/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("dsgvo-loeschung"),
        "no erasure link for editors"
    );
    let csrf = page.csrf();
    for path in ["/admin/konten", "/admin/personen/1/dsgvo-loeschung"] {
        let page = editor.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("Keine Berechtigung"));
        assert!(!page.body.contains("admin@"), "{path}");
    }
    let export = editor
        .post("/admin/personen/1/auskunft", &[("_csrf", &csrf)])
        .await;
    assert_eq!(export.status, StatusCode::FORBIDDEN);
    assert!(!export.body.contains("auditEntries"));
    let created = editor
        .post(
            "/admin/konten",
            &[
                ("_csrf", &csrf),
                ("email", "neu@bbsr.example"),
                ("name", "Neu"),
                ("role", "ADMIN"),
                ("password", STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    assert_eq!(
        kleinstadt::service::account::list(app.db())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn forms_without_the_session_token_or_from_another_site_change_nothing() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let id = create_event(&mut editor, "Werkstatt Ortskerne").await;
    let edit = editor
        .get(&format!("/admin/veranstaltungen/{id}/bearbeiten"))
        .await;
    let version = edit.input("_version").unwrap();
    let mut fields = event_fields("wrong", "Geändert");
    fields.push(("_version", &version));
    let refused = editor
        .post(&format!("/admin/veranstaltungen/{id}/bearbeiten"), &fields)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let csrf = edit.csrf();
    let mut fields = event_fields(&csrf, "Geändert");
    fields.push(("_version", &version));
    let cross_site = editor
        .post_with(
            &format!("/admin/veranstaltungen/{id}/bearbeiten"),
            &fields,
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let page = editor.get(&format!("/admin/veranstaltungen/{id}")).await;
    assert!(page.body.contains("Werkstatt Ortskerne"));
    assert!(!page.body.contains("Geändert"));
}

#[tokio::test]
async fn a_form_with_errors_keeps_its_values_and_links_every_error_to_its_field() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let form = editor.get("/admin/veranstaltungen/neu").await;
    let csrf = form.csrf();
    let page = editor
        .post(
            "/admin/veranstaltungen/neu",
            &[
                ("_csrf", &csrf),
                ("title", ""),
                ("subtitle", "Mit Untertitel"),
                ("status", "SCHEDULED"),
                ("timeZone", "Europe/Berlin"),
                ("startsAt", "morgen früh"),
                ("datePrecision", "MINUTE"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("role=\"alert\""));
    assert!(page.body.contains("href=\"#feld-title\""), "{}", page.body);
    assert!(page.body.contains("href=\"#feld-startsAt\""));
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(
        page.body.contains("value=\"Mit Untertitel\""),
        "values are kept"
    );
    assert!(page.body.contains("value=\"morgen früh\""));

    // An error the service layer finds lands at its field too.
    let page = editor
        .post(
            "/admin/veranstaltungen/neu",
            &[
                ("_csrf", &csrf),
                ("title", "Ende vor Beginn"),
                ("status", "SCHEDULED"),
                ("timeZone", "Europe/Berlin"),
                ("startsAt", "2027-05-04T09:00"),
                ("endsAt", "2027-05-04T08:00"),
                ("datePrecision", "MINUTE"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("href=\"#feld-endsAt\""), "{}", page.body);
    assert!(page.body.contains("value=\"Ende vor Beginn\""));
}

#[tokio::test]
async fn times_are_entered_and_shown_in_the_events_zone() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let id = create_event(&mut editor, "Sommerakademie").await;
    let event = kleinstadt::service::record::get::<entity::event::Entity, _>(app.db(), id)
        .await
        .unwrap();
    // 09:00 in Berlin in May is 07:00 UTC.
    assert_eq!(event.starts_at.to_rfc3339(), "2027-05-04T07:00:00+00:00");
    assert!(!event.published, "created as a draft");
    let edit = editor
        .get(&format!("/admin/veranstaltungen/{id}/bearbeiten"))
        .await;
    assert!(edit.body.contains("value=\"2027-05-04T09:00\""));
    assert!(edit.body.contains("Ortszeit Europe/Berlin"));

    // A session added in the programme editor is read in the same zone.
    let programme = editor
        .get(&format!("/admin/veranstaltungen/{id}/programm"))
        .await;
    let csrf = programme.csrf();
    let added = editor
        .post(
            &format!("/admin/veranstaltungen/{id}/programm"),
            &[
                ("_csrf", &csrf),
                ("title", "Begrüßung"),
                ("kind", "WELCOME"),
                ("startsAt", "2027-05-04T09:30"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let programme = editor
        .get(&format!("/admin/veranstaltungen/{id}/programm"))
        .await;
    assert!(programme.body.contains("09:30"), "{}", programme.body);
    assert!(programme.body.contains("Begrüßung"));
}

#[tokio::test]
async fn publishing_in_the_interface_makes_the_event_public() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let id = create_event(&mut editor, "Netzwerktreffen Ostsee").await;
    let query = r#"{ events(filter: { text: "Netzwerktreffen Ostsee" }) { nodes { title } } }"#;
    let hidden = app.query(query, json!({})).await;
    assert_eq!(hidden["events"]["nodes"], json!([]));
    let page = editor.get(&format!("/admin/veranstaltungen/{id}")).await;
    let action = format!("/admin/veranstaltungen/{id}/veroeffentlichen");
    let fields = page.hidden_fields(&action);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let published = editor.post(&action, &fields).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let shown = app.query(query, json!({})).await;
    assert_eq!(
        shown["events"]["nodes"],
        json!([{ "title": "Netzwerktreffen Ostsee" }])
    );
    let preview = editor
        .get(&format!("/admin/veranstaltungen/{id}/vorschau"))
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Netzwerktreffen Ostsee"));
}

#[tokio::test]
async fn a_stale_edit_gets_the_conflict_page_and_the_merge_loses_nothing() {
    let app = TestApp::seeded().await;
    let mut first = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let mut second = Browser::signed_in(&app, ADMIN, StaffRole::Admin).await;
    let id = create_event(&mut first, "Zukunftswerkstatt").await;
    let path = format!("/admin/veranstaltungen/{id}/bearbeiten");
    let mine = first.get(&path).await;
    let theirs = second.get(&path).await;

    let csrf = theirs.csrf();
    let version = theirs.input("_version").unwrap();
    let mut fields = event_fields(&csrf, "Zukunftswerkstatt Innenstadt");
    fields.push(("_version", &version));
    assert_eq!(
        second.post(&path, &fields).await.status,
        StatusCode::SEE_OTHER
    );

    let csrf = mine.csrf();
    let version = mine.input("_version").unwrap();
    let mut fields = event_fields(&csrf, "Zukunftswerkstatt");
    fields.push(("_version", &version));
    fields.push(("place", "Rathaus, Großer Saal"));
    fields.push(("_vorher.title", "Zukunftswerkstatt"));
    let conflict = first.post(&path, &fields).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT, "{}", conflict.body);
    assert!(conflict.body.contains("Konflikt"));
    assert!(conflict.body.contains("Ihre Eingabe"));
    assert!(conflict.body.contains("Jetzt gespeichert"));
    assert!(conflict.body.contains("Beim Öffnen"));
    assert!(
        conflict.body.contains("Rathaus, Großer Saal"),
        "my input is kept"
    );
    assert!(
        conflict.body.contains("Zukunftswerkstatt Innenstadt"),
        "theirs is shown"
    );
    let current = conflict.input("_version").unwrap();
    assert_ne!(
        current, version,
        "the merge form carries the current version"
    );

    let csrf = conflict.csrf();
    let mut merged = event_fields(&csrf, "Zukunftswerkstatt Innenstadt");
    merged.push(("_version", &current));
    merged.push(("place", "Rathaus, Großer Saal"));
    let saved = first.post(&path, &merged).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let event = kleinstadt::service::record::get::<entity::event::Entity, _>(app.db(), id)
        .await
        .unwrap();
    assert_eq!(event.title, "Zukunftswerkstatt Innenstadt");
    assert_eq!(event.place.as_deref(), Some("Rathaus, Großer Saal"));
}

#[tokio::test]
async fn history_shows_each_change_and_restoring_a_version_is_an_audited_edit() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let id = create_event(&mut editor, "Erster Titel").await;
    let path = format!("/admin/veranstaltungen/{id}/bearbeiten");
    let edit = editor.get(&path).await;
    let csrf = edit.csrf();
    let version = edit.input("_version").unwrap();
    let mut fields = event_fields(&csrf, "Zweiter Titel");
    fields.push(("_version", &version));
    assert_eq!(
        editor.post(&path, &fields).await.status,
        StatusCode::SEE_OTHER
    );

    let history = editor
        .get(&format!("/admin/veranstaltungen/{id}/verlauf"))
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert!(
        history.body.contains("<del>Erster Titel</del>"),
        "{}",
        history.body
    );
    assert!(history.body.contains("<ins>Zweiter Titel</ins>"));
    assert!(history.body.contains(EDITOR));
    let marker = format!("/admin/veranstaltungen/{id}/verlauf/");
    let at = history.body.find(&marker).expect("a restore link");
    let entry: String = history.body[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();

    let restore = editor.get(&format!("{marker}{entry}")).await;
    assert_eq!(restore.status, StatusCode::OK, "{}", restore.body);
    assert!(restore.body.contains("value=\"Erster Titel\""));
    let csrf = restore.csrf();
    let version = restore.input("_version").unwrap();
    let mut fields = event_fields(&csrf, "Erster Titel");
    fields.push(("_version", &version));
    assert_eq!(
        editor.post(&path, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let history = editor
        .get(&format!("/admin/veranstaltungen/{id}/verlauf"))
        .await;
    assert!(history.body.contains("<del>Zweiter Titel</del>"));
    assert_eq!(history.body.matches("Geändert am").count(), 2);
}

#[tokio::test]
async fn a_referenced_record_is_not_deleted_and_the_page_says_why() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let organisation = kleinstadt::service::choices::organisations(app.db())
        .await
        .unwrap()
        .into_iter()
        .find(|(_, name)| name.starts_with("Bundesinstitut für Bau"))
        .map(|(id, _)| id)
        .expect("the BBSR");
    let confirm = editor
        .get(&format!("/admin/organisationen/{organisation}/loeschen"))
        .await;
    let csrf = confirm.csrf();
    let version = confirm.input("_version").unwrap();
    let refused = editor
        .post(
            &format!("/admin/organisationen/{organisation}/loeschen"),
            &[("_csrf", &csrf), ("_version", &version)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("noch von anderen Einträgen verwendet")
    );
    assert_eq!(
        editor
            .get(&format!("/admin/organisationen/{organisation}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn consent_is_recorded_with_its_date_and_note() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let person = kleinstadt::service::choices::people(app.db())
        .await
        .unwrap()
        .first()
        .map(|(id, _)| *id)
        .unwrap();
    let page = editor.get(&format!("/admin/personen/{person}")).await;
    assert!(
        page.body.contains("nicht öffentlich: keine Einwilligung")
            || page.body.contains("keine Angabe")
    );
    let action = format!("/admin/personen/{person}/einwilligung");
    let hidden = page.hidden_fields(&action);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("givenOn", "2026-11-30"));
    fields.push(("note", "Formular vom Veranstaltungstag"));
    let saved = editor.post(&action, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = editor.get(&format!("/admin/personen/{person}")).await;
    assert!(
        page.body.contains("Erteilt am 30.11.2026") || page.body.contains("Erteilt am 29.11.2026"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Formular vom Veranstaltungstag"));

    // A date in the future is refused at its field.
    let page = editor.get(&format!("/admin/personen/{person}")).await;
    let hidden = page.hidden_fields(&action);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("givenOn", "2999-01-01"));
    fields.push(("note", "zu früh"));
    let refused = editor.post(&action, &fields).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn administrators_manage_accounts_and_a_disabled_account_loses_its_session() {
    let app = TestApp::empty().await;
    let mut admin = Browser::signed_in(&app, ADMIN, StaffRole::Admin).await;
    let page = admin.get("/admin/konten").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let created = admin
        .post(
            "/admin/konten",
            &[
                ("_csrf", &csrf),
                ("email", EDITOR),
                ("name", "Rita Redaktion"),
                ("role", "EDITOR"),
                ("password", STAFF_PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut editor = Browser::new(&app);
    editor.sign_in(EDITOR, STAFF_PASSWORD).await;
    assert_eq!(editor.get("/admin").await.status, StatusCode::OK);

    let accounts = kleinstadt::service::account::list(app.db()).await.unwrap();
    let rita = accounts.iter().find(|a| a.email == EDITOR).unwrap();
    let page = admin.get("/admin/konten").await;
    let action = format!("/admin/konten/{}/sperren", rita.id);
    let hidden = page.hidden_fields(&action);
    let fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        admin.post(&action, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(editor.get("/admin").await.status, StatusCode::SEE_OTHER);

    // Nobody disables their own account.
    let me = accounts.iter().find(|a| a.email == ADMIN).unwrap();
    let page = admin.get("/admin/konten").await;
    let action = format!("/admin/konten/{}/sperren", me.id);
    let hidden = page.hidden_fields(&action);
    let fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        admin.post(&action, &fields).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn pages_forbid_inline_scripts_framing_and_caching() {
    let app = TestApp::empty().await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/admin/anmelden").await;
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"));
    assert!(!policy.contains("unsafe-inline"));
    assert!(policy.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert!(!page.body.contains("<script"), "the pages need no script");
    let stylesheet = page
        .body
        .split("href=\"")
        .find_map(|part| part.strip_prefix("/admin/assets/"))
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet");
    let css = browser.get(&format!("/admin/assets/{stylesheet}")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        browser.get("/admin/assets/other.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_change_their_password_and_their_other_sessions_end() {
    let app = TestApp::empty().await;
    let mut here = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let mut elsewhere = Browser::new(&app);
    elsewhere.sign_in(EDITOR, STAFF_PASSWORD).await;
    let form = here.get("/admin/passwort").await;
    let csrf = form.csrf();
    let wrong = here
        .post(
            "/admin/passwort",
            &[
                ("_csrf", &csrf),
                ("current", "not it at all"),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("href=\"#feld-current\""));
    let done = here
        .post(
            "/admin/passwort",
            &[
                ("_csrf", &csrf),
                ("current", STAFF_PASSWORD),
                ("new", "a new long password"),
                ("repeat", "a new long password"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(here.get("/admin").await.status, StatusCode::OK);
    assert_eq!(elsewhere.get("/admin").await.status, StatusCode::SEE_OTHER);
    let mut again = Browser::new(&app);
    again.sign_in(EDITOR, "a new long password").await;
}

#[tokio::test]
async fn an_instance_without_accounts_gets_one_first_administrator() {
    let app = TestApp::empty().await;
    let password = kleinstadt::service::account::first_administrator(
        app.db(),
        kleinstadt::run::FIRST_ADMINISTRATOR,
    )
    .await
    .unwrap()
    .expect("a first administrator");
    assert!(password.len() >= 40);
    let again = kleinstadt::service::account::first_administrator(
        app.db(),
        kleinstadt::run::FIRST_ADMINISTRATOR,
    )
    .await
    .unwrap();
    assert!(again.is_none(), "only while there is no account");
    let mut browser = Browser::new(&app);
    browser
        .sign_in(kleinstadt::run::FIRST_ADMINISTRATOR, &password)
        .await;
    assert_eq!(browser.get("/admin/konten").await.status, StatusCode::OK);
}

#[tokio::test]
async fn administrators_export_and_erase_a_person_after_confirming() {
    let app = TestApp::seeded().await;
    let mut admin = Browser::signed_in(&app, ADMIN, StaffRole::Admin).await;
    let person = kleinstadt::service::choices::people(app.db())
        .await
        .unwrap()
        .first()
        .map(|(id, _)| *id)
        .unwrap();
    let page = admin.get(&format!("/admin/personen/{person}")).await;
    let csrf = page.csrf();
    let export = admin
        .post(
            &format!("/admin/personen/{person}/auskunft"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers["content-type"], "application/json");
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(export.body.contains("\"auditEntries\""));

    let path = format!("/admin/personen/{person}/dsgvo-loeschung");
    let confirm = admin.get(&path).await;
    let version = confirm.input("_version").unwrap();
    let unconfirmed = admin
        .post(&path, &[("_csrf", &csrf), ("_version", &version)])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("href=\"#feld-bestaetigung\""));
    let erased = admin
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("_version", &version),
                ("bestaetigung", "ja"),
            ],
        )
        .await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    assert!(erased.body.contains("Personendaten gelöscht"));
}

#[tokio::test]
async fn lists_search_filter_and_page() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let towns = editor.get("/admin/orte").await;
    assert_eq!(towns.status, StatusCode::OK);
    assert!(towns.body.contains(" Einträge</p>"), "{}", towns.body);
    let next = towns
        .body
        .split("href=\"")
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| part.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
        .expect("a link to the next page");
    let second = editor.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains("rel=\"prev\""));
    assert_ne!(second.body, towns.body);

    let found = editor.get("/admin/orte?q=Belzig&land=12").await;
    assert!(found.body.contains("Bad Belzig"), "{}", found.body);
    assert!(found.body.contains("1 Eintrag"));
    let elsewhere = editor.get("/admin/orte?q=Belzig&land=14").await;
    assert!(elsewhere.body.contains("Keine Einträge gefunden"));

    let all = editor.get("/admin/veranstaltungen?q=Bundestagung").await;
    assert!(all.body.contains("Bundestagung"));
    let cancelled = editor
        .get("/admin/veranstaltungen?q=Bundestagung&stand=CANCELLED")
        .await;
    assert!(cancelled.body.contains("Keine Einträge gefunden"));
}

#[tokio::test]
async fn towns_are_entered_by_name_and_namesakes_are_told_apart() {
    let app = TestApp::seeded().await;
    let mut editor = Browser::signed_in(&app, EDITOR, StaffRole::Editor).await;
    let form = editor.get("/admin/organisationen/neu").await;
    let csrf = form.csrf();
    let ambiguous: Vec<(&str, &str)> = vec![
        ("_csrf", &csrf),
        ("name", "Heimatverein"),
        ("kind", "ASSOCIATION"),
        ("town", "Aach"),
    ];
    let page = editor.post("/admin/organisationen/neu", &ambiguous).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("href=\"#feld-town\""));
    let suggestion = page
        .body
        .split("write one of: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("the namesakes are listed")
        .trim()
        .to_owned();
    assert!(suggestion.starts_with("Aach (Nr. "), "{suggestion}");
    let chosen: Vec<(&str, &str)> = vec![
        ("_csrf", &csrf),
        ("name", "Heimatverein"),
        ("kind", "ASSOCIATION"),
        ("town", &suggestion),
    ];
    let saved = editor.post("/admin/organisationen/neu", &chosen).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_in(saved.location(), "/admin/organisationen/");
    let edit = editor
        .get(&format!("/admin/organisationen/{id}/bearbeiten"))
        .await;
    assert!(edit.body.contains(&format!("value=\"{suggestion}\"")));
}
