//! Starting subscriptions on a real PostgreSQL through the direct adapter: a storm of identical
//! requests charges once and records one subscription; concurrent starts of one customer under
//! different keys never make two.

use futures::future::join_all;
use poem::http::StatusCode;
use portone_subscriptions::domain::customer_id::CustomerId;
use serde_json::json;

use crate::checkout::{body, start};
use crate::helpers::{spawn_app_with, Options};
use crate::pg::{shared, PgServer};
use crate::portone_cards::Cards;

async fn shop_on_postgres() -> (crate::helpers::TestApp, Cards, String) {
    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url.clone()),
        ..Options::default()
    })
    .await;
    app.portone_schedules().await;
    let cards = Cards::mount(&app.portone).await;
    cards.issue("bk_1", "user-1");
    let plan = json!({ "name": "프로 월간", "amount": 9900, "currency": "KRW", "trial_days": 0 });
    let (status, _, _) = app
        .admin_with("PUT", "/api/plans/pro", &[], &plan.to_string())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (app, cards, url)
}

async fn count(url: &str, sql: &str) -> i64 {
    let pool = PgServer::pool(url).await;
    sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
}

#[tokio::test]
async fn twenty_identical_starts_at_once_charge_once_and_make_one_subscription() {
    let (app, _cards, url) = shop_on_postgres().await;

    let answers = join_all((0..20).map(|_| start(&app, "order-1", body("pro", "bk_1")))).await;

    let created = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CREATED)
        .count();
    let busy = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CONFLICT)
        .count();
    assert!(created >= 1 && created + busy == 20, "{answers:#?}");
    for (status, _, answer) in &answers {
        if *status == StatusCode::CONFLICT {
            assert_eq!(answer["code"], "CHECKOUT_IN_PROGRESS");
        }
    }
    let charges = app
        .portone_calls()
        .await
        .iter()
        .filter(|c| c.ends_with("/billing-key"))
        .count();
    assert_eq!(charges, 1, "one charge");
    assert_eq!(count(&url, "select count(*) from public.payment").await, 1);
    assert_eq!(
        count(&url, "select count(distinct subscription_id) from public.payment").await,
        1
    );
    assert_eq!(
        count(
            &url,
            "select count(*) from public.checkout where state = 'completed'"
        )
        .await,
        1
    );
    // Once the first has finished, every repeat gets its answer.
    let (status, headers, _) = start(&app, "order-1", body("pro", "bk_1")).await;
    assert_eq!(
        (status, headers["idempotent-replayed"].to_str().unwrap()),
        (StatusCode::CREATED, "true")
    );
}

#[tokio::test]
async fn concurrent_starts_of_one_customer_under_different_keys_make_one_subscription() {
    let (app, _cards, url) = shop_on_postgres().await;

    let answers = join_all((0..10).map(|n| {
        let key = format!("order-{n}");
        let app = &app;
        async move { start(app, &key, body("pro", "bk_1")).await }
    }))
    .await;

    let created = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:#?}");
    for (status, _, answer) in &answers {
        if *status != StatusCode::CREATED {
            assert_eq!(*status, StatusCode::CONFLICT);
            let code = answer["code"].as_str().unwrap();
            assert!(
                ["CHECKOUT_IN_PROGRESS", "LIVE_SUBSCRIPTION_EXISTS"].contains(&code),
                "{code}"
            );
        }
    }
    assert_eq!(count(&url, "select count(*) from public.payment").await, 1);
}

