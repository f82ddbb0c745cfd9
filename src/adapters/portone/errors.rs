//! Turning reqwest results and PortOne's error bodies into [`GatewayError`].

use std::time::Instant;

use bytes::Bytes;
use reqwest::header::CONTENT_TYPE;
use reqwest::RequestBuilder;
use serde::Deserialize;

use super::rejections;
use crate::domain::rejection::Rejection;
use crate::ports::GatewayError;
use crate::telemetry::metrics::{self, Upstream};

/// PortOne's error body: `{"type": "PAYMENT_NOT_FOUND", "message"?: "…"}` (every error in the
/// schema has this shape; `PgProviderError` adds `pgCode` and `pgMessage`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(rename = "type")]
    error_type: Option<String>,
    message: Option<String>,
    pg_code: Option<String>,
    pg_message: Option<String>,
}

/// Sends `request` and returns the body of a 2xx answer. The attempt is timed in
/// `portone_subscriptions_upstream_request_duration_seconds{upstream="portone", operation}`.
///
/// # Errors
/// [`GatewayError::Rejected`] for any other status, with PortOne's `type` translated
/// (`rejections::kind`; `UNKNOWN` when the body is not PortOne's error shape, e.g. an HTML page
/// from a proxy); `Timeout` and `Unreachable` for transport failures.
pub(super) async fn send(operation: &'static str, request: RequestBuilder) -> Result<Bytes, GatewayError> {
    let started = Instant::now();
    let result = exchange(request).await;
    metrics::upstream_call(Upstream::PortOne, operation, result_label(&result), started);
    result
}

/// The metrics label of one attempt's result: the status class, or how the transport failed.
fn result_label(result: &Result<Bytes, GatewayError>) -> &'static str {
    match result {
        Ok(_) => "2xx",
        Err(GatewayError::Rejected(Rejection { status, .. })) => match status {
            400..=499 => "4xx",
            500..=599 => "5xx",
            _ => "other",
        },
        Err(GatewayError::Timeout) => "timeout",
        Err(GatewayError::Unreachable(_)) => "connect_error",
        Err(GatewayError::InvalidResponse(_)) => "invalid_response",
    }
}

async fn exchange(request: RequestBuilder) -> Result<Bytes, GatewayError> {
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return match content_type {
            Some(kind) if !kind.contains("json") => Err(GatewayError::InvalidResponse(format!(
                "unexpected content type {kind}"
            ))),
            _ => Ok(body),
        };
    }
    let error = serde_json::from_slice::<ErrorBody>(&body).unwrap_or_default();
    let code = error.error_type.unwrap_or_else(|| "UNKNOWN".to_owned());
    Err(GatewayError::Rejected(Rejection {
        kind: rejections::kind(&code, error.pg_code, error.pg_message),
        status: status.as_u16(),
        code,
        message: error.message,
    }))
}

fn transport(error: reqwest::Error) -> GatewayError {
    // The URL carries the loopback port in tests and nothing useful for people in production.
    let error = error.without_url();
    if error.is_timeout() {
        GatewayError::Timeout
    } else if error.is_decode() || error.is_body() {
        // The cause chain is for the log; the answer only says the body could not be read.
        tracing::warn!(
            error = format!("{:#}", anyhow::Error::new(error)),
            "PortOne's answer was cut short"
        );
        GatewayError::InvalidResponse("the answer's body could not be read".to_owned())
    } else {
        // The chain names the cause (refused, reset, DNS) without request headers.
        GatewayError::Unreachable(format!("{:#}", anyhow::Error::new(error)))
    }
}
