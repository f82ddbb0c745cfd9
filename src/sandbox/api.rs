//! Sandbox-only endpoints (Swagger UI tag "Sandbox"): issue a billing key, create a paid test
//! payment, advance the sandbox clock (executing due schedules), list ledger rows and schedules,
//! cancel a payment, list the events.

use std::sync::Arc;

use chrono::Duration;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;

use super::simulator::json;
use super::simulator::state::SimPayment;
use super::{Delivery, Sandbox};
use crate::domain::timestamp::Timestamp;
use crate::ports::Clock;

/// Swagger UI tag of the sandbox endpoints.
#[derive(poem_openapi::Tags)]
pub enum SandboxTags {
    /// Sandbox mode only: simulated PortOne, movable clock.
    Sandbox,
}

/// A paid test payment to create. Every field has a default.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct NewPayment {
    /// Default 9900 (KRW: won).
    pub amount: Option<i64>,
    /// Default `월간 이용권`.
    pub order_name: Option<String>,
    /// Default `KRW`.
    pub currency: Option<String>,
    /// Default `sandbox-customer`.
    pub customer_id: Option<String>,
    /// Default `true`: a billing-key payment that can be renewed.
    pub with_billing_key: Option<bool>,
    /// Default 0: how many of the following charges of this billing key (renewals and their
    /// retries) the simulated card issuer declines, as `FAILED` payments with a `failure`.
    /// A large number declines every try.
    #[oai(validator(maximum(value = "1000")))]
    pub decline_renewals: Option<u32>,
}

/// A billing key to issue, as the browser SDK's `requestIssueBillingKey` would.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct NewBillingKey {
    /// The app's user id the key is issued for (`customer.id`).
    #[oai(validator(min_length = 1, max_length = 256))]
    pub customer_id: String,
    /// Default 0: how many of the key's next charges (the first charge, renewals and their
    /// retries) the simulated card issuer declines.
    #[oai(validator(maximum(value = "1000")))]
    pub decline_charges: Option<u32>,
}

/// The issued billing key.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct IssuedBillingKey {
    /// Paste into `POST /api/subscriptions` as `billingKey`.
    pub billing_key: String,
    pub customer_id: String,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "issue_bad_request")]
pub enum IssueResponse {
    #[oai(status = 200)]
    Ok(Json<IssuedBillingKey>),
    /// The body is not the documented JSON (or `Content-Type` is missing).
    #[oai(status = 400)]
    BadRequest(PlainText<String>),
}

fn issue_bad_request(error: poem::Error) -> IssueResponse {
    IssueResponse::BadRequest(PlainText(error.to_string()))
}

/// The created payment.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct CreatedPayment {
    /// Paste into `POST /api/portone` as `payment_id` (with `status: "Paid"`).
    pub payment_id: String,
    #[oai(skip_serializing_if_is_none)]
    pub billing_key: Option<String>,
    pub paid_at: String,
    /// A ready-to-send 2024-01-01 webhook body for this payment.
    pub webhook_body: Value,
}

/// How far to move the sandbox clock.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct Advance {
    #[oai(default)]
    pub days: i64,
    #[oai(default)]
    pub hours: i64,
    #[oai(default)]
    pub minutes: i64,
    /// Default `true`. `false` charges the due schedules but delivers no webhook, as when the
    /// service was down: `POST /api/admin/reconcile` then heals what was missed.
    pub deliver_webhooks: Option<bool>,
}

/// The webhooks the simulator delivered, with the service's answers (checklists).
#[derive(Debug, Object)]
pub struct Deliveries {
    /// The sandbox clock after the move (UTC).
    pub now: String,
    pub deliveries: Vec<Value>,
}

/// Answers of the sandbox endpoints that take a JSON body.
#[derive(ApiResponse)]
#[oai(bad_request_handler = "created_bad_request")]
pub enum CreateResponse {
    #[oai(status = 200)]
    Ok(Json<CreatedPayment>),
    /// The body is not the documented JSON (or `Content-Type` is missing).
    #[oai(status = 400)]
    BadRequest(PlainText<String>),
}

fn created_bad_request(error: poem::Error) -> CreateResponse {
    CreateResponse::BadRequest(PlainText(error.to_string()))
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "advance_bad_request")]
pub enum AdvanceResponse {
    #[oai(status = 200)]
    Ok(Json<Deliveries>),
    /// The body is not the documented JSON (or `Content-Type` is missing).
    #[oai(status = 400)]
    BadRequest(PlainText<String>),
}

fn advance_bad_request(error: poem::Error) -> AdvanceResponse {
    AdvanceResponse::BadRequest(PlainText(error.to_string()))
}

#[derive(ApiResponse)]
pub enum CancelResponse {
    /// The payment is cancelled at the simulator and the `Transaction.Cancelled` webhook was
    /// delivered; `deliveries[0]` holds the service's checklist.
    #[oai(status = 200)]
    Ok(Json<Deliveries>),
    /// No such payment at the simulator.
    #[oai(status = 404)]
    NotFound(Json<Value>),
}

pub struct SandboxApi {
    sandbox: Arc<Sandbox>,
}

impl SandboxApi {
    pub fn new(sandbox: Arc<Sandbox>) -> Self {
        Self { sandbox }
    }

    fn deliveries(&self, deliveries: Vec<Delivery>) -> Json<Deliveries> {
        let now = Timestamp::from_utc(self.sandbox.clock.now()).to_iso();
        let deliveries = deliveries
            .into_iter()
            .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
            .collect();
        Json(Deliveries { now, deliveries })
    }
}

