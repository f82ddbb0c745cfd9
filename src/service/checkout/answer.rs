//! What a start answers: its HTTP status and `{success, code, message, checklist, subscription}`.
//! Built as JSON here, because the same body is stored and answered again to a repeat.

use serde_json::{json, Value};

use crate::domain::checklist::{Step, StepStatus};
use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::Ports;
use crate::service::failure::Failure;
use crate::service::read_back::read_model;
use crate::service::steps::Halt;
use crate::service::verdict::Verdict;

use super::{Checkout, Run, StartRequest, Subscribed};
use crate::domain::checkout::CheckoutIds;

/// The HTTP status of a start's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStatus {
    /// 201: charged and recorded, or the trial started.
    Created,
    /// 402: the card company declined the first charge; nothing was recorded.
    PaymentRequired,
    /// 403: the billing key was issued for another customer.
    Forbidden,
    /// 404: no such plan, or PortOne knows no such billing key.
    NotFound,
    /// 409: the plan is archived, the billing key deleted, the customer already has a live
    /// subscription, or another start of the customer is running.
    Conflict,
    /// 422: the `Idempotency-Key` was used with another request.
    KeyReused,
    /// 429: the customer made too many charge-triggering calls; retry after `retry_after`.
    TooManyRequests,
    /// 502: PortOne or storage failed, or PortOne's answer is unknown: send the same request
    /// again.
    UpstreamFailed,
}

impl StartStatus {
    pub fn code(self) -> u16 {
        match self {
            Self::Created => 201,
            Self::PaymentRequired => 402,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::KeyReused => 422,
            Self::TooManyRequests => 429,
            Self::UpstreamFailed => 502,
        }
    }

    fn from_code(code: u16) -> Self {
        match code {
            201 => Self::Created,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::KeyReused,
            429 => Self::TooManyRequests,
            _ => Self::UpstreamFailed,
        }
    }

    /// Kept for repeats: what happened can no longer change (a charge made, a trial started, a
    /// decline). Everything else gives the key back so the request can be sent again.
    pub fn is_definite(self) -> bool {
        matches!(self, Self::Created | Self::PaymentRequired)
    }
}

/// A start's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StartAnswer {
    pub status: StartStatus,
    /// `{success, code, message, checklist, subscription}`.
    pub body: Value,
    /// `true` when this is the stored answer of an earlier request with the same key.
    pub replayed: bool,
    /// Seconds to wait before sending the request again (`Retry-After`): a running claim's
    /// lease, or the charge limit's window.
    pub retry_after: Option<u64>,
}

/// Why a start stopped before it charged: its status, a stable code and a Korean message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub status: StartStatus,
    pub code: String,
}

fn body(
    success: bool,
    code: &str,
    message: &str,
    checklist: Value,
    subscription: Option<&Subscription>,
) -> Value {
    json!({
        "success": success,
        "code": code,
        "message": message,
        "checklist": checklist,
        "subscription": subscription,
    })
}

impl StartAnswer {
    pub(super) fn replayed(status: u16, body: Value) -> Self {
        Self {
            status: StartStatus::from_code(status),
            body,
            replayed: true,
            retry_after: None,
        }
    }

    fn refused(status: StartStatus, code: &str, message: &str) -> Self {
        Self {
            status,
            body: body(false, code, message, json!([]), None),
            replayed: false,
            retry_after: None,
        }
    }

    /// Another start of the customer (this key, or another) is running: its lease ends in
    /// `retry_after` seconds, when the same request may take it over.
    pub(super) fn in_progress(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::refused(
                StartStatus::Conflict,
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
            ..Self::refused(StartStatus::TooManyRequests, "TOO_MANY_REQUESTS", &message)
        }
    }

    pub(super) fn key_reused() -> Self {
        Self::refused(
            StartStatus::KeyReused,
            "IDEMPOTENCY_KEY_REUSED",
            "이 Idempotency-Key는 다른 요청에 이미 쓰였습니다. 새 요청에는 새 키를 쓰세요.",
        )
    }

    pub(super) fn storage_failed() -> Self {
        Self::refused(
            StartStatus::UpstreamFailed,
            "UPSTREAM_FAILED",
            "저장소 호출에 실패했습니다. 같은 요청을 다시 보내 주세요.",
        )
    }
}

impl Run {
    /// Records `step` as failed because the request cannot be served as it is (not because
    /// something upstream failed), answered with `status` and `code`.
    pub(super) fn refuse(
        &mut self,
        step: Step,
        status: StartStatus,
        code: &str,
        message: String,
        data: Option<Value>,
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

impl<P: Ports> Checkout<P> {
    /// The answer to a run: refused (its refusal), created (the read model now), or failed
    /// upstream (the failed step's message).
    pub(super) async fn answer(
        &self,
        run: Run,
        result: Result<Subscribed, Halt>,
        request: &StartRequest,
        ids: &CheckoutIds,
    ) -> StartAnswer {
        let Run { steps, refusal } = run;
        let (subscribed, result) = match result {
            Ok(subscribed) => (Some(subscribed), Ok(())),
            Err(halt) => (None, Err(halt)),
        };
        let outcome = steps.finish(result);
        let checklist = serde_json::to_value(outcome.checklist.items()).unwrap_or(Value::Null);
        let failed_message = || {
            outcome
                .checklist
                .items()
                .iter()
                .find(|item| item.status == StepStatus::Failed)
                .map(|item| item.message.clone())
                .unwrap_or_default()
        };
        if let Some(refusal) = refusal {
            let message = failed_message();
            return StartAnswer {
                status: refusal.status,
                body: body(false, &refusal.code, &message, checklist, None),
                replayed: false,
                retry_after: None,
            };
        }
        match (subscribed, outcome.verdict) {
            (Some(subscribed), Verdict::Done) => {
                let subscription = self.read_model(&subscribed.subscription_id).await;
                let (code, message) = if subscription.as_ref().is_some_and(|s| s.trial_end_at.is_some()) {
                    (
                        "TRIAL_STARTED",
                        "무료 체험을 시작했습니다. 체험이 끝나면 첫 결제가 진행됩니다.",
                    )
                } else {
                    ("SUBSCRIPTION_STARTED", "첫 달을 결제하고 구독을 시작했습니다.")
                };
                tracing::info!(customer_id = %request.customer_id, payment_id = %ids.payment_id, code, "subscription started");
                StartAnswer {
                    status: StartStatus::Created,
                    body: body(true, code, message, checklist, subscription.as_ref()),
                    replayed: false,
                    retry_after: None,
                }
            }
            _ => StartAnswer {
                status: StartStatus::UpstreamFailed,
                body: body(false, "UPSTREAM_FAILED", &failed_message(), checklist, None),
                replayed: false,
                retry_after: None,
            },
        }
    }

    /// The subscription's read model now; `None` when storage cannot say (the start still
    /// happened, and its answer says so).
    async fn read_model(&self, subscription_id: &SubscriptionId) -> Option<Subscription> {
        read_model(self.ports(), subscription_id).await
    }
}
