//! The paid flow (steps 3–5): fetch the payment from PortOne, record its month, schedule the next.

use serde_json::json;

use crate::domain::checklist::{Checklist, Step, StepStatus};
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::period::BillingPeriod;
use crate::domain::record::PaymentRecord;
use crate::domain::webhook::WebhookRequest;
use crate::ports::{
    Clock, PaymentGateway, PaymentLedger, RandomSource, Recorded, ScheduleOutcome, ScheduleRequest,
};

use super::{messages, Verdict, WebhookOutcome, WebhookService};

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    pub(super) async fn paid(&self, request: WebhookRequest, mut checklist: Checklist) -> WebhookOutcome {
        // Step 3: the webhook body is only a hint; PortOne's record is the truth.
        let payment = match self.gateway.get_payment(&request.payment_id).await {
            Ok(payment) => payment,
            Err(error) => {
                tracing::warn!(%error, "fetching the payment from PortOne failed");
                let (message, data) = messages::fetch_failed(&error);
                checklist.record(Step::FETCH_PAYMENT, StepStatus::Failed, message, Some(data));
                return WebhookOutcome::stopped(checklist, Verdict::UpstreamFailed);
            }
        };
        if payment.status != PaymentStatus::Paid {
            tracing::warn!(
                status = payment.status.as_portone(),
                "Paid webhook for a payment that is not PAID"
            );
            let data = json!({ "paymentId": payment.id, "status": payment.status.as_portone() });
            let message = messages::not_paid(payment.status.as_portone());
            checklist.record(Step::FETCH_PAYMENT, StepStatus::Failed, message, Some(data));
            return WebhookOutcome::stopped(checklist, Verdict::NotPaid);
        }
        checklist.record(
            Step::FETCH_PAYMENT,
            StepStatus::Success,
            messages::FETCHED,
            Some(payment_data(&payment)),
        );

        // Step 4: `paidAt` is stable across PortOne's retries; the clock is only a fallback.
        let start = payment.paid_at.unwrap_or_else(|| self.clock.now());
        let period = BillingPeriod::starting_at(start, self.random.schedule_offset());
        let recorded = match self
            .ledger
            .record_paid(&PaymentRecord::paid(&payment, &period))
            .await
        {
            Ok(recorded) => recorded,
            Err(error) => {
                tracing::error!(%error, "recording the payment failed");
                let message = messages::save_failed(&error);
                checklist.record(Step::SAVE_PAYMENT, StepStatus::Failed, message, None);
                return WebhookOutcome::stopped(checklist, Verdict::UpstreamFailed);
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
        self.schedule_next(&payment, &recorded, checklist).await
    }

    async fn schedule_next(
        &self,
        payment: &Payment,
        recorded: &Recorded,
        mut checklist: Checklist,
    ) -> WebhookOutcome {
        let Some(billing_key) = payment.billing_key.clone() else {
            tracing::info!("payment has no billing key; nothing to schedule");
            checklist.record(
                Step::SCHEDULE_NEXT_PAYMENT,
                StepStatus::Skipped,
                messages::NO_BILLING_KEY,
                None,
            );
            return WebhookOutcome::finished(checklist);
        };
        let record = &recorded.record;
        let request = ScheduleRequest {
            payment_id: record.next_schedule_id,
            billing_key,
            order_name: payment.order_name.clone(),
            customer_id: payment.customer_id.clone(),
            amount: record.amount,
            currency: payment.currency.clone(),
            time_to_pay: record.next_schedule_at,
        };
        let (message, schedule_id) = match self.gateway.schedule_payment(&request).await {
            Ok(ScheduleOutcome::Created { schedule_id }) => (messages::SCHEDULED, Some(schedule_id)),
            Ok(ScheduleOutcome::AlreadyExists) => (messages::ALREADY_SCHEDULED, None),
            Err(error) => {
                tracing::error!(%error, "scheduling the next payment failed");
                let (message, data) = messages::schedule_failed(&error);
                checklist.record(
                    Step::SCHEDULE_NEXT_PAYMENT,
                    StepStatus::Failed,
                    message,
                    Some(data),
                );
                return WebhookOutcome::stopped(checklist, Verdict::UpstreamFailed);
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
