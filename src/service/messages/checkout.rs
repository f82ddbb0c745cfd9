//! The words of starting a subscription and of refunds.

use crate::domain::plan::PlanId;

pub const PLAN_OK: &str = "요금제를 확인했습니다.";
pub const KEY_LOOKUP: &str = "빌링키를 확인할 수 없습니다";
pub const KEY_OK: &str = "빌링키가 발급 상태이고 고객과 일치합니다.";
pub const KEY_DELETED: &str = "삭제된 빌링키입니다. 카드를 다시 등록해 주세요.";
pub const KEY_NOT_ISSUED: &str = "발급 완료 상태가 아닌 빌링키입니다.";
pub const KEY_OF_ANOTHER_CUSTOMER: &str =
    "다른 고객에게 발급된 빌링키입니다. 빌링키는 발급받은 고객에게만 결제합니다.";
pub const CUSTOMER_OK: &str = "진행 중인 구독이 없습니다.";
pub const NO_SECOND_TRIAL: &str = "이전에 구독한 적이 있는 고객이라 무료 체험 없이 바로 결제합니다.";
pub const OWN_SUBSCRIPTION: &str = "같은 요청으로 이미 시작된 구독이 있어 이어서 처리합니다.";
pub const FREE_FIRST_PERIOD: &str = "할인으로 첫 결제 금액이 0원이라 포트원 결제 없이 첫 달을 기록합니다.";
pub const CODE_APPLIED: &str = "할인 코드를 적용했습니다.";
pub const CHARGED: &str = "첫 달을 결제했습니다.";
pub const ALREADY_CHARGED: &str = "이 요청의 첫 결제가 이미 완료되어 있어 결제한 내역을 이어서 기록합니다.";
pub const TRIAL_SAVED: &str = "무료 체험을 저장했습니다.";
pub const TRIAL_ALREADY_SAVED: &str = "이미 저장된 무료 체험이 있어 저장된 값을 사용합니다.";
pub const FIRST_CHARGE_SCHEDULED: &str = "무료 체험이 끝난 다음 날 첫 결제를 예약했습니다.";
pub const FIRST_CHARGE_ALREADY_SCHEDULED: &str = "첫 결제가 이미 예약되어 있습니다.";

pub fn plan_not_found(id: &PlanId) -> String {
    format!("요금제가 없습니다 ({id}).")
}

pub fn plan_archived(id: &PlanId) -> String {
    format!("보관(archive)된 요금제라 새 구독을 시작할 수 없습니다 ({id}).")
}

pub fn live_subscription(subscription_id: &str) -> String {
    format!("이미 진행 중인 구독이 있습니다 ({subscription_id}). 요금제를 바꾸려면 요금제 변경을 이용하세요.")
}

pub fn declined(reason: &str) -> String {
    format!("카드사가 첫 결제를 거절했습니다: {reason}. 아무것도 기록하지 않았습니다.")
}

/// Why a promotion code was refused.
pub fn code_refused(refusal: crate::domain::coupon::RedeemRefusal) -> &'static str {
    use crate::domain::coupon::RedeemRefusal;
    match refusal {
        RedeemRefusal::Unknown => "없는 할인 코드입니다.",
        RedeemRefusal::Expired => "사용 기간이 끝났거나 보관된 할인 코드입니다.",
        RedeemRefusal::Exhausted => "할인 코드의 사용 가능 횟수가 모두 소진되었습니다.",
        RedeemRefusal::NotApplicable => "이 요금제나 통화에는 쓸 수 없는 할인 코드입니다.",
        RedeemRefusal::NotFirstSubscription => "첫 구독에만 쓸 수 있는 할인 코드입니다.",
    }
}
