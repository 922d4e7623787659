//! The `plinth` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use std::io::IsTerminal;

use crate::auth::audit::CLI_ACTOR;
use crate::config::{ConfigFile, Settings};
use crate::demo::DemoSpec;
use crate::demo::load as demo_load;
use crate::startup::Application;
use crate::sync::configured::sync_configured;
use crate::sync::progress::{LogProgress, Progress, TerminalProgress};
use crate::sync::summary::SyncSummary;
use crate::{db, telemetry};

mod export;
mod users;

use self::export::{ExportArgs, export};
use self::users::{UserCommand, user};

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
    /// Pull Security Hub, Config and Well-Architected data from AWS into the database
    Sync(SyncArgs),
    /// Load the demo organisation: a full dashboard without an AWS account
    Demo(DemoArgs),
    /// Manage local users (passwords are read from a prompt or stdin, never a flag)
    #[command(subcommand)]
    User(UserCommand),
    /// Import, export and list checklist packs
    #[command(subcommand)]
    Checklist(ChecklistCommand),
    /// Export a workload's review, or the organisation's report, as PDF, CSV or JSON
    Export(ExportArgs),
    /// Ask the server on http.addr whether it is alive (or ready): exits 0 if
    /// so, for container health checks in an image without a shell
    Health(HealthArgs),
}

#[derive(Debug, Args)]
struct HealthArgs {
    /// Ask /readyz (the database answers too) instead of /healthz
    #[arg(long)]
    ready: bool,
}

#[derive(Debug, Subcommand)]
enum ChecklistCommand {
    /// Import a custom pack from a TOML file; an invalid file imports nothing
    Import {
        /// The pack file (see docs/user-guide.md, "Custom packs", for its format)
        file: PathBuf,
    },
    /// Write a pack as a TOML file that `import` reads
    Export {
        #[arg(long)]
        pack: String,
        /// Write here instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List the packs
    List,
}

#[derive(Debug, Args)]
struct DemoArgs {
    /// Remove the demo organisation first, then load it again
    #[arg(long)]
    reset: bool,
    /// Remove the demo organisation and load nothing
    #[arg(long, conflicts_with_all = ["reset", "scale", "if_empty"])]
    remove: bool,
    /// Load only when the database has no workloads and no AWS source is configured
    #[arg(long)]
    if_empty: bool,
    /// The organisation's size [default: findings=5000,accounts=3,workloads=4]
    #[arg(long, value_name = "KEY=N,...", value_parser = DemoSpec::parse_scale)]
    scale: Option<DemoSpec>,
    /// Sync the loaded organisation again reading only the findings updated
    /// since its last sync, as `plinth sync` does: what a resync costs
    #[arg(long, conflicts_with_all = ["reset", "if_empty"])]
    incremental: bool,
}

#[derive(Debug, Args)]
struct SyncArgs {
    /// Sync only the source with this name
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Read every finding again, not only those updated since the last sync
    #[arg(long)]
    full: bool,
    /// Print the summary as one JSON object on stdout
    #[arg(long)]
    json: bool,
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
        Command::Sync(args) => sync(&settings, &args).await,
        Command::Demo(args) => demo(&settings, args).await,
        Command::User(command) => user(&settings, command).await,
        Command::Checklist(command) => checklist(&settings, command).await,
        Command::Export(args) => export(&settings, args).await,
        Command::Health(args) => health(&settings, &args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // One line: a structured record for JSON logs, a sentence otherwise.
        Err(error) if settings.log.json => {
            tracing::error!(error = %error, "plinth failed");
            ExitCode::FAILURE
        }
        Err(error) => {
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

async fn health(settings: &Settings, args: &HealthArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = settings.http.addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let url = format!("http://{addr}/{}", if args.ready { "readyz" } else { "healthz" });
    // Loopback: never through an HTTP(S)_PROXY the environment names.
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).no_proxy().build()?;
    let status = client.get(&url).send().await.map_err(|error| format!("{url} did not answer: {error}"))?.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}").into());
    }
    println!("{url}: {status}");
    Ok(())
}

async fn sync(settings: &Settings, args: &SyncArgs) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    let progress: Box<dyn Progress> = if !args.json && std::io::stderr().is_terminal() {
        Box::new(TerminalProgress::new())
    } else {
        Box::new(LogProgress)
    };
    let summary = sync_configured(&pool, settings, args.source.as_deref(), args.full, progress.as_ref()).await?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", summary_text(&summary));
    }
    if summary.all_succeeded() { Ok(()) } else { Err("the sync did not complete; see the summary above".into()) }
}

