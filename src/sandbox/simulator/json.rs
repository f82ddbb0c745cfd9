//! The simulator's answers, shaped as PortOne's schema says (`PaidPayment`, `CancelledPayment`,
//! `FailedPayment`, `PaymentSchedule` variants, error bodies `{type, message}`).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::state::{SimBillingKey, SimPayment, SimSchedule};

pub const STORE_ID: &str = "store-00000000-0000-0000-0000-000000sandbox";
const MERCHANT_ID: &str = "merchant-00000000-0000-0000-0000-00000sandbox";

pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `PaidPayment`, `PartialCancelledPayment`, `CancelledPayment` or `FailedPayment`.
pub fn payment(p: &SimPayment) -> Value {
    let (paid, cancelled) = match p.status {
        "CANCELLED" => (0, p.amount),
        "FAILED" => (0, 0),
        _ => (p.amount - p.cancelled_amount, p.cancelled_amount),
    };
    let amount = json!({ "total": p.amount, "taxFree": 0, "discount": 0, "paid": paid, "cancelled": cancelled, "cancelledTaxFree": 0 });
    let changed = p.cancelled_at.unwrap_or(p.paid_at);
    let mut value = json!({
        "status": p.status,
        "id": p.id,
        "transactionId": format!("tx-{}", p.id),
        "merchantId": MERCHANT_ID,
        "storeId": STORE_ID,
        "channel": { "type": "TEST", "pgProvider": "TOSSPAYMENTS", "pgMerchantId": "sandbox" },
        "version": "V2",
        "requestedAt": time(p.paid_at),
        "updatedAt": time(changed),
        "statusChangedAt": time(changed),
        "orderName": p.order_name,
        "amount": amount,
        "currency": p.currency,
        "customer": match &p.customer_id { Some(id) => json!({ "id": id }), None => json!({}) },
        "origin": { "platformType": "API", "ipAddress": "127.0.0.1" },
    });
    let object = value.as_object_mut().expect("built as an object");
    if let Some(data) = &p.custom_data {
        object.insert("customData".into(), json!(data));
    }
    if let Some(failure) = &p.failure {
        object.insert("failedAt".into(), json!(time(p.paid_at)));
        object.insert(
            "failure".into(),
            json!({ "reason": failure.reason, "pgCode": failure.pg_code, "pgMessage": failure.pg_message }),
        );
        if let Some(key) = &p.billing_key {
            object.insert("billingKey".into(), json!(key));
        }
        if let Some(id) = &p.schedule_id {
            object.insert("scheduleId".into(), json!(id));
        }
        return value;
    }
    object.insert("paidAt".into(), json!(time(p.paid_at)));
    object.insert("pgTxId".into(), json!(format!("pg-{}", p.id)));
    if let Some(key) = &p.billing_key {
        object.insert("billingKey".into(), json!(key));
    }
    if let Some(id) = &p.schedule_id {
        object.insert("scheduleId".into(), json!(id));
    }
    match p.cancelled_at {
        Some(at) => {
            object.insert("cancelledAt".into(), json!(time(at)));
            object.insert("cancellations".into(), json!([cancellation(p, cancelled, at)]));
        }
        None => {
            object.insert("disputes".into(), json!([]));
        }
    }
    value
}

/// `SucceededPaymentCancellation` of `amount` at `at` (every refund of a payment is shown as one).
pub fn cancellation(p: &SimPayment, amount: i64, at: DateTime<Utc>) -> Value {
    json!({ "status": "SUCCEEDED", "id": format!("cancel-{}", p.id), "totalAmount": amount,
        "taxFreeAmount": 0, "vatAmount": 0, "reason": "sandbox", "requestedAt": time(at), "cancelledAt": time(at) })
}

/// `IssuedBillingKeyInfo` or `DeletedBillingKeyInfo` of `key`, a card method with a masked
/// number.
pub fn billing_key(key: &str, info: &SimBillingKey) -> Value {
    let mut value = json!({
        "status": if info.deleted_at.is_some() { "DELETED" } else { "ISSUED" },
        "billingKey": key,
        "merchantId": MERCHANT_ID,
        "storeId": STORE_ID,
        "methods": [{ "type": "BillingKeyPaymentMethodCard", "card": {
            "publisher": "SHINHAN_CARD", "issuer": "SHINHAN_CARD", "brand": "VISA", "type": "CREDIT",
            "ownerType": "PERSONAL", "bin": "433012", "name": "신한카드", "number": "4330-12**-****-1234" } }],
        "channels": [{ "type": "TEST", "pgProvider": "TOSSPAYMENTS", "pgMerchantId": "sandbox" }],
        "customer": match &info.customer_id { Some(id) => json!({ "id": id }), None => json!({}) },
        "issuedAt": time(info.issued_at),
    });
    if let (Some(at), Some(object)) = (info.deleted_at, value.as_object_mut()) {
        object.insert("deletedAt".into(), json!(time(at)));
    }
    value
}

/// `PaymentSchedule` in its status variant.
pub fn schedule(s: &SimSchedule) -> Value {
    let mut value = json!({
        "status": s.status,
        "id": s.id,
        "merchantId": MERCHANT_ID,
        "storeId": STORE_ID,
        "paymentId": s.payment_id,
        "billingKey": s.billing_key,
        "orderName": s.order_name,
        "isCulturalExpense": false,
        "isEscrow": false,
        "customer": match &s.customer_id { Some(id) => json!({ "id": id }), None => json!({}) },
        "customData": "",
        "totalAmount": s.amount,
        "currency": s.currency,
        "createdAt": time(s.created_at),
        "timeToPay": time(s.time_to_pay),
    });
    let object = value.as_object_mut().expect("built as an object");
    if let Some(at) = s.revoked_at {
        object.insert("revokedAt".into(), json!(time(at)));
    }
    if let Some(at) = s.completed_at {
        object.insert("startedAt".into(), json!(time(at)));
        object.insert("completedAt".into(), json!(time(at)));
    }
    value
}

/// PortOne's error body.
pub fn error(error_type: &str, message: &str) -> Value {
    json!({ "type": error_type, "message": message })
}
