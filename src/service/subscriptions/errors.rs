//! Why a subscription or admin operation did not happen, by how the HTTP layer answers.

use crate::domain::rejection::Rejection;
use crate::domain::subscription::SubscriptionStatus;
use crate::ports::{GatewayError, LedgerError};
use crate::service::payer::PayerError;

/// A PortOne or storage call that failed: the HTTP layer answers 502 with `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct UpstreamFailure {
    /// PortOne's error `type` when PortOne answered with one, else `UPSTREAM_FAILED`.
    pub code: String,
    /// The cause, for the log only.
    pub detail: String,
}

impl From<GatewayError> for UpstreamFailure {
    fn from(error: GatewayError) -> Self {
        let code = match &error {
            GatewayError::Rejected(rejection) => rejection.code.clone(),
            _ => "UPSTREAM_FAILED".to_owned(),
        };
        Self {
            code,
            detail: error.to_string(),
        }
    }
}

impl From<LedgerError> for UpstreamFailure {
    fn from(error: LedgerError) -> Self {
        Self {
            code: "UPSTREAM_FAILED".to_owned(),
            detail: error.to_string(),
        }
    }
}

/// Why a subscription operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// No such `transaction_key` (404).
    #[error("not found")]
    NotFound,
    /// The request contradicts the subscription's state (409); Korean message.
    #[error("{0}")]
    Conflict(&'static str),
    /// The subscription is over (`lapsed`, `ended` or `refunded`): no change applies to it and
    /// nothing is ever scheduled for it again; the customer starts a new one (409
    /// `SUBSCRIPTION_NOT_RENEWABLE`).
    #[error("the subscription is {}", .0.as_str())]
    Terminal(SubscriptionStatus),
    /// A plan change names a plan that does not exist (404).
    #[error("no such plan")]
    PlanNotFound,
    /// A refund names a payment that is neither the latest paid month nor a charged proration of
    /// the subscription (404 `PAYMENT_NOT_FOUND`).
    #[error("no such payment of this subscription")]
    PaymentNotFound,
    /// A plan change names an archived plan (409).
    #[error("the plan is archived")]
    PlanArchived,
    /// PortOne refused, for a reason the caller can act on (409 with PortOne's `type` and
    /// `message`): a refund of an already refunded payment, a cancellable balance that changed,
    /// an amount over it.
    #[error("PortOne refused: {}", .0.code)]
    Refused(Rejection),
    /// A change that takes effect now (an upgrade, charged) was sent without an
    /// `Idempotency-Key` (400 `IDEMPOTENCY_KEY_REQUIRED`).
    #[error("an immediate change needs an Idempotency-Key")]
    IdempotencyKeyRequired,
    /// The `Idempotency-Key` was used for another change of this subscription (409
    /// `IDEMPOTENCY_KEY_REUSED`).
    #[error("the Idempotency-Key was used for another change")]
    KeyReused,
    /// Another change of the same period is being charged (409 `CHANGE_IN_PROGRESS`).
    #[error("another change is being charged")]
    ChangeInProgress,
    /// PortOne declined the upgrade's charge; nothing changed (402 `PAYMENT_DECLINED`, with
    /// PortOne's reason).
    #[error("the charge was declined")]
    Declined { reason: String },
    /// The customer's charge-triggering calls are over the limit (429 `TOO_MANY_REQUESTS`,
    /// `Retry-After`): an upgrade's charge counts like a start.
    #[error("too many charge-triggering calls")]
    TooManyCharges { retry_after_seconds: u64 },
    /// The coupon to apply does not exist (404 `COUPON_NOT_FOUND`).
    #[error("no such coupon")]
    CouponNotFound,
    /// The coupon cannot be applied: archived or past `redeem_by`, for another plan or currency,
    /// or out of redemptions (409 with the refusal's code).
    #[error("the coupon cannot be applied: {}", .0.code())]
    CouponRefused(crate::domain::coupon::RedeemRefusal),
    /// PortOne or storage failed (502).
    #[error("upstream failed: {0}")]
    Upstream(#[from] UpstreamFailure),
}

impl From<GatewayError> for SubscriptionError {
    fn from(error: GatewayError) -> Self {
        Self::Upstream(error.into())
    }
}

impl From<PayerError> for SubscriptionError {
    fn from(error: PayerError) -> Self {
        match error {
            PayerError::Gateway(error) => error.into(),
            PayerError::Ledger(error) => error.into(),
        }
    }
}

impl From<LedgerError> for SubscriptionError {
    fn from(error: LedgerError) -> Self {
        Self::Upstream(error.into())
    }
}
