//! Randomness as a port, so tests and snapshots are reproducible.

use crate::domain::period::ScheduleOffset;

/// Picks the second of the 10:00–10:59 KST hour at which next month's payment is scheduled.
pub trait RandomSource: Send + Sync + 'static {
    /// A uniformly random offset in `0..=3599` seconds.
    fn schedule_offset(&self) -> ScheduleOffset;
}
