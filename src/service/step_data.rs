//! The `data` each step puts in the checklist, built in one place so the flows and the OpenAPI
//! example (`super::example`) cannot drift apart.

use serde_json::{json, Value};

use crate::domain::payment::Payment;
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ScheduleRequest;

/// Step 2: how the signature was checked, `"verified"` or `"not_configured"`.
pub fn validated(signature: &str) -> Option<Value> {
    Some(json!({ "signature": signature }))
}

/// Step 3: PortOne's payment, in PortOne's camelCase names.
pub fn payment(payment: &Payment) -> Option<Value> {
    Some(json!({
        "paymentId": payment.id,
        "orderName": payment.order_name,
        "amount": payment.amount,
        "currency": payment.currency,
        "billingKey": payment.billing_key,
        "customerId": payment.customer_id,
        "paidAt": payment.paid_at.map(Timestamp::from_utc),
    }))
}

/// Step 4: the row as stored, with the table's column names.
pub fn record(record: &PaymentRecord) -> Option<Value> {
    serde_json::to_value(record).ok()
}

/// Step 5 of the paid flow: PortOne's schedule id (when this call created it), the scheduled
/// `paymentId` and its `timeToPay`.
pub fn scheduled(schedule_id: Option<&str>, request: &ScheduleRequest) -> Option<Value> {
    Some(json!({
        "scheduleId": schedule_id,
        "paymentId": request.payment_id,
        "timeToPay": request.time_to_pay,
    }))
}
