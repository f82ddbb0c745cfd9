//! What the ledger's writes and reads answer, beyond a single row.

use crate::domain::attempt::FailedAttempt;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;

/// What [`MonthLedger::record_paid`](super::MonthLedger::record_paid) found or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The row as stored: the new row, or the one an earlier delivery stored.
    pub record: PaymentRecord,
    /// `true` when this call inserted it.
    pub inserted: bool,
    /// The month this payment renewed (its first charge or its pending retry), as stored after
    /// the call: `renewed_by` names this payment.
    pub renewed: Option<PaymentRecord>,
    /// The subscription's stored card (a trial's, a checkout's, a card update's), which its next
    /// charges use; `None` when none is stored (the card that paid is used).
    pub payment_method: Option<crate::domain::payment_method::PaymentMethod>,
}

/// The month a payment was meant to renew, and which attempt of that renewal it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalOf {
    pub month: PaymentRecord,
    /// 0 for the first charge, `n` for retry `n`.
    pub attempt: u32,
}

/// What [`MonthLedger::record_failed_attempt`](super::MonthLedger::record_failed_attempt) found
/// or wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecorded {
    /// The renewed month as stored after the call.
    pub month: PaymentRecord,
    /// `true` when this call recorded the attempt (and moved the month on).
    pub inserted: bool,
}

/// The months of one subscription, newest first, with the failed attempts of their renewals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRows {
    pub months: Vec<PaymentRecord>,
    pub attempts: Vec<FailedAttempt>,
}

/// Where a reconciliation pass reads open renewals: pending charges in `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenewalWindow {
    pub from: Timestamp,
    pub until: Timestamp,
}

/// Where the previous page of open renewals ended: its last month's pending charge time and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalCursor {
    pub at: Timestamp,
    pub transaction_key: PaymentId,
}
