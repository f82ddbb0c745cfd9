//! The checklist's Korean messages, in one place so wording stays consistent (the success
//! messages are the route spec's own); `failures` has the [`Failure`](super::failure::Failure)s that
//! failed upstream calls report, `dunning` the failed flow's words.

pub mod cards;
pub mod checkout;
mod dunning;
mod failures;

pub use dunning::*;
pub use failures::*;

use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::{PaymentIdError, MAX_PAYMENT_ID_CHARS};
use crate::domain::webhook::{ParseError, ValidationError, WebhookStatus};

use crate::domain::signature::SignatureError;

pub const FROM_RECONCILE: &str = "웹훅 대신 정합성 점검(reconcile)이 포트원에서 확인한 결제입니다.";
pub const PARSED: &str = "요청 데이터를 성공적으로 파싱했습니다.";
pub const VALIDATED: &str = "요청 데이터 검증 완료";
pub const FETCHED: &str = "결제 정보를 성공적으로 조회했습니다.";
pub const SAVED: &str = "payment 데이터를 성공적으로 저장했습니다.";
pub const ALREADY_SAVED: &str = "이미 저장된 payment 데이터가 있어 저장된 값을 사용합니다.";
pub const SCHEDULED: &str = "다음달 구독을 성공적으로 예약했습니다.";
pub const FREE_NEXT_PERIOD: &str =
    "할인으로 다음 결제 금액이 0원이라 포트원에 예약하지 않습니다. 결제일에 0원 결제로 기록됩니다.";
pub const FREE_PERIOD_NOT_FETCHED: &str = "할인으로 결제 금액이 0원이라 포트원 결제 없이 기록합니다.";
pub const ALREADY_SCHEDULED: &str = "다음달 구독이 이미 예약되어 있습니다.";
pub const NO_BILLING_KEY: &str = "결제 정보에 billingKey가 없어 다음달 구독 예약을 건너뛰었습니다.";
pub const SKIPPED_AFTER_FAILURE: &str = "이전 단계가 실패하여 건너뛰었습니다.";
pub const OVERLOADED: &str = "처리 중인 웹훅이 너무 많아 요청을 받지 못했습니다. 잠시 후 다시 시도해 주세요.";
pub const NOT_PARSED_UNSIGNED: &str = "서명 검증에 실패하여 본문을 해석하지 않았습니다.";
pub const SUBSCRIPTION_CANCELLED: &str = "구독이 해지되어 다음달 구독을 예약하지 않습니다.";
pub const PAYMENT_CANCELLED: &str = "결제가 취소된 건이라 다음달 구독을 예약하지 않습니다.";
pub const MARKED_CANCELLED: &str = "payment 상태를 Cancelled로 갱신했습니다.";
pub const REVOKED: &str = "다음달 구독 예약을 취소했습니다.";
pub const ALREADY_REVOKED: &str = "다음달 구독 예약이 이미 취소되어 있습니다.";
pub const NOTHING_TO_REVOKE: &str = "취소할 다음달 구독 예약이 없습니다.";
pub const ALREADY_CHARGED: &str =
    "다음달 결제가 이미 진행되어 예약을 취소할 수 없습니다. 고객에게 환불이 필요합니다.";
pub const NO_ROW_TO_CANCEL: &str =
    "취소할 payment 데이터가 없습니다. Paid 웹훅이 아직 처리되지 않았을 수 있어 포트원의 재전송을 기다립니다.";

pub fn unhandled(name: &str) -> String {
    format!("처리하지 않는 웹훅입니다 ({name}). 건너뛰었습니다.")
}

pub fn signature_error(error: &SignatureError) -> String {
    let reason = match error {
        SignatureError::MissingHeaders(names) => format!("서명 헤더가 없습니다: {}", names.join(", ")),
        SignatureError::InvalidTimestamp => "webhook-timestamp가 유닉스 시각(초)이 아닙니다.".to_owned(),
        SignatureError::TimestampTooOld => "webhook-timestamp가 5분 넘게 지났습니다.".to_owned(),
        SignatureError::TimestampTooNew => "webhook-timestamp가 5분 넘게 미래입니다.".to_owned(),
        SignatureError::NoMatchingSignature => {
            "일치하는 서명이 없습니다 (PORTONE_WEBHOOK_SECRET 확인 필요).".to_owned()
        }
    };
    format!("웹훅 서명 검증에 실패했습니다: {reason}")
}

