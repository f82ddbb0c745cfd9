//! The id of next month's payment, derived from this month's.

use uuid::Uuid;

use super::payment_id::PaymentId;

/// Namespace of [`next_schedule_id`]: UUID v5 of the URL namespace and
/// `"https://api.portone.io/payments#next_schedule_id"`, frozen here so ids never change between
/// releases. Changing it would break idempotency for every subscription in flight.
pub const NEXT_SCHEDULE_NAMESPACE: Uuid = Uuid::from_u128(0x43f56ec3_6eaf_5214_a8bc_7ea7f2e293cf);

/// UUID v5 of `transaction_key` under [`NEXT_SCHEDULE_NAMESPACE`].
///
/// The route spec asks for an id that is "랜덤생성 설정하면 안됨, 동기화되는 값": the ledger row's
/// `next_schedule_id` and the `paymentId` of the payment scheduled at PortOne are the same value,
/// and a retried webhook derives the same id, so it can neither record nor schedule twice.
pub fn next_schedule_id(transaction_key: &PaymentId) -> Uuid {
    Uuid::new_v5(&NEXT_SCHEDULE_NAMESPACE, transaction_key.as_str().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_the_documented_v5_of_its_url() {
        let derived = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            b"https://api.portone.io/payments#next_schedule_id",
        );
        assert_eq!(NEXT_SCHEDULE_NAMESPACE, derived);
    }

    #[test]
    fn is_stable_and_distinct_per_payment() {
        let a = PaymentId::parse("pay_1").unwrap();
        let b = PaymentId::parse("pay_2").unwrap();
        assert_eq!(next_schedule_id(&a), next_schedule_id(&a));
        assert_ne!(next_schedule_id(&a), next_schedule_id(&b));
        assert_eq!(next_schedule_id(&a).get_version_num(), 5);
    }
}
