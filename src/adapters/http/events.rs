//! The outbox for operators (admin token): list subscription events with their delivery attempts,
//! and send one again.

use crate::adapters::http::nullable::Nullable;
use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::Value;
use uuid::Uuid;

use super::api_error::{error, ApiError};
use super::auth::{guarded, AdminAuth};
use super::ApiTags;
use crate::domain::event::{DeliveryStatus, SubscriptionEvent};
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{EventFilter, LedgerError, Ports};
use crate::service::events::EventDelivery;

/// One delivery attempt.
#[derive(Debug, Object)]
pub struct AttemptView {
    /// 1 for the first.
    pub attempt: u32,
    /// UTC.
    pub attempted_at: String,
    /// `delivered`, `http_<status>`, `timeout` or `connect_error`.
    pub result: String,
    pub http_status: Nullable<u16>,
    pub error: Nullable<String>,
}

/// A subscription event and its delivery.
#[derive(Debug, Object)]
pub struct EventView {
    /// The event's id: the `webhook-id` it is delivered with.
    pub id: String,
    /// `subscription.created`, `subscription.renewed`, … (README "Events").
    #[oai(rename = "type")]
    pub event_type: String,
    pub subscription_id: String,
    pub customer_id: Nullable<String>,
    /// When the change happened, UTC.
    pub occurred_at: String,
    /// `{subscription, …}`: the read model after the change, and what caused it.
    pub data: Value,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: u32,
    /// When the next attempt may start, UTC (while pending).
    pub next_attempt_at: String,
    pub last_error: Nullable<String>,
    pub delivered_at: Nullable<String>,
    pub delivery_attempts: Vec<AttemptView>,
}

impl From<SubscriptionEvent> for EventView {
    fn from(event: SubscriptionEvent) -> Self {
        Self {
            id: event.id.to_string(),
            event_type: event.event_type.as_str().to_owned(),
            subscription_id: event.subscription_id,
            customer_id: event.customer_id.into(),
            occurred_at: event.occurred_at.to_iso(),
            data: crate::domain::event_body::public_data(event.data),
            status: event.status.as_str().to_owned(),
            attempts: event.attempts,
            next_attempt_at: event.next_attempt_at.to_iso(),
            last_error: event.last_error.into(),
            delivered_at: event.delivered_at.map(|at| at.to_iso()).into(),
            delivery_attempts: event
                .delivery_attempts
                .into_iter()
                .map(|a| AttemptView {
                    attempt: a.attempt,
                    attempted_at: a.attempted_at.to_iso(),
                    result: a.result.as_column(),
                    http_status: a.http_status.into(),
                    error: a.error.into(),
                })
                .collect(),
        }
    }
}

/// Events, newest first.
#[derive(Debug, Object)]
pub struct EventList {
    pub events: Vec<EventView>,
}

fn upstream(problem: &LedgerError) -> Json<ApiError> {
    tracing::error!(%problem, "an events operation failed in storage");
    error(
        "UPSTREAM_FAILED",
        "저장소 호출에 실패했습니다. 다시 시도해 주세요.",
    )
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum ListEventsResponse {
    /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750), answered before
    /// the operation runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token
    /// was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A signed-in customer's Supabase access token: only the app's server may do this
    /// (`WWW-Authenticate: Bearer error="insufficient_scope"`).
    #[oai(status = 403)]
    AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<EventList>),
    /// `status` is not `pending`, `delivered` or `failed`, or `limit` is out of 1–500.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

#[derive(ApiResponse)]
pub enum RedeliverResponse {
    /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750), answered before
    /// the operation runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token
    /// was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A signed-in customer's Supabase access token: only the app's server may do this
    /// (`WWW-Authenticate: Bearer error="insufficient_scope"`).
    #[oai(status = 403)]
    AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// The id in the path has a control character (NUL, …) or is not UTF-8: refused before the
    /// operation runs.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// Sent again (or, without `APP_WEBHOOK_URL`, made pending again): the event as stored
    /// after the attempt.
    #[oai(status = 200)]
    Ok(Json<Box<EventView>>),
    /// No event has this id.
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

guarded!(ListEventsResponse, admin_only, bad_request);
guarded!(RedeliverResponse, admin_only);

/// The event operations, generic over the ports.
pub struct EventApi<P> {
    events: Arc<EventDelivery<P>>,
}

impl<P> EventApi<P> {
    pub fn new(events: Arc<EventDelivery<P>>) -> Self {
        Self { events }
    }
}

#[OpenApi(tag = "ApiTags::Admin")]
impl<P: Ports> EventApi<P> {
    /// Subscription events, newest first, with their delivery attempts and last error; of one
    /// subscription (`subscription_id`) and/or in one status (`status`: `pending`, `delivered`,
    /// `failed`). At most `limit` (default 100, at most 500).
    #[oai(path = "/api/admin/events", method = "get")]
    async fn list(
        &self,
        _auth: AdminAuth,
        subscription_id: Query<Option<String>>,
        status: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> ListEventsResponse {
        let status = match status.0.as_deref().map(DeliveryStatus::parse) {
            None => None,
            Some(Some(status)) => Some(status),
            Some(None) => {
                let message = "status는 pending, delivered, failed 중 하나여야 합니다.";
                return ListEventsResponse::BadRequest(error("BAD_REQUEST", message));
            }
        };
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            let message = "limit은 1 이상 500 이하여야 합니다.";
            return ListEventsResponse::BadRequest(error("BAD_REQUEST", message));
        }
        let subscription_id = match subscription_id.0.filter(|id| !id.trim().is_empty()) {
            None => None,
            Some(id) => match SubscriptionId::parse(id) {
                Ok(id) => Some(id),
                Err(problem) => {
                    return ListEventsResponse::BadRequest(error("BAD_REQUEST", problem.to_string()));
                }
            },
        };
        let filter = EventFilter {
            subscription_id,
            status,
            limit,
        };
        match self.events.list(&filter).await {
            Ok(events) => ListEventsResponse::Ok(Json(EventList {
                events: events.into_iter().map(EventView::from).collect(),
            })),
            Err(problem) => ListEventsResponse::UpstreamFailed(upstream(&problem)),
        }
    }

    /// Send one event again now, whatever its status (a `failed` one included); the answer is
    /// the event after the attempt.
    #[oai(path = "/api/admin/events/:event_id/redeliver", method = "post")]
    async fn redeliver(&self, _auth: AdminAuth, event_id: Path<String>) -> RedeliverResponse {
        let not_found = || RedeliverResponse::NotFound(error("NOT_FOUND", "이벤트를 찾을 수 없습니다."));
        let Ok(id) = Uuid::parse_str(&event_id) else {
            return not_found();
        };
        match self.events.redeliver(id).await {
            Ok(Some(event)) => RedeliverResponse::Ok(Json(Box::new(event.into()))),
            Ok(None) => not_found(),
            Err(problem) => RedeliverResponse::UpstreamFailed(upstream(&problem)),
        }
    }
}
