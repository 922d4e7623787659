//! A token bucket that keeps calls under an AWS API's rate quota, so
//! throttling is the exception rather than the way the rate is found.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RateLimiter {
    /// `per_second` calls on average, up to `burst` at once.
    pub fn new(per_second: f64, burst: u32) -> RateLimiter {
        let burst = f64::from(burst);
        RateLimiter { per_second, burst, bucket: Mutex::new(Bucket { tokens: burst, refilled_at: Instant::now() }) }
    }

    /// Waits until a call may be made.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut bucket = self.bucket.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let now = Instant::now();
                let earned = now.duration_since(bucket.refilled_at).as_secs_f64() * self.per_second;
                bucket.tokens = (bucket.tokens + earned).min(self.burst);
                bucket.refilled_at = now;
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn calls_within(limiter: &RateLimiter, window: Duration) -> u32 {
        let start = Instant::now();
        let mut calls = 0;
        loop {
            limiter.acquire().await;
            if start.elapsed() > window {
                return calls;
            }
            calls += 1;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn get_findings_allows_a_burst_of_six_then_three_a_second() {
        let limiter = RateLimiter::new(3.0, 6);
        // 6 at once, then 3 a second for 10 seconds.
        assert_eq!(calls_within(&limiter, Duration::from_millis(10_100)).await, 6 + 30);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_saves_up_no_more_than_its_burst() {
        let limiter = RateLimiter::new(10.0, 10);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(calls_within(&limiter, Duration::from_millis(1_050)).await, 10 + 10);
    }
}
