//! UTC instants at millisecond precision, written as JavaScript's `toISOString` writes them.

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Serialize, Serializer};

/// A UTC instant truncated to whole milliseconds.
///
/// Postgres `timestamptz` keeps microseconds and PortOne sends up to nanoseconds; the contract
/// (the route spec's `2024-02-01T14:59:59.000Z`) is milliseconds, so every instant the service
/// stores or reports goes through this type and round-trips exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Truncates (never rounds) `instant` to the millisecond.
    pub fn from_utc(instant: DateTime<Utc>) -> Self {
        Self(instant.trunc_subsecs(3))
    }

    /// The instant as a chrono UTC date-time.
    pub fn as_utc(&self) -> DateTime<Utc> {
        self.0
    }

    /// `millis` milliseconds later; the last instant a timestamp can hold when that is past it.
    pub fn plus_millis(&self, millis: i64) -> Self {
        Self(
            self.0
                .checked_add_signed(chrono::Duration::milliseconds(millis))
                .unwrap_or(DateTime::<Utc>::MAX_UTC.trunc_subsecs(3)),
        )
    }

    /// RFC 3339 in UTC with exactly three fractional digits and `Z`: `2024-02-01T14:59:59.000Z`.
    pub fn to_iso(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(instant: DateTime<Utc>) -> Self {
        Self::from_utc(instant)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_iso())
    }
}

/// Any RFC 3339 instant (PostgreSQL's `to_jsonb` of a `timestamptz` writes one), truncated to
/// milliseconds.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DateTime::<Utc>::deserialize(deserializer).map(Self::from_utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_to_milliseconds_and_writes_z() {
        let instant = DateTime::parse_from_rfc3339("2024-01-01T00:00:00.123987654+09:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Timestamp::from_utc(instant).to_iso(), "2023-12-31T15:00:00.123Z");
    }
}
