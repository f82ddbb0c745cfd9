//! Upgrades that take effect now (issue 26): when a plan or seat change takes effect, and what is
//! charged for the rest of the current period.
//!
//! - A change whose price per period goes up, on the same interval, takes effect now. The
//!   difference for the rest of the period is charged at once:
//!   `floor((new − old) × remaining ÷ period)`, `remaining` and `period` in whole seconds on the
//!   service clock, the amounts in the currency's unit (Stripe prorates the same way, to the
//!   second: <https://docs.stripe.com/billing/subscriptions/prorations>). Below the minimum
//!   ([`DEFAULT_MIN_PRORATION_AMOUNT`] unless configured) nothing is charged and the change still
//!   takes effect.
//! - A change to a **longer interval** (monthly → yearly) starts a new period now, anchored now:
//!   it is charged the new price less the unused part of the current one,
//!   `new − floor(old × remaining ÷ period)` (Stripe's "billing cycle anchor reset" on an interval
//!   change). Below the minimum it waits for the period's end instead.
//! - A change whose price goes down or stays, or to a shorter interval (yearly → monthly), waits
//!   for the period's end, as every change did before (Chargebee's and Stripe's default for
//!   downgrades: no credit, no refund).

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::amount::Amount;
use super::checkout::IdempotencyKey;
use super::interval::BillingInterval;
use super::payment_id::PaymentId;
use super::subscription_id::SubscriptionId;
use super::timestamp::Timestamp;

/// The least a proration charges, in KRW (won): a smaller difference is not charged (card fees
/// exceed it) and the change still takes effect. `MIN_PRORATION_AMOUNT` overrides it.
pub const DEFAULT_MIN_PRORATION_AMOUNT: i64 = 100;

/// UUID v5 namespace of proration `paymentId`s: the v5 (URL namespace) of
/// `https://api.portone.io/payments#proration`.
const PRORATION_NAMESPACE: Uuid = Uuid::from_u128(0x76c4_1ced_8bff_581e_a64f_82c5_02a2_c30e);

/// What a subscription costs per period: the total (the plan's amount times the seats, in the
/// currency's unit) and how long a period is (`None`: the route spec's 30 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodPrice {
    pub total: Amount,
    pub interval: Option<BillingInterval>,
}

/// When a change takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Now, charging `due` (0: below the minimum, or nothing of the period is left).
    Now { due: Amount },
    /// Now, as a new period of the new interval anchored now, charging `due`: the new price less
    /// the unused part of the current period.
    NewPeriod { due: Amount },
    /// At the current period's end, from the next charge on; nothing is charged now.
    PeriodEnd,
}

/// The current period, UTC, and the instant the change is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodClock {
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub now: Timestamp,
}

/// When moving from `from` to `to` takes effect, and what it charges now; `min` is the least
/// amount charged.
pub fn timing(from: PeriodPrice, to: PeriodPrice, clock: PeriodClock, min: Amount) -> Timing {
    if from.interval != to.interval {
        let longer = hours(to.interval) > hours(from.interval);
        let unused = prorated(from.total.value(), clock);
        let due = to.total.value() - unused;
        return match Amount::new(due) {
            Ok(due) if longer && due >= min => Timing::NewPeriod { due },
            _ => Timing::PeriodEnd,
        };
    }
    if to.total <= from.total {
        return Timing::PeriodEnd;
    }
    let due = prorated(to.total.value() - from.total.value(), clock);
    Timing::Now {
        due: if due < min.value() {
            Amount::default()
        } else {
            Amount::new(due).unwrap_or_default()
        },
    }
}

/// A period's nominal length; `None` is the route spec's 30 days.
fn hours(interval: Option<BillingInterval>) -> f64 {
    interval.unwrap_or(BillingInterval::THIRTY_DAYS).nominal_hours()
}

/// `floor(difference × remaining ÷ period)`, in whole seconds; 0 once the period is over.
fn prorated(difference: i64, clock: PeriodClock) -> i64 {
    let period = (clock.end_at.as_utc() - clock.start_at.as_utc()).num_seconds();
    let remaining = (clock.end_at.as_utc() - clock.now.as_utc())
        .num_seconds()
        .clamp(0, period.max(0));
    if period <= 0 {
        return 0;
    }
    let due = i128::from(difference) * i128::from(remaining) / i128::from(period);
    i64::try_from(due).unwrap_or(i64::MAX)
}

/// The `paymentId` of the proration a change asked for with `key` charges: `proration-` and the
/// UUID v5 of `"{subscription_id}\n{key}"`, so a retried or concurrent request charges the same
/// payment, which PortOne charges once. Not a bare UUID, so it is never taken for a renewal.
pub fn proration_payment_id(subscription: &SubscriptionId, key: &IdempotencyKey) -> PaymentId {
    let id = Uuid::new_v5(
        &PRORATION_NAMESPACE,
        format!("{subscription}\n{}", key.as_str()).as_bytes(),
    );
    PaymentId::parse(format!("proration-{id}")).unwrap_or_else(|_| unreachable!("a UUID"))
}

