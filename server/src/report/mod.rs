//! Exports for people who never open the dashboard: one workload's review,
//! or the organisation's report, as a PDF, as CSV tables or as one JSON
//! document. The CLI (`plinth export`) and the workload and overview pages
//! call the same [`export`].

pub mod milestone;
pub mod organisation;
pub mod pdf;
pub mod review;
mod risks;
pub mod tables;

use std::io::Write;
use std::path::{Path, PathBuf};

use app::domain::Pillar;
use app::domain::remediation::{Priority, Status, TicketSystem};
use app::domain::sync::ago_text;
use app::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::dashboard::PgDashboard;
use crate::scoring::model::Weights;
use pdf::{Document, TypesetError};
use review::{Review, SourceFreshness};

const REVIEW_TEMPLATE: &str = include_str!("templates/review.typ");
const ORGANISATION_TEMPLATE: &str = include_str!("templates/organisation.typ");

/// What an export is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pdf,
    /// Findings, remediation items and checklist state: three tables.
    Csv,
    /// The whole review as one document (see `REVIEW_SCHEMA`).
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Pdf, Format::Csv, Format::Json];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|format| format.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Whose report it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Workload(Uuid),
    Organisation,
}

/// A finished export, ready to save or send.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// For CSV: the tables one by one, for a caller that writes a folder.
    pub tables: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there is no workload named or numbered {0:?}; the workloads page lists them")]
    UnknownWorkload(String),
    #[error("{name:?} names {count} workloads; give the id of the one you mean: {ids}")]
    AmbiguousWorkload { name: String, count: usize, ids: String },
    #[error("{0}")]
    App(#[from] AppError),
    #[error(transparent)]
    Typeset(#[from] TypesetError),
    #[error("the export could not be written: {0}")]
    Write(String),
}

/// The workload an id or a name (any case) stands for.
pub async fn find_workload(pool: &PgPool, name_or_id: &str) -> Result<Uuid, ExportError> {
    let wanted = name_or_id.trim();
    let database = |error: sqlx::Error| ExportError::App(crate::dashboard::database_error(error));
    if let Ok(id) = Uuid::parse_str(wanted) {
        let found = crate::db::workloads::exists(pool, id).await.map_err(database)?.then_some(id);
        return found.ok_or_else(|| ExportError::UnknownWorkload(wanted.to_owned()));
    }
    let ids = crate::db::workloads::named(pool, wanted).await.map_err(database)?;
    match ids.as_slice() {
        [] => Err(ExportError::UnknownWorkload(wanted.to_owned())),
        [id] => Ok(*id),
        many => Err(ExportError::AmbiguousWorkload {
            name: wanted.to_owned(),
            count: many.len(),
            ids: many.iter().map(Uuid::to_string).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Exports a workload's review or the organisation's report. `reviewer`
/// is who asked for it, printed on the cover.
#[tracing::instrument(skip(dashboard))]
pub async fn export(
    dashboard: &PgDashboard,
    scope: Scope,
    format: Format,
    reviewer: &str,
) -> Result<Export, ExportError> {
    match scope {
        Scope::Workload(id) => {
            let review = review::gather(dashboard, id, reviewer).await?;
            let stem =
                format!("plinth-review-{}-{}", slug(&review.workload.name), review.generated_at.format("%Y-%m-%d"));
            match format {
                Format::Pdf => {
                    let weights = dashboard.weights();
                    Ok(pdf_export(&stem, &off_the_runtime(move || review_pdf(&review, &weights)).await?))
                }
                Format::Json => Ok(json_export(&stem, &review)?),
                Format::Csv => csv_export(&stem, tables::review_tables(&dashboard.pool, &review).await?),
            }
        }
        Scope::Organisation => {
            let report = organisation::gather(dashboard, reviewer).await?;
            let stem = format!("plinth-organisation-{}", report.generated_at.format("%Y-%m-%d"));
            match format {
                Format::Pdf => {
                    let weights = dashboard.weights();
                    Ok(pdf_export(&stem, &off_the_runtime(move || organisation_pdf(&report, &weights)).await?))
                }
                Format::Json => Ok(json_export(&stem, &report)?),
                Format::Csv => csv_export(&stem, tables::organisation_tables(&report)?),
            }
        }
    }
}

/// Typesetting takes the CPU for a while: not on the async runtime's threads.
async fn off_the_runtime(
    work: impl FnOnce() -> Result<Vec<u8>, TypesetError> + Send + 'static,
) -> Result<Vec<u8>, ExportError> {
    let typeset = tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ExportError::Write(format!("typesetting stopped: {error}")))?;
    Ok(typeset?)
}

fn pdf_export(stem: &str, bytes: &[u8]) -> Export {
    Export { file_name: format!("{stem}.pdf"), content_type: "application/pdf", bytes: bytes.to_vec(), tables: vec![] }
}

fn json_export(stem: &str, document: &impl serde::Serialize) -> Result<Export, ExportError> {
    let bytes = serde_json::to_vec_pretty(document).map_err(|error| ExportError::Write(error.to_string()))?;
    Ok(Export { file_name: format!("{stem}.json"), content_type: "application/json", bytes, tables: vec![] })
}

fn csv_export(stem: &str, tables: Vec<(String, Vec<u8>)>) -> Result<Export, ExportError> {
    let bytes = zip(stem, &tables)?;
    Ok(Export { file_name: format!("{stem}.zip"), content_type: "application/zip", bytes, tables })
}

/// The tables as one zip, each file in a folder named after the export.
fn zip(folder: &str, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ExportError> {
    let failed = |error: zip::result::ZipError| ExportError::Write(error.to_string());
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        archive.start_file(format!("{folder}/{name}"), options).map_err(failed)?;
        archive.write_all(bytes).map_err(|error| ExportError::Write(error.to_string()))?;
    }
    Ok(archive.finish().map_err(failed)?.into_inner())
}

/// Writes an export to `out`: one file, or for CSV a folder of tables when
/// `out` does not end in `.zip`. A file is written whole or not at all.
pub fn save(export: &Export, out: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let failed = |path: &Path, error: std::io::Error| ExportError::Write(format!("{}: {error}", path.display()));
    let is_zip = out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("zip"));
    if !export.tables.is_empty() && !is_zip {
        std::fs::create_dir_all(out).map_err(|error| failed(out, error))?;
        let mut written = Vec::new();
        for (name, bytes) in &export.tables {
            let path = out.join(name);
            write_whole(&path, bytes).map_err(|error| failed(&path, error))?;
            written.push(path);
        }
        return Ok(written);
    }
    write_whole(out, &export.bytes).map_err(|error| failed(out, error))?;
    Ok(vec![out.to_path_buf()])
}

/// Writes beside the target, then renames: a reader never sees half a file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}

/// A file-name-safe form of a name: lower case, dashes between words.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "workload".to_owned() } else { slug.to_owned() }
}

/// How fresh the data is, in one phrase for the cover.
fn freshness(sources: &[SourceFreshness], now: DateTime<Utc>) -> String {
    if sources.is_empty() {
        return "no source configured".to_owned();
    }
    let never = sources.iter().filter(|s| s.last_success.is_none()).count();
    let oldest = sources.iter().filter_map(|s| s.last_success).min();
    match (oldest, never) {
        (None, _) => "never synced".to_owned(),
        (Some(oldest), 0) => format!("{} UTC ({})", oldest.format("%Y-%m-%d %H:%M"), ago_text(oldest, now)),
        (Some(oldest), never) => format!(
            "{} UTC ({}); {never} of {} sources never synced",
            oldest.format("%Y-%m-%d %H:%M"),
            ago_text(oldest, now),
            sources.len()
        ),
    }
}

/// The weights as the appendix prints them: shares of 100 %.
fn weights_text(weights: &Weights) -> serde_json::Value {
    let total = weights.review + weights.evidence + weights.checklist;
    let share = |weight: f64| if total > 0.0 { format!("{:.0} %", weight / total * 100.0) } else { "0 %".to_owned() };
    json!({
        "review": share(weights.review),
        "evidence": share(weights.evidence),
        "checklist": share(weights.checklist),
    })
}

/// Failing controls and rules a pillar's page lists; the exports have all.
const FAILING_SHOWN: usize = 15;

/// The trend chart's key: the colours `app::charts` draws the pillars in.
fn legend() -> serde_json::Value {
    Pillar::ALL
        .iter()
        .map(|pillar| json!({ "name": pillar.name(), "colour": app::charts::pillar_colour(*pillar) }))
        .collect()
}

/// Typesets a workload's review.
#[tracing::instrument(skip_all, fields(workload = %review.workload.id))]
pub fn review_pdf(review: &Review, weights: &Weights) -> Result<Vec<u8>, TypesetError> {
    let bars: Vec<(Pillar, Option<f32>)> = review.pillars.iter().map(|p| (p.pillar, p.score.map(f32::from))).collect();
    let trend = app::charts::pillar_trend(&review.trends, &review.milestones);
    let labels = json!({
        "status": Status::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<std::collections::BTreeMap<_, _>>(),
        "priority": Priority::ALL.iter().map(|p| (p.as_str(), p.label())).collect::<std::collections::BTreeMap<_, _>>(),
        "active": Status::ALL.iter().filter(|s| s.is_active()).map(|s| s.as_str()).collect::<Vec<_>>(),
        "ticket_system": TicketSystem::ALL.iter().map(|t| (t.as_str(), t.label())).collect::<std::collections::BTreeMap<_, _>>(),
    });
    let view = json!({
        "review": review,
        "labels": labels,
        "freshness": freshness(&review.sources, review.generated_at),
        "weights": weights_text(weights),
        "has_trend": trend.is_some(),
        "legend": legend(),
        "failing_shown": FAILING_SHOWN,
    });
    typeset(REVIEW_TEMPLATE, view, &bars, trend, review.generated_at)
}

/// Typesets the organisation's report.
#[tracing::instrument(skip_all)]
pub fn organisation_pdf(report: &organisation::OrganisationReport, weights: &Weights) -> Result<Vec<u8>, TypesetError> {
    let bars: Vec<(Pillar, Option<f32>)> = report.pillars.iter().map(|p| (p.pillar, p.score.map(f32::from))).collect();
    let trend = app::charts::pillar_trend(&report.trends, &[]);
    let view = json!({
        "organisation": report,
        "freshness": freshness(&report.sources, report.generated_at),
        "weights": weights_text(weights),
        "has_trend": trend.is_some(),
        "pillar_short_names": Pillar::ALL.iter().map(|p| p.short_name()).collect::<Vec<_>>(),
        "legend": legend(),
    });
    typeset(ORGANISATION_TEMPLATE, view, &bars, trend, report.generated_at)
}

fn typeset(
    template: &'static str,
    view: serde_json::Value,
    bars: &[(Pillar, Option<f32>)],
    trend: Option<String>,
    generated_at: DateTime<Utc>,
) -> Result<Vec<u8>, TypesetError> {
    let data = serde_json::to_vec(&view).map_err(|error| TypesetError::new(error.to_string()))?;
    let mut files = vec![("data.json", data), ("bars.svg", app::charts::pillar_bars(bars).into_bytes())];
    if let Some(trend) = trend {
        files.push(("trend.svg", trend.into_bytes()));
    }
    pdf::typeset(&Document { template, files, today: generated_at.date_naive() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_back_from_their_names_in_any_case() {
        assert_eq!(Format::parse("PDF"), Some(Format::Pdf));
        assert_eq!(Format::parse(" json "), Some(Format::Json));
        assert_eq!(Format::parse("csv"), Some(Format::Csv));
        assert_eq!(Format::parse("docx"), None);
    }

    #[test]
    fn slugs_keep_letters_and_digits_and_join_words_with_dashes() {
        assert_eq!(slug("Checkout API (prod) 2"), "checkout-api-prod-2");
        assert_eq!(slug("  Zahlungsverkehr – Ost "), "zahlungsverkehr-ost");
        assert_eq!(slug("!!!"), "workload");
    }

    #[test]
    fn freshness_names_the_oldest_good_sync_and_sources_never_synced() {
        let now = "2026-12-01T12:00:00Z".parse().expect("a time");
        let source = |at: Option<&str>| SourceFreshness {
            name: "s".into(),
            kind: "aws".into(),
            last_success: at.map(|at| at.parse().expect("a time")),
            last_status: None,
        };
        assert_eq!(freshness(&[], now), "no source configured");
        assert_eq!(freshness(&[source(None)], now), "never synced");
        let text = freshness(&[source(Some("2026-12-01T10:00:00Z")), source(Some("2026-12-01T11:30:00Z"))], now);
        assert!(text.starts_with("2026-12-01 10:00 UTC ("), "{text}");
        let text = freshness(&[source(Some("2026-12-01T10:00:00Z")), source(None)], now);
        assert!(text.ends_with("1 of 2 sources never synced"), "{text}");
    }

    #[test]
    fn weights_print_as_shares_of_the_whole() {
        let text = weights_text(&Weights { review: 1.0, evidence: 1.0, checklist: 2.0 });
        assert_eq!(text["checklist"], "50 %");
        assert_eq!(text["review"], "25 %");
    }
}
