//! What the subscription operations read from a request before they act: a plan change's
//! terms, whose subscription a start is for, and the Korean wording of why either was refused.

use poem_openapi::Object;

use crate::adapters::http::api_error::amount_problem;
use crate::adapters::http::text::Text;
use crate::domain::customer_id::CustomerId;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;
use crate::service::{Caller, ChangeTarget, PlanChange, PlanError};

/// New terms: a plan (`plan_id`) and/or seats (`quantity`), or terms of their own (`amount`,
/// `order_name`, `currency`?, from the next charge on). `plan_id`/`quantity` or `amount`, not
/// both.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanChangeRequest {
    /// A plan of `GET /api/plans`: its amount, name and currency, and the month the next charge
    /// pays records it. A customer's token may send it and `quantity`.
    pub plan_id: Option<Text>,
    /// Seats, 1–10,000 (default: the seats in effect).
    #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
    pub quantity: Option<i64>,
    /// In the currency's unit (KRW: won); greater than 0. Admin token only: a customer's token
    /// sending it (or `order_name`, `currency`) gets 403 `ADMIN_ONLY_FIELD`.
    pub amount: Option<i64>,
    /// PortOne's `orderName` of the next charges; required with `amount`. Admin token only.
    pub order_name: Option<Text>,
    /// ISO 4217, one of PortOne's `Currency` values; default: the subscription's own. Admin
    /// token only.
    pub currency: Option<Text>,
}

/// Why new terms were refused, in Korean.
fn plan_problem(problem: &PlanError) -> String {
    match problem {
        PlanError::Amount(problem) => amount_problem(*problem),
        PlanError::OrderName => format!(
            "order_name은 1–{}자여야 합니다.",
            crate::domain::plan::MAX_NAME_CHARS
        ),
        PlanError::Currency(unknown) => format!("포트원이 지원하지 않는 통화입니다: {}", unknown.0),
    }
}

/// Why a `billing_key` was refused, in Korean.
pub(super) const BILLING_KEY_PROBLEM: &str =
    "billing_key는 제어 문자 없는 1–512자여야 하며 `.`이나 `..`일 수 없습니다.";

/// Why an `Idempotency-Key` header was refused, in Korean.
pub(super) const IDEMPOTENCY_KEY_PROBLEM: &str =
    "Idempotency-Key 헤더는 1–255자의 보이는 ASCII 문자여야 합니다.";

/// Why a `quantity` was refused, in Korean.
pub(super) const QUANTITY_PROBLEM: &str = "quantity는 1 이상 10,000 이하의 정수여야 합니다.";

/// What a change asks for, or why it is not a change (400).
pub(super) enum ChangeTo {
    Target(ChangeTarget),
    Terms(PlanChange),
}

impl PlanChangeRequest {
    /// `true` when the request sets terms of its own: what only the admin may choose.
    pub(super) fn sets_custom_terms(&self) -> bool {
        self.amount.is_some() || self.order_name.is_some() || self.currency.is_some()
    }

    pub(super) fn read(&self) -> Result<ChangeTo, String> {
        match (&self.plan_id, self.quantity, self.amount) {
            (None, None, None) => Err("plan_id, quantity, amount 중 하나는 보내야 합니다.".to_owned()),
            (plan_id, quantity, None) => Ok(ChangeTo::Target(ChangeTarget {
                plan_id: plan_id
                    .as_ref()
                    .map(|id| PlanId::parse(id.as_str()))
                    .transpose()
                    .map_err(|problem| format!("plan_id가 올바르지 않습니다: {problem}"))?,
                quantity: quantity
                    .map(Quantity::new)
                    .transpose()
                    .map_err(|_| QUANTITY_PROBLEM.to_owned())?,
            })),
            (None, None, Some(amount)) => {
                let order_name = self.order_name.as_deref().unwrap_or("");
                PlanChange::new(amount, order_name, self.currency.as_deref())
                    .map(ChangeTo::Terms)
                    .map_err(|problem| plan_problem(&problem))
            }
            _ => Err("plan_id·quantity와 amount는 함께 보낼 수 없습니다.".to_owned()),
        }
    }
}

/// A customer id as PortOne takes `customer.id` ([`CustomerId`]'s rules).
fn customer_id(text: &str) -> Result<CustomerId, String> {
    CustomerId::parse(text).map_err(|problem| format!("customer_id가 올바르지 않습니다: {problem}"))
}

/// Whose subscription a start is for: the signed-in customer's own (a different `customer_id`
/// is forbidden), or for the admin the body's `customer_id`, required.
pub(super) enum StartFor {
    Customer(CustomerId),
    Forbidden,
    Invalid(String),
}

pub(super) fn start_for(caller: &Caller, body_customer: Option<&str>) -> StartFor {
    match (caller, body_customer) {
        (Caller::Customer(me), Some(other)) if *me != other => StartFor::Forbidden,
        (Caller::Customer(me), _) => StartFor::Customer(me.clone()),
        (Caller::Admin, Some(id)) => customer_id(id).map_or_else(StartFor::Invalid, StartFor::Customer),
        (Caller::Admin, None) => StartFor::Invalid("customer_id가 필요합니다.".to_owned()),
    }
}
