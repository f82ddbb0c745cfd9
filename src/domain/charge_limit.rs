//! Card testing: a stolen card is tried again and again through the calls that charge it. Each
//! customer gets at most `per_window` charge-triggering calls (a start, a card update, a
//! proration) in any `window`; past it the call is refused with the seconds until the oldest of
//! those calls leaves the window. A sliding log, kept in storage, so every replica counts the same
//! calls: N replicas together allow exactly `per_window`.

use std::time::Duration;

use super::timestamp::Timestamp;

/// Default `CHARGE_LIMIT_PER_CUSTOMER`.
pub const DEFAULT_CHARGE_LIMIT: u32 = 5;
/// Default `CHARGE_LIMIT_WINDOW`.
pub const DEFAULT_CHARGE_WINDOW: Duration = Duration::from_secs(600);
/// Longest `CHARGE_LIMIT_WINDOW` accepted: a day.
pub const MAX_CHARGE_WINDOW: Duration = Duration::from_secs(86_400);

/// At most `per_window` charge-triggering calls per customer in any `window`, across replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeLimit {
    pub per_window: u32,
    pub window: Duration,
}

impl Default for ChargeLimit {
    fn default() -> Self {
        Self {
            per_window: DEFAULT_CHARGE_LIMIT,
            window: DEFAULT_CHARGE_WINDOW,
        }
    }
}

/// What counting one more call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeSlot {
    /// Counted: the call may go on.
    Taken,
    /// Over the limit, not counted: the call may be made again after this many seconds (at
    /// least 1).
    Full { retry_after_seconds: u64 },
}

impl ChargeLimit {
    /// The window in whole seconds (at least 1), as storage takes it.
    pub fn window_seconds(&self) -> u32 {
        u32::try_from(self.window.as_secs().max(1)).unwrap_or(u32::MAX)
    }

    /// Counts a call at `now` against `earlier` (the customer's counted calls, any order): drops
    /// those that left the window, then takes a slot (pushing `now`) or says when one frees up.
    /// The same rule the SQL function `take_charge_slot` applies.
    pub fn take(&self, earlier: &mut Vec<Timestamp>, now: Timestamp) -> ChargeSlot {
        let window_ms = i64::from(self.window_seconds()) * 1000;
        let now_ms = now.as_utc().timestamp_millis();
        earlier.retain(|at| at.as_utc().timestamp_millis() > now_ms.saturating_sub(window_ms));
        if earlier.len() < self.per_window as usize {
            earlier.push(now);
            return ChargeSlot::Taken;
        }
        let oldest = earlier
            .iter()
            .map(|at| at.as_utc().timestamp_millis())
            .min()
            .unwrap_or(now_ms);
        let wait_ms = u64::try_from(oldest.saturating_add(window_ms).saturating_sub(now_ms)).unwrap_or(1);
        ChargeSlot::Full {
            retry_after_seconds: wait_ms.div_ceil(1000).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration as Span, Utc};

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from_utc(text.parse::<DateTime<Utc>>().unwrap())
    }

    #[test]
    fn five_calls_in_ten_minutes_then_wait_for_the_oldest_to_leave() {
        let limit = ChargeLimit::default();
        let mut log = Vec::new();
        let start = at("2026-12-02T01:00:00Z");
        for n in 0..5 {
            let now = Timestamp::from_utc(start.as_utc() + Span::seconds(n * 30));
            assert_eq!(limit.take(&mut log, now), ChargeSlot::Taken);
        }
        let sixth = Timestamp::from_utc(start.as_utc() + Span::seconds(150));
        assert_eq!(
            limit.take(&mut log, sixth),
            ChargeSlot::Full {
                retry_after_seconds: 450
            }
        );
        // One second before the oldest leaves: still full; at that instant: a slot.
        let almost = Timestamp::from_utc(start.as_utc() + Span::seconds(599));
        assert_eq!(
            limit.take(&mut log, almost),
            ChargeSlot::Full {
                retry_after_seconds: 1
            }
        );
        let then = Timestamp::from_utc(start.as_utc() + Span::seconds(600));
        assert_eq!(limit.take(&mut log, then), ChargeSlot::Taken);
        assert_eq!(log.len(), 5, "refused calls are not counted");
    }

    #[test]
    fn a_fraction_of_a_second_rounds_up() {
        let limit = ChargeLimit {
            per_window: 1,
            window: Duration::from_secs(10),
        };
        let mut log = Vec::new();
        assert_eq!(
            limit.take(&mut log, at("2026-12-02T01:00:00.000Z")),
            ChargeSlot::Taken
        );
        assert_eq!(
            limit.take(&mut log, at("2026-12-02T01:00:00.500Z")),
            ChargeSlot::Full {
                retry_after_seconds: 10
            }
        );
        assert_eq!(
            limit.take(&mut log, at("2026-12-02T01:00:09.001Z")),
            ChargeSlot::Full {
                retry_after_seconds: 1
            }
        );
    }
}
