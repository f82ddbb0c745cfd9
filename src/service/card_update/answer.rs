//! What a card update answers: its HTTP status, a stable code, a Korean message, the checklist,
//! and once the card is stored, the subscription and its card.

use crate::domain::checklist::{ChecklistItem, Step, StepStatus};
use crate::domain::payment_method::Card;
use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, SubscriptionLedger};
use crate::service::failure::Failure;
use crate::service::messages::cards as words;
use crate::service::read_back::read_model;
use crate::service::steps::Halt;
use crate::service::verdict::Verdict;

use super::{CardUpdate, Moved, Run, Target};

/// The HTTP status of a card update's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardStatus {
    /// 200: the card is stored, and the pending charge moved to it (or recovered on it).
    Updated,
    /// 402: during dunning, the new card was declined; the retry is scheduled on it again.
    PaymentRequired,
    /// 403: the billing key was issued for another customer.
    Forbidden,
    /// 404: no such subscription (or another customer's), or PortOne knows no such billing key.
    NotFound,
    /// 409: the subscription lapsed, ended or was refunded, or the billing key is deleted or not
    /// issued, or another update of the subscription is running.
    Conflict,
    /// 429: the customer made too many charge-triggering calls; nothing changed.
    TooManyRequests,
    /// 502: PortOne or storage failed; send the same request again.
    UpstreamFailed,
}

/// A card update's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct CardAnswer {
    pub status: CardStatus,
    /// `CARD_UPDATED`, `RENEWAL_RECOVERED`, `PAYMENT_DECLINED`, or why not.
    pub code: String,
    /// Korean, for people.
    pub message: String,
    pub checklist: Vec<ChecklistItem>,
    /// The read model after the update; `None` when refused or when storage could not say.
    pub subscription: Option<Subscription>,
    /// The card the next charge uses (never its billing key).
    pub card: Option<Card>,
    /// Seconds to wait before sending the update again (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// Why a card update stopped before it moved anything: its status and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub status: CardStatus,
    pub code: String,
}

impl Run {
    /// Records `step` as failed because the request cannot be served as it is, answered with
    /// `status` and `code`.
    pub(super) fn refuse(
        &mut self,
        step: Step,
        status: CardStatus,
        code: &str,
        message: String,
        data: Option<serde_json::Value>,
    ) -> Halt {
        self.refusal = Some(Refusal {
            status,
            code: code.to_owned(),
        });
        let failure = Failure {
            message,
            data,
            verdict: Verdict::BadRequest,
        };
        self.steps.fail(step, failure)
    }
}

impl<P: Ports> CardUpdate<P> {
    pub(super) async fn answer(&self, run: Run, result: Result<(Moved, Target), Halt>) -> CardAnswer {
        let Run {
            steps,
            refusal,
            retry_after,
            ..
        } = run;
        let (done, result) = match result {
            Ok(done) => (Some(done), Ok(())),
            Err(halt) => (None, Err(halt)),
        };
        let checklist = steps.finish(result).checklist.into_items();
        let failed_message = checklist
            .iter()
            .find(|item| item.status == StepStatus::Failed)
            .map(|item| item.message.clone())
            .unwrap_or_default();
        let (status, code, message, target) = match (refusal, done) {
            (Some(refusal), _) => (refusal.status, refusal.code, failed_message, None),
            (None, Some((Moved::Updated, target))) => (
                CardStatus::Updated,
                "CARD_UPDATED".to_owned(),
                words::UPDATED.to_owned(),
                Some(target),
            ),
            (None, Some((Moved::Recovered, target))) => (
                CardStatus::Updated,
                "RENEWAL_RECOVERED".to_owned(),
                words::RECOVERED.to_owned(),
                Some(target),
            ),
            (None, Some((Moved::Declined(rejection), target))) => {
                tracing::info!(code = rejection.code, "the new card was declined");
                (
                    CardStatus::PaymentRequired,
                    "PAYMENT_DECLINED".to_owned(),
                    failed_message,
                    Some(target),
                )
            }
            (None, None) => (
                CardStatus::UpstreamFailed,
                "UPSTREAM_FAILED".to_owned(),
                failed_message,
                None,
            ),
        };
        let (subscription, card) = match &target {
            Some(target) => self.read_back(&target.latest.subscription_key()).await,
            None => (None, None),
        };
        CardAnswer {
            status,
            code,
            message,
            checklist,
            subscription,
            card,
            retry_after,
        }
    }

    /// The read model and the stored card now; `None` where storage cannot say (the update still
    /// happened, and its answer says so).
    async fn read_back(&self, subscription_id: &SubscriptionId) -> (Option<Subscription>, Option<Card>) {
        let subscription = read_model(self.ports(), subscription_id).await;
        let card = match self.ports().ledger().payment_method(subscription_id).await {
            Ok(method) => method.map(|method| method.card),
            Err(error) => {
                tracing::warn!(%error, "the payment method could not be read back");
                None
            }
        };
        (subscription, card)
    }
}
