//! PortOne's webhook body, version 2024-01-01 (`{payment_id, tx_id?, status}`), parsed then
//! validated as two separate steps, so the checklist can say which of the two failed.

use serde_json::{Map, Value};

use super::payment_id::{PaymentId, PaymentIdError};

/// The `status` of a 2024-01-01 webhook (`shared/portone/README.md` §4a), exact spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Ready,
    Paid,
    VirtualAccountIssued,
    PartialCancelled,
    Cancelled,
    Failed,
    PayPending,
    CancelPending,
}

impl WebhookStatus {
    /// Every status PortOne documents for this body version.
    pub const ALL: [Self; 8] = [
        Self::Ready,
        Self::Paid,
        Self::VirtualAccountIssued,
        Self::PartialCancelled,
        Self::Cancelled,
        Self::Failed,
        Self::PayPending,
        Self::CancelPending,
    ];

    /// The status as PortOne writes it in the body (`"Paid"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Paid => "Paid",
            Self::VirtualAccountIssued => "VirtualAccountIssued",
            Self::PartialCancelled => "PartialCancelled",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Failed",
            Self::PayPending => "PayPending",
            Self::CancelPending => "CancelPending",
        }
    }

    /// Case-sensitive, as PortOne sends it; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }
}

/// The body after step 1: a JSON object whose known fields, when present, are strings.
/// Unknown fields are ignored (PortOne adds fields without notice).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawWebhook {
    pub payment_id: Option<String>,
    pub status: Option<String>,
    pub tx_id: Option<String>,
}

/// Why step 1 (parsing) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON at all (or not UTF-8); carries serde_json's description with line and column.
    #[error("body is not valid JSON: {0}")]
    Malformed(String),
    /// Valid JSON, but not an object.
    #[error("body is JSON but not an object")]
    NotAnObject,
    /// A known field holds a non-string value (`null` counts as absent).
    #[error("field `{field}` must be a string")]
    WrongType { field: &'static str },
}

/// Why step 2 (validation) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("payment_id is missing")]
    MissingPaymentId,
    #[error("payment_id is invalid: {0}")]
    InvalidPaymentId(PaymentIdError),
    #[error("status is missing")]
    MissingStatus,
    #[error("status `{0}` is not a PortOne webhook status")]
    UnknownStatus(String),
}

/// A validated webhook: which payment changed and to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    pub payment_id: PaymentId,
    pub status: WebhookStatus,
    /// PortOne's transaction attempt id, informational only.
    pub tx_id: Option<String>,
}

impl RawWebhook {
    /// Step 1: parse `body` as a JSON object with string fields.
    ///
    /// # Errors
    /// [`ParseError`] for malformed JSON, a non-object body or a non-string known field.
    pub fn from_json(body: &[u8]) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| ParseError::Malformed(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(ParseError::NotAnObject);
        };
        Ok(Self {
            payment_id: string_field(&object, "payment_id")?,
            status: string_field(&object, "status")?,
            tx_id: string_field(&object, "tx_id")?,
        })
    }
}

fn string_field(object: &Map<String, Value>, field: &'static str) -> Result<Option<String>, ParseError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(ParseError::WrongType { field }),
    }
}

impl WebhookRequest {
    /// Step 2: check the parsed fields.
    ///
    /// # Errors
    /// [`ValidationError`] for the first field that is missing or invalid, `payment_id` first.
    pub fn validate(raw: RawWebhook) -> Result<Self, ValidationError> {
        let payment_id = raw.payment_id.ok_or(ValidationError::MissingPaymentId)?;
        let payment_id = PaymentId::parse(payment_id).map_err(ValidationError::InvalidPaymentId)?;
        let status = raw.status.ok_or(ValidationError::MissingStatus)?;
        let status = WebhookStatus::parse(&status).ok_or(ValidationError::UnknownStatus(status))?;
        Ok(Self {
            payment_id,
            status,
            tx_id: raw.tx_id,
        })
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
