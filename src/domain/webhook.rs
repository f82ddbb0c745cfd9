//! PortOne's webhook bodies, parsed then validated as two separate steps so the checklist can say
//! which of the two failed. Both body versions of PortOne's webhook guide
//! (<https://developers.portone.io/opi/ko/integration/webhook/readme-v2>):
//! - 2024-01-01: `{payment_id, tx_id?, status}`, as JSON or `application/x-www-form-urlencoded`;
//! - 2024-04-25: `{type, timestamp, data: {storeId, paymentId?, transactionId?, cancellationId?,
//!   billingKey?}}`, JSON only.
//!
//! Unknown fields are ignored and unknown 2024-04-25 `type`s are acknowledged, never errors: the
//! guide says new types and fields may be added without notice and must be ignored.

use serde_json::{json, Map, Value};

use super::payment_id::{PaymentId, PaymentIdError};

pub use super::webhook_status::WebhookStatus;

/// 2024-04-25 `type` of a paid payment.
pub const TYPE_PAID: &str = "Transaction.Paid";
/// 2024-04-25 `type` of a cancelled payment.
pub const TYPE_CANCELLED: &str = "Transaction.Cancelled";
/// 2024-04-25 `type` of a partial refund.
pub const TYPE_PARTIAL_CANCELLED: &str = "Transaction.PartialCancelled";
/// 2024-04-25 `type` of a failed payment, scheduled ones included (PortOne's webhook guide lists
/// `Transaction.Failed` with "예약 결제 포함").
pub const TYPE_FAILED: &str = "Transaction.Failed";

/// The body after step 1: its version's fields, each a string when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawWebhook {
    /// Body version 2024-01-01.
    V2024_01_01 {
        payment_id: Option<String>,
        status: Option<String>,
        tx_id: Option<String>,
    },
    /// Body version 2024-04-25.
    V2024_04_25 {
        event_type: String,
        timestamp: Option<String>,
        payment_id: Option<String>,
        store_id: Option<String>,
        transaction_id: Option<String>,
        cancellation_id: Option<String>,
        billing_key: Option<String>,
    },
}

/// Why step 1 (parsing) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON (or not UTF-8); carries serde_json's description with line and column.
    #[error("body is not valid JSON: {0}")]
    Malformed(String),
    /// A form body that is not UTF-8.
    #[error("form body is not UTF-8")]
    MalformedForm,
    /// Valid JSON, but not an object.
    #[error("body is JSON but not an object")]
    NotAnObject,
    /// A known field holds a value of the wrong type (`null` counts as absent).
    #[error("field `{field}` must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
}

/// Why step 2 (validation) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{0} is missing")]
    MissingPaymentId(&'static str),
    #[error("{0} is invalid: {1}")]
    InvalidPaymentId(&'static str, PaymentIdError),
    #[error("status is missing")]
    MissingStatus,
    #[error("status `{0}` is not a PortOne webhook status")]
    UnknownStatus(String),
    #[error("type is empty")]
    EmptyType,
}

/// What the webhook asks the service to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    /// `Paid` / `Transaction.Paid`: record the month and schedule the next.
    Paid(PaymentId),
    /// `Cancelled` / `Transaction.Cancelled`: mark the row and revoke the next schedule.
    Cancelled(PaymentId),
    /// `Failed` / `Transaction.Failed`: a declined renewal is recorded and retried.
    Failed(PaymentId),
    /// `PartialCancelled` / `Transaction.PartialCancelled`: the refunded total is recorded.
    PartiallyCancelled(PaymentId),
    /// Anything else, named as PortOne wrote it (`Ready`, `BillingKey.Issued`, a new type, …).
    Unhandled(String),
}

