//! The webhook request as raw bytes plus the headers the use case needs: parsing is step 1 of the
//! checklist and the signature covers the exact bytes, so the extractor never rejects a request
//! itself (no poem-generated 400/415 without a checklist).

use bytes::Bytes;
use poem::error::ReadBodyError;
use poem::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use poem::http::HeaderMap;
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use super::schema::{PortOneWebhook, PortOneWebhook2024_01_01};
use crate::service::{BodyFormat, SignatureHeaders};

/// Largest accepted body: 64 KiB. PortOne's bodies are a few hundred bytes.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 64 * 1024;

const FORM: &str = "application/x-www-form-urlencoded";

/// The raw request body (or the fact that it was too large), its format and signature headers.
pub struct WebhookBody {
    pub body: Option<Bytes>,
    pub format: BodyFormat,
    pub signature: SignatureHeaders,
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    // HeaderMap lookups are case-insensitive; a non-ASCII value counts as missing.
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

impl<'a> ApiExtractor<'a> for WebhookBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        PortOneWebhook::register(registry);
        PortOneWebhook2024_01_01::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some(
                "PortOne webhook, body version 2024-04-25 or 2024-01-01 (JSON), or 2024-01-01 as a form. \
                 Unknown fields are ignored. With PORTONE_WEBHOOK_SECRET set, the Standard Webhooks headers \
                 `webhook-id`, `webhook-timestamp` and `webhook-signature` are required.",
            ),
            content: vec![
                MetaMediaType {
                    content_type: "application/json",
                    schema: <PortOneWebhook as Type>::schema_ref(),
                },
                MetaMediaType {
                    content_type: FORM,
                    schema: <PortOneWebhook2024_01_01 as Type>::schema_ref(),
                },
            ],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let headers = request.headers();
        let format = match header(headers, CONTENT_TYPE.as_str()) {
            Some(content_type) if content_type.to_ascii_lowercase().starts_with(FORM) => BodyFormat::Form,
            _ => BodyFormat::Json,
        };
        let signature = SignatureHeaders {
            id: header(headers, "webhook-id"),
            timestamp: header(headers, "webhook-timestamp"),
            signature: header(headers, "webhook-signature"),
        };
        let declared = header(headers, CONTENT_LENGTH.as_str()).and_then(|value| value.parse::<usize>().ok());
        let body = if declared.is_some_and(|length| length > MAX_WEBHOOK_BODY_BYTES) {
            None
        } else {
            match body.take()?.into_bytes_limit(MAX_WEBHOOK_BODY_BYTES).await {
                Ok(bytes) => Some(bytes),
                Err(ReadBodyError::PayloadTooLarge) => None,
                Err(error) => return Err(error.into()),
            }
        };
        Ok(Self {
            body,
            format,
            signature,
        })
    }
}
