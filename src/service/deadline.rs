//! The per-webhook deadline: every upstream call of one webhook, retries included, ends by it.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::ports::{GatewayError, LedgerError, Unavailable};

/// Default per-webhook deadline: well under the 30 s PortOne waits for an answer before it counts
/// a delivery as failed and resends it (PortOne's webhook guide,
/// <https://developers.portone.io/opi/ko/integration/webhook/readme-v2>).
pub const DEFAULT_WEBHOOK_DEADLINE: Duration = Duration::from_secs(20);

/// An error type that can say "the deadline passed before an answer came".
pub trait DeadlinePassed {
    fn deadline_passed() -> Self;
}

impl DeadlinePassed for GatewayError {
    fn deadline_passed() -> Self {
        Self::Timeout
    }
}

impl DeadlinePassed for LedgerError {
    fn deadline_passed() -> Self {
        Self::unavailable(
            Unavailable::Deadline,
            "the webhook deadline passed before storage answered",
        )
    }
}

/// Runs `call`, but no later than `deadline`: past it the call is dropped (which also cancels
/// retries in progress) and [`DeadlinePassed::deadline_passed`] stands in for its result.
///
/// Not an `async fn`: one would keep `call` twice in its future (the argument, and the copy
/// being awaited), and every flow's future holds the largest of its calls' futures.
pub fn within_deadline<T, E: DeadlinePassed>(
    deadline: Instant,
    call: impl Future<Output = Result<T, E>>,
) -> impl Future<Output = Result<T, E>> {
    use futures_util::FutureExt;
    tokio::time::timeout_at(deadline, call).map(|answer| answer.unwrap_or_else(|_| Err(E::deadline_passed())))
}
