//! `plinth export`: a workload's review or the organisation's report as a
//! file, and a milestone recorded with it.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::auth::audit::CLI_ACTOR;
use crate::config::Settings;
use crate::db;

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// The workload: its name (any case) or its id
    #[arg(long, value_name = "NAME_OR_ID", required_unless_present = "org", conflicts_with = "org")]
    workload: Option<String>,
    /// The organisation's report: every workload side by side
    #[arg(long)]
    org: bool,
    /// pdf, csv (findings, remediation items, checklist state) or json
    #[arg(long, default_value = "pdf", value_parser = parse_format)]
    format: crate::report::Format,
    /// The file to write; for csv, a .zip file or a folder for one file per table
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The reviewer printed on the cover [default: $USER]
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
    /// Also record a milestone with this name in the Well-Architected Tool
    #[arg(long, value_name = "NAME", conflicts_with = "org")]
    milestone: Option<String>,
}

fn parse_format(value: &str) -> Result<crate::report::Format, String> {
    crate::report::Format::parse(value).ok_or_else(|| format!("{value:?} is not a format: use pdf, csv or json"))
}

pub(super) async fn export(settings: &Settings, args: ExportArgs) -> Result<(), Box<dyn std::error::Error>> {
    use crate::report::{self, Scope};
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    let dashboard = crate::dashboard::PgDashboard::new(pool.clone(), settings.scoring);
    let scope = match &args.workload {
        Some(wanted) => Scope::Workload(report::find_workload(&pool, wanted).await?),
        None => Scope::Organisation,
    };
    if let Some(name) = &args.milestone {
        report::milestone::check_name(name)?;
    }
    let reviewer = args.reviewer.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| CLI_ACTOR.to_owned());
    let started = Instant::now();
    let export = report::export(&dashboard, scope, args.format, &reviewer).await?;
    let written = report::save(&export, &args.out)?;
    println!(
        "Wrote {} ({} bytes) in {} ms.",
        written.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", "),
        export.bytes.len(),
        started.elapsed().as_millis()
    );
    if let (Some(name), Scope::Workload(workload)) = (&args.milestone, scope) {
        let writers = crate::aws::clients::SourceClients::configured(settings);
        let outbox = crate::outbox::Outbox::new(pool.clone(), writers, settings.scoring);
        let milestone = report::milestone::record(&outbox, CLI_ACTOR, workload, name).await?;
        println!("Recorded milestone {} “{}” in the Well-Architected Tool.", milestone.number, milestone.name);
    }
    Ok(())
}
