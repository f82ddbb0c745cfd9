//! OpenAPI shapes of the webhook request and the checklist answer, with examples.

use poem_openapi::types::Example;
use poem_openapi::{Enum, Object, Union};
use serde_json::Value;

use crate::domain::checklist::{Checklist, ChecklistItem, StepStatus};
use crate::service::example::paid_example;

/// A PortOne webhook status (body version 2024-01-01).
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "PascalCase")]
pub enum WebhookStatusName {
    Ready,
    Paid,
    VirtualAccountIssued,
    PartialCancelled,
    Cancelled,
    Failed,
    PayPending,
    CancelPending,
}

/// PortOne's webhook body as JSON: version 2024-04-25 (with `type`) or 2024-01-01.
#[derive(Debug, Clone, Union)]
pub enum PortOneWebhook {
    V2024_04_25(PortOneWebhook2024_04_25),
    V2024_01_01(PortOneWebhook2024_01_01),
}

/// PortOne's webhook body, version 2024-04-25 (PortOne's webhook guide,
/// <https://developers.portone.io/opi/ko/integration/webhook/readme-v2>).
#[derive(Debug, Clone, Object)]
#[oai(rename = "PortOneWebhook_2024_04_25", example)]
pub struct PortOneWebhook2024_04_25 {
    /// `Transaction.Paid`, `Transaction.Failed` and `Transaction.Cancelled` are processed; every other type
    /// (`Transaction.Ready`, `BillingKey.Issued`, types added later) is acknowledged.
    #[oai(rename = "type", validator(min_length = 1))]
    pub event_type: String,
    /// When the event happened (RFC 3339); the same across PortOne's retries.
    pub timestamp: String,
    pub data: PortOneWebhookData,
}

/// `data` of a 2024-04-25 webhook. Transaction types carry `paymentId`; billing-key types carry
/// `billingKey` instead.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "camelCase")]
pub struct PortOneWebhookData {
    pub store_id: Option<String>,
    /// Required for `Transaction.*` types; 1–256 characters, not blank, no control characters.
    #[oai(validator(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    ))]
    pub payment_id: Option<String>,
    pub transaction_id: Option<String>,
    pub cancellation_id: Option<String>,
    pub billing_key: Option<String>,
}

impl Example for PortOneWebhook2024_04_25 {
    fn example() -> Self {
        Self {
            event_type: "Transaction.Paid".to_owned(),
            timestamp: "2024-04-25T10:00:00.000Z".to_owned(),
            data: PortOneWebhookData {
                store_id: Some("store-4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f".to_owned()),
                payment_id: Some("pay_123456".to_owned()),
                transaction_id: Some("0192d8a4-8c6e-2b7f-a1d2-3e4f5a6b7c8d".to_owned()),
                cancellation_id: None,
                billing_key: None,
            },
        }
    }
}

/// PortOne's webhook body, version 2024-01-01, the route spec's body (PortOne's webhook guide,
/// <https://developers.portone.io/opi/ko/integration/webhook/readme-v2>).
#[derive(Debug, Clone, Object)]
#[oai(rename = "PortOneWebhook_2024_01_01", example)]
pub struct PortOneWebhook2024_01_01 {
    /// The merchant's `paymentId` (1–256 characters, not blank, no control characters).
    #[oai(validator(
        min_length = 1,
        max_length = 256,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    ))]
    pub payment_id: String,
    /// What happened to the payment. `Paid` records the month and schedules the next; `Failed`
    /// records a declined renewal and schedules its retry; `Cancelled` marks the row and revokes
    /// the next schedule; other statuses are acknowledged.
    pub status: WebhookStatusName,
    /// PortOne's transaction attempt id (informational).
    pub tx_id: Option<String>,
}

impl Example for PortOneWebhook2024_01_01 {
    fn example() -> Self {
        Self {
            payment_id: "pay_123456".to_owned(),
            status: WebhookStatusName::Paid,
            tx_id: None,
        }
    }
}

/// Outcome of one step.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum StepStatusName {
    Success,
    Failed,
    Skipped,
}

/// One step of the checklist.
#[derive(Debug, Clone, Object)]
pub struct ChecklistEntry {
    /// Stable machine name: `parse_request`, `validate_request`, `fetch_payment`, then
    /// `save_payment` and `schedule_next_payment` (paid), `record_failed_attempt` and
    /// `schedule_retry` (failed), or `cancel_payment` and `revoke_next_schedule` (cancelled).
    pub code: String,
    /// The step's Korean title, e.g. `1. 요청 데이터 파싱`.
    pub step: String,
    pub status: StepStatusName,
    /// What happened, in Korean.
    pub message: String,
    /// Step details: step 1 the parsed body; step 2 `signature`; step 3 PortOne's payment
    /// (`paymentId`, `orderName`, `amount` in the currency's unit, `currency`, `billingKey`,
    /// `customerId`, `paidAt`; a failed one adds `failedAt` and `failure {reason, pgCode,
    /// pgMessage}`); step 4 the stored row (UTC timestamps with milliseconds), or for a failed
    /// renewal the attempt and the month's `renewal` state; step 5 `scheduleId`, `paymentId`,
    /// `timeToPay` (a retry adds `attempt`, `retryLimit`, `endGraceAt`); on PortOne failures
    /// `httpStatus`, `type`, `message`.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<Value>,
}

impl From<ChecklistItem> for ChecklistEntry {
    fn from(item: ChecklistItem) -> Self {
        Self {
            code: item.code.to_owned(),
            step: item.step.to_owned(),
            status: match item.status {
                StepStatus::Success => StepStatusName::Success,
                StepStatus::Failed => StepStatusName::Failed,
                StepStatus::Skipped => StepStatusName::Skipped,
            },
            message: item.message,
            data: item.data,
        }
    }
}

/// The answer to every webhook: `success` is true when no step failed.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct WebhookResult {
    pub success: bool,
    /// Always all five steps, in order.
    pub checklist: Vec<ChecklistEntry>,
}

impl From<Checklist> for WebhookResult {
    /// Moves the lines out of the checklist: no copy of messages or `data` on the hot path.
    fn from(checklist: Checklist) -> Self {
        let success = checklist.succeeded();
        let entries = checklist.into_items().into_iter().map(ChecklistEntry::from);
        Self {
            success,
            checklist: entries.collect(),
        }
    }
}

impl Example for WebhookResult {
    /// The answer to a signed `{"payment_id": "pay_123456", "status": "Paid"}`, built by the
    /// service from its own steps and messages (`service::example`).
    fn example() -> Self {
        paid_example().into()
    }
}