impl RawWebhook {
    /// Step 1 for a JSON body: the 2024-04-25 version when it has a `type`, else 2024-01-01.
    ///
    /// # Errors
    /// [`ParseError`] for malformed JSON, a non-object body or a known field of the wrong type.
    pub fn from_json(body: &[u8]) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| ParseError::Malformed(e.to_string()))?;
        let Value::Object(object) = value else {
            return Err(ParseError::NotAnObject);
        };
        if object.get("type").is_some_and(|t| !t.is_null()) {
            return Self::v2024_04_25(&object);
        }
        Ok(Self::V2024_01_01 {
            payment_id: string(&object, "payment_id", "payment_id")?,
            status: string(&object, "status", "status")?,
            tx_id: string(&object, "tx_id", "tx_id")?,
        })
    }

    /// Step 1 for an `application/x-www-form-urlencoded` body (2024-01-01 only).
    ///
    /// # Errors
    /// [`ParseError::MalformedForm`] when the body is not UTF-8.
    pub fn from_form(body: &[u8]) -> Result<Self, ParseError> {
        std::str::from_utf8(body).map_err(|_| ParseError::MalformedForm)?;
        let mut fields = (None, None, None);
        for (name, value) in form_urlencoded::parse(body) {
            let value = Some(value.into_owned());
            match name.as_ref() {
                "payment_id" => fields.0 = value,
                "status" => fields.1 = value,
                "tx_id" => fields.2 = value,
                _ => {}
            }
        }
        Ok(Self::V2024_01_01 {
            payment_id: fields.0,
            status: fields.1,
            tx_id: fields.2,
        })
    }

    fn v2024_04_25(object: &Map<String, Value>) -> Result<Self, ParseError> {
        let event_type = string(object, "type", "type")?.unwrap_or_default();
        let empty = Map::new();
        let data = match object.get("data") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(data)) => data,
            Some(_) => {
                return Err(ParseError::WrongType {
                    field: "data",
                    expected: "an object",
                })
            }
        };
        Ok(Self::V2024_04_25 {
            event_type,
            timestamp: string(object, "timestamp", "timestamp")?,
            payment_id: string(data, "paymentId", "data.paymentId")?,
            store_id: string(data, "storeId", "data.storeId")?,
            transaction_id: string(data, "transactionId", "data.transactionId")?,
            cancellation_id: string(data, "cancellationId", "data.cancellationId")?,
            billing_key: string(data, "billingKey", "data.billingKey")?,
        })
    }

    /// What step 1 read, for its checklist `data` (the route spec's `{payment_id, status}` for 2024-01-01).
    pub fn summary(&self) -> Value {
        match self {
            Self::V2024_01_01 {
                payment_id, status, ..
            } => json!({ "payment_id": payment_id, "status": status }),
            Self::V2024_04_25 {
                event_type,
                timestamp,
                payment_id,
                store_id,
                transaction_id,
                cancellation_id,
                billing_key,
            } => {
                json!({
                    "type": event_type, "timestamp": timestamp, "paymentId": payment_id, "storeId": store_id,
                    "transactionId": transaction_id, "cancellationId": cancellation_id, "billingKey": billing_key,
                })
            }
        }
    }

    /// Step 2: check the fields and decide what to do.
    ///
    /// # Errors
    /// [`ValidationError`] for the first field that is missing or invalid.
    pub fn validate(self) -> Result<WebhookEvent, ValidationError> {
        match self {
            Self::V2024_01_01 {
                payment_id, status, ..
            } => {
                let payment_id = payment_id.ok_or(ValidationError::MissingPaymentId("payment_id"))?;
                let payment_id = PaymentId::parse(payment_id)
                    .map_err(|e| ValidationError::InvalidPaymentId("payment_id", e))?;
                let status = status.ok_or(ValidationError::MissingStatus)?;
                Ok(
                    match WebhookStatus::parse(&status).ok_or(ValidationError::UnknownStatus(status))? {
                        WebhookStatus::Paid => WebhookEvent::Paid(payment_id),
                        WebhookStatus::Cancelled => WebhookEvent::Cancelled(payment_id),
                        WebhookStatus::Failed => WebhookEvent::Failed(payment_id),
                        WebhookStatus::PartialCancelled => WebhookEvent::PartiallyCancelled(payment_id),
                        other => WebhookEvent::Unhandled(other.as_str().to_owned()),
                    },
                )
            }
            Self::V2024_04_25 {
                event_type,
                payment_id,
                ..
            } => {
                let required = || -> Result<PaymentId, ValidationError> {
                    let id = payment_id
                        .clone()
                        .ok_or(ValidationError::MissingPaymentId("data.paymentId"))?;
                    PaymentId::parse(id).map_err(|e| ValidationError::InvalidPaymentId("data.paymentId", e))
                };
                match event_type.as_str() {
                    "" => Err(ValidationError::EmptyType),
                    TYPE_PAID => Ok(WebhookEvent::Paid(required()?)),
                    TYPE_CANCELLED => Ok(WebhookEvent::Cancelled(required()?)),
                    TYPE_FAILED => Ok(WebhookEvent::Failed(required()?)),
                    TYPE_PARTIAL_CANCELLED => Ok(WebhookEvent::PartiallyCancelled(required()?)),
                    _ => Ok(WebhookEvent::Unhandled(event_type)),
                }
            }
        }
    }
}

fn string(object: &Map<String, Value>, key: &str, field: &'static str) -> Result<Option<String>, ParseError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(ParseError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
