//! The simulator's schedule operations: `revokePaymentSchedules`, `getPaymentSchedule` and
//! `getPaymentSchedules`, answered as PortOne's schema says. The list and revoke operations take
//! their body as JSON or as a URL-encoded `requestBody` query parameter
//! (`x-portone-query-or-body`), as PortOne's server SDKs send it.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Response};
use serde::Deserialize;
use serde_json::Value;

use super::state::SimSchedule;
use super::{answer, invalid, json, Simulator};

/// `?requestBody=…`, the query form of a body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BodyQuery {
    request_body: Option<String>,
}

/// The operation's body: the JSON body when there is one, else the `requestBody` parameter,
/// else `{}`; a body that is not JSON is answered with PortOne's `INVALID_REQUEST`.
fn query_or_body<T: serde::de::DeserializeOwned>(query: BodyQuery, body: &str) -> Result<T, Box<Response>> {
    let text = if body.trim().is_empty() {
        query.request_body.unwrap_or_else(|| "{}".to_owned())
    } else {
        body.to_owned()
    };
    serde_json::from_str(&text).map_err(|error| Box::new(invalid(error.to_string())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeBody {
    #[serde(default)]
    billing_key: Option<String>,
    #[serde(default)]
    schedule_ids: Vec<String>,
}

/// All-or-nothing, as PortOne's `revokePaymentSchedules`: the listed ids, or every `SCHEDULED`
/// schedule of `billingKey`.
#[handler]
pub(super) fn revoke(sim: Data<&Arc<Simulator>>, Query(query): Query<BodyQuery>, body: String) -> Response {
    let body: RevokeBody = match query_or_body(query, &body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let now = sim.now();
    let mut state = sim.state();
    let ids: Vec<String> = match (&body.billing_key, body.schedule_ids.is_empty()) {
        (None, true) => return invalid("billingKey or scheduleIds is required".to_owned()),
        (Some(key), true) => state
            .schedules
            .iter()
            .filter(|s| &s.billing_key == key && s.status == "SCHEDULED")
            .map(|s| s.id.clone())
            .collect(),
        (_, false) => body.schedule_ids,
    };
    for id in &ids {
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
    for schedule in state.schedules.iter_mut().filter(|s| ids.contains(&s.id)) {
        schedule.status = "REVOKED";
        schedule.revoked_at = Some(now);
    }
    let revoked_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    answer(
        StatusCode::OK,
        serde_json::json!({ "revokedScheduleIds": ids, "revokedAt": revoked_at }),
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

/// `GetPaymentSchedulesBody`, the parts the simulator honours.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ListBody {
    page: Page,
    sort: Sort,
    filter: Filter,
}

/// `PaymentScheduleSortInput`: by `timeToPay` only; `DESC` (PortOne's default) or `ASC`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Sort {
    order: Option<String>,
}

#[derive(Deserialize)]
#[serde(default)]
struct Page {
    number: usize,
    size: usize,
}

impl Default for Page {
    /// PortOne's defaults: page 0 of 10.
    fn default() -> Self {
        Self { number: 0, size: 10 }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Filter {
    billing_key: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    status: Option<Vec<String>>,
}

/// `GET /payment-schedules`: filtered by billing key, statuses and a `timeToPay` window that
/// defaults, as PortOne's does, to the last 90 days; newest `timeToPay` first unless `ASC`; paged.
#[handler]
pub(super) fn list(sim: Data<&Arc<Simulator>>, Query(query): Query<BodyQuery>, body: String) -> Response {
    let ListBody { page, sort, filter }: ListBody = match query_or_body(query, &body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let now = sim.now();
    let until = filter.until.unwrap_or(now);
    let from = filter.from.unwrap_or(until - Duration::days(90));
    let state = sim.state();
    let wanted = |s: &&SimSchedule| {
        filter
            .billing_key
            .as_ref()
            .is_none_or(|key| key == &s.billing_key)
            && filter
                .status
                .as_ref()
                .is_none_or(|statuses| statuses.iter().any(|status| status == s.status))
            && s.time_to_pay >= from
            && s.time_to_pay <= until
    };
    let mut matching: Vec<&SimSchedule> = state.schedules.iter().filter(wanted).collect();
    matching.sort_by(|a, b| b.time_to_pay.cmp(&a.time_to_pay).then(a.id.cmp(&b.id)));
    if sort.order.as_deref() == Some("ASC") {
        matching.reverse();
    }
    let size = page.size.clamp(1, 1000);
    let items: Vec<Value> = matching
        .iter()
        .skip(page.number.saturating_mul(size))
        .take(size)
        .map(|s| json::schedule(s))
        .collect();
    answer(
        StatusCode::OK,
        serde_json::json!({ "items": items, "page": { "number": page.number, "size": size, "totalCount": matching.len() } }),
    )
}
