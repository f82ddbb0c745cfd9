//! The events time causes, in memory, as `emit_time_events` writes them: `ended` once a
//! canceling subscription reaches `end_at`, a confirmed `lapsed` once its moment passed, and
//! `trial_will_end` (late, while the trial is still the latest month).

use super::events::month_data;
use super::Tables;
use crate::domain::event::EventType;
use crate::domain::record::{MonthStatus, PaymentRecord};
use crate::domain::timestamp::Timestamp;

impl Tables {
    fn has_event(&self, key: &str) -> bool {
        self.events.iter().any(|e| e.dedupe_key == key)
    }

    /// The events time causes up to `now`, as `emit_time_events` writes them.
    pub(super) fn emit_due(&mut self, now: Timestamp) -> u64 {
        let latest: Vec<PaymentRecord> = self
            .payments
            .values()
            .filter(|m| m.renewal.renewed_by.is_none() && m.status != MonthStatus::Cancelled)
            .cloned()
            .collect();
        let mut written = 0;
        for month in latest {
            let trial_warning = Timestamp::from_utc(month.end_at.as_utc() - chrono::Duration::days(3));
            // The first instant of the new state: statuses keep `canceling` through `end_at`
            // and the grace through `end_grace_at`.
            let after = |at: Timestamp| Timestamp::from_utc(at.as_utc() + chrono::Duration::milliseconds(1));
            let due = [
                (
                    EventType::Ended,
                    month.canceled_at.is_some() && month.end_at < now,
                    after(month.end_at),
                ),
                // A lapse PortOne confirmed, once its moment passed (a grace that ran out without
                // a confirmation is not one: see the grace pass).
                (
                    EventType::Lapsed,
                    month.canceled_at.is_none() && month.renewal.lapsed_at.is_some_and(|at| at <= now),
                    month.renewal.lapsed_at.unwrap_or(now),
                ),
                // Late too (within the 30 days every time event is looked for), as long as the
                // trial is still the latest month (not renewed, so not charged yet): a clock or an
                // outage that skipped its moment does not skip it.
                (
                    EventType::TrialWillEnd,
                    month.is_trial() && month.canceled_at.is_none() && trial_warning <= now,
                    trial_warning,
                ),
            ];
            // As `emit_time_events`: only boundaries of the last 30 days.
            let horizon = Timestamp::from_utc(now.as_utc() - chrono::Duration::days(30));
            for (kind, is_due, at) in due {
                let recent = match kind {
                    EventType::Ended => month.end_at >= horizon,
                    EventType::Lapsed => month.renewal.lapsed_at.is_some_and(|at| at >= horizon),
                    _ => trial_warning >= horizon,
                };
                let is_due = is_due && recent;
                let key = format!("{}:{}", kind.dedupe_prefix(), month.transaction_key);
                if is_due && !self.has_event(&key) && self.emit_for(kind, &month, at, month_data(&month), "")
                {
                    written += 1;
                }
            }
        }
        written
    }
}
