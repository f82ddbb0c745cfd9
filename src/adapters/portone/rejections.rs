//! PortOne's error `type`s (the error unions of its OpenAPI schema,
//! <https://developers.portone.io/api/rest-v2>), translated into what they mean for the flows.
//! This is the one place outside the simulator that reads them.

use crate::domain::rejection::RejectionKind;

/// The meaning of PortOne's error `code`; `pg_code` and `pg_message` are `PgProviderError`'s.
pub(super) fn kind(code: &str, pg_code: Option<String>, pg_message: Option<String>) -> RejectionKind {
    match code {
        "PAYMENT_NOT_FOUND" => RejectionKind::PaymentNotFound,
        "PAYMENT_NOT_PAID" => RejectionKind::PaymentNotPaid,
        "PAYMENT_ALREADY_CANCELLED" => RejectionKind::PaymentAlreadyCancelled,
        "BILLING_KEY_NOT_FOUND" => RejectionKind::BillingKeyNotFound,
        "BILLING_KEY_ALREADY_DELETED" => RejectionKind::BillingKeyDeleted,
        "PAYMENT_SCHEDULE_ALREADY_EXISTS" => RejectionKind::ScheduleAlreadyExists,
        "PAYMENT_SCHEDULE_NOT_FOUND" => RejectionKind::ScheduleNotFound,
        "PAYMENT_SCHEDULE_ALREADY_PROCESSED" => RejectionKind::ScheduleAlreadyProcessed,
        "PAYMENT_SCHEDULE_ALREADY_REVOKED" => RejectionKind::ScheduleAlreadyRevoked,
        "ALREADY_PAID" => RejectionKind::AlreadyPaid,
        "ALREADY_PAID_OR_WAITING" => RejectionKind::AlreadyPaidOrWaiting,
        "PG_PROVIDER" => RejectionKind::Declined { pg_code, pg_message },
        "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN" => RejectionKind::CancellableAmountChanged,
        "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT" => RejectionKind::CancelAmountExceedsCancellable,
        "MAX_CANCEL_COUNT_REACHED" => RejectionKind::MaxCancelCountReached,
        "SUM_OF_PARTS_EXCEEDS_TOTAL_AMOUNT" => RejectionKind::SumOfPartsExceedsTotal,
        "IDEMPOTENCY_OUTSTANDING_REQUEST" => RejectionKind::IdempotencyOutstanding,
        "UNAUTHORIZED" => RejectionKind::Unauthorized,
        "FORBIDDEN" => RejectionKind::Forbidden,
        "INVALID_REQUEST" => RejectionKind::InvalidRequest,
        _ => RejectionKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declines_keep_the_gateway_words_and_unknown_types_are_other() {
        assert_eq!(
            kind("PG_PROVIDER", Some("51".into()), Some("잔액부족".into())),
            RejectionKind::Declined {
                pg_code: Some("51".into()),
                pg_message: Some("잔액부족".into())
            }
        );
        assert!(kind("BILLING_KEY_ALREADY_DELETED", None, None).billing_key_gone());
        assert!(kind("BILLING_KEY_NOT_FOUND", None, None).billing_key_gone());
        assert_eq!(kind("SOMETHING_NEW", None, None), RejectionKind::Other);
        assert_eq!(kind("UNKNOWN", None, None), RejectionKind::Other);
    }
}
