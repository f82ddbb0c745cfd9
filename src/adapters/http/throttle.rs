//! Card testing: a stolen card is tried again and again through the calls that charge. Each
//! customer gets at most a few charge-triggering calls (starting a subscription, updating the
//! card) per window; past it the answer is 429 with `Retry-After`. GCRA from the `governor`
//! crate, keyed by customer, timed by the service's clock (so tests are exact).
//!
//! Per replica: each process counts on its own, so N replicas allow up to N times the limit.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use poem_openapi::payload::Json;

use super::api_error::{error, ApiError};
use crate::config::ChargeLimit;
use crate::ports::Clock;
use crate::telemetry::metrics;

/// Keys kept before idle ones are dropped (memory stays bounded under many customers).
const RETAIN_AFTER: usize = 10_000;

/// The service's clock as `governor` reads it: time since the Unix epoch.
#[derive(Clone)]
struct PortClock(Arc<dyn Clock>);

impl GovernorClock for PortClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        let now = self.0.now();
        Duration::from_millis(u64::try_from(now.timestamp_millis()).unwrap_or(0))
    }
}

/// The per-customer limit of charge-triggering calls.
pub struct ChargeLimiter {
    limiter: RateLimiter<String, DashMapStateStore<String>, PortClock, NoOpMiddleware<Duration>>,
    clock: PortClock,
}

/// A call past the limit: the seconds until the next one is allowed (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl ChargeLimiter {
    /// `limit.per_window` calls at once, then one more every `window / per_window`; `None` for a
    /// limit of 0 calls or an empty window (no limit can be built).
    pub fn new(limit: ChargeLimit, clock: Arc<dyn Clock>) -> Option<Self> {
        let burst = NonZeroU32::new(limit.per_window)?;
        let quota = Quota::with_period(limit.window / limit.per_window)?.allow_burst(burst);
        let clock = PortClock(clock);
        Some(Self {
            limiter: RateLimiter::new(quota, DashMapStateStore::default(), clock.clone()),
            clock,
        })
    }

    /// Counts one call of `customer_id`.
    ///
    /// # Errors
    /// [`RetryAfter`] when the customer is over the limit; the call must not run.
    pub fn check(&self, customer_id: &str) -> Result<(), RetryAfter> {
        let checked = self.limiter.check_key(&customer_id.to_owned());
        if self.limiter.len() > RETAIN_AFTER {
            self.limiter.retain_recent();
        }
        checked.map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            RetryAfter(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max_one()
        })
    }
}

impl RetryAfter {
    fn max_one(self) -> Self {
        Self(self.0.max(1))
    }
}

/// The 429 answer's body and `Retry-After` when `customer_id` is over the limit of the router
/// serving `request`; `None` (the call goes on) when it is not, or no limit is configured.
pub fn over_limit(request: &poem::Request, customer_id: &str) -> Option<(Json<ApiError>, String)> {
    let limiter = request.data::<Arc<ChargeLimiter>>()?;
    let RetryAfter(seconds) = limiter.check(customer_id).err()?;
    tracing::warn!(
        retry_after_seconds = seconds,
        "charge-triggering calls of one customer over the limit"
    );
    metrics::charge_calls_limited();
    let message = format!("결제를 일으키는 요청이 너무 많습니다. {seconds}초 뒤에 다시 시도해 주세요.");
    Some((error("TOO_MANY_REQUESTS", message), seconds.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::adapters::clock::FixedClock;

    #[test]
    fn five_calls_then_one_more_every_two_minutes_per_customer() {
        let clock = Arc::new(FixedClock::at(
            Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap(),
        ));
        let limit = ChargeLimit {
            per_window: 5,
            window: Duration::from_secs(600),
        };
        let limiter = ChargeLimiter::new(limit, clock.clone()).unwrap();
        for _ in 0..5 {
            assert_eq!(limiter.check("alice"), Ok(()));
        }
        assert_eq!(limiter.check("alice"), Err(RetryAfter(120)));
        assert_eq!(limiter.check("bob"), Ok(()), "each customer has their own count");
        clock.advance(chrono::Duration::seconds(119));
        assert_eq!(limiter.check("alice"), Err(RetryAfter(1)));
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(limiter.check("alice"), Ok(()));
        assert_eq!(limiter.check("alice"), Err(RetryAfter(120)));
    }

    #[test]
    fn no_limit_is_built_for_zero_calls() {
        let clock = Arc::new(FixedClock::at(Utc::now()));
        let limit = ChargeLimit {
            per_window: 0,
            window: Duration::from_secs(600),
        };
        assert!(ChargeLimiter::new(limit, clock).is_none());
    }
}
