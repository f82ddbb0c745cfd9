//! `GET /api/subscriptions/{subscription_id}/billing-history`: what a subscription was charged,
//! newest first, a page at a time (the customer's own, or any with the admin token). Each line is
//! a paid period or an upgrade's proration, numbered, with its 공급가액 and 부가세 and PortOne's
//! receipt.

use std::sync::Arc;

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::failures::{failed, Failed};
use super::payment_model::{billing_history, PaymentKindName, PaymentModel};
use crate::adapters::http::api_error::{error, ApiError};
use crate::adapters::http::auth::{guarded, CallerAuth};
use crate::adapters::http::nullable::Nullable;
use crate::adapters::http::subscription_path::SubscriptionPath;
use crate::adapters::http::ApiTags;
use crate::ports::Ports;
use crate::service::SubscriptionService;

/// Default page size.
const DEFAULT_LIMIT: u32 = 20;
/// Largest page size.
const MAX_LIMIT: u32 = 100;

/// A page of a subscription's billing history.
#[derive(Debug, Object)]
pub struct HistoryPage {
    /// Newest first.
    pub lines: Vec<PaymentModel>,
    /// Pass as `starting_after` for the next page; `null` on the last.
    pub next_cursor: Nullable<String>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum HistoryResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750).
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked (`AUTH_UNAVAILABLE`); retry after
    /// `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    #[oai(status = 200)]
    Ok(Json<HistoryPage>),
    /// `limit` outside 1–100, or a `starting_after` that is no line of this subscription.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// No such subscription (or not the caller's).
    #[oai(status = 404)]
    NotFound(Json<ApiError>),
    /// Storage failed; retry.
    #[oai(status = 502)]
    UpstreamFailed(Json<ApiError>),
}

guarded!(HistoryResponse, bad_request);

/// The billing history, generic over the ports.
pub struct HistoryApi<P> {
    service: Arc<SubscriptionService<P>>,
}

impl<P> HistoryApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>) -> Self {
        Self { service }
    }
}

/// The page of `lines` after the line `starting_after` (from the first when `None`), `limit`
/// long; `None` when `starting_after` names no line.
/// A line's cursor: its `payment_id`, and for a refund line `refund:{payment_id}`, since a refund
/// line shares its charge's payment id.
fn cursor(line: &PaymentModel) -> String {
    match line.kind {
        PaymentKindName::Refund => format!("refund:{}", line.payment_id),
        _ => line.payment_id.clone(),
    }
}

fn page(lines: Vec<PaymentModel>, starting_after: Option<&str>, limit: usize) -> Option<HistoryPage> {
    let start = match starting_after {
        None => 0,
        Some(after) => lines.iter().position(|line| cursor(line) == after)? + 1,
    };
    let mut rest: Vec<PaymentModel> = lines.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next_cursor = more.then(|| rest.last().map(cursor)).flatten();
    Some(HistoryPage {
        lines: rest,
        next_cursor: next_cursor.into(),
    })
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> HistoryApi<P> {
    /// A subscription's billing history, newest first: every paid period (a free one too) and
    /// every upgrade's proration, each with its `number` (`2026-000123`, sequential per Seoul
    /// year), `kind`, period, plan and seats, `amount` with its `list_amount`, `discount_amount`
    /// and `coupon_id`, its `supply_amount` and `vat` (KRW: `round(amount ÷ 1.1)` and the rest),
    /// refunds, and PortOne's `receipt_url`; a `refund` line above each charge something was
    /// refunded of. `limit` 1–100 (default 20); `starting_after` = the previous page's
    /// `next_cursor` (a charge's `payment_id`, or `refund:{payment_id}`).
    #[oai(path = "/api/subscriptions/:subscription_id/billing-history", method = "get")]
    async fn history(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        limit: Query<Option<u32>>,
        starting_after: Query<Option<String>>,
    ) -> HistoryResponse {
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            let message = format!("limit은 1 이상 {MAX_LIMIT} 이하여야 합니다.");
            return HistoryResponse::BadRequest(error("INVALID_PARAMETER", message));
        }
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return fail(problem);
        }
        let detail = match self.service.get(&subscription_id).await {
            Ok(detail) => detail,
            Err(problem) => return fail(problem),
        };
        let lines = billing_history(&detail.months, &detail.prorations);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        match page(lines, starting_after.0.as_deref(), limit) {
            Some(page) => HistoryResponse::Ok(Json(page)),
            None => HistoryResponse::BadRequest(error(
                "INVALID_PARAMETER",
                "starting_after가 이 구독의 결제 내역이 아닙니다.",
            )),
        }
    }
}

fn fail(problem: crate::service::SubscriptionError) -> HistoryResponse {
    match failed(problem) {
        Failed::NotFound(body) => HistoryResponse::NotFound(body),
        Failed::Upstream(body) => HistoryResponse::UpstreamFailed(body),
        Failed::Conflict(body)
        | Failed::BadRequest(body)
        | Failed::PaymentRequired(body)
        | Failed::TooMany(body, _) => HistoryResponse::BadRequest(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::amount::Amount;
    use crate::domain::record::testing::paid_month;

    #[test]
    fn a_page_ending_on_a_refunded_charge_is_followed_by_the_next_line_not_the_charge_again() {
        let older = paid_month("pay_1");
        let mut refunded = paid_month("pay_2");
        refunded.start_at = older.end_at;
        refunded.refunded_amount = Amount::new(3_000).ok();
        let lines = billing_history(&[older, refunded], &[]);
        let ids = |page: &HistoryPage| -> Vec<(String, String)> {
            page.lines
                .iter()
                .map(|l| (format!("{:?}", l.kind), l.payment_id.clone()))
                .collect()
        };
        let first = page(billing_history_clone(&lines), None, 2).unwrap();
        assert_eq!(
            ids(&first),
            [
                ("Refund".into(), "pay_2".into()),
                ("Period".into(), "pay_2".into())
            ]
        );
        let cursor = first.next_cursor.0.clone().unwrap();
        let second = page(lines, Some(&cursor), 2).unwrap();
        assert_eq!(ids(&second), [("Period".to_owned(), "pay_1".to_owned())]);
        assert_eq!(second.next_cursor.0, None);
    }

    /// The lines again (they are not `Clone`), through their JSON.
    fn billing_history_clone(lines: &[PaymentModel]) -> Vec<PaymentModel> {
        lines
            .iter()
            .map(|line| {
                let json = poem_openapi::types::ToJSON::to_json(line).unwrap();
                poem_openapi::types::ParseFromJSON::parse_from_json(Some(json)).unwrap()
            })
            .collect()
    }
}
