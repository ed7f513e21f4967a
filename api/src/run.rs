//! The commands of the binary, as library functions.

use std::path::Path;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;

use crate::auth::StaffRole;
use crate::bulk::{backup, bundle, import, seed};
use crate::config::{Config, DocumentCommand, RoleArg, UserCommand, WebhookCommand};
use crate::db::backend_name;
use crate::graphql::schema;
use crate::service::{account, webhook};
use crate::state::AppState;

/// The account created on the first start of an instance in development mode.
pub const FIRST_ADMINISTRATOR: &str = "admin@kleinstadt.example";

/// Migrates, seeds an empty database with the demo data, creates a first administrator in
/// development mode, and serves until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let state = AppState::connect(config.clone())
        .await
        .context("cannot open the database")?;
    crate::db::migrate(&state.db)
        .await
        .context("migration failed")?;
    if !seed::has_content(&state.db).await? {
        tracing::info!("empty database: loading the demo data");
        let report = seed::seed_demo(&state.db).await?;
        tracing::info!(
            towns = report.towns.created,
            events = report.events,
            sessions = report.sessions,
            "demo data loaded"
        );
    }
    if state.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        crate::db::optimize(&state.db)
            .await
            .context("cannot update the planner's statistics")?;
    }
    let listener = TcpListener::bind(config.bind_addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
    let address = listener.local_addr()?;
    if config.mode == crate::config::Mode::Development
        && let Some(password) =
            crate::service::account::first_administrator(&state.db, FIRST_ADMINISTRATOR).await?
    {
        // On the console, not in the log: the password must reach the person who started the
        // server, and no log store should keep it.
        println!(
            "No staff account yet: created the administrator {FIRST_ADMINISTRATOR} with the password\n\n    {password}\n\nSign in at http://{address}/admin and change it there (Passwort ändern). It is shown only now."
        );
    }
    tracing::info!(
        "kleinstadt listening on http://{address} (GraphQL at http://{address}/graphql), database: {} {}",
        backend_name(&state.db),
        config.database_display()
    );
    let db = state.db.clone();
    let limits = crate::serve::ServeLimits {
        header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_seconds),
        drain_deadline: std::time::Duration::from_secs(config.shutdown_grace_seconds),
    };
    let dispatcher = crate::webhook::Dispatcher::start(state.clone());
    crate::serve::serve(listener, crate::app(state), limits, shutdown_signal()).await;
    dispatcher.stop().await;
    db.close().await?;
    tracing::info!("kleinstadt stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Applies pending migrations, or rolls back `down` of them.
pub async fn migrate(config: Config, down: Option<u32>) -> anyhow::Result<()> {
    let state = AppState::connect(config).await?;
    match down {
        Some(steps) => {
            Migrator::down(&state.db, Some(steps)).await?;
            tracing::info!(steps, "rolled back");
        }
        None => {
            Migrator::up(&state.db, None).await?;
            tracing::info!("database is up to date");
        }
    }
    Ok(())
}

/// Migrates and loads the demo data.
pub async fn seed(config: Config) -> anyhow::Result<()> {
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    let report = seed::seed_demo(&state.db).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Imports a GeoNames CSV and prints what was created, updated and rejected.
pub async fn import_towns(config: Config, csv: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(csv).with_context(|| format!("cannot read {}", csv.display()))?;
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    let report = import::import_towns(&state.db, &bytes).await?;
    println!(
        "created {}, updated {}, unchanged {}, rejected {}",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected.len()
    );
    for rejected in &report.rejected {
        println!("line {}: {}", rejected.line, rejected.reason);
    }
    Ok(())
}

/// Migrates and loads a data bundle (JSON) in one transaction; prints what was added.
pub async fn import_bundle(config: Config, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = bundle::parse(&bytes)?;
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    let report = bundle::import_bundle(&state.db, &parsed).await?;
    crate::db::optimize(&state.db).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    state.db.clone().close().await?;
    Ok(())
}

/// Writes a checked online copy of the SQLite database to `file` and prints what it wrote.
/// PostgreSQL is refused with a pointer to `pg_dump`.
pub async fn backup(config: Config, file: &Path) -> anyhow::Result<()> {
    let database = backup::sqlite_file(&config)?;
    anyhow::ensure!(
        database.is_file(),
        backup::BackupError::NoDatabase(database)
    );
    let (db, _) = crate::db::connect(&config)
        .await
        .context("cannot open the database")?;
    let written = backup::backup(&db, file).await;
    db.close().await?;
    let written = written?;
    println!(
        "wrote {} ({} bytes, {} migrations{}); integrity and foreign keys checked",
        written.path.display(),
        written.bytes,
        written.migrations.len(),
        last_migration(&written.migrations)
    );
    Ok(())
}

/// Replaces the SQLite database by the checked backup `file`, migrates it, and prints what it did.
/// The server must be stopped.
pub async fn restore(config: Config, file: &Path) -> anyhow::Result<()> {
    let database = backup::sqlite_file(&config)?;
    let restored = backup::restore(file, &database).await?;
    let (db, _) = crate::db::connect(&config)
        .await
        .context("cannot open the restored database")?;
    let migrated = crate::db::migrate(&db).await;
    db.close().await?;
    migrated.context("the restored database could not be migrated")?;
    println!(
        "restored {} from {} ({} bytes, {} migrations{}); now at {} migrations",
        restored.path.display(),
        file.display(),
        restored.bytes,
        restored.migrations.len(),
        last_migration(&restored.migrations),
        Migrator::migrations().len()
    );
    Ok(())
}

fn last_migration(migrations: &[String]) -> String {
    migrations
        .last()
        .map(|name| format!(", the last {name}"))
        .unwrap_or_default()
}

/// Writes the OpenAPI document of the REST API to `output`, or to stdout.
pub fn export_openapi(output: Option<&Path>) -> anyhow::Result<()> {
    let json = crate::rest::openapi::json()?;
    match output {
        Some(path) => std::fs::write(path, json)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{json}"),
    }
    Ok(())
}

/// Writes the GraphQL SDL to `output` or stdout.
pub fn export_schema(config: &Config, output: Option<&Path>) -> anyhow::Result<()> {
    let sdl = schema::sdl(config);
    match output {
        Some(path) => {
            std::fs::write(path, sdl).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => print!("{sdl}"),
    }
    Ok(())
}

/// Runs a `user` subcommand.
pub async fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    match command {
        UserCommand::Add { email, name, role } => {
            let password = read_password()?;
            let role = match role {
                RoleArg::Editor => StaffRole::Editor,
                RoleArg::Admin => StaffRole::Admin,
            };
            let name = name.unwrap_or_else(|| email.clone());
            let user = account::create(&state.db, &email, &name, role, password).await?;
            println!("created {} ({:?})", user.email, user.role);
        }
        UserCommand::List => {
            for user in account::list(&state.db).await? {
                let status = if user.active { "active" } else { "disabled" };
                println!("{}\t{:?}\t{}\t{}", user.email, user.role, status, user.name);
            }
        }
        UserCommand::Disable { email } => {
            let user = account::disable(&state.db, &email).await?;
            println!("disabled {}", user.email);
        }
    }
    Ok(())
}

/// Runs a `webhook` subcommand, as the operator (audited as `command line`).
pub async fn webhook(config: Config, command: WebhookCommand) -> anyhow::Result<()> {
    use crate::auth::Actor;
    use crate::ids;
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    let actor = Actor::operator();
    let endpoint = |id: &str| ids::decode_as(id, webhook::ENDPOINT, "id");
    let scope = |id: Option<String>, type_name: &str, argument: &str| {
        id.map(|id| ids::decode_as(&id, type_name, argument))
            .transpose()
    };
    match command {
        WebhookCommand::Add {
            url,
            description,
            types,
            event,
            town,
            model_project,
        } => {
            let input = webhook::NewEndpoint {
                url,
                description,
                types,
                event_id: scope(event, "Event", "event")?,
                town_id: scope(town, "Town", "town")?,
                model_project_id: scope(model_project, "ModelProject", "model-project")?,
            };
            let created = webhook::register(&state.db, &actor, input).await?;
            println!(
                "registered {} for {}\nsecret (shown this once): {}",
                ids::encode(webhook::ENDPOINT, created.id),
                created.url,
                created.secret
            );
        }
        WebhookCommand::List => {
            for found in webhook::all(&state.db, &actor).await? {
                let status = match (&found.enabled, &found.disabled_reason) {
                    (true, _) if found.attempts > 0 => {
                        format!("failing ({} attempts)", found.attempts)
                    }
                    (true, _) => "enabled".to_owned(),
                    (false, Some(reason)) => format!("disabled: {reason}"),
                    (false, None) => "disabled".to_owned(),
                };
                println!(
                    "{}\t{}\tdelivered through {}\t{status}",
                    ids::encode(webhook::ENDPOINT, found.id),
                    found.url,
                    found.delivered_through
                );
            }
        }
        WebhookCommand::Disable { id } => {
            let changed = webhook::disable(&state.db, &actor, endpoint(&id)?).await?;
            println!("disabled {}", changed.url);
        }
        WebhookCommand::Enable { id } => {
            let changed = webhook::enable(&state.db, &actor, endpoint(&id)?).await?;
            println!("enabled {}", changed.url);
        }
        WebhookCommand::Replay { id, from } => {
            let changed = webhook::replay(&state.db, &actor, endpoint(&id)?, from).await?;
            println!(
                "{} receives every change after position {} again",
                changed.url, changed.delivered_through
            );
        }
        WebhookCommand::Ping { id } => {
            let delivery =
                webhook::ping(&state.db, &state.webhooks, &actor, endpoint(&id)?).await?;
            let status = delivery
                .status
                .map_or_else(|| "no answer".to_owned(), |status| format!("HTTP {status}"));
            println!(
                "{:?}: {status} in {} ms{}",
                delivery.outcome,
                delivery.duration_ms,
                delivery
                    .error
                    .map(|error| format!(" ({error})"))
                    .unwrap_or_default()
            );
        }
    }
    state.db.clone().close().await?;
    Ok(())
}

/// Runs a `documents` subcommand, as the operator (audited as `command line`).
pub async fn documents(config: Config, command: DocumentCommand) -> anyhow::Result<()> {
    use crate::auth::Actor;
    use crate::service::persisted;
    let state = AppState::connect(config).await?;
    crate::db::migrate(&state.db).await?;
    let actor = Actor::operator();
    match command {
        DocumentCommand::Register { files } => {
            let mut texts = Vec::with_capacity(files.len());
            for file in &files {
                let text = std::fs::read_to_string(file)
                    .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", file.display()))?;
                if let Err(error) = async_graphql::parser::parse_query(&text) {
                    anyhow::bail!("{} is not a GraphQL document: {error}", file.display());
                }
                texts.push(text);
            }
            for (file, text) in files.iter().zip(&texts) {
                let name = file.file_name().map(|name| name.to_string_lossy());
                let registered = persisted::register(&state.db, &actor, text, name.as_deref())
                    .await
                    .map_err(|error| anyhow::anyhow!("{}: {}", file.display(), error.detail()))?;
                println!("{}\t{}", registered.document_id, file.display());
            }
        }
        DocumentCommand::List => {
            for found in persisted::all(&state.db, &actor).await? {
                println!(
                    "{}\t{}",
                    found.document_id,
                    found.name.as_deref().unwrap_or("")
                );
            }
        }
    }
    state.db.clone().close().await?;
    Ok(())
}

/// The new password: from a prompt on a terminal (asked twice), else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        anyhow::ensure!(first == second, "the passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
