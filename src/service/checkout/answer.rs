//! What a start answers: this run's [`Answer`], or for a repeat of a finished key the answer
//! stored then, answered again as stored (so a repeat's body is the first one's, byte for byte).
//! Which HTTP status each [`Ending`] gets is the HTTP adapter's.

use serde_json::Value;

use crate::domain::answer::{Answer, Ending};
use crate::domain::checkout::CheckoutIds;
use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::{Ports, StoredAnswer};
use crate::service::read_back::read_model;
use crate::service::run::Run;
use crate::service::steps::Halt;

use super::{Checkout, StartRequest, Subscribed};

/// A start's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StartAnswer {
    pub ending: Ending,
    pub body: Answered,
    /// `true` when this is the stored answer of an earlier request with the same key.
    pub replayed: bool,
    /// Seconds to wait before sending the request again (`Retry-After`): a running claim's
    /// lease, or the charge limit's window.
    pub retry_after: Option<u64>,
}

/// What a start answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum Answered {
    /// This run's answer.
    Ran(Box<Answer>),
    /// The answer stored for the key, as the checkout ledger keeps it (the serialized [`Answer`]
    /// of the first run).
    Stored(Value),
}

impl StartAnswer {
    /// This run's answer.
    pub(super) fn ran(answer: Answer) -> Self {
        Self {
            ending: answer.ending,
            body: Answered::Ran(Box::new(answer)),
            replayed: false,
            retry_after: None,
        }
    }

    pub(super) fn replayed(stored: StoredAnswer) -> Self {
        Self {
            ending: stored.ending,
            body: Answered::Stored(stored.document),
            replayed: true,
            retry_after: None,
        }
    }

    fn refused(ending: Ending, code: &str, message: impl Into<String>) -> Self {
        Self::ran(Answer::refused(ending, code, message))
    }

    /// Another start of the customer (this key, or another) is running: its lease ends in
    /// `retry_after` seconds, when the same request may take it over.
    pub(super) fn in_progress(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::refused(
                Ending::Conflict,
                "CHECKOUT_IN_PROGRESS",
                "이 고객의 구독 시작 요청이 이미 처리 중입니다. 잠시 후 같은 요청을 다시 보내 주세요.",
            )
        }
    }

    /// Over the customer's charge limit: nothing ran.
    pub(super) fn too_many(retry_after: u64) -> Self {
        let message =
            format!("결제를 일으키는 요청이 너무 많습니다. {retry_after}초 뒤에 다시 시도해 주세요.");
        Self {
            retry_after: Some(retry_after),
            ..Self::refused(Ending::Limited, "TOO_MANY_REQUESTS", message)
        }
    }

    pub(super) fn key_reused() -> Self {
        Self::refused(
            Ending::KeyReused,
            "IDEMPOTENCY_KEY_REUSED",
            "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다. 새 요청에는 새 키를 쓰세요.",
        )
    }

    pub(super) fn storage_failed() -> Self {
        Self::refused(
            Ending::UpstreamFailed,
            "UPSTREAM_FAILED",
            "저장소 호출에 실패했습니다. 같은 요청을 다시 보내 주세요.",
        )
    }
}

impl<P: Ports> Checkout<P> {
    /// The answer to a run: refused (its refusal), created (the read model now), or failed
    /// upstream (the failed step's message).
    pub(super) async fn answer(
        &self,
        run: Run,
        result: Result<Subscribed, Halt>,
        request: &StartRequest,
        ids: &CheckoutIds,
    ) -> Answer {
        let mut finished = run.finish(result);
        if !finished.all_succeeded && finished.refusal.is_none() {
            // A start is done only when every step is: otherwise it failed upstream.
            finished.done = None;
        }
        if let Some(answer) = finished.unfinished() {
            return answer;
        }
        let subscribed = finished.done.take();
        let subscription = match &subscribed {
            Some(subscribed) => self.read_model(&subscribed.subscription_id).await,
            None => None,
        };
        let (code, message) = if subscription.as_ref().is_some_and(|s| s.trial_end_at.is_some()) {
            (
                "TRIAL_STARTED",
                "무료 체험을 시작했습니다. 체험이 끝나면 첫 결제가 진행됩니다.",
            )
        } else {
            ("SUBSCRIPTION_STARTED", "첫 달을 결제하고 구독을 시작했습니다.")
        };
        tracing::info!(customer_id = %request.customer_id, payment_id = %ids.payment_id, code, "subscription started");
        Answer {
            checklist: finished.checklist,
            subscription,
            ..Answer::refused(Ending::Done, code, message)
        }
    }

    /// The subscription's read model now; `None` when storage cannot say (the start still
    /// happened, and its answer says so).
    async fn read_model(&self, subscription_id: &SubscriptionId) -> Option<Subscription> {
        read_model(self.ports(), subscription_id).await
    }
}
