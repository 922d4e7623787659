//! The runs this process has under way: a stopping server (SIGTERM)
//! closes them as interrupted instead of leaving them `running`, and lets
//! no new one start.

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::sync_runs;

/// The runs this process has under way, so that a stopping server can
/// close them rather than leave them `running`; once it is stopping, no
/// run may join.
static UNDER_WAY: std::sync::Mutex<UnderWayRuns> =
    std::sync::Mutex::new(UnderWayRuns { stopping: false, runs: std::collections::BTreeSet::new() });

struct UnderWayRuns {
    stopping: bool,
    runs: std::collections::BTreeSet<Uuid>,
}

fn under_way() -> std::sync::MutexGuard<'static, UnderWayRuns> {
    UNDER_WAY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a stopping server writes on the runs and parts it cuts short.
pub(super) const INTERRUPTED_BY_STOP: &str = "interrupted: the server stopped (SIGTERM) before this part finished";

/// A run listed in `UNDER_WAY` for as long as this lives.
pub(super) struct UnderWay(Uuid);

impl UnderWay {
    /// Lists the run, unless the server is stopping (`None`).
    pub(super) fn list(run_id: Uuid) -> Option<UnderWay> {
        let mut state = under_way();
        if state.stopping {
            return None;
        }
        state.runs.insert(run_id);
        Some(UnderWay(run_id))
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        under_way().runs.remove(&self.0);
    }
}

/// Closes the runs this process has under way as interrupted, and lets no
/// new one start: called when the server stops (SIGTERM), just before the
/// process, and with it every source lock it holds, goes. Returns how many
/// it closed.
pub async fn interrupt_under_way(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let runs: Vec<Uuid> = {
        let mut state = under_way();
        state.stopping = true;
        state.runs.iter().copied().collect()
    };
    if runs.is_empty() {
        return Ok(0);
    }
    sync_runs::interrupt(pool, &runs, INTERRUPTED_BY_STOP).await
}

/// Closes a run whose row was written just as the server began to stop.
pub(super) async fn close_cut_short(pool: &PgPool, run_id: Uuid) {
    if let Err(error) = sync_runs::interrupt(pool, &[run_id], INTERRUPTED_BY_STOP).await {
        tracing::warn!(error = %error, %run_id, "could not close a run the stop cut short");
    }
}
