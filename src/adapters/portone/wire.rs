//! PortOne's JSON shapes, read tolerantly: unknown fields and enum values never fail a parse
//! (PortOne's compatibility policy, `shared/portone/README.md` §1), missing required ones do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::amount::Amount;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::ports::{GatewayError, ScheduleOutcome, ScheduleRequest};

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
