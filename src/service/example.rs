//! The answer to one successful paid webhook, built with the same steps, messages and data
//! functions as the flow itself: the OpenAPI document shows it, and a test checks that the real
//! flow gives exactly this answer for [`example_payment`].

use chrono::{DateTime, Utc};

use crate::domain::amount::Amount;
use crate::domain::billing_key::BillingKey;
use crate::domain::checklist::{Checklist, Step, StepStatus, PAID_FLOW};
use crate::domain::currency::Currency;
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::payment_id::PaymentId;
use crate::domain::period::{BillingPeriod, ScheduleOffset};
use crate::domain::record::PaymentRecord;
use crate::domain::webhook::RawWebhook;

use super::payer::Payer;
use super::renewal::{renewal_key, schedule_request};
use super::{messages, step_data};

/// The example's webhook body (version 2024-01-01, the route spec's own).
pub const EXAMPLE_BODY: &str = r#"{"payment_id":"pay_123456","status":"Paid"}"#;
/// The schedule id PortOne answers in the example.
pub const EXAMPLE_SCHEDULE_ID: &str = "0193b8a0-1c2d-7e3f-8a4b-5c6d7e8f9a0b";
/// The example's random second after 10:00 KST (10:30:00 KST).
pub const EXAMPLE_OFFSET_SECONDS: u32 = 1800;

/// The payment PortOne reports in the example: 10,000 KRW paid 2024-01-01T00:00:00Z.
pub fn example_payment() -> Payment {
    let paid_at: DateTime<Utc> = DateTime::from_timestamp(1_704_067_200, 0).unwrap_or_default();
    Payment {
        quantity: Default::default(),
        kind: Default::default(),
        list_amount: None,
        discount: None,
        credit: None,
        receipt_url: None,
        id: PaymentId::parse("pay_123456").unwrap_or_else(|_| unreachable!("a valid id")),
        status: PaymentStatus::Paid,
        order_name: "월간 구독".to_owned(),
        amount: Amount::new(10_000).unwrap_or_else(|_| unreachable!("a positive amount")),
        currency: Currency::reported("KRW"),
        cancelled_amount: Amount::new(0).unwrap_or_else(|_| unreachable!("zero")),
        plan_id: None,
        billing_key: BillingKey::parse("billing_key_123").ok(),
        customer_id: Some("customer_1".to_owned()),
        paid_at: Some(paid_at),
        failed_at: None,
        failure: None,
    }
}

/// The checklist of [`EXAMPLE_BODY`], signed, for [`example_payment`]: the month recorded and
/// the next one scheduled as [`EXAMPLE_SCHEDULE_ID`].
pub fn paid_example() -> Checklist {
    let payment = example_payment();
    let period = BillingPeriod::starting_at(
        payment.paid_at.unwrap_or_default(),
        ScheduleOffset::from_seconds(EXAMPLE_OFFSET_SECONDS),
    );
    let mut record = PaymentRecord::paid(&payment, &period);
    // Storage makes a first month its own subscription.
    record.subscription_id = Some(record.transaction_key.to_string());
    // The first charge storage numbers in its year.
    record.billing_number = Some(crate::domain::billing_number::billing_number(2024, 1));
    let request = Payer::of_payment(&payment).and_then(|payer| {
        let (id, at) = (record.next_schedule_id.clone(), record.next_schedule_at);
        schedule_request(&record, &payer, id, at, renewal_key(&record))
    });
    let summary = RawWebhook::from_json(EXAMPLE_BODY.as_bytes())
        .map(|raw| raw.summary())
        .ok();
    let steps = [
        (Step::PARSE_REQUEST, messages::PARSED, summary),
        (
            Step::VALIDATE_REQUEST,
            messages::VALIDATED,
            step_data::validated("verified"),
        ),
        (
            Step::FETCH_PAYMENT,
            messages::FETCHED,
            step_data::payment(&payment),
        ),
        (Step::SAVE_PAYMENT, messages::SAVED, step_data::record(&record)),
        (
            Step::SCHEDULE_NEXT_PAYMENT,
            messages::SCHEDULED,
            request.and_then(|request| step_data::scheduled(Some(EXAMPLE_SCHEDULE_ID), &request)),
        ),
    ];
    let mut checklist = Checklist::new(&PAID_FLOW);
    for (step, message, data) in steps {
        checklist.record(step, StepStatus::Success, message, data);
    }
    checklist
}
