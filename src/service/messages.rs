//! The checklist's Korean messages, in one place so wording stays consistent (the success
//! messages are the route spec's own), and the [`Failure`]s that failed upstream calls report.

use serde_json::json;

use crate::domain::payment::PaymentStatus;
use crate::domain::payment_id::{PaymentIdError, MAX_PAYMENT_ID_CHARS};
use crate::domain::webhook::{ParseError, ValidationError, WebhookStatus};
use crate::ports::{GatewayError, LedgerError, Unavailable};

use super::signature::SignatureError;
use super::steps::Failure;

pub const PARSED: &str = "요청 데이터를 성공적으로 파싱했습니다.";
pub const VALIDATED: &str = "요청 데이터 검증 완료";
pub const FETCHED: &str = "결제 정보를 성공적으로 조회했습니다.";
pub const SAVED: &str = "payment 데이터를 성공적으로 저장했습니다.";
pub const ALREADY_SAVED: &str = "이미 저장된 payment 데이터가 있어 저장된 값을 사용합니다.";
pub const SCHEDULED: &str = "다음달 구독을 성공적으로 예약했습니다.";
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

/// Step 3 found PortOne's status to contradict the webhook (`expected` is `PAID` or `CANCELLED`).
pub fn status_mismatch(expected: &PaymentStatus, status: &str) -> String {
    match expected {
        PaymentStatus::Paid => {
            format!("포트원 결제 상태가 PAID가 아닙니다 (현재 상태: {status}). 결제 완료 건만 기록합니다.")
        }
        _ => format!(
            "포트원 결제 상태가 CANCELLED가 아닙니다 (현재 상태: {status}). 취소된 결제만 반영합니다."
        ),
    }
}

pub fn revoke_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 다음달 구독 예약 취소에 실패했습니다", error)
}

pub fn lookup_failed(error: &LedgerError) -> Failure {
    let message = format!(
        "이전 달 payment 데이터를 확인하지 못해 다음달 구독을 예약하지 않았습니다: {}",
        storage_failure(error)
    );
    Failure::upstream(message, None)
}

pub fn fetch_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 결제 정보 조회에 실패했습니다", error)
}

pub fn schedule_failed(error: &GatewayError) -> Failure {
    gateway_failure("포트원 다음달 구독 예약에 실패했습니다", error)
}

pub fn save_failed(error: &LedgerError) -> Failure {
    Failure::upstream(storage_failure(error), None)
}

/// A storage failure in Korean: the kind of failure, and storage's own code and message when it
/// answered with one; never the transport's error chain (that is logged).
fn storage_failure(error: &LedgerError) -> String {
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
            format!("Supabase 저장소에 연결할 수 없어 payment 데이터를 저장하지 못했습니다 ({why}).")
        }
        LedgerError::Rejected { code, message } => {
            format!("Supabase가 payment 데이터 저장을 거부했습니다 ({code}): {message}")
        }
        LedgerError::InvalidResponse(detail) => format!("Supabase 응답을 해석할 수 없습니다: {detail}"),
    }
}

/// A PortOne failure: a Korean sentence naming PortOne's error `type`, and the raw facts as `data`.
/// Transport details (addresses, OS errors) are logged, not returned.
fn gateway_failure(what: &str, error: &GatewayError) -> Failure {
    let (message, data) = match error {
        GatewayError::Rejected {
            status,
            error_type,
            message,
        } => (
            format!(
                "{what}: {} (HTTP {status} {error_type})",
                portone_error_ko(error_type)
            ),
            json!({ "httpStatus": status, "type": error_type, "message": message }),
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

/// PortOne's error `type`s (its OpenAPI schema's `GetPaymentError`, `CreatePaymentScheduleError`
/// and `RevokePaymentSchedulesError`), in Korean; unknown types get a generic sentence.
fn portone_error_ko(error_type: &str) -> &'static str {
    match error_type {
        "PAYMENT_NOT_FOUND" => "결제 건이 존재하지 않습니다",
        "UNAUTHORIZED" => "인증에 실패했습니다 (PORTONE_API_SECRET 확인 필요)",
        "FORBIDDEN" => "요청이 거부되었습니다",
        "INVALID_REQUEST" => "요청 값이 올바르지 않습니다",
        "BILLING_KEY_NOT_FOUND" => "빌링키가 존재하지 않습니다",
        "BILLING_KEY_ALREADY_DELETED" => "빌링키가 이미 삭제되었습니다",
        "ALREADY_PAID_OR_WAITING" => "이미 결제되었거나 결제 대기 중인 결제 건입니다",
        "SUM_OF_PARTS_EXCEEDS_TOTAL_AMOUNT" => "면세 금액 등 일부 금액의 합이 총 금액을 초과합니다",
        "PAYMENT_SCHEDULE_ALREADY_EXISTS" => "이미 예약된 결제 건입니다",
        "PAYMENT_SCHEDULE_NOT_FOUND" => "결제 예약 건이 존재하지 않습니다",
        "PAYMENT_SCHEDULE_ALREADY_PROCESSED" => "이미 처리된 결제 예약 건입니다",
        "PAYMENT_SCHEDULE_ALREADY_REVOKED" => "이미 취소된 결제 예약 건입니다",
        _ => "포트원이 오류를 반환했습니다",
    }
}
