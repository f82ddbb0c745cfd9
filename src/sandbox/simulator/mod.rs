//! An in-process PortOne V2 simulator on a loopback port: the service's real reqwest adapter talks
//! to it over HTTP, so sandbox mode exercises the production code path. It answers the
//! operations the service uses as PortOne's schema says, with PortOne's error `type`s: payments,
//! schedules, billing-key charges and refunds (`charges`).

mod charges;
pub mod json;
mod schedules;
pub mod state;

use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Path};
use poem::{delete, get, handler, post, EndpointExt, IntoResponse, Request, Response, Route, Server};
use serde::Deserialize;
use serde_json::Value;

use crate::ports::Clock;
use state::{SimSchedule, State};

/// The API secret the simulator accepts (`Authorization: PortOne sandbox-api-secret`).
pub const SANDBOX_API_SECRET: &str = "sandbox-api-secret";

/// Shared between the HTTP handlers and the sandbox endpoints.
pub struct Simulator {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
}

impl Simulator {
    pub fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State::default()),
            clock,
        })
    }

    /// The state, for the sandbox endpoints.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Serves the simulator on `127.0.0.1` with a free port; returns its base URL.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn serve(self: &Arc<Self>) -> anyhow::Result<String> {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .context("Failed to bind the simulator")?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the simulator has no address")?;
        let app = Route::new()
            .at("/payments/:payment_id", get(get_payment))
            .at("/payments/:payment_id/schedule", post(create_schedule))
            .at("/payments/:payment_id/billing-key", post(charges::pay))
            .at("/payments/:payment_id/cancel", post(charges::cancel))
            .at("/billing-keys/:billing_key", get(charges::billing_key))
            .at(
                "/payment-schedules",
                delete(schedules::revoke).get(schedules::list),
            )
            .at("/payment-schedules/:schedule_id", get(schedules::get))
            .around(|endpoint, request: Request| async move {
                let expected = format!("PortOne {SANDBOX_API_SECRET}");
                match request.header("authorization") {
                    Some(value) if value == expected => poem::Endpoint::call(&*endpoint, request)
                        .await
                        .map(IntoResponse::into_response),
                    _ => Ok(answer(
                        StatusCode::UNAUTHORIZED,
                        json::error("UNAUTHORIZED", "인증 정보가 올바르지 않습니다."),
                    )),
                }
            })
            .data(self.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Ok(format!("http://{addr}"))
    }
}

pub(super) fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

#[handler]
fn get_payment(sim: Data<&Arc<Simulator>>, Path(id): Path<String>) -> Response {
    match sim.state().payments.get(&id) {
        Some(payment) => answer(StatusCode::OK, json::payment(payment)),
        None => answer(
            StatusCode::NOT_FOUND,
            json::error("PAYMENT_NOT_FOUND", "결제 건이 존재하지 않습니다."),
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    payment: ScheduleInput,
    time_to_pay: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInput {
    billing_key: String,
    order_name: String,
    amount: AmountInput,
    currency: String,
    #[serde(default)]
    customer: Option<CustomerInput>,
    #[serde(default)]
    custom_data: Option<String>,
}

#[derive(Deserialize)]
struct AmountInput {
    total: i64,
}

#[derive(Deserialize)]
struct CustomerInput {
    id: Option<String>,
}

pub(super) fn invalid(message: String) -> Response {
    answer(StatusCode::BAD_REQUEST, json::error("INVALID_REQUEST", &message))
}

#[handler]
fn create_schedule(sim: Data<&Arc<Simulator>>, Path(payment_id): Path<String>, body: String) -> Response {
    let body: CreateBody = match serde_json::from_str(&body) {
        Ok(body) => body,
        Err(error) => return invalid(error.to_string()),
    };
    let now = sim.now();
    let mut state = sim.state();
    if !state.billing_keys.contains_key(&body.payment.billing_key) {
        return answer(
            StatusCode::NOT_FOUND,
            json::error("BILLING_KEY_NOT_FOUND", "빌링키가 존재하지 않습니다."),
        );
    }
    if state
        .schedules
        .iter()
        .any(|s| s.payment_id == payment_id && s.status != "REVOKED")
    {
        let error = json::error(
            "PAYMENT_SCHEDULE_ALREADY_EXISTS",
            "결제 예약건이 이미 존재합니다.",
        );
        return answer(StatusCode::CONFLICT, error);
    }
    let id = format!("sandbox-schedule-{:05}", state.schedules.len() + 1);
    state.schedules.push(SimSchedule {
        id: id.clone(),
        payment_id,
        billing_key: body.payment.billing_key,
        order_name: body.payment.order_name,
        customer_id: body.payment.customer.and_then(|c| c.id),
        amount: body.payment.amount.total,
        currency: body.payment.currency,
        time_to_pay: body.time_to_pay,
        created_at: now,
        status: "SCHEDULED",
        revoked_at: None,
        completed_at: None,
        custom_data: body.payment.custom_data,
    });
    answer(StatusCode::OK, serde_json::json!({ "schedule": { "id": id } }))
}
