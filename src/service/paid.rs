//! The paid flow (steps 3–5): fetch the payment from PortOne, record its month, schedule the next.

use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

use crate::domain::checklist::{Checklist, Step, StepStatus};
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::period::BillingPeriod;
use crate::domain::record::{PaymentRecord, CANCELLED_STATUS};
use crate::ports::{
    Clock, GatewayError, LedgerError, PaymentGateway, PaymentLedger, RandomSource, ScheduleOutcome,
    ScheduleRequest,
};

use super::{by, messages, Verdict, WebhookOutcome, WebhookService};

/// What a storage call that ran out of webhook time reports.
pub(super) fn storage_deadline() -> LedgerError {
    LedgerError::Unavailable("the webhook deadline passed before storage answered".to_owned())
}

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    pub(super) async fn paid(
        &self,
        payment_id: PaymentId,
        mut checklist: Checklist,
        deadline: Instant,
    ) -> WebhookOutcome {
        // Step 3: the webhook body is only a hint; PortOne's record is the truth.
        let payment = match self
            .fetch(&payment_id, PaymentStatus::Paid, &mut checklist, deadline)
            .await
        {
            Ok(payment) => payment,
            Err(verdict) => return WebhookOutcome::stopped(checklist, verdict),
        };

        // Step 4: `paidAt` is stable across PortOne's retries; the clock is only a fallback.
        let start = payment.paid_at.unwrap_or_else(|| self.clock.now());
        let period = BillingPeriod::starting_at(start, self.random.schedule_offset());
        let record = PaymentRecord::paid(&payment, &period);
        let recorded = match by(deadline, self.ledger.record_paid(&record), storage_deadline).await {
            Ok(recorded) => recorded,
            Err(error) => {
                tracing::error!(%error, "recording the payment failed");
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::SAVE_PAYMENT,
                    messages::save_failed(&error),
                    None,
                    Verdict::UpstreamFailed,
                );
            }
        };
        let message = if recorded.inserted {
            messages::SAVED
        } else {
            messages::ALREADY_SAVED
        };
        let row = serde_json::to_value(&recorded.record).ok();
        checklist.record(Step::SAVE_PAYMENT, StepStatus::Success, message, row);

        // Step 5: schedule from the stored row, so a replay schedules exactly what was recorded.
        self.schedule_next(&payment, &recorded.record, checklist, deadline)
            .await
    }

    /// Step 3 of both flows: PortOne's payment, which must have `expected` status.
    pub(super) async fn fetch(
        &self,
        payment_id: &PaymentId,
        expected: PaymentStatus,
        checklist: &mut Checklist,
        deadline: Instant,
    ) -> Result<Payment, Verdict> {
        let payment = match by(deadline, self.gateway.get_payment(payment_id), || {
            GatewayError::Timeout
        })
        .await
        {
            Ok(payment) => payment,
            Err(error) => {
                tracing::warn!(%error, "fetching the payment from PortOne failed");
                let (message, data) = messages::fetch_failed(&error);
                checklist.record(Step::FETCH_PAYMENT, StepStatus::Failed, message, Some(data));
                return Err(Verdict::UpstreamFailed);
            }
        };
        if payment.status != expected {
            let status = payment.status.as_portone();
            tracing::warn!(
                status,
                expected = expected.as_portone(),
                "PortOne's status contradicts the webhook"
            );
            let data = json!({ "paymentId": payment.id, "status": status });
            let message = match expected {
                PaymentStatus::Paid => messages::not_paid(status),
                _ => messages::not_cancelled(status),
            };
            checklist.record(Step::FETCH_PAYMENT, StepStatus::Failed, message, Some(data));
            return Err(Verdict::PaymentStatusMismatch);
        }
        checklist.record(
            Step::FETCH_PAYMENT,
            StepStatus::Success,
            messages::FETCHED,
            Some(payment_data(&payment)),
        );
        Ok(payment)
    }

    async fn schedule_next(
        &self,
        payment: &Payment,
        record: &PaymentRecord,
        mut checklist: Checklist,
        deadline: Instant,
    ) -> WebhookOutcome {
        let skip = |mut checklist: Checklist, message: &str| {
            checklist.record(Step::SCHEDULE_NEXT_PAYMENT, StepStatus::Skipped, message, None);
            WebhookOutcome::finished(checklist)
        };
        let Some(billing_key) = payment.billing_key.clone() else {
            return skip(checklist, messages::NO_BILLING_KEY);
        };
        if record.status == CANCELLED_STATUS {
            return skip(checklist, messages::PAYMENT_CANCELLED);
        }
        match by(
            deadline,
            self.subscription_canceled(payment, record),
            storage_deadline,
        )
        .await
        {
            Ok(false) => {}
            Ok(true) => return skip(checklist, messages::SUBSCRIPTION_CANCELED),
            Err(error) => {
                tracing::error!(%error, "reading the previous month failed");
                let message = messages::lookup_failed(&error);
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::SCHEDULE_NEXT_PAYMENT,
                    message,
                    None,
                    Verdict::UpstreamFailed,
                );
            }
        }
        let request = schedule_request(
            payment,
            record,
            billing_key,
            format!("schedule-{}", record.next_schedule_id),
        );
        let scheduled = by(deadline, self.gateway.schedule_payment(&request), || {
            GatewayError::Timeout
        })
        .await;
        let (message, schedule_id) = match scheduled {
            Ok(ScheduleOutcome::Created { schedule_id }) => (messages::SCHEDULED, Some(schedule_id)),
            Ok(ScheduleOutcome::AlreadyExists) => (messages::ALREADY_SCHEDULED, None),
            Err(error) => {
                tracing::error!(%error, "scheduling the next payment failed");
                let (message, data) = messages::schedule_failed(&error);
                return WebhookOutcome::failed_at(
                    checklist,
                    Step::SCHEDULE_NEXT_PAYMENT,
                    message,
                    Some(data),
                    Verdict::UpstreamFailed,
                );
            }
        };
        let data = json!({
            "scheduleId": schedule_id,
            "paymentId": request.payment_id,
            "timeToPay": request.time_to_pay,
        });
        checklist.record(
            Step::SCHEDULE_NEXT_PAYMENT,
            StepStatus::Success,
            message,
            Some(data),
        );
        WebhookOutcome::finished(checklist)
    }

    /// `true` when this month's row, or the month it renews (the row whose `next_schedule_id` is
    /// this payment's id), was cancelled by the customer: a charge that raced the revoke is
    /// recorded, but the chain stops here (seed guide's "해지 후에도 자동결제" bug).
    async fn subscription_canceled(
        &self,
        payment: &Payment,
        record: &PaymentRecord,
    ) -> Result<bool, crate::ports::LedgerError> {
        if record.is_canceled() {
            return Ok(true);
        }
        let Ok(renewed) = Uuid::parse_str(payment.id.as_str()) else {
            return Ok(false);
        };
        Ok(self
            .ledger
            .find_by_next_schedule_id(renewed)
            .await?
            .is_some_and(|previous| previous.is_canceled()))
    }
}

/// Next month's payment for `record`, charged like `payment`.
pub(super) fn schedule_request(
    payment: &Payment,
    record: &PaymentRecord,
    billing_key: String,
    idempotency_key: String,
) -> ScheduleRequest {
    ScheduleRequest {
        payment_id: record.next_schedule_id,
        billing_key,
        order_name: payment.order_name.clone(),
        customer_id: payment.customer_id.clone(),
        amount: record.amount,
        currency: payment.currency.clone(),
        time_to_pay: record.next_schedule_at,
        idempotency_key,
    }
}

/// Step 3's `data`, in PortOne's camelCase names (seed `api-readme.ko.md`).
fn payment_data(payment: &Payment) -> serde_json::Value {
    json!({
        "paymentId": payment.id,
        "orderName": payment.order_name,
        "amount": payment.amount,
        "currency": payment.currency,
        "billingKey": payment.billing_key,
        "customerId": payment.customer_id,
        "paidAt": payment.paid_at.map(crate::domain::timestamp::Timestamp::from_utc),
    })
}
