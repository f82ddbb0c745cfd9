//! What a failed upstream call reports: a Korean message naming the kind of failure and, for
//! PortOne, its error `type` as `data`. Transport details are logged, never answered.

use serde_json::json;

use crate::domain::rejection::RejectionKind;
use crate::ports::{GatewayError, LedgerError, Unavailable};
use crate::service::failure::Failure;
use crate::service::payer::PayerError;

pub fn revoke_failed(error: &PayerError) -> Failure {
    match error {
        PayerError::Gateway(error) => gateway_failure("포트원 다음달 구독 예약 취소에 실패했습니다", error),
        PayerError::Ledger(error) => save_failed(error),
    }
}

/// PortOne failed to revoke a schedule.
pub fn revoke_failed_at_portone(error: &GatewayError) -> Failure {
    gateway_failure("포트원 다음달 구독 예약 취소에 실패했습니다", error)
}

/// The card a charge goes to could not be looked up (the stored payment method, or PortOne's
/// payment).
pub fn payer_failed(error: &PayerError) -> Failure {
    match error {
        PayerError::Gateway(error) => fetch_failed(error),
        PayerError::Ledger(error) => storage_failed(error),
    }
}

pub fn fetch_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 결제 정보 조회에 실패했습니다", error)
}

pub fn schedule_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 다음달 구독 예약에 실패했습니다", error)
}

pub fn retry_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 재결제 예약에 실패했습니다", error)
}

pub fn attempt_lookup_failed(error: &LedgerError) -> Failure {
    let message = format!(
        "갱신 대상 payment 데이터를 확인하지 못해 결제 실패를 기록하지 못했습니다: {}",
        storage_failure(error, SAVING_PAYMENT)
    );
    Failure::upstream(message, None)
}

pub fn save_failed(error: &LedgerError) -> Failure {
    Failure::upstream(storage_failure(error, SAVING_PAYMENT), None)
}

/// A storage read or write outside the payment row's save: the same facts, in general words.
pub fn storage_failed(error: &LedgerError) -> Failure {
    Failure::upstream(storage_failure(error, GENERAL), None)
}

pub fn billing_key_lookup_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 빌링키 조회에 실패했습니다", error)
}

pub fn charge_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 첫 결제 요청에 실패했습니다 (결제 여부를 알 수 없어 같은 요청을 다시 보내면 한 번만 처리됩니다)", error)
}

pub fn retry_charge_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 재결제 요청에 실패했습니다 (결제 여부를 알 수 없어 같은 요청을 다시 보내면 한 번만 결제됩니다)", error)
}

pub fn card_schedule_failed(error: &GatewayError) -> Failure {
    gateway_failure(
        "포트원 결제 예약에 실패했습니다 (이전 카드와 예약을 되돌렸습니다. 같은 요청을 다시 보내 주세요)",
        error,
    )
}

pub fn first_charge_schedule_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 첫 결제 예약에 실패했습니다", error)
}

/// PortOne's refusal as `data`: its HTTP status, `type` and `message`, and for a decline the
/// card company's `pgCode` and `pgMessage`.
pub fn rejection_data(rejection: &crate::domain::rejection::Rejection) -> serde_json::Value {
    let mut data =
        json!({ "httpStatus": rejection.status, "type": rejection.code, "message": rejection.message });
    if let (RejectionKind::Declined { pg_code, pg_message }, Some(object)) =
        (&rejection.kind, data.as_object_mut())
    {
        object.insert("pgCode".into(), json!(pg_code));
        object.insert("pgMessage".into(), json!(pg_message));
    }
    data
}

/// What PortOne's refusal means, in Korean, with its `type` (for refusals answered as such).
pub fn rejection_message(what: &str, rejection: &crate::domain::rejection::Rejection) -> String {
    format!("{what}: {} ({})", rejection_ko(&rejection.kind), rejection.code)
}

/// A storage failure in Korean: the kind of failure, and storage's own code and message when it
/// answered with one; never the transport's error chain (that is logged).
/// What storage could not do, as the end of "…에 연결할 수 없어 ~" and of "…가 ~을 거부했습니다".
struct StorageAction {
    not_done: &'static str,
    refused: &'static str,
}

const SAVING_PAYMENT: StorageAction = StorageAction {
    not_done: "payment 데이터를 저장하지 못했습니다",
    refused: "payment 데이터 저장을",
};

const GENERAL: StorageAction = StorageAction {
    not_done: "요청을 처리하지 못했습니다",
    refused: "요청을",
};

