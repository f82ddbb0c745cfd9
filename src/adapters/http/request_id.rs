//! Request ids: every request runs in a `request` span carrying its `request_id` (the caller's
//! `X-Request-Id` when it is sane, else a new UUID), echoed in the response's `X-Request-Id`, and
//! the Standard Webhooks `webhook-id` when present, so every log line of a request can be found by
//! either (the `webhook-id` is what PortOne's console shows for a delivery). Every answer also
//! says how long the request waited on PortOne and storage (`Server-Timing`, see
//! [`upstream_time`]).

use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;

use crate::telemetry::upstream_time;

/// The header read and answered.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Answered on every response: the time spent waiting on PortOne and storage, and in all.
pub const SERVER_TIMING_HEADER: &str = "server-timing";
const WEBHOOK_ID_HEADER: &str = "webhook-id";
/// Longest id kept; a longer one is replaced (request ids) or not logged (webhook ids).
const MAX_ID_LEN: usize = 128;

/// The middleware; see the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestId;

impl<E: Endpoint> Middleware<E> for RequestId {
    type Output = RequestIdEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestIdEndpoint { inner }
    }
}

/// [`RequestId`] around an endpoint.
pub struct RequestIdEndpoint<E> {
    inner: E,
}

/// `upstream;dur=…, total;dur=…` in milliseconds (W3C Server Timing): the service's own share of
/// the request is `total − upstream`.
fn server_timing(upstream_ms: f64, total_ms: f64) -> String {
    format!("upstream;dur={upstream_ms:.3};desc=\"PortOne and storage\", total;dur={total_ms:.3}")
}

/// 1–128 characters of `A–Z a–z 0–9 - _ . :`: safe in a header and a log line. Anything else
/// (spaces, control characters, a megabyte) is not an id we repeat.
fn sane(value: Option<&HeaderValue>) -> Option<&str> {
    let text = value?.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= MAX_ID_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then_some(text)
}

impl<E: Endpoint> Endpoint for RequestIdEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Self::Output> {
        let request_id = sane(request.headers().get(REQUEST_ID_HEADER))
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %request.method(),
            path = %request.uri().path(),
            webhook_id = tracing::field::Empty,
        );
        if let Some(webhook_id) = sane(request.headers().get(WEBHOOK_ID_HEADER)) {
            span.record("webhook_id", webhook_id);
        }
        let started = Instant::now();
        async move {
            let (answered, upstream) = upstream_time::measured(self.inner.call(request)).await;
            let mut response = match answered {
                Ok(output) => output.into_response(),
                Err(error) => error.into_response(),
            };
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            let (total_ms, upstream_ms) = (
                started.elapsed().as_secs_f64() * 1000.0,
                upstream.as_secs_f64() * 1000.0,
            );
            if let Ok(value) = HeaderValue::from_str(&server_timing(upstream_ms, total_ms)) {
                response.headers_mut().insert(SERVER_TIMING_HEADER, value);
            }
            tracing::info!(
                status = response.status().as_u16(),
                duration_ms = total_ms,
                upstream_ms,
                "request finished"
            );
            Ok(response)
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    #[test]
    fn only_short_plain_ids_are_kept() {
        for kept in [
            "abc",
            "msg_2b4Zs3",
            "0c9e8f3a-1d2b-4c5d-8e7f-0a1b2c3d4e5f",
            "a.b:c",
        ] {
            assert_eq!(sane(Some(&header(kept))), Some(kept));
        }
        let long = "a".repeat(MAX_ID_LEN + 1);
        for refused in ["", "has space", "quote\"", "semi;colon", long.as_str()] {
            assert_eq!(sane(Some(&header(refused))), None, "{refused:?}");
        }
        assert_eq!(sane(Some(&HeaderValue::from_bytes(b"\xff\xfe").unwrap())), None);
        assert_eq!(sane(None), None);
    }
}
