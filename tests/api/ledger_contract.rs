//! One contract for every ledger (`Ledger`: months, subscriptions, reconciliation), run against
//! the in-memory fake, the PostgreSQL adapter on a real server, and the Supabase REST adapter
//! against its PostgREST stand-in.

use chrono::{DateTime, Utc};
use portone_subscriptions::adapters::ledger::{InMemoryLedger, SqlLedger};
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::attempt::{AfterFailure, FailedAttempt};
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::dunning::RetrySlot;
use portone_subscriptions::domain::event::{DeliveryResult, DeliveryStatus};
use portone_subscriptions::domain::payment::PaymentFailure;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::payment_method::{Card, PaymentMethod};
use portone_subscriptions::domain::proration_record::ChangeNote;
use portone_subscriptions::domain::quantity::Quantity;
use portone_subscriptions::domain::record::{MonthStatus, NextTerms, PaymentRecord, Renewal};
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{AttemptOutcome, EventFilter, Ledger, LedgerError};
use secrecy::SecretString;
use uuid::Uuid;
use wiremock::MockServer;

use crate::helpers::{mount_postgrest_stand_in, postgres_settings, SERVICE_ROLE_KEY};
use crate::pg::shared;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

fn key(text: &str) -> PaymentId {
    PaymentId::parse(text).unwrap()
}

fn record(key_text: &str, amount: i64, start: &str) -> PaymentRecord {
    let key = key_text;
    PaymentRecord {
        transaction_key: PaymentId::parse(key).unwrap(),
        amount: Amount::new(amount).unwrap(),
        status: MonthStatus::Paid,
        start_at: at(start),
        end_at: at("2024-01-31T00:00:00.999Z"),
        end_grace_at: at("2024-02-01T14:59:59.000Z"),
        next_schedule_at: at("2024-02-01T01:59:59.000Z"),
        next_schedule_id: PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes())),
        canceled_at: None,
        resumed_at: None,
        customer_id: Some(format!("customer-of-{key}")),
        order_name: Some("월간 구독".to_owned()),
        currency: Some(Currency::reported("KRW")),
        // A first month is its own subscription.
        subscription_id: Some(key.to_owned()),
        plan_id: None,
        quantity: Default::default(),
        in_effect: None,
        refunded_amount: None,
        renewal: Renewal::default(),
        next_terms: NextTerms::default(),
        period_rule: None,
        receipt_url: None,
        billing_number: None,
        discount: None,
        discount_amount: Default::default(),
        next_discount: None,
    }
}

