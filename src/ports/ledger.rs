//! The `payment` table, seen from the use cases.

use std::fmt;
use std::future::Future;

use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;

/// What [`PaymentLedger::record_paid`] found or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The row as stored: the new row, or the one an earlier delivery stored.
    pub record: PaymentRecord,
    /// `true` when this call inserted it.
    pub inserted: bool,
    /// The month this payment renewed (its first charge or its pending retry), as stored after
    /// the call: `renewed_by` names this payment.
    pub renewed: Option<PaymentRecord>,
}

/// The month a payment was meant to renew, and which attempt of that renewal it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalOf {
    pub month: PaymentRecord,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
}

/// What [`PaymentLedger::record_failed_attempt`] found or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecorded {
    /// The renewed month as stored after the call.
    pub month: PaymentRecord,
    /// `true` when this call recorded the attempt (and moved the month on).
    pub inserted: bool,
}

/// Why storage could not answer, in words fit for a response: the kind, never the transport's
/// own error chain (that names hosts and ports and goes to the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No answer within the client's bound on one call.
    Timeout,
    /// The connection failed: refused, reset, DNS, TLS.
    Unreachable,
    /// The connection closed before the whole answer arrived.
    Interrupted,
    /// Every pooled connection was busy, or the server refused more (`53300`).
    Busy,
    /// The server answered that it cannot serve right now: PostgREST's 5xx `PGRST…` codes,
    /// PostgreSQL shutting down or starting (`57P01`–`57P03`), a statement cancelled (`57014`).
    /// `code` and `message` are the server's own (for QA; they name no host).
    ServerUnavailable { code: String, message: String },
    /// The webhook's own deadline passed before storage answered.
    Deadline,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Unreachable => "unreachable",
            Self::Interrupted => "answer cut short",
            Self::Busy => "no free connection",
            Self::ServerUnavailable { code, .. } => return write!(f, "server unavailable, {code}"),
            Self::Deadline => "webhook deadline passed",
        })
    }
}

/// Storage failures, by what the caller can do about them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Storage could not be reached or did not answer in time; retrying later may work.
    /// `detail` is for logs only: it may carry the client's error chain.
    #[error("storage is unavailable ({kind}): {detail}")]
    Unavailable { kind: Unavailable, detail: String },
    /// Storage refused the request (permissions, constraint, missing function or table), with
    /// PostgreSQL's SQLSTATE or PostgREST's `PGRST…` code and its message.
    #[error("storage rejected the request ({code}): {message}")]
    Rejected { code: String, message: String },
    /// Storage answered with something that is not a payment row.
    #[error("storage answered unexpectedly: {0}")]
    InvalidResponse(String),
}

impl LedgerError {
    /// An [`LedgerError::Unavailable`] of `kind`, with `detail` for the log.
    pub fn unavailable(kind: Unavailable, detail: impl Into<String>) -> Self {
        Self::Unavailable {
            kind,
            detail: detail.into(),
        }
    }
}

/// A row, `None` when it does not exist, or a storage failure.
pub type LedgerResult = Result<Option<PaymentRecord>, LedgerError>;

/// The `payment` table. Every method that names a row returns it as stored after the call, or
/// `Ok(None)` when no row has that key.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures, never for a missing row.
pub trait PaymentLedger: Send + Sync + 'static {
    /// Inserts `record` unless a row with its `transaction_key` exists, and returns the stored row.
    ///
    /// MUST NOT fail because the row exists: a replayed webhook gets `Ok` with `inserted: false`
    /// and the stored row, also when a concurrent delivery committed it a moment earlier.
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send;

    /// The row of `transaction_key`.
    fn find(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send;

    /// The month `payment_id` was meant to renew: the row whose `next_schedule_id` or pending
    /// `retry_payment_id` it is, or the month of an attempt already recorded with it.
    fn renewal_of(
        &self,
        payment_id: &str,
    ) -> impl Future<Output = Result<Option<RenewalOf>, LedgerError>> + Send;

    /// Records `attempt` unless it is recorded already, and, when it is the month's latest,
    /// moves the month on as `after` says: the retry becomes pending (and `end_grace_at` extends
    /// to its grace) or the month lapses. A month that renewed or lapsed meanwhile is left alone.
    /// `Ok(None)` when the month does not exist.
    ///
    /// MUST be idempotent under concurrency: a replayed or concurrent call gets `inserted: false`
    /// and the month as the first call left it.
    fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> impl Future<Output = Result<Option<AttemptRecorded>, LedgerError>> + Send;

    /// Sets `lapsed_at` to `at` unless the month lapsed earlier; no retry is pending after it.
    fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> impl Future<Output = LedgerResult> + Send;

    /// Sets `status` to `"Cancelled"` (idempotent).
    fn mark_cancelled(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send;

    /// Sets the subscription's `canceled_at` and `resumed_at` columns as given.
    fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> impl Future<Output = LedgerResult> + Send;
}

/// Shared ledgers (the tests keep a handle to inspect the rows).
impl<T: PaymentLedger> PaymentLedger for std::sync::Arc<T> {
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send {
        (**self).record_paid(record)
    }

    fn find(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send {
        (**self).find(transaction_key)
    }

    fn renewal_of(
        &self,
        payment_id: &str,
    ) -> impl Future<Output = Result<Option<RenewalOf>, LedgerError>> + Send {
        (**self).renewal_of(payment_id)
    }

    fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> impl Future<Output = Result<Option<AttemptRecorded>, LedgerError>> + Send {
        (**self).record_failed_attempt(attempt, after)
    }

    fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> impl Future<Output = LedgerResult> + Send {
        (**self).mark_lapsed(transaction_key, at)
    }

    fn mark_cancelled(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send {
        (**self).mark_cancelled(transaction_key)
    }

    fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> impl Future<Output = LedgerResult> + Send {
        (**self).set_subscription_state(transaction_key, cancelled_at, resumed_at)
    }
}
