//! Cancelling a subscription at period end and resuming it (the integration guide's "구독 해지"
//! and "구독 재개"), for the app's own backend.

use std::sync::Arc;

use chrono::Duration;

use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, GatewayError, LedgerError, PaymentGateway, PaymentLedger, Ports};

use super::renewal::{resume_key, schedule_request};
use super::revoke::{revoke_next, Revocation};

/// The row after a cancel or resume, and whether this call changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChange {
    pub record: PaymentRecord,
    pub changed: bool,
    /// Korean, for people.
    pub message: &'static str,
}

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
            GatewayError::Rejected { error_type, .. } => error_type.clone(),
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
    /// PortOne or storage failed (502).
    #[error("upstream failed: {0}")]
    Upstream(#[from] UpstreamFailure),
}

impl From<GatewayError> for SubscriptionError {
    fn from(error: GatewayError) -> Self {
        Self::Upstream(error.into())
    }
}

impl From<LedgerError> for SubscriptionError {
    fn from(error: LedgerError) -> Self {
        Self::Upstream(error.into())
    }
}

/// A resumed schedule whose original `timeToPay` has passed is charged this long after resuming.
pub const LATE_RESUME_DELAY_MINUTES: i64 = 5;

/// Cancels and resumes subscriptions, and passes schedule operations through to PortOne for
/// admins (`super::admin`).
pub struct SubscriptionService<P> {
    pub(super) ports: Arc<P>,
}

impl<P: Ports> SubscriptionService<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self { ports }
    }

    /// Cancels at period end: revokes the pending charge (the next month's, or during dunning the
    /// pending retry) and records `canceled_at`; the period stays valid until `end_at` (during
    /// dunning, until `end_grace_at`). Cancelling twice changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::Conflict`] after `end_at` (outside dunning), or when the next payment
    /// was already charged (a refund is needed).
    pub async fn cancel(&self, key: &str) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.row(key).await?;
        if record.is_cancelled() {
            return Ok(unchanged(record, "이미 해지 예약된 구독입니다."));
        }
        let now = Timestamp::from_utc(self.ports.clock().now());
        let still_open = now <= record.end_at || (record.in_dunning() && now <= record.end_grace_at);
        if !still_open {
            return Err(SubscriptionError::Conflict(
                "이용 기간(end_at)이 끝난 구독은 해지할 수 없습니다.",
            ));
        }
        if let Revocation::AlreadyCharged { .. } = revoke_next(&*self.ports, &record, None).await? {
            return Err(SubscriptionError::Conflict(
                "다음달 결제가 이미 진행되어 해지할 수 없습니다. 환불이 필요합니다.",
            ));
        }
        let record = self.set_state(key, Some(now), record.resumed_at).await?;
        tracing::info!(transaction_key = key, "subscription cancelled at period end");
        Ok(changed(
            record,
            "구독을 해지 예약했습니다. end_at까지 이용할 수 있습니다.",
        ))
    }

    /// Schedules the pending charge again (same payment id: `next_schedule_id`, or during dunning
    /// the pending retry's; a new `Idempotency-Key`) and clears `canceled_at`. Resuming twice
    /// changes nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::Conflict`] when the subscription was never cancelled, after
    /// `end_grace_at`, when no charge is left to make, or for a payment without a billing key.
    pub async fn resume(&self, key: &str) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.row(key).await?;
        if !record.is_cancelled() {
            if record.resumed_at.is_some() {
                return Ok(unchanged(record, "이미 재개된 구독입니다."));
            }
            return Err(SubscriptionError::Conflict("해지 예약된 구독이 아닙니다."));
        }
        let now = Timestamp::from_utc(self.ports.clock().now());
        if now > record.end_grace_at {
            return Err(SubscriptionError::Conflict(
                "유예 기간(end_grace_at)이 지나 재개할 수 없습니다.",
            ));
        }
        let charge = record.pending_charge().ok_or(SubscriptionError::Conflict(
            "갱신할 결제가 남아 있지 않아(갱신 완료 또는 만료) 재개할 수 없습니다.",
        ))?;
        let id = PaymentId::parse(record.transaction_key.clone()).map_err(|e| UpstreamFailure {
            code: "UPSTREAM_FAILED".to_owned(),
            detail: e.to_string(),
        })?;
        let payment = self.ports.gateway().get_payment(&id).await?;
        let billing_key = payment.billing_key.clone().ok_or(SubscriptionError::Conflict(
            "빌링키 결제가 아니어서 다음달 구독을 예약할 수 없습니다.",
        ))?;
        let mut request =
            schedule_request(&payment, &record, billing_key, resume_key(charge.payment_id, now));
        request.payment_id = charge.payment_id;
        request.time_to_pay = charge.at;
        if request.time_to_pay <= now {
            request.time_to_pay =
                Timestamp::from_utc(now.as_utc() + Duration::minutes(LATE_RESUME_DELAY_MINUTES));
        }
        self.ports.gateway().schedule_payment(&request).await?;
        let record = self.set_state(key, None, Some(now)).await?;
        tracing::info!(transaction_key = key, "subscription resumed");
        Ok(changed(
            record,
            "구독을 재개하고 다음달 결제를 다시 예약했습니다.",
        ))
    }

    async fn row(&self, key: &str) -> Result<PaymentRecord, SubscriptionError> {
        self.ports
            .ledger()
            .find(key)
            .await?
            .ok_or(SubscriptionError::NotFound)
    }

    async fn set_state(
        &self,
        key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> Result<PaymentRecord, SubscriptionError> {
        self.ports
            .ledger()
            .set_subscription_state(key, cancelled_at, resumed_at)
            .await?
            .ok_or(SubscriptionError::NotFound)
    }
}

fn changed(record: PaymentRecord, message: &'static str) -> SubscriptionChange {
    SubscriptionChange {
        record,
        changed: true,
        message,
    }
}

fn unchanged(record: PaymentRecord, message: &'static str) -> SubscriptionChange {
    SubscriptionChange {
        record,
        changed: false,
        message,
    }
}
