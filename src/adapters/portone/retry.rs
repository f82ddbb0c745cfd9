//! When and how often PortOne calls are repeated. Retry schedules are data (as in svix's
//! `core/retry.rs`): a list of waits and a predicate per operation, tested on their own.
//!
//! Only what is safe is retried: the payment lookup is a GET; schedule creation carries the same
//! `Idempotency-Key` on every attempt, so PortOne executes it at most once (and answers 409
//! `IDEMPOTENCY_OUTSTANDING_REQUEST` while the first attempt is still running: PortOne's REST API
//! overview, section "Idempotency-Key", <https://developers.portone.io/api/rest-v2>), and its
//! `paymentId` is derived, never random. A 500 is retried like a 502–504: with the same key the
//! repeat cannot do twice what the first attempt did, and a one-off 500 between a revoke and its
//! replacement would otherwise leave a subscription without its next charge. The per-webhook
//! deadline in the use case bounds the total.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::domain::rejection::RejectionKind;
use crate::ports::GatewayError;
use crate::telemetry::metrics::{self, Upstream};

/// Waits before the 2nd, 3rd, … attempt; each is multiplied by a random factor in [0.5, 1.0] so
/// many webhooks failing together do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub delays: &'static [Duration],
}

/// Three retries after 100, 300 and 900 ms (nominal): about 1.3 s at most, well inside the
/// webhook deadline.
pub const DEFAULT_RETRIES: RetryPolicy = RetryPolicy {
    delays: &[
        Duration::from_millis(100),
        Duration::from_millis(300),
        Duration::from_millis(900),
    ],
};

fn transient(error: &GatewayError) -> bool {
    match error {
        GatewayError::Timeout | GatewayError::Unreachable(_) => true,
        GatewayError::Rejected(rejection) => matches!(rejection.status, 500 | 502..=504),
        GatewayError::InvalidResponse(_) => false,
    }
}

/// `GET /payments/{id}`: connection failures, timeouts, 500/502/503/504, and an unreadable answer
/// (a body cut short); a GET changes nothing, so repeating it is always safe.
pub fn lookup_is_retryable(error: &GatewayError) -> bool {
    transient(error) || matches!(error, GatewayError::InvalidResponse(_))
}

/// `POST /payments/{id}/schedule` with the same `Idempotency-Key`: transient failures, and 409
/// `IDEMPOTENCY_OUTSTANDING_REQUEST` ("the first attempt is still running, ask again shortly").
pub fn schedule_is_retryable(error: &GatewayError) -> bool {
    transient(error) || error.rejection() == Some(&RejectionKind::IdempotencyOutstanding)
}

/// `POST /payments/{id}/billing-key` with the same `Idempotency-Key`: as a schedule, except a
/// decline (`PG_PROVIDER`, answered 502): the card company said no, and asking again would only
/// ask the card company again.
pub fn charge_is_retryable(error: &GatewayError) -> bool {
    schedule_is_retryable(error) && !matches!(error.rejection(), Some(RejectionKind::Declined { .. }))
}

/// Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or the policy's
/// waits are used up; returns the last result. Each repeat is counted in
/// `portone_subscriptions_upstream_retries_total{operation}`.
pub async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    retryable: fn(&GatewayError) -> bool,
    operation: &'static str,
    mut attempt: F,
) -> Result<T, GatewayError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, GatewayError>>,
{
    let mut waits = policy.delays.iter();
    loop {
        match attempt().await {
            Err(error) if retryable(&error) => match waits.next() {
                Some(wait) => {
                    let factor = rand::rng().random_range(0.5..=1.0);
                    tracing::info!(%error, operation, wait_ms = wait.as_millis() as u64, "PortOne call failed; retrying");
                    metrics::upstream_retry(Upstream::PortOne, operation);
                    tokio::time::sleep(wait.mul_f64(factor)).await;
                }
                None => return Err(error),
            },
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn rejected(status: u16, error_type: &str) -> GatewayError {
        GatewayError::Rejected(crate::domain::rejection::Rejection {
            kind: crate::adapters::portone::rejections::kind(error_type, None, None),
            status,
            code: error_type.into(),
            message: None,
        })
    }

    #[test]
    fn lookups_retry_transient_failures_only() {
        for error in [
            GatewayError::Timeout,
            GatewayError::Unreachable("refused".into()),
            rejected(502, "UNKNOWN"),
            rejected(503, "UNKNOWN"),
            rejected(504, "UNKNOWN"),
            rejected(500, "UNKNOWN"),
            GatewayError::InvalidResponse("EOF".into()),
        ] {
            assert!(lookup_is_retryable(&error), "{error:?}");
        }
        for error in [
            rejected(404, "PAYMENT_NOT_FOUND"),
            rejected(401, "UNAUTHORIZED"),
            rejected(501, "UNKNOWN"),
        ] {
            assert!(!lookup_is_retryable(&error), "{error:?}");
        }
    }

    #[test]
    fn schedules_retry_an_outstanding_idempotent_request_but_not_a_malformed_answer() {
        assert!(schedule_is_retryable(&rejected(
            409,
            "IDEMPOTENCY_OUTSTANDING_REQUEST"
        )));
        assert!(schedule_is_retryable(&rejected(503, "UNKNOWN")));
        assert!(!schedule_is_retryable(&rejected(
            409,
            "PAYMENT_SCHEDULE_ALREADY_EXISTS"
        )));
        assert!(!schedule_is_retryable(&rejected(404, "BILLING_KEY_NOT_FOUND")));
        assert!(!schedule_is_retryable(&GatewayError::InvalidResponse("x".into())));
    }

    #[tokio::test(start_paused = true)]
    async fn each_wait_is_its_policy_delay_times_a_jitter_between_half_and_one() {
        const DELAYS: [Duration; 3] = [
            Duration::from_millis(100),
            Duration::from_millis(1000),
            Duration::from_millis(10_000),
        ];
        let policy = RetryPolicy { delays: &DELAYS };
        for _ in 0..20 {
            let attempts = std::sync::Mutex::new(Vec::new());
            let result: Result<(), _> = with_retries(policy, lookup_is_retryable, "test", || async {
                attempts.lock().unwrap().push(tokio::time::Instant::now());
                Err(GatewayError::Timeout)
            })
            .await;
            assert_eq!(result, Err(GatewayError::Timeout));
            let attempts = attempts.into_inner().unwrap();
            assert_eq!(attempts.len(), policy.delays.len() + 1);
            for (pair, delay) in attempts.windows(2).zip(policy.delays) {
                let waited = pair[1] - pair[0];
                assert!(
                    waited >= delay.mul_f64(0.5) && waited <= *delay,
                    "{waited:?} outside [{:?}, {delay:?}]",
                    delay.mul_f64(0.5)
                );
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_until_success_and_stops_after_the_last_wait() {
        let calls = AtomicUsize::new(0);
        let result = with_retries(DEFAULT_RETRIES, lookup_is_retryable, "test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(GatewayError::Timeout),
                _ => Ok("paid"),
            }
        })
        .await;
        assert_eq!((result, calls.load(Ordering::SeqCst)), (Ok("paid"), 3));

        let calls = AtomicUsize::new(0);
        let result: Result<(), _> = with_retries(DEFAULT_RETRIES, lookup_is_retryable, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(GatewayError::Timeout)
        })
        .await;
        assert_eq!(
            (result, calls.load(Ordering::SeqCst)),
            (Err(GatewayError::Timeout), 4)
        );

        let calls = AtomicUsize::new(0);
        let result: Result<(), _> = with_retries(DEFAULT_RETRIES, lookup_is_retryable, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(rejected(404, "PAYMENT_NOT_FOUND"))
        })
        .await;
        assert_eq!((result.is_err(), calls.load(Ordering::SeqCst)), (true, 1));
    }
}