/// The fingerprint of a change's target (plan and seats), to tell the same change sent again
/// from another change under a used key: SHA-256, hex.
pub fn change_hash(plan_id: &str, quantity: u32) -> String {
    let digest = Sha256::digest(format!("{plan_id}\n{quantity}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from_utc(text.parse().unwrap())
    }

    fn price(total: i64) -> PeriodPrice {
        PeriodPrice {
            total: Amount::new(total).unwrap(),
            interval: None,
        }
    }

    /// A 30-day period from 1 January, `now` the given instant.
    fn clock(now: &str) -> PeriodClock {
        PeriodClock {
            start_at: at("2025-01-01T00:00:00Z"),
            end_at: at("2025-01-31T00:00:00Z"),
            now: at(now),
        }
    }

    const MIN: i64 = DEFAULT_MIN_PRORATION_AMOUNT;

    fn due(from: i64, to: i64, now: &str) -> Timing {
        timing(price(from), price(to), clock(now), Amount::new(MIN).unwrap())
    }

    fn now(due: i64) -> Timing {
        Timing::Now {
            due: Amount::new(due).unwrap(),
        }
    }

    #[test]
    fn an_upgrade_charges_the_difference_for_the_rest_of_the_period() {
        // 10 days in, 20 of 30 left: floor(20,000 × 20 ÷ 30) = 13,333.
        assert_eq!(due(9_900, 29_900, "2025-01-11T00:00:00Z"), now(13_333));
        // At the start, the whole difference; a second before the end, floor(20,000 ÷ 2,592,000).
        assert_eq!(due(9_900, 29_900, "2025-01-01T00:00:00Z"), now(20_000));
        assert_eq!(due(9_900, 29_900, "2025-01-30T23:59:59Z"), now(0));
        // Half way, one seat more of 9,900: 4,950.
        assert_eq!(due(9_900, 19_800, "2025-01-16T00:00:00Z"), now(4_950));
    }

    #[test]
    fn below_the_minimum_nothing_is_charged_and_the_change_still_takes_effect() {
        // 29 days 12 hours in: floor(20,000 × 43,200 ÷ 2,592,000) = 333; 1,000 more: 16 < 100.
        assert_eq!(due(9_900, 29_900, "2025-01-30T12:00:00Z"), now(333));
        assert_eq!(due(9_900, 10_900, "2025-01-30T12:00:00Z"), now(0));
        // After the end (the renewal not yet charged): nothing left to prorate.
        assert_eq!(due(9_900, 29_900, "2025-02-01T00:00:00Z"), now(0));
    }

    #[test]
    fn a_downgrade_an_equal_price_or_a_shorter_interval_waits_for_the_period_s_end() {
        assert_eq!(due(29_900, 9_900, "2025-01-11T00:00:00Z"), Timing::PeriodEnd);
        assert_eq!(due(9_900, 9_900, "2025-01-11T00:00:00Z"), Timing::PeriodEnd);
        let min = Amount::new(MIN).unwrap();
        // Yearly to 30 days: shorter, whatever the price.
        assert_eq!(
            timing(yearly(99_000), price(9_900), clock("2025-01-11T00:00:00Z"), min),
            Timing::PeriodEnd
        );
    }

    fn yearly(total: i64) -> PeriodPrice {
        PeriodPrice {
            total: Amount::new(total).unwrap(),
            interval: BillingInterval::new("year", 1).ok(),
        }
    }

    #[test]
    fn a_longer_interval_starts_a_new_period_now_less_the_unused_part() {
        let min = Amount::new(MIN).unwrap();
        // 10 of 30 days used: 99,000 − floor(9,900 × 20 ÷ 30) = 99,000 − 6,600 = 92,400.
        assert_eq!(
            timing(price(9_900), yearly(99_000), clock("2025-01-11T00:00:00Z"), min),
            Timing::NewPeriod {
                due: Amount::new(92_400).unwrap()
            }
        );
        // Even when the yearly price per day is lower (a yearly discount).
        assert_eq!(
            timing(price(9_900), yearly(9_950), clock("2025-01-01T00:00:00Z"), min),
            Timing::PeriodEnd,
            "50 left to pay is below the minimum: at the period's end"
        );
        assert_eq!(
            timing(price(9_900), yearly(50_000), clock("2025-01-01T00:00:00Z"), min),
            Timing::NewPeriod {
                due: Amount::new(40_100).unwrap()
            }
        );
        // A credit larger than the new price never charges a negative amount.
        assert_eq!(
            timing(price(99_000), yearly(9_000), clock("2025-01-01T00:00:00Z"), min),
            Timing::PeriodEnd
        );
    }

    #[test]
    fn the_namespace_is_the_documented_v5_of_its_url() {
        let derived = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://api.portone.io/payments#proration");
        assert_eq!(PRORATION_NAMESPACE, derived);
    }

    #[test]
    fn the_same_change_names_the_same_payment_and_another_key_another() {
        let sub = SubscriptionId::parse("sub-1").unwrap();
        let key = IdempotencyKey::parse("up-1").unwrap();
        let id = proration_payment_id(&sub, &key);
        assert!(id.as_str().starts_with("proration-"));
        assert!(id.as_uuid().is_none());
        assert_eq!(id, proration_payment_id(&sub, &key));
        let other = IdempotencyKey::parse("up-2").unwrap();
        assert_ne!(id, proration_payment_id(&sub, &other));
        assert_ne!(change_hash("team", 3), change_hash("team", 4));
    }
}
