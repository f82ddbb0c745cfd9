//! The `data` each step puts in the checklist, built in one place so the flows and the OpenAPI
//! example (`super::example`) cannot drift apart.

use serde_json::{json, Value};

use crate::domain::attempt::FailedAttempt;
use crate::domain::payment::{Payment, PaymentFailure};
use crate::domain::record::PaymentRecord;
use crate::domain::timestamp::Timestamp;
use crate::ports::ScheduleRequest;

/// Step 2: how the signature was checked, `"verified"` or `"not_configured"`.
pub fn validated(signature: &str) -> Option<Value> {
    Some(json!({ "signature": signature }))
}

/// Step 3: PortOne's payment, in PortOne's camelCase names; a failed one adds `failedAt` and
/// `failure`.
pub fn payment(payment: &Payment) -> Option<Value> {
    let mut data = json!({
        "paymentId": payment.id,
        "orderName": payment.order_name,
        "amount": payment.amount,
        "currency": payment.currency,
        "billingKey": payment.billing_key,
        "customerId": payment.customer_id,
        "paidAt": payment.paid_at.map(Timestamp::from_utc),
    });
    if let (Some(failure), Some(object)) = (&payment.failure, data.as_object_mut()) {
        object.insert(
            "failedAt".into(),
            json!(payment.failed_at.map(Timestamp::from_utc)),
        );
        object.insert("failure".into(), failure_data(failure));
    }
    Some(data)
}

/// `PaymentFailure` in PortOne's names.
fn failure_data(failure: &PaymentFailure) -> Value {
    json!({ "reason": failure.reason, "pgCode": failure.pg_code, "pgMessage": failure.pg_message })
}

/// Step 4 of the failed flow: the attempt, and where the renewed month's renewal stands now.
pub fn attempt(attempt: &FailedAttempt, month: &PaymentRecord) -> Option<Value> {
    let renewal = &month.renewal;
    Some(json!({
        "renewedTransactionKey": attempt.renewed_key,
        "attempt": attempt.attempt,
        "paymentId": attempt.payment_id,
        "failedAt": attempt.failed_at,
        "failure": failure_data(&attempt.failure),
        "renewal": {
            "renewalAttempts": renewal.renewal_attempts,
            "retryLimit": renewal.retry_limit,
            "retryPaymentId": renewal.retry_payment_id,
            "retryAt": renewal.retry_at,
            "endGraceAt": month.end_grace_at,
            "lapsedAt": renewal.lapsed_at,
        },
    }))
}

/// Step 5 of the failed flow: the retry scheduled, `attempt` of `limit`, and the grace it gives.
pub fn retry_scheduled(
    schedule_id: Option<&str>,
    request: &ScheduleRequest,
    month: &PaymentRecord,
) -> Option<Value> {
    Some(json!({
        "scheduleId": schedule_id,
        "paymentId": request.payment_id,
        "timeToPay": request.time_to_pay,
        "attempt": month.renewal.renewal_attempts,
        "retryLimit": month.renewal.retry_limit,
        "endGraceAt": month.end_grace_at,
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
