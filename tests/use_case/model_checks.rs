//! What must hold after every step of a model-based run, read from the ledger and the simulated
//! PortOne. Each check returns the first violation it finds, named.

use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use std::collections::HashSet;

use chrono::Duration;
use portone_subscriptions::domain::event::EventType;
use portone_subscriptions::domain::payment::PaymentStatus;
use portone_subscriptions::domain::record::PaymentRecord;
use portone_subscriptions::domain::seoul::{end_of_day, seoul_day};
use portone_subscriptions::domain::subscription::{NoChargeReason, Subscription, SubscriptionStatus};
use portone_subscriptions::ports::{EventFilter, Ledger, SubscriptionRows};

use crate::model_world::{World, CUSTOMERS};

/// Every invariant, after one step.
pub async fn check<L: Ledger>(world: &World<L>) -> Result<(), String> {
    let now = world.now();
    let payments = world.portone.payments();
    let schedules = world.portone.schedules();
    for customer in CUSTOMERS {
        let customer_id = CustomerId::parse(customer).unwrap();
        let all = world.ledger.customer_subscriptions(&customer_id).await.unwrap();
        let recorded: HashSet<String> = all
            .iter()
            .flat_map(|rows| rows.months.iter().map(|m| m.transaction_key.to_string()))
            .collect();
        let attempted: HashSet<String> = all
            .iter()
            .flat_map(|rows| rows.attempts.iter().map(|a| a.payment_id.to_string()))
            .collect();
        // Charges PortOne made on a schedule whose outcome the ledger does not show yet (the
        // webhook was lost, and neither the grace pass nor reconciliation got to it).
        let outstanding = payments.iter().any(|p| {
            p.customer_id.as_deref() == Some(customer)
                && world.ran_on_schedule(p.id.as_str())
                && match p.status {
                    PaymentStatus::Failed => !attempted.contains(p.id.as_str()),
                    _ => !recorded.contains(p.id.as_str()),
                }
        });
        let live: Vec<_> = schedules
            .iter()
            .filter(|s| {
                s.status == "SCHEDULED"
                    && s.request.customer_id.as_ref().map(CustomerId::as_str) == Some(customer)
            })
            .collect();
        if live.len() > 1 {
            return Err(format!("{customer}: {} live schedules", live.len()));
        }
        let mut live_subscriptions = 0;
        for rows in &all {
            let subscription = Subscription::at(&rows.months, &rows.attempts, now).unwrap();
            let id = &subscription.subscription_id;
            live_subscriptions += usize::from(subscription.status.is_live());
            // The schedules of this subscription: any charge one of its months waited for.
            let own: Vec<&crate::fakes::Held> = live
                .iter()
                .copied()
                .filter(|s| {
                    rows.months.iter().any(|m| {
                        m.next_schedule_id == s.request.payment_id
                            || m.renewal.retry_payment_id.as_ref() == Some(&s.request.payment_id)
                    })
                })
                .collect();
            periods(rows).map_err(|e| format!("{id}: {e}"))?;
            money(rows, &payments).map_err(|e| format!("{id}: {e}"))?;
            events(world, rows, id).await.map_err(|e| format!("{id}: {e}"))?;
            pending(&subscription, &own, outstanding).map_err(|e| format!("{id}: {e}"))?;
            never_lapsed_while_paid(&subscription, &rows.months[0], &payments)
                .map_err(|e| format!("{id}: {e}"))?;
        }
        if live_subscriptions > 1 {
            return Err(format!("{customer}: {live_subscriptions} live subscriptions"));
        }
    }
    Ok(())
}

/// A live subscription waits for exactly one charge, scheduled at PortOne with its terms; one that
/// stopped (or is canceling) has none.
fn pending(
    subscription: &Subscription,
    live: &[&crate::fakes::Held],
    outstanding: bool,
) -> Result<(), String> {
    use SubscriptionStatus::*;
    match subscription.status {
        Refunded | Ended | Lapsed | Canceling if !live.is_empty() => {
            Err(format!("{:?} with a live schedule", subscription.status))
        }
        Active | Trialing | PastDue if !outstanding => match &subscription.next_charge {
            Some(next) => {
                let scheduled = live
                    .iter()
                    .any(|s| s.request.payment_id == next.payment_id && s.request.amount == next.amount);
                if scheduled {
                    Ok(())
                } else {
                    Err(format!(
                        "{:?}, but its next charge {} is not scheduled",
                        subscription.status, next.payment_id
                    ))
                }
            }
            None if subscription.no_charge_reason == Some(NoChargeReason::RetriesExhausted) => Ok(()),
            None => Err(format!("{:?} without a next charge", subscription.status)),
        },
        _ => Ok(()),
    }
}