/// Two replicas, each with its own connection pool to one database, counting one customer's
/// charge-triggering calls at once: together they allow exactly the limit, and the refusal names
/// the same exact wait.
#[tokio::test]
async fn two_replicas_together_allow_exactly_the_charge_limit() {
    use portone_subscriptions::adapters::ledger::SqlLedger;
    use portone_subscriptions::domain::charge_limit::{ChargeLimit, ChargeSlot};
    use portone_subscriptions::domain::timestamp::Timestamp;
    use portone_subscriptions::ports::CheckoutLedger;

    let url = shared().fresh_database().await;
    let replicas = [
        SqlLedger::postgres(&crate::helpers::postgres_settings(&url)).unwrap(),
        SqlLedger::postgres(&crate::helpers::postgres_settings(&url)).unwrap(),
    ];
    let limit = ChargeLimit {
        per_window: 5,
        window: std::time::Duration::from_secs(600),
    };
    let now = Timestamp::from_utc("2026-12-02T01:00:00Z".parse().unwrap());

    let alice = CustomerId::parse("alice").unwrap();
    let slots = join_all((0..12).map(|n| replicas[n % 2].take_charge_slot(&alice, &limit, now))).await;

    let slots: Vec<ChargeSlot> = slots.into_iter().map(Result::unwrap).collect();
    let taken = slots.iter().filter(|slot| **slot == ChargeSlot::Taken).count();
    assert_eq!(taken, 5, "{slots:?}");
    assert!(slots
        .iter()
        .filter(|slot| **slot != ChargeSlot::Taken)
        .all(|slot| *slot
            == ChargeSlot::Full {
                retry_after_seconds: 600
            }));
    let later = Timestamp::from_utc("2026-12-02T01:09:59.500Z".parse().unwrap());
    assert_eq!(
        replicas[1]
            .take_charge_slot(&CustomerId::parse("alice").unwrap(), &limit, later)
            .await
            .unwrap(),
        ChargeSlot::Full {
            retry_after_seconds: 1
        }
    );
    assert_eq!(
        replicas[0]
            .take_charge_slot(&CustomerId::parse("bob").unwrap(), &limit, later)
            .await
            .unwrap(),
        ChargeSlot::Taken
    );
    let window_passed = Timestamp::from_utc("2026-12-02T01:10:00Z".parse().unwrap());
    assert_eq!(
        replicas[0]
            .take_charge_slot(&CustomerId::parse("alice").unwrap(), &limit, window_passed)
            .await
            .unwrap(),
        ChargeSlot::Taken
    );
}

/// A replica claimed a start and crashed: a repeat is told to come back when the claim's lease
/// ends (it used to be told 1 second, for a minute), and however often it asks it never uses up
/// the customer's charge limit.
#[tokio::test]
async fn a_crashed_start_s_repeat_waits_for_the_lease_and_never_counts() {
    use portone_subscriptions::domain::checkout::{request_hash, CheckoutIds, IdempotencyKey};
    use portone_subscriptions::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger};

    let url = shared().fresh_database().await;
    let app = spawn_app_with(Options {
        database_url: Some(url),
        charge_limit: Some(portone_subscriptions::domain::charge_limit::ChargeLimit {
            per_window: 1,
            window: std::time::Duration::from_secs(600),
        }),
        ..Options::default()
    })
    .await;
    let customer = CustomerId::parse("user-1").unwrap();
    let order = IdempotencyKey::parse("order-1").unwrap();
    let ids = CheckoutIds::new(&customer, &order);
    let key = CheckoutKey {
        customer_id: &customer,
        idempotency_key: &order,
    };
    let claimed = app
        .ledger
        .claim_checkout(
            &key,
            &request_hash("user-1", "pro", "bk_1"),
            &ids.payment_id,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(claimed, CheckoutClaim::Claimed);

    for _ in 0..6 {
        let (status, headers, answer) = start(&app, "order-1", body("pro", "bk_1")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer:#}");
        assert_eq!(answer["code"], "CHECKOUT_IN_PROGRESS");
        let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((59..=60).contains(&wait), "the lease ends in {wait} s");
    }
    app.ledger.release_checkout(&key).await.unwrap();
    // Nothing above counted: the one call of the window runs (and finds no plan).
    let (status, _, answer) = start(&app, "order-1", body("pro", "bk_1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer:#}");
    let (status, _, _) = start(&app, "order-2", body("pro", "bk_1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
