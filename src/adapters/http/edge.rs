//! What every request of the app's API passes before an operation sees it, and what every error
//! answer becomes on its way out:
//! - a body larger than [`MAX_BODY_BYTES`] is refused with 413 before it is read (by its
//!   `Content-Length`) or as soon as it grows past the limit (a chunked one), so a few huge bodies
//!   cannot exhaust memory;
//! - a path or query that does not decode to UTF-8, or decodes to a control character (NUL,
//!   which PostgreSQL refuses in `text`, among them), is a 400: no id, filter or key with one
//!   reaches storage or PortOne;
//! - `Authorization` or `Idempotency-Key` sent twice is a 400, not silently the first;
//! - the body is read whole before the operation runs, so a connection is never left with an
//!   unread body (hyper closes such a kept-alive connection after answering);
//! - an error answer that is not JSON (poem's own, for an unknown route or a malformed path) is
//!   rewritten as `{code, message}` with its status kept.
//!
//! PortOne's webhook (`POST /api/portone`) is left alone: its body limit and every answer are its
//! checklist's.

use poem::error::ReadBodyError;
use poem::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use poem_openapi::payload::Json;

use super::api_error::error;

/// Largest body of an app request: 16 KiB. The largest this API takes, a plan with its features
/// (at most 4 KiB of JSON), is far below it.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The webhook's path, which keeps its own rules.
const WEBHOOK_PATH: &str = "/api/portone";

/// Headers a request may carry at most once.
const SINGLE_HEADERS: [&str; 2] = ["authorization", "idempotency-key"];

/// The middleware; see the module's documentation.
pub struct Edge;

impl<E: Endpoint> Middleware<E> for Edge {
    type Output = EdgeEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        EdgeEndpoint { inner }
    }
}

pub struct EdgeEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for EdgeEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut request: Request) -> Result<Response> {
        if request.uri().path() == WEBHOOK_PATH {
            return self.inner.call(request).await.map(IntoResponse::into_response);
        }
        if let Some(refused) = refusal(&request) {
            return Ok(refused);
        }
        if let Some(declared) = declared_length(&request) {
            if declared > MAX_BODY_BYTES {
                return Ok(too_large());
            }
        }
        // Boxed: poem's body-reading future is about 4 KB, and inline it would be part of every
        // request's future through this layer, webhooks included, for as long as each is answered.
        match Box::pin(request.take_body().into_bytes_limit(MAX_BODY_BYTES)).await {
            Ok(bytes) => request.set_body(bytes),
            Err(ReadBodyError::PayloadTooLarge) => return Ok(too_large()),
            Err(problem) => {
                tracing::info!(%problem, "a request body could not be read");
                return Ok(answer(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "요청 본문을 읽지 못했습니다.",
                ));
            }
        }
        let response = match self.inner.call(request).await {
            Ok(output) => output.into_response(),
            Err(problem) => problem.into_response(),
        };
        Ok(as_json(response).await)
    }
}

/// Why `request` is refused before its body is read, if it is.
fn refusal(request: &Request) -> Option<Response> {
    let uri = request.uri();
    let path_ok = decoded_ok(uri.path());
    let query_ok = uri
        .query()
        .is_none_or(|query| decoded_ok(&query.replace('+', " ")));
    if !path_ok || !query_ok {
        tracing::info!("a path or query with invalid UTF-8 or a control character was refused");
        let message = "요청 경로나 쿼리에 올바르지 않은 문자(제어 문자, 잘못된 UTF-8)가 있습니다.";
        return Some(answer(StatusCode::BAD_REQUEST, "BAD_REQUEST", message));
    }
    let repeated = SINGLE_HEADERS
        .iter()
        .find(|name| request.headers().get_all(**name).iter().count() > 1);
    if let Some(name) = repeated {
        tracing::info!(header = name, "a header that may appear once was sent twice");
        let message = format!("{name} 헤더는 한 번만 보낼 수 있습니다.");
        return Some(answer(StatusCode::BAD_REQUEST, "DUPLICATE_HEADER", message));
    }
    None
}

/// `true` when `text` percent-decodes to UTF-8 without control characters.
fn decoded_ok(text: &str) -> bool {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .is_ok_and(|decoded| !decoded.chars().any(char::is_control))
}

fn declared_length(request: &Request) -> Option<usize> {
    request.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn too_large() -> Response {
    tracing::info!(
        limit = MAX_BODY_BYTES,
        "a request body over the limit was refused"
    );
    let message = format!("요청 본문은 {MAX_BODY_BYTES}바이트를 넘을 수 없습니다.");
    answer(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", message)
}

fn answer(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    error(code, message).with_status(status).into_response()
}

/// `response` as it is when it succeeded or is JSON already; otherwise `{code, message}` with
/// its status: a stable code named after the status, and the original text as the message.
async fn as_json(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = Box::pin(body.into_string()).await.unwrap_or_default();
    let code = status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_");
    let message = match status {
        StatusCode::NOT_FOUND => "요청한 경로가 없습니다.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "이 경로는 이 메서드를 받지 않습니다.".to_owned(),
        _ if text.trim().is_empty() => "요청을 처리할 수 없습니다.".to_owned(),
        _ => text,
    };
    let mut json = Json(super::ApiError { code, message }).into_response();
    json.set_status(status);
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            json.headers_mut().append(name, value.clone());
        }
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_broken_utf8_do_not_decode_ok() {
        for good in [
            "/api/subscriptions/pay_1",
            "/api/plans/%ED%94%84%EB%A1%9C",
            "customer_id=a%20b",
        ] {
            assert!(decoded_ok(good), "{good}");
        }
        for bad in [
            "/api/subscriptions/%00",
            "/x/%0A",
            "/x/%FF",
            "/x/%C3%28",
            "q=%7F",
            "/x/\u{1}",
        ] {
            assert!(!decoded_ok(bad), "{bad}");
        }
    }
}
