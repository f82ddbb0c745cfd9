//! What a card update answers: how it ended, a stable code, a Korean message, the checklist,
//! and once the card is stored, the subscription and its card. Which HTTP status each
//! [`Ending`] gets is the HTTP adapter's.

use crate::domain::answer::{Answer, Ending};
use crate::domain::payment_method::Card;
use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, SubscriptionLedger};
use crate::service::messages::cards as words;
use crate::service::read_back::read_model;
use crate::service::steps::Halt;

use super::{CardUpdate, Moved, Run, Target};

/// A card update's answer: its [`Answer`] (`CARD_UPDATED`, `RENEWAL_RECOVERED`,
/// `PAYMENT_DECLINED`, or why not; the card the next charge uses, never its billing key), and how
/// long to wait before sending it again (`Retry-After`), when the answer says so.
#[derive(Debug, Clone, PartialEq)]
pub struct CardAnswer {
    pub answer: Answer,
    pub retry_after: Option<u64>,
}

impl std::ops::Deref for CardAnswer {
    type Target = Answer;

    fn deref(&self) -> &Answer {
        &self.answer
    }
}

impl<P: Ports> CardUpdate<P> {
    pub(super) async fn answer(&self, run: Run, result: Result<(Moved, Target), Halt>) -> CardAnswer {
        let retry_after = run.retry_after;
        let mut finished = run.base.finish(result);
        if let Some(answer) = finished.unfinished() {
            return CardAnswer { answer, retry_after };
        }
        let Some((moved, target)) = finished.done.take() else {
            unreachable!("a run that is not unfinished is done")
        };
        let (ending, code, message) = match moved {
            Moved::Updated => (Ending::Done, "CARD_UPDATED", words::UPDATED.to_owned()),
            Moved::Recovered => (Ending::Done, "RENEWAL_RECOVERED", words::RECOVERED.to_owned()),
            Moved::Declined(rejection) => {
                tracing::info!(code = rejection.code, "the new card was declined");
                (
                    Ending::Declined,
                    "PAYMENT_DECLINED",
                    finished.failed_message.clone(),
                )
            }
        };
        let (subscription, card) = self.read_back(&target.latest.subscription_key()).await;
        let answer = Answer {
            checklist: finished.checklist,
            subscription,
            card,
            ..Answer::refused(ending, code, message)
        };
        CardAnswer { answer, retry_after }
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
