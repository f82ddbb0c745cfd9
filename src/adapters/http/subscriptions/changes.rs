//! Plan and seat changes, and their preview: `POST …/change`, `POST …/quantity` and
//! `GET …/change-preview`. An upgrade of an `active` subscription takes effect now and is
//! charged the prorated difference (requires `Idempotency-Key`); anything else takes effect at
//! the period's end.

use std::sync::Arc;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::change::{ChangeTo, PlanChangeRequest, IDEMPOTENCY_KEY_PROBLEM, QUANTITY_PROBLEM};
use super::preview::PreviewResponse;
use super::responses::ChangeResponse;
use crate::adapters::http::api_error::error;
use crate::adapters::http::auth::CallerAuth;
use crate::adapters::http::subscription_path::SubscriptionPath;
use crate::adapters::http::ApiTags;
use crate::domain::checkout::IdempotencyKey;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::ports::Ports;
use crate::service::{ChangeTarget, SubscriptionService};

/// `POST …/quantity`: the seats wanted.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct QuantityBody {
    /// Seats, 1–10,000.
    #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
    pub quantity: i64,
}

/// The change operations, generic over the ports.
pub struct ChangeApi<P> {
    service: Arc<SubscriptionService<P>>,
}

impl<P> ChangeApi<P> {
    pub fn new(service: Arc<SubscriptionService<P>>) -> Self {
        Self { service }
    }
}

/// The `Idempotency-Key` header, when sent: `Err` (400) for a malformed one.
fn idempotency_key(header: Option<&str>) -> Result<Option<IdempotencyKey>, Box<ChangeResponse>> {
    header
        .map(|key| {
            IdempotencyKey::parse(key).map_err(|_| {
                let message = IDEMPOTENCY_KEY_PROBLEM;
                Box::new(ChangeResponse::BadRequest(error("BAD_REQUEST", message)))
            })
        })
        .transpose()
}

#[OpenApi(tag = "ApiTags::Subscription")]
impl<P: Ports> ChangeApi<P> {
    /// Change the plan and/or the seats. A change whose price per period goes up, on an `active`
    /// subscription with the same interval, takes effect now: the difference for the rest of
    /// the period, `floor((new − old) × remaining ÷ period)` in seconds, is charged at once with
    /// `payWithBillingKey` (nothing below `MIN_PRORATION_AMOUNT`), the pending charge moves to
    /// the new amount, and the answer has code `PLAN_CHANGED_NOW` and the `proration`. It
    /// requires `Idempotency-Key`: the same key answers what the first request did and charges
    /// once. Any other change (a downgrade, fewer seats, another interval, a trial, a renewal in
    /// dunning) takes effect at the period's end with no refund: the pending charge is replaced
    /// with the new terms (`PLAN_CHANGED`). A customer's token may send `plan_id` and
    /// `quantity`; terms of their own (`amount`, `order_name`, `currency`) are the admin's (403
    /// `ADMIN_ONLY_FIELD`).
    #[oai(path = "/api/subscriptions/:subscription_id/change", method = "post")]
    async fn change(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        plan: Json<PlanChangeRequest>,
    ) -> ChangeResponse {
        if caller.customer().is_some() && plan.sets_custom_terms() {
            tracing::info!("a customer's token tried to set a plan change's terms");
            let message = "고객은 요금제(plan_id)와 좌석 수(quantity)만 바꿀 수 있습니다. amount·order_name·currency는 앱 서버만 보낼 수 있습니다.";
            return ChangeResponse::Forbidden(error("ADMIN_ONLY_FIELD", message));
        }
        let key = match idempotency_key(key.0.as_deref()) {
            Ok(key) => key,
            Err(answer) => return *answer,
        };
        let change = match plan.read() {
            Ok(change) => change,
            Err(problem) => return ChangeResponse::BadRequest(error("BAD_REQUEST", problem)),
        };
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        match change {
            ChangeTo::Target(target) => self
                .service
                .change_to(&subscription_id, &target, key.as_ref())
                .await
                .into(),
            ChangeTo::Terms(terms) => self.service.change(&subscription_id, &terms).await.into(),
        }
    }

    /// Change the seats on the plan in effect: more seats take effect now with a prorated
    /// charge for the added seats (requires `Idempotency-Key`, as `…/change`); fewer take effect
    /// at the period's end, with no refund.
    #[oai(path = "/api/subscriptions/:subscription_id/quantity", method = "post")]
    async fn quantity(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<String>>,
        body: Json<QuantityBody>,
    ) -> ChangeResponse {
        let key = match idempotency_key(key.0.as_deref()) {
            Ok(key) => key,
            Err(answer) => return *answer,
        };
        let Ok(quantity) = Quantity::new(body.quantity) else {
            return ChangeResponse::BadRequest(error("BAD_REQUEST", QUANTITY_PROBLEM));
        };
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        let target = ChangeTarget {
            plan_id: None,
            quantity: Some(quantity),
        };
        self.service
            .change_to(&subscription_id, &target, key.as_ref())
            .await
            .into()
    }

    /// What a change to `plan_id` and/or `quantity` would do, without doing it: whether it takes
    /// effect now, the amount due now, when the new terms start and the next charge on them,
    /// decided exactly as `…/change` decides.
    #[oai(path = "/api/subscriptions/:subscription_id/change-preview", method = "get")]
    async fn change_preview(
        &self,
        CallerAuth(caller): CallerAuth,
        subscription_id: Path<SubscriptionPath>,
        plan_id: Query<Option<String>>,
        quantity: Query<Option<i64>>,
    ) -> PreviewResponse {
        let plan_id = match plan_id.0.map(PlanId::parse).transpose() {
            Ok(plan_id) => plan_id,
            Err(_) => {
                return PreviewResponse::BadRequest(error("BAD_REQUEST", "plan_id가 올바르지 않습니다."))
            }
        };
        let Ok(quantity) = quantity.0.map(Quantity::new).transpose() else {
            return PreviewResponse::BadRequest(error("BAD_REQUEST", QUANTITY_PROBLEM));
        };
        if plan_id.is_none() && quantity.is_none() {
            let message = "plan_id와 quantity 중 하나는 보내야 합니다.";
            return PreviewResponse::BadRequest(error("BAD_REQUEST", message));
        }
        if let Err(problem) = self.service.authorize(&subscription_id, &caller).await {
            return Err(problem).into();
        }
        let target = ChangeTarget { plan_id, quantity };
        self.service
            .preview_change(&subscription_id, &target)
            .await
            .into()
    }
}
