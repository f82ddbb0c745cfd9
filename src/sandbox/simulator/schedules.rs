//! The simulator's schedule operations: `revokePaymentSchedules`, `getPaymentSchedule` and
//! `getPaymentSchedules`, answered as PortOne's schema says.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Response};
use serde::Deserialize;
use serde_json::Value;

use super::{answer, invalid, json, Simulator};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeBody {
    #[serde(default)]
    schedule_ids: Vec<String>,
}

/// All-or-nothing, as PortOne's `revokePaymentSchedules`.
#[handler]
pub(super) fn revoke(sim: Data<&Arc<Simulator>>, body: String) -> Response {
    let body: RevokeBody = match serde_json::from_str(&body) {
        Ok(body) => body,
        Err(error) => return invalid(error.to_string()),
    };
    let now = sim.now();
    let mut state = sim.state();
    for id in &body.schedule_ids {
        let problem = match state.schedules.iter().find(|s| &s.id == id).map(|s| s.status) {
            None => Some((StatusCode::NOT_FOUND, "PAYMENT_SCHEDULE_NOT_FOUND")),
            Some("REVOKED") => Some((StatusCode::CONFLICT, "PAYMENT_SCHEDULE_ALREADY_REVOKED")),
            Some("SCHEDULED") => None,
            Some(_) => Some((StatusCode::CONFLICT, "PAYMENT_SCHEDULE_ALREADY_PROCESSED")),
        };
        if let Some((status, error_type)) = problem {
            return answer(status, json::error(error_type, id));
        }
    }
    for schedule in state
        .schedules
        .iter_mut()
        .filter(|s| body.schedule_ids.contains(&s.id))
    {
        schedule.status = "REVOKED";
        schedule.revoked_at = Some(now);
    }
    let revoked_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    answer(
        StatusCode::OK,
        serde_json::json!({ "revokedScheduleIds": body.schedule_ids, "revokedAt": revoked_at }),
    )
}

#[handler]
pub(super) fn get(sim: Data<&Arc<Simulator>>, Path(id): Path<String>) -> Response {
    match sim.state().schedules.iter().find(|s| s.id == id) {
        Some(schedule) => answer(StatusCode::OK, json::schedule(schedule)),
        None => answer(
            StatusCode::NOT_FOUND,
            json::error("PAYMENT_SCHEDULE_NOT_FOUND", "결제 예약 건이 존재하지 않습니다."),
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    request_body: Option<String>,
}

/// `GET /payment-schedules?requestBody=…`, filtered by billing key and `timeToPay` window.
#[handler]
pub(super) fn list(sim: Data<&Arc<Simulator>>, Query(query): Query<ListQuery>) -> Response {
    let filter: Value = query
        .request_body
        .and_then(|body| serde_json::from_str::<Value>(&body).ok())
        .map(|body| body["filter"].clone())
        .unwrap_or(Value::Null);
    let bound = |name: &str| {
        filter[name]
            .as_str()
            .and_then(|t| t.parse::<DateTime<Utc>>().ok())
    };
    let (from, until) = (bound("from"), bound("until"));
    let state = sim.state();
    let items: Vec<Value> = state
        .schedules
        .iter()
        .filter(|s| {
            filter["billingKey"]
                .as_str()
                .is_none_or(|key| key == s.billing_key)
        })
        .filter(|s| {
            from.is_none_or(|from| s.time_to_pay >= from) && until.is_none_or(|until| s.time_to_pay <= until)
        })
        .map(json::schedule)
        .collect();
    let total = items.len();
    answer(
        StatusCode::OK,
        serde_json::json!({ "items": items, "page": { "number": 0, "size": total, "totalCount": total } }),
    )
}
