//! What a customer's request (a start, a card update) came to: how it ended, a stable code, a
//! Korean message, the checklist of its steps, and the subscription after it. Pure data: the HTTP
//! adapter picks the status for each [`Ending`], and the checkout ledger stores the answer of a
//! start for its repeats.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::checklist::ChecklistItem;
use super::payment_method::Card;
use super::subscription::Subscription;

/// How a request ended. Each is one documented answer of the operation (the HTTP adapter maps
/// them: 201 or 200, 402, 403, 404, 409, 422, 429, 502).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ending {
    /// Done: the subscription started, or the card is stored and the pending charge moved.
    Done,
    /// The card company declined the charge.
    Declined,
    /// The billing key was issued for another customer.
    NotOwned,
    /// No such plan or subscription, or PortOne knows no such billing key.
    NotFound,
    /// The request cannot be served in the subscription's or plan's state, or another request
    /// of the same customer or subscription is running.
    Conflict,
    /// The `Idempotency-Key` was used with another request.
    KeyReused,
    /// Over the customer's charge limit; nothing ran.
    Limited,
    /// PortOne or storage failed, or PortOne's answer is unknown: the same request may be sent
    /// again.
    UpstreamFailed,
}

impl Ending {
    /// Every ending, for exhaustive tests of the mappings.
    pub const ALL: [Self; 8] = [
        Self::Done,
        Self::Declined,
        Self::NotOwned,
        Self::NotFound,
        Self::Conflict,
        Self::KeyReused,
        Self::Limited,
        Self::UpstreamFailed,
    ];

    /// Kept for a start's repeats: what happened can no longer change (a charge made, a trial
    /// started, a decline). Every other ending gives the key back, so the request can be sent
    /// again.
    pub fn is_definite(self) -> bool {
        matches!(self, Self::Done | Self::Declined)
    }
}

/// The answer of a start or a card update. Serializes as the documented body
/// `{success, code, message, checklist, subscription}` (`success` is `ending == Done`; the card
/// is the HTTP adapter's to show, never a billing key).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub ending: Ending,
    /// `SUBSCRIPTION_STARTED`, `CARD_UPDATED`, …, or why not (`PLAN_NOT_FOUND`, PortOne's
    /// `BILLING_KEY_NOT_FOUND`, …).
    pub code: String,
    /// Korean, for people.
    pub message: String,
    /// Each step that ran; empty when the request was refused before any step ran.
    pub checklist: Vec<ChecklistItem>,
    /// The read model after the request; `None` when refused or when storage could not say.
    pub subscription: Option<Subscription>,
    /// The card the next charge uses, after a card update.
    pub card: Option<Card>,
}

impl Answer {
    /// Refused before any step ran.
    pub fn refused(ending: Ending, code: &str, message: impl Into<String>) -> Self {
        Self {
            ending,
            code: code.to_owned(),
            message: message.into(),
            checklist: Vec::new(),
            subscription: None,
            card: None,
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("Answer", 5)?;
        body.serialize_field("success", &(self.ending == Ending::Done))?;
        body.serialize_field("code", &self.code)?;
        body.serialize_field("message", &self.message)?;
        body.serialize_field("checklist", &self.checklist)?;
        body.serialize_field("subscription", &self.subscription)?;
        body.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_done_and_declined_are_kept_for_repeats() {
        let kept: Vec<Ending> = Ending::ALL.into_iter().filter(|e| e.is_definite()).collect();
        assert_eq!(kept, [Ending::Done, Ending::Declined]);
    }

    #[test]
    fn serializes_as_the_documented_body() {
        let answer = Answer::refused(Ending::KeyReused, "IDEMPOTENCY_KEY_REUSED", "다른 요청");
        assert_eq!(
            serde_json::to_value(&answer).unwrap(),
            serde_json::json!({
                "success": false, "code": "IDEMPOTENCY_KEY_REUSED", "message": "다른 요청",
                "checklist": [], "subscription": null,
            })
        );
    }
}
