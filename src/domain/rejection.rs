//! PortOne's refusals, by what they mean for the flows. The PortOne adapter translates each error
//! `type` of PortOne's OpenAPI schema (<https://developers.portone.io/api/rest-v2>: the error
//! unions of `getPayment`, `createPaymentSchedule`, `revokePaymentSchedules`, `payWithBillingKey`,
//! `getBillingKeyInfo` and `cancelPayment`) into a [`RejectionKind`]; flows branch on the kind and
//! never compare PortOne's strings. PortOne's own `type` and `message` travel along in
//! [`Rejection`], for the checklist and the logs.

/// What a PortOne refusal means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectionKind {
    /// `PAYMENT_NOT_FOUND`: PortOne knows no payment with this `paymentId`.
    PaymentNotFound,
    /// `PAYMENT_NOT_PAID`: only a paid payment can be cancelled.
    PaymentNotPaid,
    /// `PAYMENT_ALREADY_CANCELLED`.
    PaymentAlreadyCancelled,
    /// `BILLING_KEY_NOT_FOUND`: no charge with this key can succeed.
    BillingKeyNotFound,
    /// `BILLING_KEY_ALREADY_DELETED`: no charge with this key can succeed.
    BillingKeyDeleted,
    /// `PAYMENT_SCHEDULE_ALREADY_EXISTS`: the `paymentId` already has a live schedule.
    ScheduleAlreadyExists,
    /// `PAYMENT_SCHEDULE_NOT_FOUND`.
    ScheduleNotFound,
    /// `PAYMENT_SCHEDULE_ALREADY_PROCESSED`: the scheduled charge already ran.
    ScheduleAlreadyProcessed,
    /// `PAYMENT_SCHEDULE_ALREADY_REVOKED`.
    ScheduleAlreadyRevoked,
    /// `ALREADY_PAID` (`payWithBillingKey`): this `paymentId` was paid before.
    AlreadyPaid,
    /// `ALREADY_PAID_OR_WAITING` (`createPaymentSchedule`).
    AlreadyPaidOrWaiting,
    /// `PG_PROVIDER`: the card company or payment gateway declined, in its own words.
    Declined {
        pg_code: Option<String>,
        pg_message: Option<String>,
    },
    /// `CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN`: the cancellable balance is not what the caller
    /// sent as `currentCancellableAmount` (another cancellation came first).
    CancellableAmountChanged,
    /// `CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT`.
    CancelAmountExceedsCancellable,
    /// `MAX_CANCEL_COUNT_REACHED`.
    MaxCancelCountReached,
    /// `SUM_OF_PARTS_EXCEEDS_TOTAL_AMOUNT`.
    SumOfPartsExceedsTotal,
    /// `IDEMPOTENCY_OUTSTANDING_REQUEST`: a request with the same `Idempotency-Key` is still
    /// running; ask again shortly (REST API overview, section "Idempotency-Key").
    IdempotencyOutstanding,
    /// `UNAUTHORIZED`: the API secret was refused.
    Unauthorized,
    /// `FORBIDDEN`.
    Forbidden,
    /// `INVALID_REQUEST`.
    InvalidRequest,
    /// Any other `type`, or an error body without one (an HTML page from a proxy).
    Other,
}

impl RejectionKind {
    /// `true` when the billing key can never be charged again: deleted, or unknown.
    pub fn billing_key_gone(&self) -> bool {
        matches!(self, Self::BillingKeyNotFound | Self::BillingKeyDeleted)
    }
}

/// PortOne refused a request: what it means, and PortOne's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub kind: RejectionKind,
    /// HTTP status.
    pub status: u16,
    /// PortOne's error `type` verbatim (`UNKNOWN` when the body had none): shown to QA in the
    /// checklist and to API callers as `code`, never compared.
    pub code: String,
    /// PortOne's `message`, if any.
    pub message: Option<String>,
}

impl Rejection {
    /// Why the card company declined, in its words (`pgMessage`), else PortOne's `message`;
    /// `None` for a refusal that is not a decline, or a decline that says nothing.
    pub fn decline_reason(&self) -> Option<&str> {
        match &self.kind {
            RejectionKind::Declined { pg_message, .. } => pg_message.as_deref().or(self.message.as_deref()),
            _ => None,
        }
    }
}
