//! The `kleinstadt` binary: parse the command line, set up logging, run one command.

use clap::Parser;
use kleinstadt::config::{Cli, Command, LogFormat};
use kleinstadt::error::for_operator;
use kleinstadt::run;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: a GraphQL answer allocates a few thousand small
/// values (field futures, strings, maps) and frees them at once, where glibc's malloc spent about
/// a quarter of the CPU of a request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match cli.config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init(),
    }
    // A command's operator sees the causes that a client would not.
    command(cli).await.map_err(for_operator)
}

async fn command(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run::serve(cli.config).await?,
        Command::Migrate { down } => run::migrate(cli.config, down).await?,
        Command::Seed => run::seed(cli.config).await?,
        Command::ImportTowns { csv } => run::import_towns(cli.config, &csv).await?,
        Command::User { command } => run::user(cli.config, command).await?,
        Command::Webhook { command } => run::webhook(cli.config, command).await?,
        Command::Documents { command } => run::documents(cli.config, command).await?,
        Command::ImportBundle { file } => run::import_bundle(cli.config, &file).await?,
        Command::Backup { file } => run::backup(cli.config, &file).await?,
        Command::Restore { file } => run::restore(cli.config, &file).await?,
        Command::ExportSchema { output } => run::export_schema(&cli.config, output.as_deref())?,
        Command::ExportOpenapi { output } => run::export_openapi(output.as_deref())?,
    }
    Ok(())
}