async fn demo(settings: &Settings, args: DemoArgs) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    if args.remove {
        let workloads = demo_load::remove(&pool).await?;
        println!("Removed the demo organisation ({workloads} workloads).");
        return Ok(());
    }
    if args.if_empty {
        if !settings.sources.is_empty() {
            println!("AWS sources are configured, so the demo organisation is not loaded.");
            return Ok(());
        }
        if db::workloads::count(&pool).await? > 0 {
            println!("The database already has workloads, so the demo organisation is not loaded.");
            if db::sources::has_kind(&pool, "demo").await? {
                announce_demo_admin(&pool).await?;
            }
            return Ok(());
        }
    }
    if args.reset {
        demo_load::remove(&pool).await?;
    }
    let spec = args.scale.unwrap_or_default();
    println!(
        "Loading the demo organisation: {} findings, {} accounts, {} workloads (seed {}).",
        spec.findings, spec.accounts, spec.workloads, spec.seed
    );
    let progress: Box<dyn Progress> =
        if std::io::stderr().is_terminal() { Box::new(TerminalProgress::new()) } else { Box::new(LogProgress) };
    let started = Instant::now();
    let options = crate::sync::SyncOptions::from_settings(settings, true);
    let summary = if args.incremental {
        demo_load::resync(&pool, spec, &options, progress.as_ref()).await?
    } else {
        demo_load::load(&pool, spec, &options, progress.as_ref()).await?
    };
    let summary = SyncSummary { sources: vec![summary] };
    print!("{}", summary_text(&summary));
    println!("Done in {:.1} s; peak memory {:.0} MiB.", started.elapsed().as_secs_f64(), telemetry::peak_rss_mib());
    if !summary.all_succeeded() {
        // No password is printed for a load that failed: it would only
        // lead to a dashboard that is not all there.
        return Err("the demo organisation did not load completely".into());
    }
    announce_demo_admin(&pool).await
}

/// With no user yet, adds the demo admin and prints its password, once.
async fn announce_demo_admin(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(password) = crate::demo::admin::ensure(pool).await? {
        println!("{}", crate::demo::admin::sign_in_text(&password));
    }
    Ok(())
}

/// The summary for people: one line per service, then each error.
fn summary_text(summary: &SyncSummary) -> String {
    let mut text = String::new();
    for source in &summary.sources {
        text += &format!("{}: {}\n", source.name, source.status.as_str());
        if let Some(error) = &source.error {
            text += &format!("  {error}\n");
        }
        for error in &source.accounts_failed {
            text += &format!(
                "  account {} not synced: {} {}: {}\n",
                error.account_id,
                error.operation,
                error.code.as_deref().unwrap_or("error"),
                error.message
            );
        }
        for (service, counts) in &source.services {
            text += &format!(
                "  {service:<17} {:>7} fetched {:>7} stored {:>5} pages {:>3} errors\n",
                counts.fetched,
                counts.stored,
                counts.pages,
                counts.errors.len()
            );
            for error in &counts.errors {
                text += &format!(
                    "    {} {}: {} {}: {}{}\n",
                    error.account_id,
                    error.region,
                    error.operation,
                    error.code.as_deref().unwrap_or("error"),
                    error.message,
                    error.request_id.as_ref().map(|id| format!(" (request {id})")).unwrap_or_default()
                );
            }
        }
    }
    text
}

async fn migrate(settings: &Settings) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    tracing::info!(applied = db::MIGRATOR.iter().count(), "migrations are up to date");
    Ok(())
}

async fn checklist(settings: &Settings, command: ChecklistCommand) -> Result<(), Box<dyn std::error::Error>> {
    use crate::checklists::store;
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    store::install_built_in(&pool).await?;
    match command {
        ChecklistCommand::Import { file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
            let pack = store::import(&pool, CLI_ACTOR, &text).await?;
            println!("Imported {} ({}, version {}): {} items.", pack.id, pack.name, pack.version, pack.items.len());
        }
        ChecklistCommand::Export { pack, out } => {
            let text = store::export(&pool, &pack).await?.ok_or_else(|| format!("there is no pack {pack:?}"))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text)?;
                    println!("Wrote {pack} to {}.", path.display());
                }
                None => print!("{text}"),
            }
        }
        ChecklistCommand::List => {
            for (id, name, built_in, items) in store::list(&pool).await? {
                println!("{id:<32} {:<8} {items:>4} items  {name}", if built_in { "built-in" } else { "custom" });
            }
        }
    }
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
