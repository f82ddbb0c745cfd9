//! The step-by-step checklist every webhook answers with: the frontend and QA contract, shaped as
//! the route spec's "체크리스트 응답 예시" (`{success, checklist: [{step, status, message, data}]}`)
//! plus a stable machine `code` per step.

use serde::Serialize;
use serde_json::Value;

/// One step of a flow: a stable machine `code` and its Korean `title` (the route spec's step names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    pub code: &'static str,
    pub title: &'static str,
}

impl Step {
    pub const PARSE_REQUEST: Self = Self::new("parse_request", "1. 요청 데이터 파싱");
    pub const VALIDATE_REQUEST: Self = Self::new("validate_request", "2. 요청 데이터 검증");
    pub const FETCH_PAYMENT: Self = Self::new("fetch_payment", "3. 결제 정보 조회");
    pub const SAVE_PAYMENT: Self = Self::new("save_payment", "4. Supabase payment 테이블 저장");
    pub const SCHEDULE_NEXT_PAYMENT: Self = Self::new("schedule_next_payment", "5. 다음달 구독 예약");
    pub const CANCEL_PAYMENT: Self = Self::new("cancel_payment", "4. Supabase payment 상태 갱신");
    pub const REVOKE_NEXT_SCHEDULE: Self = Self::new("revoke_next_schedule", "5. 다음달 구독 예약 취소");
    pub const RECORD_FAILED_ATTEMPT: Self = Self::new("record_failed_attempt", "4. Supabase 결제 실패 기록");
    pub const SCHEDULE_RETRY: Self = Self::new("schedule_retry", "5. 재결제 예약");

    pub const CHECK_PLAN: Self = Self::new("check_plan", "1. 요금제 확인");
    pub const CHECK_BILLING_KEY: Self = Self::new("check_billing_key", "2. 빌링키 확인");
    pub const CHECK_CUSTOMER: Self = Self::new("check_customer", "3. 기존 구독 확인");
    pub const REDEEM_PROMOTION_CODE: Self = Self::new("redeem_promotion_code", "4. 할인 코드 적용");
    pub const CHARGE_FIRST_PAYMENT: Self = Self::new("charge_first_payment", "4. 첫 결제");
    pub const SAVE_TRIAL: Self = Self::new("save_trial", "4. Supabase 무료 체험 저장");
    pub const SCHEDULE_FIRST_CHARGE: Self = Self::new("schedule_first_charge", "5. 첫 결제 예약");
    pub const RECORD_REFUND: Self = Self::new("record_refund", "4. Supabase 환불 금액 기록");
    pub const KEEP_NEXT_SCHEDULE: Self = Self::new("keep_next_schedule", "5. 다음달 구독 유지");

    pub const CHECK_SUBSCRIPTION: Self = Self::new("check_subscription", "1. 구독 상태 확인");
    pub const REVOKE_PENDING_CHARGE: Self = Self::new("revoke_pending_charge", "3. 예약된 결제 취소");
    pub const SAVE_PAYMENT_METHOD: Self = Self::new("save_payment_method", "4. Supabase 결제 수단 저장");
    pub const SCHEDULE_WITH_NEW_CARD: Self = Self::new("schedule_with_new_card", "5. 새 카드로 결제 예약");
    pub const CHARGE_RETRY_NOW: Self = Self::new("charge_retry_now", "5. 새 카드로 재결제");

    const fn new(code: &'static str, title: &'static str) -> Self {
        Self { code, title }
    }

    /// The same step under another title: its number in a longer flow.
    pub const fn titled(self, title: &'static str) -> Self {
        Self::new(self.code, title)
    }
}

/// The five steps of the paid flow, in order; every answer lists all of them.
pub const PAID_FLOW: [Step; 5] = [
    Step::PARSE_REQUEST,
    Step::VALIDATE_REQUEST,
    Step::FETCH_PAYMENT,
    Step::SAVE_PAYMENT,
    Step::SCHEDULE_NEXT_PAYMENT,
];

/// The five steps of the cancelled flow: steps 1–3 as in [`PAID_FLOW`].
pub const CANCELLED_FLOW: [Step; 5] = [
    Step::PARSE_REQUEST,
    Step::VALIDATE_REQUEST,
    Step::FETCH_PAYMENT,
    Step::CANCEL_PAYMENT,
    Step::REVOKE_NEXT_SCHEDULE,
];

