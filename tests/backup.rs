//! `kleinstadt backup` and `restore` through the command functions: a SQLite round trip, refusals of
//! an existing target, of a database in use and of files that are no kleinstadt backup; PostgreSQL
//! is pointed to pg_dump.

use std::path::PathBuf;

use crate::support::TestApp;
use kleinstadt::AppState;
use kleinstadt::auth::StaffRole;
use kleinstadt::config::Config;
use kleinstadt::run;
use serde_json::{Value, json};

/// A directory of its own for one test's backup files, removed with the value.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("kleinstadt_backup_{}", uuid::Uuid::new_v4()));
        std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("cannot create {dir:?}: {e}"));
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const COUNTS: &str = "{ organisations { totalCount } towns { totalCount } events(filter: { text: \"Bundestagung\" }) { totalCount } }";

async fn counts(app: &TestApp) -> Value {
    app.query(COUNTS, json!({})).await
}

async fn organisation_named(app: &TestApp, name: &str) -> u64 {
    app.query(
        "query($q: String) { organisations(filter: { nameContains: $q }) { totalCount } }",
        json!({ "q": name }),
    )
    .await["organisations"]["totalCount"]
        .as_u64()
        .unwrap()
}

fn config_of(app: &TestApp) -> Config {
    (*app.state.config).clone()
}

fn leftovers(app: &TestApp) -> Vec<String> {
    let Some(database) = config_of(app).sqlite_path() else {
        return Vec::new();
    };
    let prefix = database
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap();
    let dir = database.parent().map(PathBuf::from).unwrap();
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.starts_with(&prefix) && name.contains(".restore-"))
                .collect()
        })
        .unwrap()
}

#[tokio::test]
async fn a_restore_brings_back_the_backed_up_data_and_only_that() {
    let mut app = TestApp::seeded().await;
    let config = config_of(&app);
    let scratch = Scratch::new();
    let file = scratch.file("kleinstadt.backup.sqlite");

    if app.is_postgres() {
        let error = run::backup(config.clone(), &file)
            .await
            .err()
            .map(|e| e.to_string())
            .expect("this must be refused");
        assert!(error.contains("pg_dump -Fc"), "{error}");
        let error = run::restore(config, &file)
            .await
            .err()
            .map(|e| e.to_string())
            .expect("this must be refused");
        assert!(error.contains("pg_restore"), "{error}");
        assert!(!file.exists());
        return;
    }

    let seeded = counts(&app).await;
    run::backup(config.clone(), &file)
        .await
        .expect("backup failed");
    assert!(file.is_file());
    let size = std::fs::metadata(&file).unwrap().len();

    let again = run::backup(config.clone(), &file).await;
    let error = again
        .err()
        .map(|e| e.to_string())
        .expect("this must be refused");
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(
        std::fs::metadata(&file).unwrap().len(),
        size,
        "the existing backup is untouched"
    );

    let token = app
        .staff_token("after-backup@example.org", StaffRole::Editor)
        .await;
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation { createOrganisation(input: { name: \"Nach der Sicherung e.V.\", kind: ASSOCIATION }) { id } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(organisation_named(&app, "Nach der Sicherung").await, 1);
    assert_ne!(counts(&app).await, seeded);

    let refused = run::restore(config.clone(), &file).await;
    let error = refused
        .err()
        .map(|e| e.to_string())
        .expect("this must be refused");
    assert!(
        error.contains("in use"),
        "a restore under a running server is refused: {error}"
    );
    assert_eq!(organisation_named(&app, "Nach der Sicherung").await, 1);

    app.state.db.clone().close().await.unwrap();
    run::restore(config.clone(), &file)
        .await
        .expect("restore failed");
    assert!(file.is_file(), "the backup stays");
    assert!(leftovers(&app).is_empty(), "{:?}", leftovers(&app));

    app.state = AppState::connect(config).await.expect("cannot reopen");
    assert_eq!(counts(&app).await, seeded);
    assert_eq!(organisation_named(&app, "Nach der Sicherung").await, 0);
    let (_, login) = app
        .graphql(
            "mutation { login(email: \"after-backup@example.org\", password: \"correct horse battery staple\") { token } }",
            json!({}),
        )
        .await;
    assert!(
        login.get("errors").is_some(),
        "the account made after the backup is gone: {login}"
    );
}

#[tokio::test]
async fn restore_refuses_files_that_are_no_kleinstadt_backup() {
    let mut app = TestApp::seeded().await;
    if app.is_postgres() {
        return;
    }
    let config = config_of(&app);
    let scratch = Scratch::new();
    let seeded = counts(&app).await;
    app.state.db.clone().close().await.unwrap();

    let garbage = scratch.file("garbage.sqlite");
    let bytes: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&garbage, bytes).expect("cannot write");
    let empty = scratch.file("empty.sqlite");
    std::fs::write(&empty, b"").expect("cannot write");
    let missing = scratch.file("missing.sqlite");

    for (file, expected) in [
        (&garbage, "is not a SQLite database"),
        (&empty, "is not a kleinstadt database"),
        (&missing, "no database at"),
    ] {
        let error = run::restore(config.clone(), file)
            .await
            .err()
            .map(|e| e.to_string())
            .expect("this must be refused");
        assert!(error.contains(expected), "{file:?}: {error}");
        assert!(
            error.contains(&file.display().to_string()),
            "names the file: {error}"
        );
    }
    let database = config.sqlite_path().unwrap();
    let error = run::restore(config.clone(), &database)
        .await
        .err()
        .map(|e| e.to_string())
        .expect("this must be refused");
    assert!(error.contains("is the database itself"), "{error}");
    assert!(leftovers(&app).is_empty(), "{:?}", leftovers(&app));

    app.state = AppState::connect(config).await.expect("cannot reopen");
    assert_eq!(counts(&app).await, seeded, "the database is untouched");
}
