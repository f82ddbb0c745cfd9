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
pub fn next_schedule_id(transaction_key: &PaymentId) -> PaymentId {
    PaymentId::from_uuid(Uuid::new_v5(
        &NEXT_SCHEDULE_NAMESPACE,
        transaction_key.as_str().as_bytes(),
    ))
}

/// Namespace of [`retry_payment_id`]: UUID v5 of the URL namespace and
/// `"https://api.portone.io/payments#retry_payment_id"`, frozen like [`NEXT_SCHEDULE_NAMESPACE`].
pub const RETRY_NAMESPACE: Uuid = Uuid::from_u128(0x9fa94e90_877d_5957_854f_2494311d1b51);

/// The `paymentId` of retry `attempt` (1, 2, …) of the renewal whose first charge was `renewal`
/// (the renewed month's `next_schedule_id`): UUID v5 of `"{renewal}/{attempt}"`.
///
/// Each attempt gets a payment id of its own, because nothing in PortOne's documentation says a
/// new schedule is accepted on a `paymentId` whose scheduled charge already failed. It is derived,
/// not random, so a replayed `Failed` webhook schedules the same retry again instead of a second.
pub fn retry_payment_id(renewal: &PaymentId, attempt: u32) -> PaymentId {
    PaymentId::from_uuid(Uuid::new_v5(
        &RETRY_NAMESPACE,
        format!("{renewal}/{attempt}").as_bytes(),
    ))
}

/// The `paymentId` of a charge a customer asked for with a new card in the last grace of a
/// renewal whose retries all failed (`renewal` is the renewed month's `next_schedule_id`): UUID v5
/// of `"{renewal}/recovery/{at in ms}"`. One per request: a card that was declined is not tried
/// under the same id again, and the month names it before it is charged, so a request sent again
/// after a lost answer finds it.
pub fn recovery_payment_id(renewal: &PaymentId, at: super::timestamp::Timestamp) -> PaymentId {
    let at = at.as_utc().timestamp_millis();
    PaymentId::from_uuid(Uuid::new_v5(
        &RETRY_NAMESPACE,
        format!("{renewal}/recovery/{at}").as_bytes(),
    ))
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
    fn retry_namespace_is_the_documented_v5_of_its_url_and_ids_differ_per_attempt() {
        let derived = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            b"https://api.portone.io/payments#retry_payment_id",
        );
        assert_eq!(RETRY_NAMESPACE, derived);
        let renewal = next_schedule_id(&PaymentId::parse("pay_1").unwrap());
        assert_eq!(retry_payment_id(&renewal, 1), retry_payment_id(&renewal, 1));
        assert_ne!(retry_payment_id(&renewal, 1), retry_payment_id(&renewal, 2));
        assert_ne!(retry_payment_id(&renewal, 1), renewal);
    }

    #[test]
    fn is_stable_and_distinct_per_payment() {
        let a = PaymentId::parse("pay_1").unwrap();
        let b = PaymentId::parse("pay_2").unwrap();
        assert_eq!(next_schedule_id(&a), next_schedule_id(&a));
        assert_ne!(next_schedule_id(&a), next_schedule_id(&b));
        assert_eq!(next_schedule_id(&a).as_uuid().unwrap().get_version_num(), 5);
    }

    #[test]
    fn derived_ids_never_change_between_releases() {
        // Pinned: a subscription in flight finds its scheduled payments by these ids.
        let renewal = next_schedule_id(&PaymentId::parse("pay_1").unwrap());
        assert_eq!(renewal, "8bc672e3-1955-54c5-b422-1740a85b6725");
        assert_eq!(
            retry_payment_id(&renewal, 1),
            "f2e997b1-df02-5a7e-826d-be64f03e7065"
        );
    }
}