/// The five steps of the failed flow (a declined renewal): steps 1–3 as in [`PAID_FLOW`].
pub const FAILED_FLOW: [Step; 5] = [
    Step::PARSE_REQUEST,
    Step::VALIDATE_REQUEST,
    Step::FETCH_PAYMENT,
    Step::RECORD_FAILED_ATTEMPT,
    Step::SCHEDULE_RETRY,
];

/// The five steps of the partially cancelled flow (a partial refund): steps 1–3 as in
/// [`PAID_FLOW`]; the refunded total is recorded and the subscription goes on.
pub const PARTIAL_CANCELLED_FLOW: [Step; 5] = [
    Step::PARSE_REQUEST,
    Step::VALIDATE_REQUEST,
    Step::FETCH_PAYMENT,
    Step::RECORD_REFUND,
    Step::KEEP_NEXT_SCHEDULE,
];

/// Starting a paid subscription (`POST /api/subscriptions`): the checks, the first charge, then
/// what the `Transaction.Paid` webhook does (fetch, record, schedule the next month).
pub const CHECKOUT_FLOW: [Step; 7] = [
    Step::CHECK_PLAN,
    Step::CHECK_BILLING_KEY,
    Step::CHECK_CUSTOMER,
    Step::CHARGE_FIRST_PAYMENT,
    Step::FETCH_PAYMENT.titled("5. 결제 정보 조회"),
    Step::SAVE_PAYMENT.titled("6. Supabase payment 테이블 저장"),
    Step::SCHEDULE_NEXT_PAYMENT.titled("7. 다음달 구독 예약"),
];

/// [`CHECKOUT_FLOW`] with a promotion code: redeemed after the checks, before the charge.
pub const CHECKOUT_CODE_FLOW: [Step; 8] = [
    Step::CHECK_PLAN,
    Step::CHECK_BILLING_KEY,
    Step::CHECK_CUSTOMER,
    Step::REDEEM_PROMOTION_CODE,
    Step::CHARGE_FIRST_PAYMENT.titled("5. 첫 결제"),
    Step::FETCH_PAYMENT.titled("6. 결제 정보 조회"),
    Step::SAVE_PAYMENT.titled("7. Supabase payment 테이블 저장"),
    Step::SCHEDULE_NEXT_PAYMENT.titled("8. 다음달 구독 예약"),
];

/// [`TRIAL_FLOW`] with a promotion code: its discount starts with the first paid period.
pub const TRIAL_CODE_FLOW: [Step; 6] = [
    Step::CHECK_PLAN,
    Step::CHECK_BILLING_KEY,
    Step::CHECK_CUSTOMER,
    Step::REDEEM_PROMOTION_CODE,
    Step::SAVE_TRIAL.titled("5. Supabase 무료 체험 저장"),
    Step::SCHEDULE_FIRST_CHARGE.titled("6. 첫 결제 예약"),
];

/// Recording a charge this service made itself as its webhook would (an interval switch's new
/// period): the paid flow's steps 3–5.
pub const RECORD_CHARGE_FLOW: [Step; 3] = [
    Step::FETCH_PAYMENT.titled("1. 결제 정보 조회"),
    Step::SAVE_PAYMENT.titled("2. Supabase payment 테이블 저장"),
    Step::SCHEDULE_NEXT_PAYMENT.titled("3. 다음 결제 예약"),
];

/// Starting a free trial: the checks, the trial month, and its first charge scheduled at PortOne.
pub const TRIAL_FLOW: [Step; 5] = [
    Step::CHECK_PLAN,
    Step::CHECK_BILLING_KEY,
    Step::CHECK_CUSTOMER,
    Step::SAVE_TRIAL,
    Step::SCHEDULE_FIRST_CHARGE,
];

/// A card update (`POST /api/subscriptions/{id}/payment-method`) outside dunning: the checks,
/// the pending charge revoked, the new card stored, the same charge scheduled on it.
pub const CARD_UPDATE_FLOW: [Step; 5] = [
    Step::CHECK_SUBSCRIPTION,
    Step::CHECK_BILLING_KEY,
    Step::REVOKE_PENDING_CHARGE,
    Step::SAVE_PAYMENT_METHOD,
    Step::SCHEDULE_WITH_NEW_CARD,
];