#[OpenApi(tag = "SandboxTags::Sandbox")]
impl SandboxApi {
    /// Create a paid test payment (with a billing key by default) at the simulated PortOne.
    #[oai(path = "/sandbox/payments", method = "post")]
    async fn create_payment(&self, input: Json<NewPayment>) -> CreateResponse {
        let now = self.sandbox.clock.now();
        let mut state = self.sandbox.simulator.state();
        let n = state.payments.len() + 1;
        let key_number = state.billing_keys.len() + 1;
        let billing_key = input
            .with_billing_key
            .unwrap_or(true)
            .then(|| format!("sandbox-billing-key-{key_number:04}"));
        let customer_id = input
            .customer_id
            .clone()
            .unwrap_or_else(|| "sandbox-customer".to_owned());
        if let Some(key) = &billing_key {
            state.issue_billing_key(key, Some(&customer_id), now, input.decline_renewals.unwrap_or(0));
        }
        let payment = SimPayment {
            id: format!("sandbox-payment-{n:04}"),
            status: "PAID",
            order_name: input
                .order_name
                .clone()
                .unwrap_or_else(|| "월간 이용권".to_owned()),
            amount: input.amount.unwrap_or(9900),
            currency: input.currency.clone().unwrap_or_else(|| "KRW".to_owned()),
            billing_key: billing_key.clone(),
            customer_id: Some(customer_id),
            paid_at: now,
            cancelled_at: None,
            cancelled_amount: 0,
            custom_data: None,
            schedule_id: None,
            failure: None,
        };
        state.payments.insert(payment.id.clone(), payment.clone());
        CreateResponse::Ok(Json(CreatedPayment {
            webhook_body: serde_json::json!({ "payment_id": payment.id, "status": "Paid" }),
            payment_id: payment.id,
            billing_key,
            paid_at: Timestamp::from_utc(now).to_iso(),
        }))
    }

    /// Issue a billing key for a customer at the simulated PortOne, as the browser SDK's
    /// `requestIssueBillingKey` would; then start a subscription with it
    /// (`POST /api/subscriptions`).
    #[oai(path = "/sandbox/billing-keys", method = "post")]
    async fn issue_billing_key(&self, input: Json<NewBillingKey>) -> IssueResponse {
        let now = self.sandbox.clock.now();
        let mut state = self.sandbox.simulator.state();
        let key = format!("sandbox-billing-key-{:04}", state.billing_keys.len() + 1);
        let declines = input.decline_charges.unwrap_or(0);
        state.issue_billing_key(&key, Some(&input.customer_id), now, declines);
        IssueResponse::Ok(Json(IssuedBillingKey {
            billing_key: key,
            customer_id: input.customer_id.clone(),
        }))
    }

    /// Advance the sandbox clock; every schedule that falls due is charged (or declined, see
    /// `declineRenewals`) and its webhook (`Transaction.Paid` or `Transaction.Failed`) delivered
    /// to `POST /api/portone`. Returns the checklists produced.
    #[oai(path = "/sandbox/clock/advance", method = "post")]
    async fn advance(&self, by: Json<Advance>) -> AdvanceResponse {
        let duration = Duration::days(by.days.clamp(0, 3650))
            + Duration::hours(by.hours.clamp(0, 24 * 3650))
            + Duration::minutes(by.minutes.clamp(0, 60 * 24 * 3650));
        let deliveries = self
            .sandbox
            .advance(duration, by.deliver_webhooks.unwrap_or(true))
            .await;
        AdvanceResponse::Ok(self.deliveries(deliveries))
    }

    /// Cancel (refund) a payment at the simulator and deliver its `Transaction.Cancelled` webhook.
    #[oai(path = "/sandbox/payments/:payment_id/cancel", method = "post")]
    async fn cancel_payment(&self, payment_id: Path<String>) -> CancelResponse {
        let now = self.sandbox.clock.now();
        let found = {
            let mut state = self.sandbox.simulator.state();
            state.payments.get_mut(payment_id.as_str()).map(|payment| {
                payment.status = "CANCELLED";
                payment.cancelled_at = Some(now);
                payment.cancelled_amount = payment.amount;
            })
        };
        if found.is_none() {
            return CancelResponse::NotFound(Json(json::error(
                "PAYMENT_NOT_FOUND",
                "결제 건이 존재하지 않습니다.",
            )));
        }
        let delivery = self.sandbox.deliver(&payment_id, "Transaction.Cancelled").await;
        CancelResponse::Ok(self.deliveries(vec![delivery]))
    }

    /// Every subscription event the service wrote, oldest first, with its delivery (sent to
    /// `APP_WEBHOOK_URL` when set; otherwise they stay `pending`, listed here).
    #[oai(path = "/sandbox/events", method = "get")]
    async fn events(&self) -> Json<Vec<Value>> {
        Json(
            self.sandbox
                .ledger
                .all_events()
                .iter()
                .map(|event| serde_json::to_value(event).unwrap_or(Value::Null))
                .collect(),
        )
    }

    /// Every `payment` row of the in-memory ledger, oldest first.
    #[oai(path = "/sandbox/ledger", method = "get")]
    async fn ledger(&self) -> Json<Vec<Value>> {
        Json(
            self.sandbox
                .ledger
                .rows()
                .iter()
                .map(|row| serde_json::to_value(row).unwrap_or(Value::Null))
                .collect(),
        )
    }

    /// Every schedule at the simulator, as PortOne's `PaymentSchedule`.
    #[oai(path = "/sandbox/schedules", method = "get")]
    async fn schedules(&self) -> Json<Vec<Value>> {
        Json(
            self.sandbox
                .simulator
                .state()
                .schedules
                .iter()
                .map(json::schedule)
                .collect(),
        )
    }
}
