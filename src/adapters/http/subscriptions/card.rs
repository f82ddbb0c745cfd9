//! `POST /api/subscriptions/{subscription_id}/payment-method`: its request and answers.

use crate::adapters::http::nullable::Nullable;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use super::model::{CardModel, SubscriptionModel};
use crate::adapters::http::api_error::{error, ApiError};
use crate::adapters::http::auth::guarded;
use crate::adapters::http::redact::for_caller;
use crate::adapters::http::schema::ChecklistEntry;
use crate::adapters::http::text::Text;
use crate::domain::answer::Ending;
use crate::service::card_update::CardAnswer;
use crate::service::Caller;

/// The new card.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CardBody {
    /// What the browser SDK's `requestIssueBillingKey` returned for the subscription's customer.
    pub billing_key: Text,
}

/// The answer of a card update: the checklist of its steps and, once the card is stored, the
/// subscription and its card.
#[derive(Debug, Object)]
pub struct CardResult {
    /// `true` when the card was stored and the pending charge moved to it (or recovered on it).
    pub success: bool,
    /// `CARD_UPDATED`, `RENEWAL_RECOVERED`, `PAYMENT_DECLINED`, or why not: `NOT_FOUND`,
    /// `SUBSCRIPTION_NOT_RENEWABLE`, `CUSTOMER_UNKNOWN`, PortOne's `BILLING_KEY_NOT_FOUND`,
    /// `BILLING_KEY_ALREADY_DELETED`, `BILLING_KEY_NOT_ISSUED`, `BILLING_KEY_CUSTOMER_MISMATCH`,
    /// `CHARGE_TERMS_UNKNOWN`, `CARD_UPDATE_IN_PROGRESS`, `UPSTREAM_FAILED`.
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// Each step: `check_subscription`, `check_billing_key`, `revoke_pending_charge`,
    /// `save_payment_method`, then `schedule_with_new_card` (outside dunning) or
    /// `charge_retry_now` and either `fetch_payment`, `save_payment`, `schedule_next_payment`
    /// (paid) or `schedule_retry` (declined: PortOne's `pgCode` and `pgMessage` in the charge
    /// step's `data`). Billing keys are left out of `data` for a customer's token.
    pub checklist: Vec<ChecklistEntry>,
    /// The subscription's read model after the update.
    pub subscription: Nullable<Box<SubscriptionModel>>,
    /// The card the next charge uses (never its billing key).
    pub payment_method: Nullable<CardModel>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum CardResponse {
    /// Missing or refused `Authorization: Bearer …` (RFC 6750): neither `ADMIN_API_TOKEN` nor
    /// a valid Supabase access token of a signed-in user, answered before the operation runs.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// The card is stored and the pending charge moved to it (`CARD_UPDATED`), or during
    /// dunning the pending retry was paid with it and the renewal recorded (`RENEWAL_RECOVERED`).
    #[oai(status = 200)]
    Ok(Json<CardResult>),
    /// A blank `billing_key`, or a body that is not the documented JSON.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// During dunning, the card company declined the new card (`PAYMENT_DECLINED`, PortOne's
    /// `pgCode` and `pgMessage` in the checklist). The card is stored and the retry scheduled on
    /// it again at its own time.
    #[oai(status = 402)]
    PaymentRequired(Json<CardResult>),
    /// The billing key was issued for another customer (`BILLING_KEY_CUSTOMER_MISMATCH`).
    #[oai(status = 403)]
    Forbidden(Json<CardResult>),
    /// No subscription has this id (or it is another customer's), or PortOne knows no such
    /// billing key (`BILLING_KEY_NOT_FOUND`).
    #[oai(status = 404)]
    NotFound(Json<CardResult>),
    /// The subscription lapsed, ended or was refunded (`SUBSCRIPTION_NOT_RENEWABLE`: start a new
    /// one), the billing key is deleted or not issued, or another card update of this
    /// subscription is running (`CARD_UPDATE_IN_PROGRESS`, retry after `Retry-After` seconds).
    #[oai(status = 409)]
    Conflict(Json<CardResult>, #[oai(header = "Retry-After")] Option<String>),
    /// Too many charge-triggering calls for this customer (`TOO_MANY_REQUESTS`); retry after
    /// `Retry-After` seconds. Counted in storage, across replicas, once the update runs.
    #[oai(status = 429)]
    TooManyRequests(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// PortOne or storage failed, or PortOne's answer is unknown. Send the same request again:
    /// the retry is charged at most once.
    #[oai(status = 502)]
    UpstreamFailed(Json<CardResult>),
}

guarded!(CardResponse, bad_request);

/// The answer to `caller` (billing keys are left out for a customer), with the status of how it
/// ended: `Done` 200, `Declined` 402, `NotOwned` 403, `NotFound` 404, `Conflict` 409
/// (`Retry-After: 1` while another update runs), `Limited` 429, `UpstreamFailed` 502.
pub fn card_response(answer: CardAnswer, caller: &Caller) -> CardResponse {
    let CardAnswer { answer, retry_after } = answer;
    let checklist = answer
        .checklist
        .into_iter()
        .map(|item| {
            let mut entry = ChecklistEntry::from(item);
            entry.data = entry.data.map(|data| for_caller(data, caller));
            entry
        })
        .collect();
    let result = Json(CardResult {
        success: answer.ending == Ending::Done,
        code: answer.code,
        message: answer.message,
        checklist,
        subscription: answer
            .subscription
            .as_ref()
            .map(|subscription| Box::new(SubscriptionModel::from(subscription)))
            .into(),
        payment_method: answer.card.as_ref().map(CardModel::from).into(),
    });
    match answer.ending {
        Ending::Done => CardResponse::Ok(result),
        Ending::Declined => CardResponse::PaymentRequired(result),
        Ending::NotOwned => CardResponse::Forbidden(result),
        Ending::NotFound => CardResponse::NotFound(result),
        Ending::Conflict => {
            let retry = (result.code == "CARD_UPDATE_IN_PROGRESS").then(|| "1".to_owned());
            CardResponse::Conflict(result, retry)
        }
        // A card update has no key to reuse; were one reported, it is the request's conflict.
        Ending::KeyReused => CardResponse::Conflict(result, None),
        Ending::UpstreamFailed => CardResponse::UpstreamFailed(result),
        Ending::Limited => {
            let retry_after = retry_after.unwrap_or(1).to_string();
            CardResponse::TooManyRequests(error(&result.code, result.message.clone()), retry_after)
        }
    }
}