/// A card update during dunning: steps 1–4 as in [`CARD_UPDATE_FLOW`], the pending retry charged
/// now on the new card, then what the `Transaction.Paid` webhook does.
pub const CARD_RECOVERY_FLOW: [Step; 8] = [
    Step::CHECK_SUBSCRIPTION,
    Step::CHECK_BILLING_KEY,
    Step::REVOKE_PENDING_CHARGE,
    Step::SAVE_PAYMENT_METHOD,
    Step::CHARGE_RETRY_NOW,
    Step::FETCH_PAYMENT.titled("6. 결제 정보 조회"),
    Step::SAVE_PAYMENT.titled("7. Supabase payment 테이블 저장"),
    Step::SCHEDULE_NEXT_PAYMENT.titled("8. 다음달 구독 예약"),
];

/// A card update during dunning whose charge was declined: steps 1–5 as in
/// [`CARD_RECOVERY_FLOW`], then the retry scheduled again, on the new card, at its own time.
pub const CARD_DECLINED_FLOW: [Step; 6] = [
    Step::CHECK_SUBSCRIPTION,
    Step::CHECK_BILLING_KEY,
    Step::REVOKE_PENDING_CHARGE,
    Step::SAVE_PAYMENT_METHOD,
    Step::CHARGE_RETRY_NOW,
    Step::SCHEDULE_RETRY.titled("6. 새 카드로 재결제 다시 예약"),
];

/// Outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Success,
    Failed,
    Skipped,
}

/// One line of the checklist: `{code, step, status, message, data?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistItem {
    pub code: &'static str,
    pub step: &'static str,
    pub status: StepStatus,
    /// Korean, for people (the route spec's wording where it has one).
    pub message: String,
    /// Step-specific details; omitted when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The checklist of one webhook (or one subscription start), filled step by step in flow order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checklist {
    #[serde(skip)]
    flow: &'static [Step],
    items: Vec<ChecklistItem>,
}

impl Checklist {
    /// An empty checklist for `flow`.
    pub fn new(flow: &'static [Step]) -> Self {
        Self {
            flow,
            items: Vec::with_capacity(flow.len()),
        }
    }

    /// Switches to another flow once the request says which one applies. The steps already
    /// recorded must be the same in both (they are: parsing and validation).
    pub fn set_flow(&mut self, flow: &'static [Step]) {
        debug_assert_eq!(self.flow[..self.items.len()], flow[..self.items.len()]);
        self.flow = flow;
    }

    /// Records the next step's outcome. Steps are recorded in flow order; the step is named for
    /// readability at call sites (its code is checked in debug builds), and its title is the
    /// flow's, which numbers it.
    pub fn record(
        &mut self,
        step: Step,
        status: StepStatus,
        message: impl Into<String>,
        data: Option<Value>,
    ) {
        let in_flow = self.flow.get(self.items.len()).copied();
        debug_assert_eq!(in_flow.map(|s| s.code), Some(step.code), "steps out of order");
        let step = in_flow.filter(|s| s.code == step.code).unwrap_or(step);
        self.items.push(ChecklistItem {
            code: step.code,
            step: step.title,
            status,
            message: message.into(),
            data,
        });
    }

    /// Marks every step not yet recorded as skipped, with `reason` as its message, so the answer
    /// always lists the whole flow.
    pub fn skip_remaining(&mut self, reason: &str) {
        let flow = self.flow;
        for step in flow.iter().skip(self.items.len()) {
            self.record(*step, StepStatus::Skipped, reason, None);
        }
    }

    /// `true` when no step failed (skipped steps are not failures).
    pub fn succeeded(&self) -> bool {
        self.items.iter().all(|item| item.status != StepStatus::Failed)
    }

    /// The recorded lines, moved out.
    pub fn into_items(self) -> Vec<ChecklistItem> {
        self.items
    }

    /// The recorded lines, in flow order.
    pub fn items(&self) -> &[ChecklistItem] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_remaining_completes_the_flow_and_failure_is_sticky() {
        let mut checklist = Checklist::new(&PAID_FLOW);
        checklist.record(Step::PARSE_REQUEST, StepStatus::Success, "ok", None);
        assert!(checklist.succeeded());
        checklist.record(Step::VALIDATE_REQUEST, StepStatus::Failed, "bad", None);
        checklist.skip_remaining("앞 단계 실패");
        let codes: Vec<_> = checklist.items().iter().map(|item| item.code).collect();
        assert_eq!(
            codes,
            [
                "parse_request",
                "validate_request",
                "fetch_payment",
                "save_payment",
                "schedule_next_payment"
            ]
        );
        assert_eq!(checklist.items()[4].status, StepStatus::Skipped);
        assert!(!checklist.succeeded());
    }
}
