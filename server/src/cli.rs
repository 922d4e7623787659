//! The `plinth` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::config::{ConfigFile, Settings};
use crate::startup::Application;
use crate::{db, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "plinth",
    version,
    about = "A self-hosted dashboard for AWS Well-Architected reviews",
    long_about = "Plinth pulls AWS Security Hub findings, AWS Config compliance and AWS \
                  Well-Architected Tool reviews into PostgreSQL and shows a 0-100 score for \
                  each of the six pillars, with the evidence behind every number.\n\n\
                  Configuration comes from built-in defaults, then plinth.toml (or --config), \
                  then PLINTH_<SECTION>__<KEY> environment variables and DATABASE_URL."
)]
pub struct Cli {
    /// A TOML configuration file [default: plinth.toml, if it exists]
    #[arg(long, global = true, env = "PLINTH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the dashboard (the default): applies migrations, then listens
    Serve(ServeArgs),
    /// Apply the database migrations and exit
    Migrate,
}

#[derive(Debug, Args, Default)]
struct ServeArgs {
    /// Listen here instead of the configured http.addr
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
}

/// Parses the command line, runs the command and turns its outcome into the
/// process's exit code.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let file = cli.config.map_or(ConfigFile::Default, ConfigFile::Named);
    let mut settings = match Settings::load(&file) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("plinth: {error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&settings.log);

    let outcome = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => {
            if let Some(addr) = args.addr {
                settings.http.addr = addr;
            }
            serve(&settings).await
        }
        Command::Migrate => migrate(&settings).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "plinth failed");
            eprintln!("plinth: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let app = Application::build(settings).await?;
    let addr = app.local_addr()?;
    tracing::info!(
        %addr,
        startup_ms = started.elapsed().as_millis() as u64,
        "Plinth is listening on http://{addr}"
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&settings.database)
        .await
        .map_err(crate::startup::StartupError::Connect)?;
    db::migrate(&pool).await?;
    tracing::info!(
        applied = db::MIGRATOR.iter().count(),
        "migrations are up to date"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