pub fn too_large(limit_bytes: usize) -> String {
    format!("요청 본문이 너무 큽니다 (최대 {limit_bytes}바이트).")
}

pub fn parse_error(error: &ParseError) -> String {
    match error {
        ParseError::Malformed(detail) => format!("요청 본문이 올바른 JSON이 아닙니다: {detail}"),
        ParseError::MalformedForm => "요청 본문(form)이 UTF-8이 아닙니다.".to_owned(),
        ParseError::NotAnObject => "요청 본문은 JSON 객체여야 합니다.".to_owned(),
        ParseError::WrongType {
            field,
            expected: "an object",
        } => format!("{field} 필드는 객체여야 합니다."),
        ParseError::WrongType { field, .. } => format!("{field} 필드는 문자열이어야 합니다."),
    }
}

pub fn validation_error(error: &ValidationError) -> String {
    match error {
        ValidationError::MissingPaymentId(field) => format!("{field}가 누락되었습니다."),
        ValidationError::InvalidPaymentId(field, PaymentIdError::Empty) => {
            format!("{field}가 비어 있습니다.")
        }
        ValidationError::InvalidPaymentId(field, PaymentIdError::TooLong) => {
            format!("{field}는 최대 {MAX_PAYMENT_ID_CHARS}자까지 허용됩니다.")
        }
        ValidationError::InvalidPaymentId(field, PaymentIdError::ControlCharacter) => {
            format!("{field}에 제어 문자가 포함되어 있습니다.")
        }
        ValidationError::InvalidPaymentId(field, PaymentIdError::DotSegment) => {
            format!("{field}는 `.`이나 `..`일 수 없습니다.")
        }
        ValidationError::EmptyType => "type이 비어 있습니다.".to_owned(),
        ValidationError::MissingStatus => "status가 누락되었습니다.".to_owned(),
        ValidationError::UnknownStatus(status) => {
            let known: Vec<_> = WebhookStatus::ALL.iter().map(|s| s.as_str()).collect();
            format!(
                "status 값이 올바르지 않습니다 ({status}). 허용 값: {}",
                known.join(", ")
            )
        }
    }
}

/// Step 3 found PortOne's status to contradict the webhook (`expected` is `PAID`, `CANCELLED`
/// or `FAILED`).
pub fn status_mismatch(expected: &PaymentStatus, status: &str) -> String {
    match expected {
        PaymentStatus::Paid => {
            format!("포트원 결제 상태가 PAID가 아닙니다 (현재 상태: {status}). 결제 완료 건만 기록합니다.")
        }
        PaymentStatus::Failed => {
            format!("포트원 결제 상태가 FAILED가 아닙니다 (현재 상태: {status}). 실패한 결제만 기록합니다.")
        }
        PaymentStatus::PartialCancelled => format!(
            "포트원 결제 상태가 PARTIAL_CANCELLED가 아닙니다 (현재 상태: {status}). 환불된 결제만 반영합니다."
        ),
        _ => format!(
            "포트원 결제 상태가 CANCELLED가 아닙니다 (현재 상태: {status}). 취소된 결제만 반영합니다."
        ),
    }
}

pub const PARTIAL_REFUND_KEEPS_SCHEDULE: &str =
    "부분 환불이라 구독은 계속되며 다음달 구독 예약은 그대로 둡니다.";
pub const FULLY_REFUNDED_LATER: &str =
    "이후 전액 환불되어 구독 종료와 예약 취소는 Transaction.Cancelled 웹훅이 처리합니다.";

/// Step 4 of the partially cancelled flow: the refunded total recorded.
pub fn refund_recorded(total: crate::domain::amount::Amount) -> String {
    format!("환불 금액을 기록했습니다 (누적 환불 {}).", total.value())
}
