//! How a running sync reports progress: bars on a terminal, log lines
//! elsewhere.

use std::collections::HashMap;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::summary::SliceOutcome;
use crate::sources::Slice;

pub trait Progress: Send + Sync {
    fn slice_started(&self, slice: &Slice);
    fn records_fetched(&self, slice: &Slice, total: u64);
    fn slice_finished(&self, outcome: &SliceOutcome);
}

/// Structured log lines, one per finished slice.
pub struct LogProgress;

impl Progress for LogProgress {
    fn slice_started(&self, slice: &Slice) {
        tracing::debug!(service = %slice.service, account_id = %slice.account_id, region = %slice.region, "slice started");
    }

    fn records_fetched(&self, _slice: &Slice, _total: u64) {}

    fn slice_finished(&self, outcome: &SliceOutcome) {
        let slice = &outcome.slice;
        match &outcome.error {
            None => tracing::info!(
                service = %slice.service, account_id = %slice.account_id, region = %slice.region,
                pages = outcome.pages, fetched = outcome.fetched, stored = outcome.stored,
                "slice stored"
            ),
            Some(error) => tracing::warn!(
                service = %slice.service, account_id = %slice.account_id, region = %slice.region,
                operation = %error.operation, code = error.code.as_deref(), request_id = error.request_id.as_deref(),
                error = %error.message, "slice failed; its previous data is kept"
            ),
        }
    }
}

/// A spinner per running slice, for people at a terminal.
pub struct TerminalProgress {
    bars: MultiProgress,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl TerminalProgress {
    pub fn new() -> TerminalProgress {
        TerminalProgress { bars: MultiProgress::new(), running: Mutex::new(HashMap::new()) }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, ProgressBar>> {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        TerminalProgress::new()
    }
}

impl Progress for TerminalProgress {
    fn slice_started(&self, slice: &Slice) {
        let bar = self.bars.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:40} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(slice.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        self.running().insert(slice.to_string(), bar);
    }

    fn records_fetched(&self, slice: &Slice, total: u64) {
        if let Some(bar) = self.running().get(&slice.to_string()) {
            bar.set_message(format!("{total} records"));
        }
    }

    fn slice_finished(&self, outcome: &SliceOutcome) {
        if let Some(bar) = self.running().remove(&outcome.slice.to_string()) {
            let message = match &outcome.error {
                None => format!("✓ {} fetched, {} stored", outcome.fetched, outcome.stored),
                Some(error) => format!("✗ {}: {}", error.code.as_deref().unwrap_or(&error.operation), error.message),
            };
            bar.finish_with_message(message);
        }
    }
}
