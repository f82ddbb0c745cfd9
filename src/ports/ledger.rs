//! The `payment` table, seen from the use case.

use std::future::Future;

use crate::domain::record::PaymentRecord;

/// What [`PaymentLedger::record_paid`] found or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The row as stored: the new row, or the one an earlier delivery stored.
    pub record: PaymentRecord,
    /// `true` when this call inserted it.
    pub inserted: bool,
}

/// Storage failures, by what the caller can do about them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Storage could not be reached or did not answer in time; retrying later may work.
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// Storage refused the write (permissions, constraint, missing function or table).
    #[error("storage rejected the request ({code}): {message}")]
    Rejected { code: String, message: String },
    /// Storage answered with something that is not a payment row.
    #[error("storage answered unexpectedly: {0}")]
    InvalidResponse(String),
}

/// The `payment` table.
pub trait PaymentLedger: Send + Sync + 'static {
    /// Inserts `record` unless a row with its `transaction_key` exists, and returns the stored row.
    ///
    /// # Errors
    /// MUST NOT fail because the row exists: a replayed webhook gets `Ok` with `inserted: false`
    /// and the stored row, also when a concurrent delivery committed it a moment earlier.
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send;
}

/// Shared ledgers (the tests keep a handle to inspect the rows).
impl<T: PaymentLedger> PaymentLedger for std::sync::Arc<T> {
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl std::future::Future<Output = Result<Recorded, LedgerError>> + Send {
        (**self).record_paid(record)
    }
}
