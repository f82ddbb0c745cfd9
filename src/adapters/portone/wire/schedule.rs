//! The schedule operations' shapes: `createPaymentSchedule`, `revokePaymentSchedules`,
//! `getPaymentSchedule` and `getPaymentSchedules`.

use super::amount_input::AmountInput;
use crate::domain::charge_kind::ChargeKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::invalid;
use crate::domain::amount::Amount;
use crate::domain::currency::Currency;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    GatewayError, PaymentSchedule, RevokeOutcome, ScheduleOutcome, SchedulePage, ScheduleQuery,
    ScheduleRequest,
};

/// `CreatePaymentScheduleBody`: `{payment: BillingKeyPaymentScheduleInput, timeToPay}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct CreatePaymentScheduleBody<'a> {
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
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_data: Option<String>,
    amount: AmountInput,
    currency: &'a str,
}

#[derive(Debug, Serialize)]
struct CustomerInput<'a> {
    id: &'a str,
}

impl<'a> From<&'a ScheduleRequest> for CreatePaymentScheduleBody<'a> {
    fn from(request: &'a ScheduleRequest) -> Self {
        Self {
            payment: ScheduleInput {
                billing_key: request.billing_key.expose(),
                order_name: &request.order_name,
                customer: request
                    .customer_id
                    .as_ref()
                    .map(|id| CustomerInput { id: id.as_str() }),
                custom_data: super::custom_data::write(&super::custom_data::Tag {
                    plan_id: request.plan_id.clone(),
                    quantity: request.quantity,
                    kind: ChargeKind::Period,
                    list_amount: request.list_amount,
                    discount: request.discount.clone(),
                    credit: None,
                }),
                amount: AmountInput::of(request.amount, &request.currency),
                currency: request.currency.as_str(),
            },
            time_to_pay: request.time_to_pay.to_iso(),
        }
    }
}

/// `CreatePaymentScheduleResponse`: `{"schedule": {"id": "…"}}`.
#[derive(Debug, Deserialize)]
pub(in crate::adapters::portone) struct CreatePaymentScheduleResponse {
    schedule: ScheduleSummary,
}

#[derive(Debug, Deserialize)]
struct ScheduleSummary {
    id: String,
}

impl CreatePaymentScheduleResponse {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<ScheduleOutcome, GatewayError> {
        let response: Self =
            serde_json::from_slice(body).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        let schedule_id = ScheduleId::parse(response.schedule.id)
            .map_err(|e| GatewayError::InvalidResponse(format!("schedule.id: {e}")))?;
        Ok(ScheduleOutcome::Created { schedule_id })
    }
}

/// `RevokePaymentSchedulesBody`: `{storeId?, scheduleIds}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct RevokeBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(in crate::adapters::portone) store_id: Option<&'a str>,
    pub(in crate::adapters::portone) schedule_ids: [&'a str; 1],
}

/// `RevokePaymentSchedulesResponse`: `{revokedScheduleIds, revokedAt?}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct RevokeResponse {
    #[serde(default)]
    revoked_at: Option<DateTime<Utc>>,
}

impl RevokeResponse {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<RevokeOutcome, GatewayError> {
        let response: Self = serde_json::from_slice(body).map_err(invalid)?;
        Ok(RevokeOutcome::Revoked {
            revoked_at: response.revoked_at.map(Timestamp::from_utc),
        })
    }
}

/// `PaymentSchedule` (any status variant): the fields every variant requires, plus `revokedAt`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in crate::adapters::portone) struct ScheduleDto {
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
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<PaymentSchedule, GatewayError> {
        serde_json::from_slice::<Self>(body)
            .map_err(invalid)
            .and_then(Self::into_domain)
    }

    fn into_domain(self) -> Result<PaymentSchedule, GatewayError> {
        let id = ScheduleId::parse(self.id).map_err(|e| GatewayError::InvalidResponse(format!("id: {e}")))?;
        Ok(PaymentSchedule {
            id,
            status: ScheduleStatus::from_portone(&self.status),
            payment_id: PaymentId::parse(self.payment_id)
                .map_err(|e| GatewayError::InvalidResponse(format!("paymentId: {e}")))?,
            order_name: self.order_name,
            time_to_pay: self.time_to_pay.into(),
            total_amount: Amount::new(self.total_amount)
                .map_err(|e| GatewayError::InvalidResponse(format!("totalAmount: {e}")))?,
            currency: Currency::reported(self.currency),
            created_at: self.created_at.into(),
            revoked_at: self.revoked_at.map(Timestamp::from_utc),
        })
    }
}

/// `GetPaymentSchedulesResponse`: `{items, page: {number, size, totalCount}}`.
#[derive(Debug, Deserialize)]
pub(in crate::adapters::portone) struct ScheduleListDto {
    items: Vec<ScheduleDto>,
    #[serde(default)]
    page: Option<PageInfoDto>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfoDto {
    #[serde(default)]
    total_count: u64,
}

impl ScheduleListDto {
    pub(in crate::adapters::portone) fn parse(body: &[u8]) -> Result<SchedulePage, GatewayError> {
        let list: Self = serde_json::from_slice(body).map_err(invalid)?;
        let items = list
            .items
            .into_iter()
            .map(ScheduleDto::into_domain)
            .collect::<Result<Vec<PaymentSchedule>, _>>()?;
        Ok(SchedulePage {
            total_count: list.page.map_or(items.len() as u64, |page| page.total_count),
            items,
        })
    }
}

/// `GetPaymentSchedulesBody`, with `from`/`until` always set: without them PortOne searches only
/// the last 90 days, which never holds a future schedule (the schema's description of
/// `PaymentScheduleFilterInput`).
#[derive(Debug, Serialize)]
pub(in crate::adapters::portone) struct ListSchedulesBody<'a> {
    page: Page,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort: Option<Sort>,
    filter: ListFilter<'a>,
}

#[derive(Debug, Serialize)]
struct Page {
    number: u32,
    size: u32,
}

/// `PaymentScheduleSortInput`.
#[derive(Debug, Serialize)]
struct Sort {
    by: &'static str,
    order: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListFilter<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    store_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing_key: Option<&'a str>,
    from: String,
    until: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    status: Vec<&'a str>,
}

impl<'a> ListSchedulesBody<'a> {
    /// One billing key's schedules, a day either side of `time_to_pay`.
    pub(in crate::adapters::portone) fn around(
        billing_key: &'a str,
        store_id: Option<&'a str>,
        time_to_pay: Timestamp,
    ) -> Self {
        let day = chrono::Duration::days(1);
        Self {
            page: Page { number: 0, size: 100 },
            sort: None,
            filter: ListFilter {
                store_id,
                billing_key: Some(billing_key),
                from: Timestamp::from_utc(time_to_pay.as_utc() - day).to_iso(),
                until: Timestamp::from_utc(time_to_pay.as_utc() + day).to_iso(),
                status: Vec::new(),
            },
        }
    }

    /// A page of `query`, by `timeToPay` ascending, so pages stay stable while newer schedules
    /// are created.
    pub(in crate::adapters::portone) fn page(query: &'a ScheduleQuery, store_id: Option<&'a str>) -> Self {
        Self {
            page: Page {
                number: query.page,
                size: query.size,
            },
            sort: Some(Sort {
                by: "TIME_TO_PAY",
                order: "ASC",
            }),
            filter: ListFilter {
                store_id,
                billing_key: None,
                from: query.from.to_iso(),
                until: query.until.to_iso(),
                status: query.statuses.iter().map(ScheduleStatus::as_portone).collect(),
            },
        }
    }
}
