//! PortOne's JSON shapes, read tolerantly: unknown fields and enum values never fail a parse
//! (PortOne's backward-compatibility policy, REST API overview, section "하위호환성",
//! <https://developers.portone.io/api/rest-v2>: outputs may gain fields, enum values and `oneOf`
//! cases), missing required ones do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::amount::Amount;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{GatewayError, PaymentSchedule, RevokeOutcome, ScheduleOutcome, ScheduleRequest};

fn invalid(error: impl std::fmt::Display) -> GatewayError {
    GatewayError::InvalidResponse(error.to_string())
}

/// The part of `Payment` (any status variant) the flow reads. `status`, `id`, `orderName`,
/// `amount`, `currency` and `customer` are required in every variant of the schema.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentDto {
    status: String,
    id: String,
    order_name: String,
    amount: AmountDto,
    currency: String,
    #[serde(default)]
    customer: Option<CustomerDto>,
    #[serde(default)]
    billing_key: Option<String>,
    #[serde(default)]
    paid_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct AmountDto {
    total: i64,
}

#[derive(Debug, Deserialize)]
struct CustomerDto {
    #[serde(default)]
    id: Option<String>,
}

impl PaymentDto {
    pub(super) fn parse(body: &[u8]) -> Result<Payment, GatewayError> {
        let dto: Self =
            serde_json::from_slice(body).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        let id = PaymentId::parse(dto.id).map_err(|e| GatewayError::InvalidResponse(format!("id: {e}")))?;
        let amount =
            Amount::new(dto.amount.total).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        Ok(Payment {
            id,
            status: PaymentStatus::from_portone(&dto.status),
            order_name: dto.order_name,
            amount,
            currency: dto.currency,
            billing_key: dto.billing_key.filter(|key| !key.is_empty()),
            customer_id: dto.customer.and_then(|customer| customer.id),
            paid_at: dto.paid_at,
        })
    }
}

/// `CreatePaymentScheduleBody`: `{payment: BillingKeyPaymentScheduleInput, timeToPay}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatePaymentScheduleBody<'a> {
    payment: ScheduleInput<'a>,
    time_to_pay: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInput<'a> {
    billing_key: &'a str,
    order_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<CustomerInput<'a>>,
    amount: AmountInput,
    currency: &'a str,
}

#[derive(Debug, Serialize)]
struct CustomerInput<'a> {
    id: &'a str,
}

#[derive(Debug, Serialize)]
struct AmountInput {
    total: i64,
}

impl<'a> From<&'a ScheduleRequest> for CreatePaymentScheduleBody<'a> {
    fn from(request: &'a ScheduleRequest) -> Self {
        Self {
            payment: ScheduleInput {
                billing_key: &request.billing_key,
                order_name: &request.order_name,
                customer: request.customer_id.as_deref().map(|id| CustomerInput { id }),
                amount: AmountInput {
                    total: request.amount.value(),
                },
                currency: &request.currency,
            },
            time_to_pay: request.time_to_pay.to_iso(),
        }
    }
}

/// `CreatePaymentScheduleResponse`: `{"schedule": {"id": "…"}}`.
#[derive(Debug, Deserialize)]
pub(super) struct CreatePaymentScheduleResponse {
    schedule: ScheduleSummary,
}

#[derive(Debug, Deserialize)]
struct ScheduleSummary {
    id: String,
}

impl CreatePaymentScheduleResponse {
    pub(super) fn parse(body: &[u8]) -> Result<ScheduleOutcome, GatewayError> {
        let response: Self =
            serde_json::from_slice(body).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        Ok(ScheduleOutcome::Created {
            schedule_id: response.schedule.id,
        })
    }
}

/// `RevokePaymentSchedulesBody`: `{storeId?, scheduleIds}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RevokeBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) store_id: Option<&'a str>,
    pub(super) schedule_ids: [&'a str; 1],
}

/// `RevokePaymentSchedulesResponse`: `{revokedScheduleIds, revokedAt?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RevokeResponse {
    #[serde(default)]
    revoked_at: Option<DateTime<Utc>>,
}

impl RevokeResponse {
    pub(super) fn parse(body: &[u8]) -> Result<RevokeOutcome, GatewayError> {
        let response: Self = serde_json::from_slice(body).map_err(invalid)?;
        Ok(RevokeOutcome::Revoked {
            revoked_at: response.revoked_at.map(Timestamp::from_utc),
        })
    }
}

/// `PaymentSchedule` (any status variant): the fields every variant requires, plus `revokedAt`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScheduleDto {
    id: String,
    status: String,
    payment_id: String,
    order_name: String,
    time_to_pay: DateTime<Utc>,
    total_amount: i64,
    currency: String,
    created_at: DateTime<Utc>,
    #[serde(default)]
    revoked_at: Option<DateTime<Utc>>,
}

impl ScheduleDto {
    pub(super) fn parse(body: &[u8]) -> Result<PaymentSchedule, GatewayError> {
        serde_json::from_slice::<Self>(body)
            .map(Self::into_domain)
            .map_err(invalid)
    }

    fn into_domain(self) -> PaymentSchedule {
        PaymentSchedule {
            id: self.id,
            status: self.status,
            payment_id: self.payment_id,
            order_name: self.order_name,
            time_to_pay: self.time_to_pay.into(),
            total_amount: self.total_amount,
            currency: self.currency,
            created_at: self.created_at.into(),
            revoked_at: self.revoked_at.map(Timestamp::from_utc),
        }
    }
}

/// `GetPaymentSchedulesResponse`: `{items, page}`.
#[derive(Debug, Deserialize)]
pub(super) struct ScheduleListDto {
    items: Vec<ScheduleDto>,
}

impl ScheduleListDto {
    pub(super) fn parse(body: &[u8]) -> Result<Vec<PaymentSchedule>, GatewayError> {
        let list: Self = serde_json::from_slice(body).map_err(invalid)?;
        Ok(list.items.into_iter().map(ScheduleDto::into_domain).collect())
    }
}

/// `GetPaymentSchedulesBody` filtered to one billing key and a day either side of `timeToPay`:
/// without `from`/`until` PortOne searches only the last 90 days, which never holds a future
/// schedule (the schema's description of `GetPaymentSchedulesBody.filter`).
#[derive(Debug, Serialize)]
pub(super) struct ListSchedulesBody<'a> {
    page: Page,
    filter: ListFilter<'a>,
}

#[derive(Debug, Serialize)]
struct Page {
    number: u32,
    size: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListFilter<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<&'a str>,
    billing_key: &'a str,
    from: String,
    until: String,
}

impl<'a> ListSchedulesBody<'a> {
    pub(super) fn around(billing_key: &'a str, store_id: Option<&'a str>, time_to_pay: Timestamp) -> Self {
        let day = chrono::Duration::days(1);
        Self {
            page: Page { number: 0, size: 100 },
            filter: ListFilter {
                store_id,
                billing_key,
                from: Timestamp::from_utc(time_to_pay.as_utc() - day).to_iso(),
                until: Timestamp::from_utc(time_to_pay.as_utc() + day).to_iso(),
            },
        }
    }
}
