//! How long one request waited on its upstreams (PortOne and storage): the sum of its upstream
//! calls' durations, each attempt counted, as `upstream_call` times them for the metrics. The
//! HTTP layer answers it in a `Server-Timing` header (`upstream;dur=…`, milliseconds,
//! <https://www.w3.org/TR/server-timing/>) and logs it, so the service's own share of a request's
//! latency can be told apart from PortOne's and Supabase's, request by request.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

tokio::task_local! {
    static SPENT: Cell<Duration>;
}

/// Runs `future`, answering its output and the upstream time spent inside it. Upstream calls made
/// on other tasks (spawned) are not counted.
pub async fn measured<F: Future>(future: F) -> (F::Output, Duration) {
    SPENT
        .scope(Cell::new(Duration::ZERO), async move {
            let output = future.await;
            (output, SPENT.with(Cell::get))
        })
        .await
}

/// Adds `elapsed` to the current request's upstream time; nothing outside [`measured`].
pub fn add(elapsed: Duration) {
    let _outside = SPENT.try_with(|spent| spent.set(spent.get() + elapsed));
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
