//! The shapes of `payWithBillingKey` (`BillingKeyPaymentInput`, `PayWithBillingKeyResponse`),
//! `getBillingKeyInfo` (`BillingKeyInfo`) and `cancelPayment` (`CancelPaymentBody`,
//! `CancelPaymentResponse`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::amount_input::AmountInput;
use super::{custom_data, invalid};
use crate::domain::amount::Amount;
use crate::domain::payment_method::Card;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    BillingKeyInfo, BillingKeyStatus, CancelRequest, Cancellation, CancellationStatus, ChargeRequest,
    Charged, GatewayError,
};

/// `BillingKeyPaymentInput`: the body of `payWithBillingKey`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct PayWithBillingKeyBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<&'a str>,
    billing_key: &'a str,
    order_name: &'a str,
    customer: Customer<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_data: Option<String>,
    amount: AmountInput,
    currency: &'a str,
    /// Sent only when `true` (PortOne's default is `false`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skip_webhook: bool,
}

#[derive(Debug, Serialize)]
struct Customer<'a> {
    id: &'a str,
}

impl<'a> PayWithBillingKeyBody<'a> {
    pub(in crate::adapters::portone) fn new(request: &'a ChargeRequest, store_id: Option<&'a str>) -> Self {
        Self {
            store_id,
            billing_key: request.billing_key.expose(),
            order_name: &request.order_name,
            customer: Customer {
                id: request.customer_id.as_str(),
            },
            custom_data: custom_data::write(&custom_data::Tag {
                plan_id: request.plan_id.clone(),
                quantity: request.quantity,
                kind: request.kind,
                list_amount: request.list_amount,
                discount: request.discount.clone(),
                credit: request.credit,
            }),
            amount: AmountInput::of(request.amount, &request.currency),
            currency: request.currency.as_str(),
            skip_webhook: request.skip_webhook,
        }
    }
}

/// `PayWithBillingKeyResponse`: `{payment: {pgTxId, paidAt}}`.
#[derive(Debug, Deserialize)]
pub(in crate::adapters::portone) struct PayWithBillingKeyResponse {
    payment: PaymentSummary,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentSummary {
    paid_at: DateTime<Utc>,
}

impl PayWithBillingKeyResponse {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<Charged, GatewayError> {
        let response: Self = serde_json::from_slice(body).map_err(invalid)?;
        Ok(Charged {
            paid_at: Timestamp::from_utc(response.payment.paid_at),
        })
    }
}

/// `BillingKeyInfo` (`IssuedBillingKeyInfo` or `DeletedBillingKeyInfo`): what the service reads.
#[derive(Debug, Deserialize)]
pub(in crate::adapters::portone) struct BillingKeyInfoDto {
    status: String,
    #[serde(default)]
    customer: Option<CustomerDto>,
    #[serde(default)]
    methods: Vec<MethodDto>,
}

#[derive(Debug, Deserialize)]
struct CustomerDto {
    #[serde(default)]
    id: Option<String>,
}

/// A `BillingKeyPaymentMethod`; only the card variant carries `card`.
#[derive(Debug, Deserialize)]
struct MethodDto {
    #[serde(default)]
    card: Option<CardDto>,
}

#[derive(Debug, Deserialize)]
struct CardDto {
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    number: Option<String>,
}

impl BillingKeyInfoDto {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<BillingKeyInfo, GatewayError> {
        let dto: Self = serde_json::from_slice(body).map_err(invalid)?;
        let status = match dto.status.as_str() {
            "ISSUED" => BillingKeyStatus::Issued,
            "DELETED" => BillingKeyStatus::Deleted,
            other => BillingKeyStatus::Other(other.to_owned()),
        };
        let card = dto
            .methods
            .into_iter()
            .find_map(|method| method.card)
            .map(|card| Card {
                issuer: card.issuer,
                brand: card.brand,
                number: card.number,
            });
        Ok(BillingKeyInfo {
            status,
            customer_id: dto.customer.and_then(|customer| customer.id),
            card,
        })
    }
}

/// `CancelPaymentBody`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct CancelPaymentBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<i64>,
    reason: &'a str,
    current_cancellable_amount: i64,
}

impl<'a> CancelPaymentBody<'a> {
    pub(in crate::adapters::portone) fn new(request: &'a CancelRequest, store_id: Option<&'a str>) -> Self {
        Self {
            store_id,
            amount: request.amount.map(Amount::value),
            reason: &request.reason,
            current_cancellable_amount: request.current_cancellable_amount.value(),
        }
    }
}

/// `CancelPaymentResponse`: `{cancellation: PaymentCancellation}`.
#[derive(Debug, Deserialize)]
pub(in crate::adapters::portone) struct CancelPaymentResponse {
    cancellation: CancellationDto,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancellationDto {
    status: String,
    total_amount: i64,
    #[serde(default)]
    cancelled_at: Option<DateTime<Utc>>,
}

impl CancelPaymentResponse {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<Cancellation, GatewayError> {
        let response: Self = serde_json::from_slice(body).map_err(invalid)?;
        let cancellation = response.cancellation;
        let status = match cancellation.status.as_str() {
            "REQUESTED" => CancellationStatus::Requested,
            "SUCCEEDED" => CancellationStatus::Succeeded,
            "FAILED" => CancellationStatus::Failed,
            other => CancellationStatus::Other(other.to_owned()),
        };
        Ok(Cancellation {
            status,
            total_amount: Amount::new(cancellation.total_amount).map_err(invalid)?,
            cancelled_at: cancellation.cancelled_at.map(Timestamp::from_utc),
        })
    }
}
