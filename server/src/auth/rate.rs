//! How fast one API token may call: a token bucket per token, refilled at
//! `requests_per_second` up to `burst`. A request over the limit is refused
//! with how long to wait, not queued: a script should slow down, and the
//! server should not hold its connections.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, Deserialize)]
pub struct ApiRateSettings {
    /// Requests a token may make per second, on average.
    pub requests_per_second: f64,
    /// Requests a token may make at once after a quiet spell.
    pub burst: u32,
}

impl Default for ApiRateSettings {
    fn default() -> Self {
        ApiRateSettings { requests_per_second: 10.0, burst: 60 }
    }
}

/// Buckets older than this are forgotten (a full bucket is no bucket).
const FORGET_AFTER: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub struct TokenRates {
    settings: ApiRateSettings,
    buckets: Mutex<HashMap<Uuid, (f64, Instant)>>,
}

impl TokenRates {
    pub fn new(settings: ApiRateSettings) -> TokenRates {
        TokenRates { settings, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from the token's bucket, or says how long until
    /// one is there.
    pub fn take(&self, token: Uuid) -> Result<(), Duration> {
        self.take_at(token, Instant::now())
    }

    fn take_at(&self, token: Uuid, now: Instant) -> Result<(), Duration> {
        let rate = self.settings.requests_per_second.max(f64::MIN_POSITIVE);
        let burst = f64::from(self.settings.burst.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, (_, last)| now.saturating_duration_since(*last) < FORGET_AFTER);
        }
        let (tokens, last) = buckets.entry(token).or_insert((burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_requests_wait_for_the_refill() {
        let rates = TokenRates::new(ApiRateSettings { requests_per_second: 2.0, burst: 3 });
        let token = Uuid::from_u128(1);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(rates.take_at(token, start), Ok(()));
        }
        let wait = rates.take_at(token, start).expect_err("the fourth at once is refused");
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "one request comes back every half second: {wait:?}");
        assert_eq!(rates.take_at(token, start + Duration::from_millis(500)), Ok(()));
        assert_eq!(rates.take_at(Uuid::from_u128(2), start), Ok(()), "each token has its own bucket");
    }
}
