//! Random sources: the thread-local RNG, and a seeded one for reproducible tests.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::period::ScheduleOffset;
use crate::ports::RandomSource;

/// rand's thread-local generator, seeded from the OS.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadRandom;

impl RandomSource for ThreadRandom {
    fn schedule_offset(&self) -> ScheduleOffset {
        ScheduleOffset::from_seconds(rand::rng().random_range(0..ScheduleOffset::SECONDS_IN_WINDOW))
    }
}

/// A seeded generator: the same seed gives the same offsets, so snapshots need no redactions.
#[derive(Debug)]
pub struct SeededRandom(Mutex<StdRng>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }
}

impl RandomSource for SeededRandom {
    fn schedule_offset(&self) -> ScheduleOffset {
        let mut rng = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        ScheduleOffset::from_seconds(rng.random_range(0..ScheduleOffset::SECONDS_IN_WINDOW))
    }
}
