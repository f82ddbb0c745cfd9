//! PortOne's payment schedule id (`schedule.id` of `createPaymentSchedule`'s answer), the handle
//! `getPaymentSchedule` and `revokePaymentSchedules` take.

use std::fmt;

use serde::Serialize;

/// A schedule id as PortOne hands it out: 1 to 256 characters, not blank, no control characters,
/// and not `.` or `..` (it becomes a URL path segment of `GET /payment-schedules/{id}`, where a
/// dot segment would be resolved away and reach PortOne's schedule list instead).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ScheduleId(String);

/// Why a string is not a [`ScheduleId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a schedule id is 1-256 characters, not blank, without control characters, and not . or ..")]
pub struct InvalidScheduleId;

impl ScheduleId {
    /// # Errors
    /// [`InvalidScheduleId`] for anything else.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidScheduleId> {
        let value = value.into();
        let blank = value.trim().is_empty();
        let dot_segment = value == "." || value == "..";
        if blank || dot_segment || value.chars().count() > 256 || value.chars().any(char::is_control) {
            return Err(InvalidScheduleId);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScheduleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for ScheduleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_blank_and_control_characters_are_not_schedule_ids() {
        for bad in ["", " ", ".", "..", "s\n1", &"s".repeat(257)] {
            assert_eq!(ScheduleId::parse(bad), Err(InvalidScheduleId), "{bad:?}");
        }
        assert_eq!(ScheduleId::parse("schedule-1").unwrap().as_str(), "schedule-1");
    }
}