async fn ledger_contract(ledger: &impl Ledger) {
    // Insert: the stored row comes back exactly, milliseconds included, with the first
    // billing-history number of its Seoul year.
    let first = record("contract_1", 10_000, "2024-01-01T00:00:00.123Z");
    let stored = ledger.record_paid(&first).await.unwrap();
    assert!(stored.inserted);
    let numbered = PaymentRecord {
        billing_number: Some("2024-000001".to_owned()),
        ..first.clone()
    };
    assert_eq!(stored.record, numbered);
    let first = numbered;

    // Replay of the same transaction_key with other values: the first row wins, untouched.
    let mut replay = record("contract_1", 1, "2030-06-30T23:59:59.999Z");
    replay.status = MonthStatus::Other("Other".to_owned());
    let again = ledger.record_paid(&replay).await.unwrap();
    assert!(!again.inserted);
    assert_eq!(again.record, first);

    // Timestamps round-trip to the millisecond, across a leap day and a KST midnight.
    let leap = record("contract_leap", 5, "2024-02-29T14:59:59.999Z");
    let stored_leap = ledger.record_paid(&leap).await.unwrap().record;
    let expected = PaymentRecord {
        billing_number: Some("2024-000002".to_owned()),
        ..leap.clone()
    };
    assert_eq!(stored_leap, expected, "the next number of the year");

    // Amount at the edges of its bigint column.
    for (key, amount) in [("contract_zero", 0), ("contract_max", i64::MAX)] {
        let edge = record(key, amount, "2024-01-01T00:00:00.000Z");
        let stored = ledger.record_paid(&edge).await.unwrap();
        assert_eq!(stored.record.amount.value(), amount);
        let numbered = PaymentRecord {
            billing_number: stored.record.billing_number.clone(),
            ..edge.clone()
        };
        assert!(ledger.record_paid(&edge).await.unwrap().record == numbered);
    }

    // next_schedule_id is unique too: another key reusing it is rejected, not silently merged.
    let mut clash = record("contract_clash", 1, "2024-01-01T00:00:00.000Z");
    clash.next_schedule_id = first.next_schedule_id.clone();
    let error = ledger.record_paid(&clash).await.unwrap_err();
    assert!(
        matches!(&error, LedgerError::Rejected { code, .. } if code == "23505"),
        "{error:?}"
    );

    // Reading back, by its key or as the month its next payment renews; a missing row is `None`,
    // not an error.
    assert_eq!(
        ledger.find(&key("contract_1")).await.unwrap(),
        Some(first.clone())
    );
    let renewal = ledger
        .renewal_of(&key(first.next_schedule_id.as_str()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((renewal.month, renewal.attempt), (first.clone(), 0));
    assert_eq!(ledger.find(&key("contract_missing")).await.unwrap(), None);
    assert_eq!(
        ledger.renewal_of(&key(&Uuid::nil().to_string())).await.unwrap(),
        None
    );
    assert_eq!(ledger.renewal_of(&key("pay_not_a_uuid")).await.unwrap(), None);
    assert_eq!(
        ledger
            .mark_cancelled(&key("contract_missing"), at("2024-01-20T00:00:00Z"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        ledger
            .set_subscription_state(&key("contract_missing"), None, None)
            .await
            .unwrap(),
        None
    );

    // Subscription state, timestamps to the millisecond.
    let canceled_at = at("2024-01-15T03:04:05.678Z");
    let state = ledger
        .set_subscription_state(&key("contract_1"), Some(canceled_at), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.canceled_at, state.resumed_at), (Some(canceled_at), None));
    let resumed_at = at("2024-01-16T00:00:00.001Z");
    let state = ledger
        .set_subscription_state(&key("contract_1"), None, Some(resumed_at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.canceled_at, state.resumed_at), (None, Some(resumed_at)));

    // Cancelling is idempotent and touches nothing else.
    for _ in 0..2 {
        let cancelled = ledger
            .mark_cancelled(&key("contract_1"), at("2024-01-20T00:00:00Z"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cancelled.status, MonthStatus::Cancelled);
        assert_eq!(cancelled.resumed_at, Some(resumed_at));
        assert_eq!(
            (cancelled.start_at, cancelled.amount),
            (first.start_at, first.amount)
        );
    }
    // A replayed Paid webhook after all this still returns the stored row, changes included.
    let replayed = ledger.record_paid(&first).await.unwrap();
    assert!(!replayed.inserted);
    assert_eq!(replayed.record.status, MonthStatus::Cancelled);
}

/// Failed renewals: attempts recorded once, the month moved on only by its latest attempt, the
/// lapse, and the renewing payment marking the month it renews.
async fn dunning_contract(ledger: &impl Ledger) {
    let month = record("dunning_1", 10_000, "2024-01-01T00:00:00.000Z");
    ledger.record_paid(&month).await.unwrap();
    let first = key(month.next_schedule_id.as_str());
    let renewal = ledger.renewal_of(&first).await.unwrap().unwrap();
    assert_eq!(
        (renewal.month.transaction_key.as_str(), renewal.attempt),
        ("dunning_1", 0)
    );

    let retry_1 = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"dunning_1/1"));
    let failed = |attempt, payment_id: &str| FailedAttempt {
        renewed_key: key("dunning_1"),
        attempt,
        payment_id: key(payment_id),
        failure: PaymentFailure {
            reason: Some("잔액 부족".to_owned()),
            pg_code: Some("51".to_owned()),
            pg_message: None,
        },
        failed_at: at("2024-02-01T01:59:59.123Z"),
    };
    let retry = AfterFailure::Retry {
        attempt: 1,
        limit: 3,
        payment_id: retry_1.clone(),
        slot: RetrySlot {
            at: at("2024-02-02T01:00:07.000Z"),
            grace_until: at("2024-02-02T14:59:59.000Z"),
        },
    };
    let recorded = ledger
        .record_failed_attempt(&failed(0, first.as_str()), &retry)
        .await
        .unwrap()
        .unwrap();
    assert!(recorded.inserted);
    let moved = &recorded.month;
    assert_eq!(moved.renewal.renewal_attempts, 1);
    assert_eq!(moved.renewal.retry_limit, Some(3));
    assert_eq!(moved.renewal.retry_payment_id, Some(retry_1.clone()));
    assert_eq!(moved.renewal.retry_at, Some(at("2024-02-02T01:00:07.000Z")));
    assert_eq!(moved.renewal.last_failure_reason.as_deref(), Some("잔액 부족"));
    assert_eq!(moved.end_grace_at, at("2024-02-02T14:59:59.000Z"));
    assert!(moved.in_dunning());

    // A replay, even proposing something else, changes nothing.
    let other = AfterFailure::Lapse {
        limit: 3,
        at: at("2024-02-01T14:59:59.000Z"),
    };
    let replayed = ledger
        .record_failed_attempt(&failed(0, first.as_str()), &other)
        .await
        .unwrap()
        .unwrap();
    assert!(!replayed.inserted);
    assert_eq!(&replayed.month, moved);

    // The pending retry, and the recorded first charge, both lead back to the month.
    let pending = ledger.renewal_of(&key(retry_1.as_str())).await.unwrap().unwrap();
    assert_eq!(pending.attempt, 1);
    assert_eq!(ledger.renewal_of(&first).await.unwrap().unwrap().attempt, 0);

    // The last failure lapses the month at the grace given; an earlier lapse wins over a later.
    let lapse = AfterFailure::Lapse {
        limit: 3,
        at: at("2024-02-02T14:59:59.000Z"),
    };
    let lapsed = ledger
        .record_failed_attempt(&failed(1, retry_1.as_str()), &lapse)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        lapsed.month.renewal.lapsed_at,
        Some(at("2024-02-02T14:59:59.000Z"))
    );
    assert_eq!(lapsed.month.pending_charge(), None);
    let earlier = ledger
        .mark_lapsed(&key("dunning_1"), at("2024-02-02T02:00:00.000Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earlier.renewal.lapsed_at, Some(at("2024-02-02T02:00:00.000Z")));
    let later = ledger
        .mark_lapsed(&key("dunning_1"), at("2024-02-03T00:00:00.000Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.renewal.lapsed_at, Some(at("2024-02-02T02:00:00.000Z")));

    // A charge paid after the lapse that renews the month is recorded, marks it, and inherits the
    // lapse (paid before it, it would have recovered the subscription).
    let mut late = record(retry_1.as_str(), 10_000, "2024-02-02T03:00:07.000Z");
    late.next_schedule_id = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"dunning_2"));
    let paid = ledger.record_paid(&late).await.unwrap();
    assert!(paid.inserted);
    let renewed = paid.renewed.unwrap();
    assert_eq!(renewed.transaction_key, "dunning_1");
    assert_eq!(
        renewed.renewal.renewed_by.as_ref().map(PaymentId::as_str),
        Some(retry_1.to_string().as_str())
    );
    assert_eq!(paid.record.renewal.lapsed_at, Some(paid.record.end_grace_at));

    // Nothing to record against a month that does not exist.
    let mut orphan = failed(0, "dunning_orphan");
    orphan.renewed_key = key("dunning_missing");
    assert_eq!(ledger.record_failed_attempt(&orphan, &retry).await.unwrap(), None);
    assert_eq!(
        ledger
            .mark_lapsed(&key("dunning_missing"), at("2024-01-01T00:00:00Z"))
            .await
            .unwrap(),
        None
    );
}

/// A card summary kept once (never over a stored one), and one event read by its id.
async fn reads_contract(ledger: &impl Ledger) {
    let method = |key: &str| PaymentMethod {
        subscription_id: "reads_1".to_owned(),
        customer_id: Some("customer-of-reads_1".to_owned()),
        billing_key: BillingKey::parse(key).unwrap(),
        card: Card::default(),
        updated_at: at("2024-01-02T00:00:00.000Z"),
    };
    assert_eq!(
        ledger.keep_payment_method(&method("bk_first")).await.unwrap(),
        method("bk_first")
    );
    assert_eq!(
        ledger.keep_payment_method(&method("bk_second")).await.unwrap(),
        method("bk_first"),
        "a stored card is kept"
    );
    ledger.set_payment_method(&method("bk_update")).await.unwrap();
    assert_eq!(
        ledger
            .keep_payment_method(&method("bk_second"))
            .await
            .unwrap()
            .billing_key,
        "bk_update"
    );
    let any = ledger
        .events(&EventFilter {
            limit: 1,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let event = any.first().expect("the contract wrote events");
    assert_eq!(
        ledger.event(event.id).await.unwrap().map(|e| e.id),
        Some(event.id)
    );
    assert_eq!(ledger.event(Uuid::nil()).await.unwrap(), None);
}

/// The grace pass's reads and the recovery charge: months whose grace ran out unconfirmed are
/// listed oldest first until a lapse, a stop or a renewal; a recovery charge is opened only in the
/// last grace of an exhausted renewal.
async fn graces_contract(ledger: &impl Ledger) {
    let now = at("2024-03-01T00:00:00.000Z");
    let keys = |months: Vec<PaymentRecord>| -> Vec<String> {
        months
            .into_iter()
            .map(|m| m.transaction_key.to_string())
            .filter(|k| k.starts_with("grace_"))
            .collect()
    };
    for name in ["grace_a", "grace_b", "grace_c"] {
        ledger
            .record_paid(&record(name, 1000, "2024-01-01T00:00:00.000Z"))
            .await
            .unwrap();
    }
    assert_eq!(
        keys(ledger.grace_ended(now, 500).await.unwrap()),
        ["grace_a", "grace_b", "grace_c"]
    );
    assert_eq!(
        keys(
            ledger
                .grace_ended(at("2024-02-01T14:59:59.000Z"), 500)
                .await
                .unwrap()
        ),
        Vec::<String>::new()
    );
    ledger
        .mark_lapsed(&key("grace_a"), at("2024-02-01T14:59:59.001Z"))
        .await
        .unwrap();
    ledger
        .set_subscription_state(&key("grace_b"), Some(at("2024-01-20T00:00:00Z")), None)
        .await
        .unwrap();
    assert_eq!(keys(ledger.grace_ended(now, 500).await.unwrap()), ["grace_c"]);

    // Not exhausted: no recovery charge.
    let id = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"grace_recovery"));
    assert_eq!(
        ledger
            .open_recovery_charge(&key("grace_c"), &id, now)
            .await
            .unwrap(),
        None
    );
    // Exhausted, last grace running: the charge is named.
    let failed = FailedAttempt {
        renewed_key: key("grace_c"),
        attempt: 0,
        payment_id: key(record("grace_c", 1, "2024-01-01T00:00:00.000Z")
            .next_schedule_id
            .as_str()),
        failure: PaymentFailure::default(),
        failed_at: at("2024-02-01T01:00:00Z"),
    };
    let lapse = AfterFailure::Lapse {
        limit: 0,
        at: at("2024-03-02T14:59:59.000Z"),
    };
    ledger
        .record_failed_attempt(&failed, &lapse)
        .await
        .unwrap()
        .unwrap();
    let opened = ledger
        .open_recovery_charge(&key("grace_c"), &id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (opened.renewal.retry_payment_id, opened.renewal.retry_at),
        (Some(id.clone()), Some(now))
    );
    // Past its lapse: none.
    let late = at("2024-03-03T00:00:00Z");
    assert_eq!(
        ledger
            .open_recovery_charge(&key("grace_c"), &id, late)
            .await
            .unwrap(),
        None
    );
}

/// A charge that renews a month refunded in full (a stale schedule that ran anyway) is recorded,
/// and stops the subscription from the moment it was paid: nothing renews it.
async fn refunded_stop_contract(ledger: &impl Ledger) {
    let refunded = record("refunded_1", 10_000, "2024-01-01T00:00:00.000Z");
    ledger.record_paid(&refunded).await.unwrap();
    ledger
        .mark_cancelled(&key("refunded_1"), at("2024-01-20T00:00:00Z"))
        .await
        .unwrap();
    let mut stale = record(
        refunded.next_schedule_id.as_str(),
        10_000,
        "2024-02-01T01:59:59.000Z",
    );
    stale.next_schedule_id = PaymentId::from_uuid(Uuid::new_v5(&Uuid::NAMESPACE_OID, b"refunded_2"));
    stale.subscription_id = None;
    let paid = ledger.record_paid(&stale).await.unwrap();
    assert!(paid.inserted);
    assert_eq!(paid.record.canceled_at, Some(stale.start_at));
    assert_eq!(paid.record.subscription_id.as_deref(), Some("refunded_1"));
}

#[tokio::test]
async fn in_memory_ledger_honours_the_contract() {
    let ledger = InMemoryLedger::new();
    ledger_contract(&ledger).await;
    dunning_contract(&ledger).await;
    let events = events_contract(&ledger).await;
    assert_eq!(events, expected_events(), "{events:#?}");
    refunded_stop_contract(&ledger).await;
    graces_contract(&ledger).await;
    reads_contract(&ledger).await;
}

#[tokio::test]
async fn postgres_ledger_honours_the_contract_on_a_real_server() {
    let url = shared().fresh_database().await;
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    ledger_contract(&ledger).await;
    dunning_contract(&ledger).await;
    let events = events_contract(&ledger).await;
    assert_eq!(events, expected_events(), "{events:#?}");
    refunded_stop_contract(&ledger).await;
    graces_contract(&ledger).await;
    reads_contract(&ledger).await;
}

#[tokio::test]
async fn supabase_rest_ledger_honours_the_contract_against_postgrest() {
    let postgrest = MockServer::start().await;
    mount_postgrest_stand_in(&postgrest).await;
    let ledger = SqlLedger::supabase_rest(
        reqwest::Client::new(),
        &postgrest.uri(),
        &SecretString::from(SERVICE_ROLE_KEY),
    )
    .unwrap();
    ledger_contract(&ledger).await;
    dunning_contract(&ledger).await;
    let events = events_contract(&ledger).await;
    assert_eq!(events, expected_events(), "{events:#?}");
    refunded_stop_contract(&ledger).await;
    graces_contract(&ledger).await;
    reads_contract(&ledger).await;
}

/// What every ledger writes as events, in a comparable form: `(occurred_at, type, subscription,
/// read-model status)`, sorted.
async fn event_log(ledger: &impl Ledger) -> Vec<(String, String, String, String)> {
    let events = ledger
        .events(&EventFilter {
            limit: 1000,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let mut log: Vec<_> = events
        .into_iter()
        .map(|e| {
            (
                e.occurred_at.to_iso(),
                e.event_type.as_str().to_owned(),
                e.subscription_id,
                e.data["subscription"]["status"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
            )
        })
        .collect();
    log.sort();
    log
}

/// The outbox: the writes not covered above write their events, time writes its own, and
/// claims, settlements and redeliveries behave alike in every ledger.
async fn events_contract(ledger: &impl Ledger) -> Vec<(String, String, String, String)> {
    // A plan change, a card stored then replaced, a partial then a full refund.
    let month = record("events_1", 10_000, "2024-01-01T00:00:00.000Z");
    ledger.record_paid(&month).await.unwrap();
    let terms = NextTerms {
        next_amount: Some(Amount::new(19_900).unwrap()),
        next_order_name: Some("프리미엄".to_owned()),
        ..NextTerms::default()
    };
    let note = ChangeNote {
        from_plan_id: None,
        from_quantity: Quantity::ONE,
        to_plan_id: None,
        to_quantity: Quantity::new(2).unwrap(),
        effective_at: at("2024-01-31T00:00:00.999Z"),
        amount_due_now: Amount::default(),
        proration_payment_id: None,
    };
    ledger
        .set_next_terms(
            &key("events_1"),
            &terms,
            Some(&note),
            at("2024-01-05T00:00:00.000Z"),
        )
        .await
        .unwrap();
    let written = ledger
        .events(&EventFilter {
            limit: 1000,
            ..EventFilter::default()
        })
        .await
        .unwrap();
    let changed = written
        .iter()
        .find(|e| e.event_type.as_str() == "subscription.plan_changed")
        .expect("the plan change's event");
    assert_eq!(changed.data["change"]["to_quantity"], 2);
    assert_eq!(changed.data["change"]["effective_at"], "2024-01-31T00:00:00.999Z");
    assert!(changed.data["next_terms"].get("change").is_none());
    let card = |billing_key: &str, updated_at: &str| PaymentMethod {
        subscription_id: "events_1".to_owned(),
        customer_id: Some("customer-of-events_1".to_owned()),
        billing_key: BillingKey::parse(billing_key).unwrap(),
        card: Card::default(),
        updated_at: at(updated_at),
    };
    ledger
        .set_payment_method(&card("bk_1", "2024-01-06T00:00:00.000Z"))
        .await
        .unwrap();
    ledger
        .set_payment_method(&card("bk_2", "2024-01-07T00:00:00.000Z"))
        .await
        .unwrap();
    ledger
        .set_payment_method(&card("bk_2", "2024-01-07T00:00:01.000Z"))
        .await
        .unwrap();
    let refund_at = at("2024-01-08T00:00:00.000Z");
    ledger
        .record_refund(&key("events_1"), Amount::new(3000).unwrap(), refund_at)
        .await
        .unwrap();
    ledger
        .record_refund(&key("events_1"), Amount::new(3000).unwrap(), refund_at)
        .await
        .unwrap();
    ledger
        .record_refund(&key("events_1"), Amount::new(10_000).unwrap(), refund_at)
        .await
        .unwrap();
    ledger.mark_cancelled(&key("events_1"), refund_at).await.unwrap();
    ledger.mark_cancelled(&key("events_1"), refund_at).await.unwrap();

    // Cancelled at period end, then time passes its end: `ended`, once.
    let canceling = record("events_2", 10_000, "2024-01-01T00:00:00.000Z");
    ledger.record_paid(&canceling).await.unwrap();
    ledger
        .set_subscription_state(&key("events_2"), Some(at("2024-01-10T00:00:00.000Z")), None)
        .await
        .unwrap();
    let after_end = at("2024-02-01T00:00:00.000Z");
    let written = ledger.emit_due_events(after_end).await.unwrap();
    assert!(
        written >= 1,
        "ended, and lapses of months nothing renewed: {written}"
    );
    assert_eq!(ledger.emit_due_events(after_end).await.unwrap(), 0, "each once");

    // Delivery bookkeeping: a claim holds events for its lease; settled, they move on.
    let now = at("2024-03-01T00:00:00.000Z");
    let lease = std::time::Duration::from_secs(30);
    let claimed = ledger.claim_events(now, 2, lease).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let other = ledger.claim_events(now, 100, lease).await.unwrap();
    assert!(
        other.iter().all(|e| !claimed.iter().any(|c| c.id == e.id)),
        "never claimed twice"
    );
    let failed = AttemptOutcome {
        attempted_at: now,
        result: DeliveryResult::Http(500),
        http_status: Some(500),
        error: Some("the app answered 500".to_owned()),
    };
    let retry_at = at("2024-03-01T00:00:05.000Z");
    let settled = ledger
        .settle_event(claimed[0].id, &failed, Some(retry_at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (settled.status, settled.attempts, settled.next_attempt_at),
        (DeliveryStatus::Pending, 1, retry_at)
    );
    let last = ledger
        .settle_event(claimed[1].id, &failed, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.status, DeliveryStatus::Failed);
    let delivered = AttemptOutcome {
        result: DeliveryResult::Delivered,
        http_status: Some(200),
        error: None,
        ..failed.clone()
    };
    for event in &other {
        ledger.settle_event(event.id, &delivered, None).await.unwrap();
    }
    assert_eq!(
        ledger.claim_events(now, 100, lease).await.unwrap().len(),
        0,
        "the failed one is not due yet"
    );
    assert_eq!(ledger.claim_events(retry_at, 100, lease).await.unwrap().len(), 1);
    let again = ledger.redeliver_event(claimed[1].id, now).await.unwrap().unwrap();
    assert_eq!(again.status, DeliveryStatus::Pending);
    assert_eq!(ledger.redeliver_event(Uuid::nil(), now).await.unwrap(), None);
    let listed = ledger
        .events(&EventFilter {
            subscription_id: Some(SubscriptionId::parse(last.subscription_id.clone()).unwrap()),
            status: None,
            limit: 100,
        })
        .await
        .unwrap();
    let history = listed.iter().find(|e| e.id == claimed[1].id).unwrap();
    assert_eq!(history.delivery_attempts.len(), 1);
    assert_eq!(history.delivery_attempts[0].result, DeliveryResult::Http(500));
    assert_eq!(history.delivery_attempts[0].http_status, Some(500));
    let pending = ledger.pending_events().await.unwrap();
    assert_eq!(pending.count, 2, "the retried one and the redelivered one");
    let log = event_log(ledger).await;

    // Retention: delivered events before the cut are deleted; pending and failed ones stay.
    let filter = EventFilter {
        limit: 1000,
        ..EventFilter::default()
    };
    let before = ledger.events(&filter).await.unwrap();
    let delivered = before
        .iter()
        .filter(|e| e.status == DeliveryStatus::Delivered)
        .count() as u64;
    assert_eq!(
        ledger.prune_events(at("2024-01-01T00:00:00.000Z")).await.unwrap(),
        0,
        "none before the cut"
    );
    assert_eq!(
        ledger.prune_events(at("2030-01-01T00:00:00.000Z")).await.unwrap(),
        delivered
    );
    let after = ledger.events(&filter).await.unwrap();
    assert_eq!(after.len() as u64, before.len() as u64 - delivered);
    assert!(after.iter().all(|e| e.status != DeliveryStatus::Delivered));
    log
}

/// The events the contracts above make every ledger write: the same in each.
fn expected_events() -> Vec<(String, String, String, String)> {
    // A subscription's events are in the order written: one written at the time of an earlier one
    // takes the next millisecond (the second refund, the second failure). `contract_leap`'s grace
    // ended before it started (the helper's fixed dates) and nothing confirmed a lapse: past_due.
    // `dunning_1` was paid after its lapse: the renewal inherits it, and its events sort after it.
    [
        (
            "2024-01-01T00:00:00.000Z",
            "subscription.created",
            "contract_max",
            "active",
        ),
        (
            "2024-01-01T00:00:00.000Z",
            "subscription.created",
            "contract_zero",
            "active",
        ),
        (
            "2024-01-01T00:00:00.000Z",
            "subscription.created",
            "dunning_1",
            "active",
        ),
        (
            "2024-01-01T00:00:00.000Z",
            "subscription.created",
            "events_1",
            "active",
        ),
        (
            "2024-01-01T00:00:00.000Z",
            "subscription.created",
            "events_2",
            "active",
        ),
        (
            "2024-01-01T00:00:00.123Z",
            "subscription.created",
            "contract_1",
            "active",
        ),
        (
            "2024-01-05T00:00:00.000Z",
            "subscription.plan_changed",
            "events_1",
            "active",
        ),
        (
            "2024-01-07T00:00:00.000Z",
            "subscription.payment_method_updated",
            "events_1",
            "active",
        ),
        (
            "2024-01-08T00:00:00.000Z",
            "subscription.refunded",
            "events_1",
            "active",
        ),
        (
            "2024-01-08T00:00:00.001Z",
            "subscription.refunded",
            "events_1",
            "refunded",
        ),
        (
            "2024-01-10T00:00:00.000Z",
            "subscription.canceled",
            "events_2",
            "canceling",
        ),
        (
            "2024-01-15T03:04:05.678Z",
            "subscription.canceled",
            "contract_1",
            "canceling",
        ),
        (
            "2024-01-16T00:00:00.001Z",
            "subscription.resumed",
            "contract_1",
            "active",
        ),
        (
            "2024-01-20T00:00:00.000Z",
            "subscription.refunded",
            "contract_1",
            "refunded",
        ),
        (
            "2024-01-31T00:00:01.000Z",
            "subscription.ended",
            "events_2",
            "ended",
        ),
        (
            "2024-02-01T01:59:59.123Z",
            "subscription.payment_failed",
            "dunning_1",
            "past_due",
        ),
        (
            "2024-02-01T01:59:59.124Z",
            "subscription.payment_failed",
            "dunning_1",
            "past_due",
        ),
        (
            "2024-02-02T02:00:00.000Z",
            "subscription.lapsed",
            "dunning_1",
            "lapsed",
        ),
        (
            "2024-02-02T03:00:07.000Z",
            "subscription.renewed",
            "dunning_1",
            "lapsed",
        ),
        (
            "2024-02-02T03:00:07.001Z",
            "subscription.recovered",
            "dunning_1",
            "lapsed",
        ),
        (
            "2024-02-29T14:59:59.999Z",
            "subscription.created",
            "contract_leap",
            "past_due",
        ),
    ]
    .into_iter()
    .map(|(at, kind, subscription, status)| {
        (
            at.to_owned(),
            kind.to_owned(),
            subscription.to_owned(),
            status.to_owned(),
        )
    })
    .collect()
}
