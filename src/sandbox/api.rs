//! Sandbox-only endpoints (Swagger UI tag "Sandbox"): issue a billing key, create a paid test
//! payment, advance the sandbox clock (executing due schedules), list ledger rows and schedules,
//! cancel a payment, list the events.

use std::sync::Arc;

use chrono::Duration;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::OpenApi;
use serde_json::Value;

pub use super::api_types::*;
use super::simulator::json;
use super::simulator::state::SimPayment;
use super::{Delivery, Sandbox};
use crate::adapters::http::error;
use crate::domain::timestamp::Timestamp;
use crate::ports::Clock;

/// The longest single move of the sandbox clock, in days.
const MAX_ADVANCE_DAYS: i64 = 366;

/// The sandbox clock never passes this instant, so no period or retry computed from it can leave
/// the range a timestamp can hold.
static SANDBOX_END_OF_TIME: std::sync::LazyLock<chrono::DateTime<chrono::Utc>> =
    std::sync::LazyLock::new(|| {
        chrono::DateTime::parse_from_rfc3339("2200-01-01T00:00:00Z")
            .map(|at| at.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    });

/// Swagger UI tag of the sandbox endpoints.
#[derive(poem_openapi::Tags)]
pub enum SandboxTags {
    /// Sandbox mode only: simulated PortOne, movable clock.
    Sandbox,
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
            .as_ref()
            .map_or_else(|| "sandbox-customer".to_owned(), |id| id.to_string());
        if let Some(key) = &billing_key {
            state.issue_billing_key(key, Some(&customer_id), now, input.decline_renewals.unwrap_or(0));
        }
        let payment = SimPayment {
            id: format!("sandbox-payment-{n:04}"),
            status: "PAID",
            order_name: input
                .order_name
                .as_ref()
                .map_or_else(|| "월간 이용권".to_owned(), |name| name.to_string()),
            amount: input.amount.unwrap_or(9900),
            currency: input
                .currency
                .as_ref()
                .map_or_else(|| "KRW".to_owned(), |currency| currency.to_string()),
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
            billing_key: billing_key.into(),
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
            customer_id: input.customer_id.to_string(),
        }))
    }

    /// Advance the sandbox clock; every schedule that falls due is charged (or declined, see
    /// `decline_renewals`) and its webhook (`Transaction.Paid` or `Transaction.Failed`) delivered
    /// to `POST /api/portone`. Returns the checklists produced.
    #[oai(path = "/sandbox/clock/advance", method = "post")]
    async fn advance(&self, by: Json<Advance>) -> AdvanceResponse {
        // Each field is bounded by its validator, so none of this can overflow.
        let duration = Duration::days(by.days) + Duration::hours(by.hours) + Duration::minutes(by.minutes);
        if duration > Duration::days(MAX_ADVANCE_DAYS) {
            let message = format!("한 번에 {MAX_ADVANCE_DAYS}일보다 길게 옮길 수 없습니다.");
            return AdvanceResponse::BadRequest(error("BAD_REQUEST", message));
        }
        let end_of_time = *SANDBOX_END_OF_TIME;
        if self.sandbox.clock.now() + duration > end_of_time {
            let message = format!("샌드박스 시계는 {}를 넘을 수 없습니다.", end_of_time.to_rfc3339());
            return AdvanceResponse::BadRequest(error("CLOCK_LIMIT", message));
        }
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
            return CancelResponse::NotFound(error("PAYMENT_NOT_FOUND", "결제 건이 존재하지 않습니다."));
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
                .map(|event| {
                    let mut shown = serde_json::to_value(event).unwrap_or(Value::Null);
                    // The data as delivered and as `GET /api/events` shows it.
                    shown["data"] = crate::domain::event_body::public_data(event.data.clone());
                    shown
                })
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
