//! The sandbox endpoints' requests and answers.

use crate::adapters::http::nullable::Nullable;
use crate::adapters::http::request_problem;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;

use crate::adapters::http::{ApiError, Text};

/// A paid test payment to create. Every field has a default.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPayment {
    /// Default 9900 (KRW: won); 1 to 10,000,000,000.
    #[oai(validator(minimum(value = "1"), maximum(value = "10000000000")))]
    pub amount: Option<i64>,
    /// Default `월간 이용권`; at most 100 characters.
    #[oai(validator(max_length = 100))]
    pub order_name: Option<Text>,
    /// Default `KRW`.
    #[oai(validator(max_length = 3))]
    pub currency: Option<Text>,
    /// Default `sandbox-customer`.
    #[oai(validator(min_length = 1, max_length = 256))]
    pub customer_id: Option<Text>,
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
#[oai(deny_unknown_fields)]
pub struct NewBillingKey {
    /// The app's user id the key is issued for (`customer.id`).
    #[oai(validator(min_length = 1, max_length = 256))]
    pub customer_id: Text,
    /// Default 0: how many of the key's next charges (the first charge, renewals and their
    /// retries) the simulated card issuer declines.
    #[oai(validator(maximum(value = "1000")))]
    pub decline_charges: Option<u32>,
}

/// The issued billing key.
#[derive(Debug, Object)]
pub struct IssuedBillingKey {
    /// Paste into `POST /api/subscriptions` as `billing_key`.
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
    BadRequest(Json<ApiError>),
}

fn issue_bad_request(problem: poem::Error) -> IssueResponse {
    IssueResponse::BadRequest(request_problem(&problem))
}

/// The created payment.
#[derive(Debug, Object)]
pub struct CreatedPayment {
    /// Paste into `POST /api/portone` as `payment_id` (with `status: "Paid"`).
    pub payment_id: String,
    pub billing_key: Nullable<String>,
    pub paid_at: String,
    /// A ready-to-send 2024-01-01 webhook body for this payment.
    pub webhook_body: Value,
}

/// How far to move the sandbox clock.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Advance {
    /// 0 to 366; with `hours` and `minutes`, at most 366 days in all.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "366")))]
    pub days: i64,
    /// 0 to 8,784.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "8784")))]
    pub hours: i64,
    /// 0 to 527,040.
    #[oai(default, validator(minimum(value = "0"), maximum(value = "527040")))]
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
    BadRequest(Json<ApiError>),
}

fn created_bad_request(problem: poem::Error) -> CreateResponse {
    CreateResponse::BadRequest(request_problem(&problem))
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "advance_bad_request")]
pub enum AdvanceResponse {
    #[oai(status = 200)]
    Ok(Json<Deliveries>),
    /// The body is not the documented JSON (or `Content-Type` is missing), a field is out of its
    /// range, the move is longer than 366 days, or it would take the clock past the sandbox's
    /// end of time (`CLOCK_LIMIT`: 2200-01-01).
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
}

fn advance_bad_request(problem: poem::Error) -> AdvanceResponse {
    AdvanceResponse::BadRequest(request_problem(&problem))
}

#[derive(ApiResponse)]
pub enum CancelResponse {
    /// The id in the path has a control character (NUL, …) or is not UTF-8: refused before the
    /// operation runs.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// The payment is cancelled at the simulator and the `Transaction.Cancelled` webhook was
    /// delivered; `deliveries[0]` holds the service's checklist.
    #[oai(status = 200)]
    Ok(Json<Deliveries>),
    /// No such payment at the simulator.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
}
