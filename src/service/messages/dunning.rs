//! The failed flow's words: a declined renewal recorded, retried, or given up.

use crate::domain::record::PaymentRecord;

pub const NOT_A_RENEWAL: &str =
    "구독 갱신 결제가 아닙니다 (예: 웹앱의 첫 결제가 거절됨). 실패 기록과 재결제 예약을 건너뛰었습니다.";
pub const ATTEMPT_ALREADY_RECORDED: &str = "이미 기록된 결제 실패입니다. 저장된 값을 사용합니다.";
pub const RENEWED_MONTH_MISSING: &str =
    "갱신 대상 payment 데이터를 찾지 못해 결제 실패를 기록하지 못했습니다. 포트원의 재전송을 기다립니다.";
pub const RETRY_ALREADY_SCHEDULED: &str = "재결제가 이미 예약되어 있습니다.";
pub const ALREADY_RENEWED: &str = "이 달은 이미 다른 결제로 갱신되어 재결제하지 않습니다.";
pub const REFUNDED_NO_RETRY: &str = "결제가 취소(환불)된 달이라 재결제를 예약하지 않습니다.";
pub const CANCELLED_NO_RETRY: &str = "구독이 해지되어 재결제를 예약하지 않습니다.";
pub const OLDER_ATTEMPT: &str = "더 최근의 결제 실패가 이미 기록되어 있어 재결제 예약을 바꾸지 않습니다.";
pub const BILLING_KEY_GONE: &str =
    "빌링키가 삭제되었거나 존재하지 않아 재결제할 수 없습니다. 구독이 즉시 만료(lapsed)되었습니다.";
pub const NO_BILLING_KEY_TO_RETRY: &str =
    "결제 정보에 billingKey가 없어 재결제할 수 없습니다. 구독이 즉시 만료(lapsed)되었습니다.";
pub const LAPSED_NO_NEXT: &str =
    "구독이 만료(lapsed)된 뒤 결제되어 기록만 하고 다음달 구독은 예약하지 않습니다.";
pub const NEXT_ALREADY_PAID: &str = "다음달 결제가 이미 기록되어 다음달 구독 예약을 건너뛰었습니다.";
pub const RENEWAL_BEING_RETRIED: &str =
    "다음달 결제가 실패하여 재결제로 진행 중이라 다음달 구독을 다시 예약하지 않습니다.";
pub const SAVED_RECOVERED: &str =
    "재결제에 성공하여 payment 데이터를 저장했습니다. 결제 실패로 밀렸던 갱신이 복구되었습니다.";

/// Step 4 of the failed flow: attempt `attempt` (0 is the first charge) recorded.
pub fn attempt_recorded(attempt: u32) -> String {
    if attempt == 0 {
        "갱신 결제 실패(첫 결제)를 기록했습니다.".to_owned()
    } else {
        format!("재결제 실패({attempt}번째 재결제)를 기록했습니다.")
    }
}

/// Step 5: retry `n` of `N` is scheduled.
pub fn retry_scheduled(month: &PaymentRecord) -> String {
    let renewal = &month.renewal;
    format!(
        "재결제를 예약했습니다 ({}/{}번째 재결제). 재결제까지 구독은 유지됩니다 (end_grace_at {}).",
        renewal.renewal_attempts,
        renewal.retry_limit.unwrap_or(0),
        month.end_grace_at
    )
}

/// Step 5: no retry is left.
pub fn retries_exhausted(month: &PaymentRecord) -> String {
    let limit = month.renewal.retry_limit.unwrap_or(0);
    match month.renewal.lapsed_at {
        Some(at) if limit > 0 => format!(
            "재결제 {limit}회가 모두 실패하여 더 이상 재결제하지 않습니다. 구독은 {at}에 만료(lapsed)됩니다."
        ),
        Some(at) => format!("재결제하지 않는 정책이라 구독은 {at}에 만료(lapsed)됩니다."),
        None => "남은 재결제가 없어 재결제를 예약하지 않습니다.".to_owned(),
    }
}
