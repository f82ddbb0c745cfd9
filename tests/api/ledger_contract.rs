//! One contract for every `PaymentLedger`, run against the in-memory fake, the PostgreSQL adapter
//! on a real server, and the Supabase REST adapter against its PostgREST stand-in.

use chrono::{DateTime, Utc};
use portone_subscriptions::adapters::ledger::{InMemoryLedger, SqlLedger};
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::record::{PaymentRecord, Renewal};
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{LedgerError, PaymentLedger};
use secrecy::SecretString;
use uuid::Uuid;
use wiremock::MockServer;

use crate::helpers::{mount_postgrest_stand_in, postgres_settings, SERVICE_ROLE_KEY};
use crate::pg::shared;

fn at(text: &str) -> Timestamp {
    Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
}

fn record(key: &str, amount: i64, start: &str) -> PaymentRecord {
    PaymentRecord {
        transaction_key: key.to_owned(),
        amount: Amount::new(amount).unwrap(),
        status: "Paid".to_owned(),
        start_at: at(start),
        end_at: at("2024-01-31T00:00:00.999Z"),
        end_grace_at: at("2024-02-01T14:59:59.000Z"),
        next_schedule_at: at("2024-02-01T01:59:59.000Z"),
        next_schedule_id: Uuid::new_v5(&Uuid::NAMESPACE_OID, key.as_bytes()),
        cancelled_at: None,
        resumed_at: None,
        renewal: Renewal::default(),
    }
}

async fn ledger_contract(ledger: &impl PaymentLedger) {
    // Insert: the stored row comes back exactly, milliseconds included.
    let first = record("contract_1", 10_000, "2024-01-01T00:00:00.123Z");
    let stored = ledger.record_paid(&first).await.unwrap();
    assert!(stored.inserted);
    assert_eq!(stored.record, first);

    // Replay of the same transaction_key with other values: the first row wins, untouched.
    let mut replay = record("contract_1", 1, "2030-06-30T23:59:59.999Z");
    replay.status = "Other".to_owned();
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
    assert_eq!(ledger.find("contract_1").await.unwrap(), Some(first.clone()));
    let renewal = ledger
        .renewal_of(&first.next_schedule_id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((renewal.month, renewal.attempt), (first.clone(), 0));
    assert_eq!(ledger.find("contract_missing").await.unwrap(), None);
    assert_eq!(ledger.renewal_of(&Uuid::nil().to_string()).await.unwrap(), None);
    assert_eq!(ledger.renewal_of("pay_not_a_uuid").await.unwrap(), None);
    assert_eq!(ledger.mark_cancelled("contract_missing").await.unwrap(), None);
    assert_eq!(
        ledger
            .set_subscription_state("contract_missing", None, None)
            .await
            .unwrap(),
        None
    );

    // Subscription state, timestamps to the millisecond.
    let cancelled_at = at("2024-01-15T03:04:05.678Z");
    let state = ledger
        .set_subscription_state("contract_1", Some(cancelled_at), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.cancelled_at, state.resumed_at), (Some(cancelled_at), None));
    let resumed_at = at("2024-01-16T00:00:00.001Z");
    let state = ledger
        .set_subscription_state("contract_1", None, Some(resumed_at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((state.cancelled_at, state.resumed_at), (None, Some(resumed_at)));

    // Cancelling is idempotent and touches nothing else.
    for _ in 0..2 {
        let cancelled = ledger.mark_cancelled("contract_1").await.unwrap().unwrap();
        assert_eq!(cancelled.status, "Cancelled");
        assert_eq!(cancelled.resumed_at, Some(resumed_at));
        assert_eq!(
            (cancelled.start_at, cancelled.amount),
            (first.start_at, first.amount)
        );
    }
    // A replayed Paid webhook after all this still returns the stored row, changes included.
    let replayed = ledger.record_paid(&first).await.unwrap();
    assert!(!replayed.inserted);
    assert_eq!(replayed.record.status, "Cancelled");
}

#[tokio::test]
async fn in_memory_ledger_honours_the_contract() {
    ledger_contract(&InMemoryLedger::new()).await;
}

#[tokio::test]
async fn postgres_ledger_honours_the_contract_on_a_real_server() {
    let url = shared().fresh_database().await;
    ledger_contract(&SqlLedger::postgres(&postgres_settings(&url)).unwrap()).await;
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
}
