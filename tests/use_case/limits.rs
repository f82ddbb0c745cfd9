//! The per-customer limit of charge-triggering calls, counted in storage: starts and card updates
//! share it, exactly `per_window` run in any window with an exact `Retry-After`, and a repeat of a
//! request already known (answered, or still running) never counts, so a client whose answer was
//! lost can always learn it.

use crate::answers::body;
use portone_subscriptions::domain::answer::Ending;
use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::charge_limit::ChargeLimit;
use portone_subscriptions::domain::checkout::{request_hash, CheckoutIds, IdempotencyKey};
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger};
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::checkout::StartRequest;
use portone_subscriptions::service::Caller;

use crate::fakes::Harness;

/// Plan `pro`, billing keys for `user-1` and `user-2`, and at most `per_window` calls per
/// customer in 10 minutes.
async fn shop(per_window: u32) -> Harness {
    let mut app = Harness::new(0);
    let terms = PlanTerms::new(PlanId::parse("pro").unwrap(), "프로", 9900, "KRW", 0, None, None).unwrap();
    app.services.plans.put(&terms).await.unwrap();
    for (key, customer) in [("bk_1", "user-1"), ("bk_2", "user-1"), ("bk_9", "user-2")] {
        app.portone.cards.issue(key, customer);
    }
    let limit = ChargeLimit {
        per_window,
        window: Duration::from_secs(600),
    };
    app.services = app.services.clone().with_charge_limit(Some(limit));
    app
}

fn start(customer: &str, plan: &str, billing_key: &str, key: &str) -> StartRequest {
    StartRequest {
        customer_id: CustomerId::parse(customer).unwrap(),
        plan_id: PlanId::parse(plan).unwrap(),
        billing_key: BillingKey::parse(billing_key).unwrap(),
        quantity: Default::default(),
        promotion_code: None,
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
    }
}

