//! Subscription cancellation at period end and resumption (seed guide §8), and the schedule admin
//! operations (seed guide §11), for the app's own backend.

use std::future::Future;

use chrono::Duration;

use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    Clock, GatewayError, LedgerError, PaymentGateway, PaymentLedger, PaymentSchedule, RandomSource,
    RevokeOutcome,
};

use super::paid::schedule_request;
use super::revoke::Revocation;
use super::WebhookService;

/// The row after a cancel or resume, and whether this call changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChange {
    pub record: PaymentRecord,
    pub changed: bool,
    /// Korean, for people.
    pub message: &'static str,
}

/// Why a subscription or schedule operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// No such `transaction_key` (404).
    #[error("not found")]
    NotFound,
    /// The request contradicts the subscription's state (409); Korean message.
    #[error("{0}")]
    Conflict(&'static str),
    /// PortOne or storage failed (502); the detail is for logs.
    #[error("upstream failed: {0}")]
    Upstream(String),
}

impl From<GatewayError> for SubscriptionError {
    fn from(error: GatewayError) -> Self {
        Self::Upstream(error.to_string())
    }
}

impl From<LedgerError> for SubscriptionError {
    fn from(error: LedgerError) -> Self {
        Self::Upstream(error.to_string())
    }
}

/// A resumed schedule whose original `timeToPay` has passed is charged this long after resuming.
pub const LATE_RESUME_DELAY_MINUTES: i64 = 5;

/// The driving port of the subscription and admin endpoints.
pub trait SubscriptionHandler: Send + Sync + 'static {
    /// Cancels at period end: revokes the next schedule, records `canceled_at`; the period stays
    /// valid until `end_at`.
    fn cancel_subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<SubscriptionChange, SubscriptionError>> + Send;
    /// Schedules the next payment again (same `next_schedule_id`) and clears `canceled_at`.
    fn resume_subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<SubscriptionChange, SubscriptionError>> + Send;
    /// PortOne's schedule `id`.
    fn payment_schedule(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<PaymentSchedule, GatewayError>> + Send;
    /// Revokes PortOne's schedule `id`.
    fn revoke_payment_schedule(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<RevokeOutcome, GatewayError>> + Send;
}

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    async fn row(&self, key: &str) -> Result<PaymentRecord, SubscriptionError> {
        self.ledger.find(key).await?.ok_or(SubscriptionError::NotFound)
    }

    async fn set_state(
        &self,
        key: &str,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> Result<PaymentRecord, SubscriptionError> {
        self.ledger
            .set_subscription_state(key, canceled_at, resumed_at)
            .await?
            .ok_or(SubscriptionError::NotFound)
    }

    pub async fn cancel(&self, key: &str) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.row(key).await?;
        if record.is_canceled() {
            return Ok(SubscriptionChange {
                record,
                changed: false,
                message: "이미 해지 예약된 구독입니다.",
            });
        }
        let now = Timestamp::from_utc(self.clock.now());
        if now > record.end_at {
            return Err(SubscriptionError::Conflict(
                "이용 기간(end_at)이 끝난 구독은 해지할 수 없습니다.",
            ));
        }
        if let Revocation::AlreadyCharged { .. } = self.revoke_next(&record, None).await? {
            return Err(SubscriptionError::Conflict(
                "다음달 결제가 이미 진행되어 해지할 수 없습니다. 환불이 필요합니다.",
            ));
        }
        let record = self.set_state(key, Some(now), record.resumed_at).await?;
        tracing::info!(transaction_key = key, "subscription cancelled at period end");
        Ok(SubscriptionChange {
            record,
            changed: true,
            message: "구독을 해지 예약했습니다. end_at까지 이용할 수 있습니다.",
        })
    }

    pub async fn resume(&self, key: &str) -> Result<SubscriptionChange, SubscriptionError> {
        let record = self.row(key).await?;
        if !record.is_canceled() {
            if record.resumed_at.is_some() {
                return Ok(SubscriptionChange {
                    record,
                    changed: false,
                    message: "이미 재개된 구독입니다.",
                });
            }
            return Err(SubscriptionError::Conflict("해지 예약된 구독이 아닙니다."));
        }
        let now = Timestamp::from_utc(self.clock.now());
        if now > record.end_grace_at {
            return Err(SubscriptionError::Conflict(
                "유예 기간(end_grace_at)이 지나 재개할 수 없습니다.",
            ));
        }
        let id = PaymentId::parse(record.transaction_key.clone())
            .map_err(|e| SubscriptionError::Upstream(e.to_string()))?;
        let payment = self.gateway.get_payment(&id).await?;
        let billing_key = payment.billing_key.clone().ok_or(SubscriptionError::Conflict(
            "빌링키 결제가 아니어서 다음달 구독을 예약할 수 없습니다.",
        ))?;
        // PortOne replays an Idempotency-Key's first answer for 3 hours: a resume needs its own.
        let key_suffix = now.as_utc().timestamp_millis();
        let mut request = schedule_request(
            &payment,
            &record,
            billing_key,
            format!("resume-{}-{key_suffix}", record.next_schedule_id),
        );
        if request.time_to_pay <= now {
            request.time_to_pay =
                Timestamp::from_utc(now.as_utc() + Duration::minutes(LATE_RESUME_DELAY_MINUTES));
        }
        self.gateway.schedule_payment(&request).await?;
        let record = self.set_state(key, None, Some(now)).await?;
        tracing::info!(transaction_key = key, "subscription resumed");
        Ok(SubscriptionChange {
            record,
            changed: true,
            message: "구독을 재개하고 다음달 결제를 다시 예약했습니다.",
        })
    }
}

impl<G, L, C, R> SubscriptionHandler for WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    fn cancel_subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<SubscriptionChange, SubscriptionError>> + Send {
        self.cancel(key)
    }

    fn resume_subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<SubscriptionChange, SubscriptionError>> + Send {
        self.resume(key)
    }

    fn payment_schedule(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<PaymentSchedule, GatewayError>> + Send {
        self.gateway.get_schedule(id)
    }

    fn revoke_payment_schedule(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<RevokeOutcome, GatewayError>> + Send {
        self.gateway.revoke_schedule(id)
    }
}
