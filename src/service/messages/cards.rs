//! The card update's words (`POST /api/subscriptions/{id}/payment-method`).

pub const SUBSCRIPTION_NOT_FOUND: &str = "구독을 찾을 수 없습니다.";
pub const NOT_RENEWABLE: &str =
    "만료(lapsed)·종료(ended)·환불(refunded)된 구독은 카드를 바꿀 수 없습니다. 새 구독을 시작해 주세요.";
pub const NO_CUSTOMER: &str = "구독의 고객(customer.id)을 알 수 없어 빌링키를 확인할 수 없습니다.";
pub const REVOKED_PENDING: &str = "기존 카드로 예약된 결제를 취소했습니다.";
pub const NOTHING_PENDING: &str = "기존 카드로 예약된 결제가 없습니다.";
pub const CHARGE_UNDER_WAY: &str =
    "기존 카드로 예약된 결제가 이미 진행되었습니다. 그 결제는 기존 카드로 처리되고, 그다음 결제부터 새 카드를 씁니다.";
pub const CANCELING_NO_SCHEDULE: &str =
    "해지 예약된 구독이라 예약된 결제가 없습니다. 구독을 재개하면 새 카드로 예약합니다.";
pub const METHOD_SAVED: &str = "새 카드를 구독의 결제 수단으로 저장했습니다.";
pub const SCHEDULED_ON_NEW_CARD: &str = "같은 결제 건을 새 카드로 다시 예약했습니다.";
pub const ALREADY_SCHEDULED_ON_NEW_CARD: &str = "같은 결제 건이 이미 예약되어 있습니다.";
pub const NOTHING_TO_SCHEDULE: &str = "예약할 결제가 남아 있지 않습니다.";
pub const RETRY_CHARGED: &str = "밀린 결제를 새 카드로 결제했습니다.";
pub const RETRY_ALREADY_CHARGED: &str = "밀린 결제가 이미 완료되어 있어 결제한 내역을 이어서 기록합니다.";
pub const RETRY_RESCHEDULED: &str = "재결제를 새 카드로 원래 시각에 다시 예약했습니다.";
pub const RETRY_ALREADY_RESCHEDULED: &str = "재결제가 이미 예약되어 있습니다.";
pub const UPDATED: &str = "카드를 바꿨습니다. 다음 결제부터 새 카드를 씁니다.";
pub const RECOVERED: &str = "밀린 결제를 새 카드로 결제해 구독을 복구했습니다.";

pub fn declined(reason: &str) -> String {
    format!(
        "카드사가 새 카드의 결제를 거절했습니다: {reason}. 재결제는 원래 시각에 새 카드로 다시 시도합니다."
    )
}
pub const TERMS_UNKNOWN: &str =
    "결제 조건(orderName, currency)이 기록되지 않은 구독이라 새 카드로 예약할 수 없습니다.";
pub const NEW_CARD_UNUSABLE: &str = "새 카드의 빌링키로 결제할 수 없습니다";
pub const IN_PROGRESS: &str = "이 구독의 카드 변경이 이미 처리 중입니다. 잠시 후 다시 시도해 주세요.";

pub fn too_many(retry_after_seconds: u64) -> String {
    format!("결제를 일으키는 요청이 너무 많습니다. {retry_after_seconds}초 뒤에 다시 시도해 주세요.")
}

pub const NO_RETRY_LEFT: &str =
    "재결제가 모두 끝나 다시 예약하지 않습니다. 유예 기간(end_grace_at)이 끝나기 전에 다른 카드로 다시 시도할 수 있습니다.";
