//! The simulator's `payWithBillingKey`, `getBillingKeyInfo` and `cancelPayment`, answered as
//! PortOne's schema says, with PortOne's error `type`s: `BILLING_KEY_NOT_FOUND`,
//! `BILLING_KEY_ALREADY_DELETED`, `ALREADY_PAID`, `PAYMENT_SCHEDULE_ALREADY_EXISTS`, `PG_PROVIDER` (a decline, with `pgCode` and
//! `pgMessage`), `PAYMENT_NOT_FOUND`, `PAYMENT_ALREADY_CANCELLED`,
//! `CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN`, `CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT`.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{handler, Response};
use serde::Deserialize;
use serde_json::json;

use super::state::{SimFailure, SimPayment, State};
use super::{answer, invalid, json, Simulator};

/// `BillingKeyPaymentInput`: what the simulator reads of it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayBody {
    billing_key: String,
    order_name: String,
    amount: Total,
    currency: String,
    #[serde(default)]
    customer: Option<Customer>,
    #[serde(default)]
    custom_data: Option<String>,
}

#[derive(Deserialize)]
struct Total {
    total: i64,
}

#[derive(Deserialize)]
struct Customer {
    id: Option<String>,
}

/// Why `key` cannot be charged, as PortOne answers it.
fn unchargeable(state: &State, key: &str) -> Option<Response> {
    match state.billing_keys.get(key) {
        None => Some(answer(
            StatusCode::NOT_FOUND,
            json::error("BILLING_KEY_NOT_FOUND", "빌링키가 존재하지 않습니다."),
        )),
        Some(info) if info.deleted_at.is_some() => Some(answer(
            StatusCode::CONFLICT,
            json::error("BILLING_KEY_ALREADY_DELETED", "빌링키가 이미 삭제되었습니다."),
        )),
        Some(_) => None,
    }
}

#[handler]
pub(super) fn pay(sim: Data<&Arc<Simulator>>, Path(payment_id): Path<String>, body: String) -> Response {
    let body: PayBody = match serde_json::from_str(&body) {
        Ok(body) => body,
        Err(error) => return invalid(error.to_string()),
    };
    let now = sim.now();
    let mut state = sim.state();
    if let Some(refused) = unchargeable(&state, &body.billing_key) {
        return refused;
    }
    if state
        .payments
        .get(&payment_id)
        .is_some_and(|p| p.status == "PAID")
    {
        return answer(
            StatusCode::CONFLICT,
            json::error("ALREADY_PAID", "이미 결제된 결제 건입니다."),
        );
    }
    // A paymentId with a live schedule cannot be paid now (`PayWithBillingKeyError`).
    if state
        .schedules
        .iter()
        .any(|s| s.payment_id == payment_id && s.status == "SCHEDULED")
    {
        return answer(
            StatusCode::CONFLICT,
            json::error(
                "PAYMENT_SCHEDULE_ALREADY_EXISTS",
                "결제 예약건이 이미 존재합니다.",
            ),
        );
    }
    let declined = state.take_decline(&body.billing_key);
    let failure = declined.then(SimFailure::insufficient_funds);
    let payment = SimPayment {
        id: payment_id.clone(),
        status: if declined { "FAILED" } else { "PAID" },
        order_name: body.order_name,
        amount: body.amount.total,
        currency: body.currency,
        billing_key: Some(body.billing_key),
        customer_id: body.customer.and_then(|c| c.id),
        paid_at: now,
        cancelled_at: None,
        cancelled_amount: 0,
        custom_data: body.custom_data,
        schedule_id: None,
        failure: failure.clone(),
    };
    state.payments.insert(payment_id.clone(), payment);
    if let Some(failure) = failure {
        let error = json!({ "type": "PG_PROVIDER", "message": failure.reason, "pgCode": failure.pg_code, "pgMessage": failure.pg_message });
        return answer(StatusCode::BAD_GATEWAY, error);
    }
    let summary = json!({ "payment": { "pgTxId": format!("pg-{payment_id}"), "paidAt": json::time(now) } });
    answer(StatusCode::OK, summary)
}

#[handler]
pub(super) fn billing_key(sim: Data<&Arc<Simulator>>, Path(key): Path<String>) -> Response {
    match sim.state().billing_keys.get(&key) {
        Some(info) => answer(StatusCode::OK, json::billing_key(&key, info)),
        None => answer(
            StatusCode::NOT_FOUND,
            json::error("BILLING_KEY_NOT_FOUND", "빌링키가 존재하지 않습니다."),
        ),
    }
}

/// `CancelPaymentBody`: what the simulator reads of it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    #[serde(default)]
    amount: Option<i64>,
    reason: String,
    #[serde(default)]
    current_cancellable_amount: Option<i64>,
}

#[handler]
pub(super) fn cancel(sim: Data<&Arc<Simulator>>, Path(payment_id): Path<String>, body: String) -> Response {
    let body: CancelBody = match serde_json::from_str(&body) {
        Ok(body) => body,
        Err(error) => return invalid(error.to_string()),
    };
    let now = sim.now();
    let mut state = sim.state();
    let Some(payment) = state.payments.get_mut(&payment_id) else {
        return answer(
            StatusCode::NOT_FOUND,
            json::error("PAYMENT_NOT_FOUND", "결제 건이 존재하지 않습니다."),
        );
    };
    let refuse = |code: &str, message: &str| answer(StatusCode::CONFLICT, json::error(code, message));
    match payment.status {
        "CANCELLED" => return refuse("PAYMENT_ALREADY_CANCELLED", "이미 취소된 결제 건입니다."),
        "PAID" | "PARTIAL_CANCELLED" => {}
        _ => return refuse("PAYMENT_NOT_PAID", "결제 완료되지 않은 결제 건입니다."),
    }
    let cancellable = payment.amount - payment.cancelled_amount;
    if body
        .current_cancellable_amount
        .is_some_and(|stated| stated != cancellable)
    {
        return refuse(
            "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN",
            "취소 가능 잔액 검증에 실패했습니다.",
        );
    }
    let amount = body.amount.unwrap_or(cancellable);
    if amount <= 0 || amount > cancellable {
        return refuse(
            "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT",
            "결제 취소 금액이 취소 가능 금액을 초과합니다.",
        );
    }
    payment.cancelled_amount += amount;
    payment.cancelled_at = Some(now);
    payment.status = if payment.cancelled_amount == payment.amount {
        "CANCELLED"
    } else {
        "PARTIAL_CANCELLED"
    };
    let mut cancellation = json::cancellation(payment, amount, now);
    cancellation["reason"] = json!(body.reason);
    answer(StatusCode::OK, json!({ "cancellation": cancellation }))
}
