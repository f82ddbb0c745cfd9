//! How long one request waited on its upstreams (PortOne and storage): the sum of its upstream
//! calls' durations, each attempt counted, as `upstream_call` times them for the metrics. The
//! HTTP layer answers it in a `Server-Timing` header (`upstream;dur=…`, milliseconds,
//! <https://www.w3.org/TR/server-timing/>) and logs it, so the service's own share of a request's
//! latency can be told apart from PortOne's and Supabase's, request by request.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

tokio::task_local! {
    /// Nanoseconds spent on upstream calls by the current request.
    static SPENT: Arc<AtomicU64>;
}

/// Runs `future`, answering its output and the upstream time spent inside it. Upstream calls made
/// on other tasks (spawned) are not counted.
///
/// A combinator rather than an `async fn`, which would hold `future` twice (the argument and the
/// copy it awaits): it wraps the whole of every request.
pub fn measured<F: Future>(future: F) -> impl Future<Output = (F::Output, Duration)> {
    let spent = Arc::new(AtomicU64::new(0));
    SPENT
        .scope(spent.clone(), future)
        .map(move |output| (output, Duration::from_nanos(spent.load(Ordering::Relaxed))))
}

/// Adds `elapsed` to the current request's upstream time; nothing outside [`measured`].
pub fn add(elapsed: Duration) {
    let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
    let _outside = SPENT.try_with(|spent| spent.fetch_add(nanos, Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_calls_inside_the_measured_future_count() {
        add(Duration::from_millis(500));
        let ((), spent) = measured(async {
            add(Duration::from_millis(20));
            add(Duration::from_millis(22));
        })
        .await;
        assert_eq!(spent, Duration::from_millis(42));
    }
}
