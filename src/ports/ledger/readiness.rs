//! Whether storage can serve: what `GET /readyz` asks.

use std::future::Future;

use super::LedgerError;

/// Storage's readiness.
///
/// # Errors
/// [`LedgerError`] when it cannot serve: unreachable, credentials refused, or its schema behind
/// the release (`SCHEMA_BEHIND`).
pub trait Readiness: Clone + Send + Sync + 'static {
    /// Answers a trivial query (`public.ready()`): storage is reachable, accepts the service's
    /// credentials, and has the migrations this release needs.
    fn ping(&self) -> impl Future<Output = Result<(), LedgerError>> + Send;
}
