//! One contract for every ledger (`Ledger`: months, subscriptions, reconciliation), run against
//! the in-memory fake, the PostgreSQL adapter on a real server, and the Supabase REST adapter
//! against its PostgREST stand-in.

use chrono::{DateTime, Utc};
use portone_subscriptions::adapters::ledger::{InMemoryLedger, SqlLedger};
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::attempt::{AfterFailure, FailedAttempt};
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::dunning::RetrySlot;
use portone_subscriptions::domain::payment::PaymentFailure;
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::record::{MonthStatus, NextTerms, PaymentRecord, Renewal};
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{Ledger, LedgerError};
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
        next_schedule_id: Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes()),
        canceled_at: None,
        resumed_at: None,
        customer_id: Some(format!("customer-of-{key}")),
        order_name: Some("월간 구독".to_owned()),
        currency: Some(Currency::reported("KRW")),
        // A first month is its own subscription.
        subscription_id: Some(key.to_owned()),
        plan_id: None,
        refunded_amount: None,
        renewal: Renewal::default(),
        next_terms: NextTerms::default(),
    }
}

async fn ledger_contract(ledger: &impl Ledger) {
    // Insert: the stored row comes back exactly, milliseconds included.
    let first = record("contract_1", 10_000, "2024-01-01T00:00:00.123Z");
    let stored = ledger.record_paid(&first).await.unwrap();
    assert!(stored.inserted);
    assert_eq!(stored.record, first);

    // Replay of the same transaction_key with other values: the first row wins, untouched.
    let mut replay = record("contract_1", 1, "2030-06-30T23:59:59.999Z");
    replay.status = MonthStatus::Other("Other".to_owned());
    let again = ledger.record_paid(&replay).await.unwrap();
    assert!(!again.inserted);
    assert_eq!(again.record, first);

    // Timestamps round-trip to the millisecond, across a leap day and a KST midnight.
    let leap = record("contract_leap", 5, "2024-02-29T14:59:59.999Z");
    assert_eq!(ledger.record_paid(&leap).await.unwrap().record, leap);

    // Amount at the edges of its bigint column.
    for (key, amount) in [("contract_zero", 0), ("contract_max", i64::MAX)] {
        let edge = record(key, amount, "2024-01-01T00:00:00.000Z");
        let stored = ledger.record_paid(&edge).await.unwrap();
        assert_eq!(stored.record.amount.value(), amount);
        assert!(ledger.record_paid(&edge).await.unwrap().record == edge);
    }

    // next_schedule_id is unique too: another key reusing it is rejected, not silently merged.
    let mut clash = record("contract_clash", 1, "2024-01-01T00:00:00.000Z");
    clash.next_schedule_id = first.next_schedule_id;
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
        .renewal_of(&key(&first.next_schedule_id.to_string()))
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
    let first = key(&month.next_schedule_id.to_string());
    let renewal = ledger.renewal_of(&first).await.unwrap().unwrap();
    assert_eq!(
        (renewal.month.transaction_key.as_str(), renewal.attempt),
        ("dunning_1", 0)
    );

    let retry_1 = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"dunning_1/1");
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
        payment_id: retry_1,
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
    assert_eq!(moved.renewal.retry_payment_id, Some(retry_1));
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
    let pending = ledger
        .renewal_of(&key(&retry_1.to_string()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.attempt, 1);
    assert_eq!(ledger.renewal_of(&first).await.unwrap().unwrap().attempt, 0);

    // The last failure lapses the month at the grace given; an earlier lapse wins over a later.
    let lapse = AfterFailure::Lapse {
        limit: 3,
        at: at("2024-02-02T14:59:59.000Z"),
    };
    let lapsed = ledger
        .record_failed_attempt(&failed(1, &retry_1.to_string()), &lapse)
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

    // A charge that renews a lapsed month is recorded, marks it, and inherits the lapse.
    let mut late = record(&retry_1.to_string(), 10_000, "2024-02-02T01:00:07.000Z");
    late.next_schedule_id = Uuid::new_v5(&Uuid::NAMESPACE_OID, b"dunning_2");
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

#[tokio::test]
async fn in_memory_ledger_honours_the_contract() {
    ledger_contract(&InMemoryLedger::new()).await;
    dunning_contract(&InMemoryLedger::new()).await;
}

#[tokio::test]
async fn postgres_ledger_honours_the_contract_on_a_real_server() {
    let url = shared().fresh_database().await;
    let ledger = SqlLedger::postgres(&postgres_settings(&url)).unwrap();
    ledger_contract(&ledger).await;
    dunning_contract(&ledger).await;
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
}
