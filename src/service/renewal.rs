//! The next month's payment of a recorded month, as it is scheduled at PortOne.

use crate::domain::amount::Amount;
use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::{GatewayError, ScheduleOutcome, ScheduleRequest, Schedules};

use super::payer::Payer;

/// The `Idempotency-Key` of the renewal the paid webhook schedules: derived from the next
/// payment's id, so every delivery of one webhook sends the same key and PortOne runs it once.
pub fn renewal_key(record: &PaymentRecord) -> String {
    format!("schedule-{}", record.next_schedule_id)
}

/// The key of a deliberate new request for `payment_id` (a resume, a plan change, a card
/// update's charge or schedule), `{what}-{payment_id}-{now in ms}`: PortOne replays a key's first
/// answer for 3 hours (REST API overview, section "Idempotency-Key",
/// <https://developers.portone.io/api/rest-v2>), so it must differ from the key of the request it
/// replaces; `now` makes it unique per call.
pub fn fresh_key(what: &str, payment_id: &PaymentId, now: Timestamp) -> String {
    format!("{what}-{payment_id}-{}", now.as_utc().timestamp_millis())
}

/// The key of a resume's re-schedule.
pub fn resume_key(payment_id: &PaymentId, now: Timestamp) -> String {
    fresh_key("resume", payment_id, now)
}

/// The key of retry `payment_id`: derived from it, like the renewal's, so a replayed `Failed`
/// webhook asks for the same retry.
pub fn retry_key(payment_id: &PaymentId) -> String {
    format!("retry-{payment_id}")
}

/// The charge `payment_id` of `month`'s renewal (its first charge or a retry) at `time_to_pay`:
/// the one place a [`ScheduleRequest`] is built. It is charged on the month's next-charge terms
/// ([`PaymentRecord::next_charge_terms`]: a plan change's, else the month's own, the plan
/// included) to `payer`'s billing key. `None` when neither the month nor the payer knows the
/// order name and currency (a row recorded before they were kept, with no payment to ask).
pub fn schedule_request(
    month: &PaymentRecord,
    payer: &Payer,
    payment_id: PaymentId,
    time_to_pay: Timestamp,
    idempotency_key: String,
) -> Option<ScheduleRequest> {
    let terms = month.next_charge_terms();
    Some(ScheduleRequest {
        payment_id,
        billing_key: payer.billing_key.clone(),
        order_name: terms.order_name.or_else(|| payer.order_name.clone())?,
        customer_id: payer.customer(month),
        amount: terms.amount,
        currency: terms.currency.or_else(|| payer.currency.clone())?,
        plan_id: terms.plan_id,
        quantity: terms.quantity,
        list_amount: terms.list_amount,
        discount: terms.discount,
        time_to_pay,
        idempotency_key,
    })
}

/// Schedules `request` at PortOne (`createPaymentSchedule`); `Ok(None)`, asking nothing, when a
/// discount brings it to 0: PortOne charges no 0 amount, so that period is recorded at its time by
/// the reconciliation pass (`flows::free`). Every schedule this service makes goes through here.
///
/// # Errors
/// PortOne's, as [`Schedules::schedule_payment`] answers them.
pub async fn schedule_charge<S: Schedules>(
    gateway: &S,
    request: &ScheduleRequest,
) -> Result<Option<ScheduleOutcome>, GatewayError> {
    if request.amount == Amount::default() {
        return Ok(None);
    }
    gateway.schedule_payment(request).await.map(Some)
}
