//! Months the unit tests share.

use super::PaymentRecord;
use crate::domain::amount::Amount;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::period::{BillingPeriod, ScheduleOffset};

/// The month of `payment_id` paid 2024-01-01T00:00:00Z (9,900 KRW, billing key `bk`, no
/// customer), renewing at 10:00:00 KST: `end_at` 2024-01-31T00:00:00Z, first renewal charge
/// 2024-02-01T01:00:00Z, `end_grace_at` 2024-02-01T14:59:59Z.
pub(crate) fn paid_month(payment_id: &str) -> PaymentRecord {
    let payment = Payment {
        id: PaymentId::parse(payment_id).unwrap(),
        status: PaymentStatus::Paid,
        order_name: "월간 구독".into(),
        amount: Amount::new(9900).unwrap(),
        currency: crate::domain::currency::Currency::reported("KRW"),
        cancelled_amount: Amount::new(0).unwrap(),
        plan_id: None,
        quantity: Default::default(),
        kind: Default::default(),
        list_amount: None,
        discount: None,
        credit: None,
        receipt_url: None,
        billing_key: crate::domain::billing_key::BillingKey::parse("bk").ok(),
        customer_id: None,
        paid_at: None,
        failed_at: None,
        failure: None,
    };
    let start = "2024-01-01T00:00:00Z".parse().unwrap();
    PaymentRecord::paid(
        &payment,
        &BillingPeriod::starting_at(start, ScheduleOffset::from_seconds(0)),
    )
}