/// Periods follow the route spec and never overlap: `end_at` 30 days after a paid month's start
/// (a trial's own length), or where its subscription's period rule says (an anchored month ends
/// on the anchor's day, and the next starts exactly there), the grace to 23:59:59 KST the day after, the next charge that day at
/// 10:10 KST; a renewal starts no earlier than the month it renews ended, and a month renewing a
/// stopped one (cancel in effect, refunded, lapsed) was never charged.
fn periods(rows: &SubscriptionRows) -> Result<(), String> {
    let mut months: Vec<&PaymentRecord> = rows.months.iter().collect();
    months.sort_by_key(|m| m.start_at);
    for month in &months {
        if let (Some(rule), false) = (month.period_rule, month.is_trial()) {
            if month.end_at != rule.end_of(month.start_at) {
                return Err(format!(
                    "{}: an anchored period {} → {} (anchor {})",
                    month.transaction_key, month.start_at, month.end_at, rule.anchor_at
                ));
            }
        } else if !month.is_trial() && month.end_at.as_utc() - month.start_at.as_utc() != Duration::days(30) {
            return Err(format!(
                "{}: a period of {}",
                month.transaction_key,
                month.end_at.as_utc() - month.start_at.as_utc()
            ));
        }
        let day_after = seoul_day(month.end_at) + Duration::days(1);
        if month.renewal.renewal_attempts == 0 && month.end_grace_at != end_of_day(day_after) {
            return Err(format!(
                "{}: grace {} for end {}",
                month.transaction_key, month.end_grace_at, month.end_at
            ));
        }
        let charge = portone_subscriptions::domain::seoul::charge_time(
            day_after,
            portone_subscriptions::domain::period::ScheduleOffset::from_seconds(600),
        );
        if month.next_schedule_at != charge {
            return Err(format!(
                "{}: next charge at {}",
                month.transaction_key, month.next_schedule_at
            ));
        }
    }
    for pair in months.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        // An anchored period follows an anchored one exactly; after a 30-day one (a plan change
        // to a monthly plan) the new anchor is where it was paid.
        let is_anchored =
            |month: &PaymentRecord| month.period_rule.is_some_and(|rule| rule.interval.is_anchored());
        let anchored = is_anchored(after) && is_anchored(before);
        if anchored && after.start_at != before.end_at && !after.is_trial() {
            return Err(format!(
                "{} starts at {}, not where {} ended ({}): the anchor moved",
                after.transaction_key, after.start_at, before.transaction_key, before.end_at
            ));
        }
        if after.start_at < before.end_at {
            return Err(format!(
                "{} starts before {} ended: charged twice",
                after.transaction_key, before.transaction_key
            ));
        }
        let stopped = before.canceled_at.is_some_and(|_| after.start_at > before.end_at)
            || before.is_refunded()
            || before.renewal.lapsed_at.is_some_and(|at| at <= after.start_at);
        if stopped {
            return Err(format!(
                "{} was charged after {} stopped",
                after.transaction_key, before.transaction_key
            ));
        }
    }
    Ok(())
}

/// What the ledger records is what PortOne charged and refunded, payment by payment.
fn money(
    rows: &SubscriptionRows,
    payments: &[portone_subscriptions::domain::payment::Payment],
) -> Result<(), String> {
    for month in rows.months.iter().filter(|m| !m.is_trial()) {
        let Some(payment) = payments.iter().find(|p| p.id == month.transaction_key) else {
            return Err(format!(
                "{} is recorded but PortOne has no such payment",
                month.transaction_key
            ));
        };
        if payment.amount != month.amount {
            return Err(format!(
                "{}: charged {:?}, recorded {:?}",
                month.transaction_key, payment.amount, month.amount
            ));
        }
        let refunded = month.refunded_amount.map_or(0, |a| a.value());
        if payment.cancelled_amount.value() != refunded {
            return Err(format!(
                "{}: refunded {} at PortOne, {} recorded",
                month.transaction_key,
                payment.cancelled_amount.value(),
                refunded
            ));
        }
    }
    Ok(())
}

/// Never lapsed while PortOne was paid for the charge it waited for.
fn never_lapsed_while_paid(
    subscription: &Subscription,
    latest: &PaymentRecord,
    payments: &[portone_subscriptions::domain::payment::Payment],
) -> Result<(), String> {
    if subscription.status != SubscriptionStatus::Lapsed {
        return Ok(());
    }
    let waited: Vec<String> = [
        Some(latest.next_schedule_id.clone()),
        latest.renewal.retry_payment_id.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|id| id.to_string())
    .collect();
    let paid = payments
        .iter()
        .any(|p| waited.contains(&p.id.to_string()) && p.status == PaymentStatus::Paid);
    if paid {
        Err("lapsed although PortOne was paid for its renewal".into())
    } else {
        Ok(())
    }
}

/// One event per change: one `created`, one `renewed` per renewal, one `payment_failed` per
/// failed attempt; and the subscription's events in the order they were written.
async fn events<L: Ledger>(world: &World<L>, rows: &SubscriptionRows, id: &str) -> Result<(), String> {
    let filter = EventFilter {
        subscription_id: Some(SubscriptionId::parse(id).unwrap()),
        limit: 10_000,
        ..EventFilter::default()
    };
    let events = world.ledger.events(&filter).await.unwrap();
    let count = |kind: EventType| events.iter().filter(|e| e.event_type == kind.as_str()).count();
    let expected = [
        (EventType::Created, 1),
        (EventType::Renewed, rows.months.len() - 1),
        (EventType::PaymentFailed, rows.attempts.len()),
    ];
    for (kind, want) in expected {
        let found = count(kind.clone());
        if found != want {
            return Err(format!("{} {} events, expected {want}", found, kind.as_str()));
        }
    }
    let mut times: Vec<_> = events.iter().map(|e| e.occurred_at).collect();
    times.sort();
    times.dedup();
    if times.len() != events.len() {
        return Err("two events at the same instant: their order is lost".into());
    }
    Ok(())
}
