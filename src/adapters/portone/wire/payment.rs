//! `Payment`, as `getPayment` answers it.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::custom_data;
use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::currency::Currency;
use crate::domain::payment::{Payment, PaymentFailure, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::ports::GatewayError;

/// The part of `Payment` (any status variant) the flow reads. `status`, `id`, `orderName`,
/// `amount`, `currency` and `customer` are required in every variant of the schema.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct PaymentDto {
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
    #[serde(default)]
    failed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    failure: Option<FailureDto>,
    #[serde(default)]
    receipt_url: Option<String>,
    #[serde(default)]
    custom_data: Option<String>,
}

/// `PaymentFailure`: every field optional.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailureDto {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    pg_code: Option<String>,
    #[serde(default)]
    pg_message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AmountDto {
    total: i64,
    /// Required in `PaymentAmount`; read leniently.
    #[serde(default)]
    cancelled: i64,
}

#[derive(Debug, Deserialize)]
struct CustomerDto {
    #[serde(default)]
    id: Option<String>,
}

impl PaymentDto {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<Payment, GatewayError> {
        let dto: Self =
            serde_json::from_slice(body).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        let id = PaymentId::parse(dto.id).map_err(|e| GatewayError::InvalidResponse(format!("id: {e}")))?;
        let amount =
            Amount::new(dto.amount.total).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        let tag = custom_data::read(dto.custom_data.as_deref());
        Ok(Payment {
            id,
            status: PaymentStatus::from_portone(&dto.status),
            order_name: dto.order_name,
            amount,
            currency: Currency::reported(dto.currency),
            cancelled_amount: Amount::new(dto.amount.cancelled)
                .map_err(|e| GatewayError::InvalidResponse(e.to_string()))?,
            plan_id: tag.plan_id,
            quantity: tag.quantity,
            kind: tag.kind,
            list_amount: tag.list_amount,
            discount: tag.discount,
            credit: tag.credit,
            // Only an http(s) address is kept: it becomes a link in the app.
            receipt_url: dto
                .receipt_url
                .filter(|url| url.starts_with("https://") || url.starts_with("http://")),
            // An empty or unusable key is no key: nothing can be charged with it.
            billing_key: dto.billing_key.and_then(|key| BillingKey::parse(key).ok()),
            customer_id: dto.customer.and_then(|customer| customer.id),
            paid_at: dto.paid_at,
            failed_at: dto.failed_at,
            failure: dto.failure.map(|f| PaymentFailure {
                reason: f.reason,
                pg_code: f.pg_code,
                pg_message: f.pg_message,
            }),
        })
    }
}
