//! The next month's payment of a recorded month, as it is scheduled at PortOne.

use crate::domain::payment::Payment;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ScheduleRequest;

/// The `Idempotency-Key` of the renewal the paid webhook schedules: derived from the next
/// payment's id, so every delivery of one webhook sends the same key and PortOne runs it once.
pub fn renewal_key(record: &PaymentRecord) -> String {
    format!("schedule-{}", record.next_schedule_id)
}

/// The key of a deliberate re-schedule (resume): PortOne replays a key's first answer for 3 hours
/// (REST API overview, section "Idempotency-Key", <https://developers.portone.io/api/rest-v2>), so
/// it must differ from the key of the schedule it replaces; `now` makes it unique per resume.
pub fn resume_key(payment_id: uuid::Uuid, now: Timestamp) -> String {
    format!("resume-{payment_id}-{}", now.as_utc().timestamp_millis())
}

/// The key of retry `payment_id`: derived from it, like the renewal's, so a replayed `Failed`
/// webhook asks for the same retry.
pub fn retry_key(payment_id: uuid::Uuid) -> String {
    format!("retry-{payment_id}")
}

/// Next month's payment for `record`, charged like `payment` (same billing key and customer) on
/// the month's terms: the recorded amount and `payment`'s order name and currency, or a plan
/// change's where one was made; at `next_schedule_at`.
pub fn schedule_request(
    payment: &Payment,
    record: &PaymentRecord,
    billing_key: String,
    idempotency_key: String,
) -> ScheduleRequest {
    let terms = &record.next_terms;
    ScheduleRequest {
        payment_id: record.next_schedule_id,
        billing_key,
        order_name: terms
            .next_order_name
            .clone()
            .unwrap_or_else(|| payment.order_name.clone()),
        customer_id: payment.customer_id.clone(),
        amount: record.next_amount(),
        currency: terms
            .next_currency
            .clone()
            .unwrap_or_else(|| payment.currency.clone()),
        time_to_pay: record.next_schedule_at,
        idempotency_key,
    }
}