#[tokio::test]
async fn twenty_identical_starts_charge_once_and_none_is_refused_by_the_limit() {
    let app = Arc::new(shop(1).await);
    let request = start("user-1", "pro", "bk_1", "order-1");

    let runs: Vec<_> = (0..20)
        .map(|_| {
            let (app, request) = (app.clone(), request.clone());
            tokio::spawn(async move { app.services.checkout.start(&request).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for run in runs {
        statuses.push(run.await.unwrap().ending);
    }

    assert_eq!(app.portone.cards.charges().len(), 1);
    assert!(
        statuses
            .iter()
            .all(|status| matches!(status, Ending::Done | Ending::Conflict)),
        "{statuses:?}"
    );
    // Long after, with the window still full, the repeat learns its answer.
    app.clock.advance(Span::minutes(9));
    let replay = app.services.checkout.start(&request).await;
    assert_eq!((replay.ending, replay.replayed), (Ending::Done, true));
    assert_eq!(app.portone.cards.charges().len(), 1);
}

#[tokio::test]
async fn a_running_start_s_repeats_are_told_when_its_lease_ends_and_are_never_counted() {
    let app = shop(1).await;
    let request = start("user-1", "pro", "bk_1", "order-1");
    // A replica claimed this very request and crashed: its claim holds for the lease (60 s).
    let ids = CheckoutIds::new(&CustomerId::parse("user-1").unwrap(), &request.idempotency_key);
    let customer = CustomerId::parse("user-1").unwrap();
    let key = CheckoutKey {
        customer_id: &customer,
        idempotency_key: &request.idempotency_key,
    };
    let hash = request_hash("user-1", "pro", "bk_1");
    let claimed = app
        .ledger
        .claim_checkout(&key, &hash, &ids.payment_id, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(claimed, CheckoutClaim::Claimed);

    for _ in 0..5 {
        let repeat = app.services.checkout.start(&request).await;
        assert_eq!(repeat.ending, Ending::Conflict, "{:#}", body(&repeat));
        assert_eq!(body(&repeat)["code"], "CHECKOUT_IN_PROGRESS");
        let wait = repeat.retry_after.unwrap();
        assert!(
            (59..=60).contains(&wait),
            "told to come back when the lease ends: {wait}"
        );
        // Another key of the same customer waits for the same lease.
        let other = app
            .services
            .checkout
            .start(&start("user-1", "pro", "bk_2", "order-2"))
            .await;
        assert_eq!(other.ending, Ending::Conflict);
        assert!((59..=60).contains(&other.retry_after.unwrap()));
    }

    // None of those counted: once the claim is gone, the request runs (the limit is 1).
    app.ledger.release_checkout(&key).await.unwrap();
    let ran = app.services.checkout.start(&request).await;
    assert_eq!(ran.ending, Ending::Done, "{:#}", body(&ran));
    assert_eq!(app.portone.cards.charges().len(), 1);
}

#[tokio::test]
async fn starts_and_card_updates_share_the_limit_with_an_exact_retry_after() {
    let app = shop(3).await;
    // Three starts that run and are refused (no such plan): each counts.
    for n in 0..3 {
        let answer = app
            .services
            .checkout
            .start(&start("user-1", "nope", "bk_1", &format!("k-{n}")))
            .await;
        assert_eq!(answer.ending, Ending::NotFound);
        app.clock.advance(Span::seconds(10));
    }
    let refused = app
        .services
        .checkout
        .start(&start("user-1", "pro", "bk_1", "k-3"))
        .await;
    assert_eq!(refused.ending, Ending::Limited, "{:#}", body(&refused));
    assert_eq!(
        refused.retry_after,
        Some(570),
        "the oldest leaves the window at 600 s"
    );
    assert!(app.portone.cards.charges().is_empty());

    // Another customer is not slowed down.
    let other = app
        .services
        .checkout
        .start(&start("user-2", "pro", "bk_9", "b-1"))
        .await;
    assert_eq!(other.ending, Ending::Done, "{:#}", body(&other));

    // At the instant the oldest leaves, one more call runs.
    app.clock.advance(Span::seconds(569));
    let early = app
        .services
        .checkout
        .start(&start("user-1", "pro", "bk_1", "k-4"))
        .await;
    assert_eq!((early.ending, early.retry_after), (Ending::Limited, Some(1)));
    app.clock.advance(Span::seconds(1));
    let started = app
        .services
        .checkout
        .start(&start("user-1", "pro", "bk_1", "k-5"))
        .await;
    assert_eq!(started.ending, Ending::Done, "{:#}", body(&started));

    // A card update counts against the same limit: the window is full again.
    let update = CardUpdateRequest {
        subscription: SubscriptionId::parse(
            body(&started)["subscription"]["subscription_id"]
                .as_str()
                .unwrap(),
        )
        .unwrap(),
        billing_key: BillingKey::parse("bk_2").unwrap(),
        caller: Caller::Customer(CustomerId::parse("user-1").unwrap()),
    };
    let limited = app.services.cards.update(&update).await;
    assert_eq!(limited.ending, Ending::Limited, "{limited:?}");
    assert_eq!(limited.retry_after, Some(10), "the call at 10 s leaves at 610 s");
    assert_eq!(app.portone.live().len(), 2, "nothing was revoked");
}

#[tokio::test]
async fn an_upgrade_s_charge_counts_like_a_start_and_its_repeat_does_not() {
    let app = shop(2).await;
    let started = body(
        &app.services
            .checkout
            .start(&start("user-1", "pro", "bk_1", "order-1"))
            .await,
    );
    let id = SubscriptionId::parse(started["subscription"]["subscription_id"].as_str().unwrap()).unwrap();
    let seats = |n| portone_subscriptions::service::ChangeTarget {
        plan_id: None,
        quantity: Some(portone_subscriptions::domain::quantity::Quantity::new(n).unwrap()),
    };
    let key = |k: &str| IdempotencyKey::parse(k).unwrap();
    let subscriptions = &app.services.subscriptions;
    // The start took one of two; the upgrade takes the second; its repeat takes none.
    subscriptions
        .change_to(&id, &seats(2), Some(&key("up-2")))
        .await
        .unwrap();
    subscriptions
        .change_to(&id, &seats(2), Some(&key("up-2")))
        .await
        .unwrap();
    let third = subscriptions.change_to(&id, &seats(3), Some(&key("up-3"))).await;
    assert!(
        matches!(
            third,
            Err(portone_subscriptions::service::SubscriptionError::TooManyCharges { retry_after_seconds })
                if retry_after_seconds > 0
        ),
        "{third:?}"
    );
    assert_eq!(
        app.read(id.as_str()).await.quantity.get(),
        2,
        "the refused upgrade changed nothing"
    );
}