fn storage_failure(error: &LedgerError, action: StorageAction) -> String {
    match error {
        LedgerError::Unavailable { kind, .. } => {
            let why = match kind {
                Unavailable::Timeout => "응답 시간 초과".to_owned(),
                Unavailable::Unreachable => "연결 실패".to_owned(),
                Unavailable::Interrupted => "응답 수신 중 연결 끊김".to_owned(),
                Unavailable::Busy => "사용 가능한 연결 없음".to_owned(),
                Unavailable::ServerUnavailable { code, message } => format!("{code}: {message}"),
                Unavailable::Deadline => "웹훅 처리 제한 시간 초과".to_owned(),
            };
            format!("Supabase 저장소에 연결할 수 없어 {} ({why}).", action.not_done)
        }
        LedgerError::Rejected { code, message } => {
            format!("Supabase가 {} 거부했습니다 ({code}): {message}", action.refused)
        }
        LedgerError::InvalidResponse(detail) => format!("Supabase 응답을 해석할 수 없습니다: {detail}"),
    }
}

/// A PortOne failure: a Korean sentence naming PortOne's error `type`, and the raw facts as `data`.
/// Transport details (addresses, OS errors) are logged, not returned.
fn gateway_failure(what: &str, error: &GatewayError) -> Failure {
    let (message, data) = match error {
        GatewayError::Rejected(rejection) => (
            format!(
                "{what}: {} (HTTP {} {})",
                rejection_ko(&rejection.kind),
                rejection.status,
                rejection.code
            ),
            json!({ "httpStatus": rejection.status, "type": rejection.code, "message": rejection.message }),
        ),
        GatewayError::Timeout => (
            format!("{what}: 포트원 API가 제한 시간 안에 응답하지 않았습니다."),
            json!({ "type": "TIMEOUT" }),
        ),
        GatewayError::Unreachable(_) => (
            format!("{what}: 포트원 API에 연결할 수 없습니다."),
            json!({ "type": "UNREACHABLE" }),
        ),
        GatewayError::InvalidResponse(detail) => (
            format!("{what}: 포트원 응답을 해석할 수 없습니다 ({detail})."),
            json!({ "type": "INVALID_RESPONSE" }),
        ),
    };
    Failure::upstream(message, Some(data))
}

/// What PortOne's refusal means, in Korean; a refusal this build does not know gets a generic
/// sentence (PortOne's own `type` follows it in the message).
fn rejection_ko(kind: &RejectionKind) -> &'static str {
    match kind {
        RejectionKind::PaymentNotFound => "결제 건이 존재하지 않습니다",
        RejectionKind::PaymentNotPaid => "결제 완료되지 않은 결제 건입니다",
        RejectionKind::PaymentAlreadyCancelled => "이미 취소된 결제 건입니다",
        RejectionKind::Unauthorized => "인증에 실패했습니다 (PORTONE_API_SECRET 확인 필요)",
        RejectionKind::Forbidden => "요청이 거부되었습니다",
        RejectionKind::InvalidRequest => "요청 값이 올바르지 않습니다",
        RejectionKind::BillingKeyNotFound => "빌링키가 존재하지 않습니다",
        RejectionKind::BillingKeyDeleted => "빌링키가 이미 삭제되었습니다",
        RejectionKind::AlreadyPaidOrWaiting => "이미 결제되었거나 결제 대기 중인 결제 건입니다",
        RejectionKind::AlreadyPaid => "이미 결제된 결제 건입니다",
        RejectionKind::SumOfPartsExceedsTotal => "면세 금액 등 일부 금액의 합이 총 금액을 초과합니다",
        RejectionKind::ScheduleAlreadyExists => "이미 예약된 결제 건입니다",
        RejectionKind::ScheduleNotFound => "결제 예약 건이 존재하지 않습니다",
        RejectionKind::ScheduleAlreadyProcessed => "이미 처리된 결제 예약 건입니다",
        RejectionKind::ScheduleAlreadyRevoked => "이미 취소된 결제 예약 건입니다",
        RejectionKind::Declined { .. } => "카드사(PG사)가 결제를 거절했습니다",
        RejectionKind::CancellableAmountChanged => "취소 가능 금액이 달라졌습니다 (다른 취소가 먼저 처리됨)",
        RejectionKind::CancelAmountExceedsCancellable => "취소 금액이 취소 가능 금액을 초과합니다",
        RejectionKind::MaxCancelCountReached => "부분 취소 가능 횟수를 모두 사용했습니다",
        RejectionKind::IdempotencyOutstanding => "같은 요청이 아직 처리 중입니다",
        RejectionKind::Other => "포트원이 오류를 반환했습니다",
    }
}
