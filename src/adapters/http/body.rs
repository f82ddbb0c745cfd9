//! The webhook body as raw bytes, whatever they are: parsing is step 1 of the checklist, so the
//! extractor never rejects a request itself (no poem-generated 400/415 without a checklist).

use bytes::Bytes;
use poem::error::ReadBodyError;
use poem::http::header::CONTENT_LENGTH;
use poem::{Request, RequestBody};
use poem_openapi::registry::{MetaMediaType, MetaRequest, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};

use super::schema::PortOneWebhook;

/// Largest accepted body: 64 KiB. PortOne's bodies are a few hundred bytes.
pub const MAX_WEBHOOK_BODY_BYTES: usize = 64 * 1024;

/// The raw request body, or the fact that it was over [`MAX_WEBHOOK_BODY_BYTES`].
pub enum WebhookBody {
    Complete(Bytes),
    TooLarge,
}

impl<'a> ApiExtractor<'a> for WebhookBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        PortOneWebhook::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some("PortOne webhook, body version 2024-01-01. Unknown fields are ignored."),
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <PortOneWebhook as Type>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_WEBHOOK_BODY_BYTES) {
            return Ok(Self::TooLarge);
        }
        match body.take()?.into_bytes_limit(MAX_WEBHOOK_BODY_BYTES).await {
            Ok(bytes) => Ok(Self::Complete(bytes)),
            Err(ReadBodyError::PayloadTooLarge) => Ok(Self::TooLarge),
            Err(error) => Err(error.into()),
        }
    }
}
