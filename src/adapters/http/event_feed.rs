//! `GET /api/events`: the subscription events an app (or a signed-in customer) reads, newest
//! first, a page at a time. Each event has the shape it is delivered with to `APP_WEBHOOK_URL`.

use std::sync::Arc;

use chrono::DateTime;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

use super::api_error::{error, ApiError};
use super::auth::{guarded, CallerAuth};
use super::nullable::Nullable;
use super::redact::for_caller;
use super::ApiTags;
use crate::domain::customer_id::CustomerId;
use crate::domain::event::SubscriptionEvent;
use crate::domain::event_body::public_data;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{EventPage, LedgerError, Ports};
use crate::service::events::EventDelivery;
use crate::service::Caller;

/// Default page size of `GET /api/events`.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size of `GET /api/events`.
const MAX_LIMIT: u32 = 100;

/// A subscription event, exactly as it is delivered to `APP_WEBHOOK_URL` (the `webhook-id`
/// header is its `id`).
#[derive(Debug, Object)]
pub struct EventModel {
    pub id: String,
    /// `subscription.created`, `subscription.renewed`, … (README "Events").
    #[oai(rename = "type")]
    pub event_type: String,
    /// When the change happened, UTC.
    pub occurred_at: String,
    pub subscription_id: String,
    /// PortOne's `customer.id`: the app's user id; `null` for subscriptions recorded before it
    /// was kept.
    pub customer_id: Nullable<String>,
    /// `{subscription, …}`: `subscription` is the read model after the change, the same object
    /// `GET /api/subscriptions/{subscription_id}` answers as `subscription`; the other keys say
    /// what caused it (`month`, `attempt`, …); `payment_method` is the card after the change.
    pub data: Value,
}

impl EventModel {
    fn of(event: SubscriptionEvent, caller: &Caller) -> Self {
        Self {
            id: event.id.to_string(),
            event_type: event.event_type.as_str().to_owned(),
            occurred_at: event.occurred_at.to_iso(),
            subscription_id: event.subscription_id,
            customer_id: event.customer_id.into(),
            data: for_caller(public_data(event.data), caller),
        }
    }
}

/// One page of events, newest first.
#[derive(Debug, Object)]
pub struct EventPageView {
    pub events: Vec<EventModel>,
    /// `true` when older events follow: ask again with `starting_after` = `next_cursor`.
    pub has_more: bool,
    /// Opaque; `null` on the last page.
    pub next_cursor: Nullable<String>,
}

/// The cursor after `event`: its time (UTC microseconds) and id. Opaque to clients.
fn cursor(event: &SubscriptionEvent) -> String {
    format!(
        "{}_{}",
        event.occurred_at.as_utc().timestamp_micros(),
        event.id.simple()
    )
}

fn parse_cursor(text: &str) -> Option<(Timestamp, Uuid)> {
    let (micros, id) = text.split_once('_')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((Timestamp::from_utc(at), Uuid::try_parse(id).ok()?))
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum EventFeedResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user, answered before the operation runs:
    /// `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<EventPageView>),
    /// `limit` outside 1–100, a `starting_after` this service did not give, or a malformed id.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// A customer's token named another customer (`CUSTOMER_MISMATCH`).
    #[oai(status = 403)]
    Forbidden(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

guarded!(EventFeedResponse, bad_request);

fn upstream(problem: &LedgerError) -> Json<ApiError> {
    tracing::error!(%problem, "reading events failed in storage");
    error(
        "UPSTREAM_FAILED",
        "저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}

/// The event feed, generic over the ports.
pub struct EventFeedApi<P> {
    events: Arc<EventDelivery<P>>,
}

impl<P> EventFeedApi<P> {
    pub fn new(events: Arc<EventDelivery<P>>) -> Self {
        Self { events }
    }
}

/// Whose events a caller may read: a customer only their own; the admin anyone's.
fn customer_filter(caller: &Caller, asked: Option<String>) -> Result<Option<CustomerId>, EventFeedResponse> {
    match (caller, asked) {
        (Caller::Customer(me), Some(other)) if *me != other.as_str() => Err(EventFeedResponse::Forbidden(
            error("CUSTOMER_MISMATCH", "다른 고객의 이벤트는 조회할 수 없습니다."),
        )),
        (Caller::Customer(me), _) => Ok(Some(me.clone())),
        (Caller::Admin, None) => Ok(None),
        (Caller::Admin, Some(id)) => CustomerId::parse(id)
            .map(Some)
            .map_err(|problem| EventFeedResponse::BadRequest(error("BAD_REQUEST", problem.to_string()))),
    }
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> EventFeedApi<P> {
    /// Subscription events, newest first: with a customer's token their own (each subscription
    /// they have had), with the admin token everyone's, optionally of one customer
    /// (`customer_id`) and/or subscription (`subscription_id`). `limit` 1–100 (default 20);
    /// the next page is `starting_after` = the answer's `next_cursor`. Pages never skip or
    /// repeat an event while new ones arrive (they land on the first page).
    #[oai(path = "/api/events", method = "get")]
    async fn list(
        &self,
        CallerAuth(caller): CallerAuth,
        customer_id: Query<Option<String>>,
        subscription_id: Query<Option<String>>,
        limit: Query<Option<u32>>,
        starting_after: Query<Option<String>>,
    ) -> EventFeedResponse {
        let customer_id = match customer_filter(&caller, customer_id.0) {
            Ok(filter) => filter,
            Err(answer) => return answer,
        };
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            let message = format!("limit은 1 이상 {MAX_LIMIT} 이하여야 합니다.");
            return EventFeedResponse::BadRequest(error("BAD_REQUEST", message));
        }
        let before = match starting_after.0.as_deref().map(parse_cursor) {
            None => None,
            Some(Some(before)) => Some(before),
            Some(None) => {
                let message = "starting_after는 이전 응답의 next_cursor여야 합니다.";
                return EventFeedResponse::BadRequest(error("BAD_REQUEST", message));
            }
        };
        let subscription_id = match subscription_id.0.map(SubscriptionId::parse).transpose() {
            Ok(id) => id,
            Err(problem) => return EventFeedResponse::BadRequest(error("BAD_REQUEST", problem.to_string())),
        };
        let page = EventPage {
            subscription_id,
            customer_id,
            before,
            limit: limit + 1,
        };
        let mut events = match self.events.page(&page).await {
            Ok(events) => events,
            Err(problem) => return EventFeedResponse::UpstreamFailed(upstream(&problem)),
        };
        let has_more = events.len() > limit as usize;
        events.truncate(limit as usize);
        let next_cursor = events.last().filter(|_| has_more).map(cursor);
        EventFeedResponse::Ok(Json(EventPageView {
            events: events
                .into_iter()
                .map(|event| EventModel::of(event, &caller))
                .collect(),
            has_more,
            next_cursor: next_cursor.into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_position_it_names() {
        let at = Timestamp::from_utc(DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap());
        let id = Uuid::from_u128(7);
        let text = format!("{}_{}", at.as_utc().timestamp_micros(), id.simple());
        assert_eq!(parse_cursor(&text), Some((at, id)));
        assert_eq!(parse_cursor("garbage"), None);
        assert_eq!(parse_cursor("1_notauuid"), None);
    }
}
