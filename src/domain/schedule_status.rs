//! Where a payment schedule stands at PortOne: `PaymentSchedule.status` of PortOne's OpenAPI
//! schema (<https://developers.portone.io/api/rest-v2>, operation `getPaymentSchedule`).

/// PortOne's `PaymentScheduleStatus`, open-ended like [`PaymentStatus`](super::payment::PaymentStatus):
/// PortOne's backward-compatibility policy (REST API overview, section "하위호환성") lets outputs
/// gain enum values, so an unknown one is kept verbatim instead of failing the parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScheduleStatus {
    /// Waiting for `timeToPay`: the only status that can still be revoked.
    Scheduled,
    /// PortOne started charging it.
    Started,
    /// The charge waits for the payment gateway.
    Pending,
    /// Charged.
    Succeeded,
    /// The charge failed; nothing is left to revoke.
    Failed,
    /// Revoked before it ran.
    Revoked,
    /// A status this build does not know yet, as PortOne wrote it.
    Other(String),
}

impl ScheduleStatus {
    /// Maps PortOne's SCREAMING_SNAKE status.
    pub fn from_portone(value: &str) -> Self {
        match value {
            "SCHEDULED" => Self::Scheduled,
            "STARTED" => Self::Started,
            "PENDING" => Self::Pending,
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "REVOKED" => Self::Revoked,
            other => Self::Other(other.to_owned()),
        }
    }

    /// PortOne's spelling of the status.
    pub fn as_portone(&self) -> &str {
        match self {
            Self::Scheduled => "SCHEDULED",
            Self::Started => "STARTED",
            Self::Pending => "PENDING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Revoked => "REVOKED",
            Self::Other(other) => other,
        }
    }

    /// `true` while the charge is still to come or under way (`SCHEDULED`, `STARTED`,
    /// `PENDING`): a reconciler waits for it instead of creating another.
    pub fn is_waiting(&self) -> bool {
        matches!(self, Self::Scheduled | Self::Started | Self::Pending)
    }
}

impl std::fmt::Display for ScheduleStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_portone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_and_new_ones_are_kept() {
        for value in [
            "SCHEDULED",
            "STARTED",
            "PENDING",
            "SUCCEEDED",
            "FAILED",
            "REVOKED",
            "PAUSED",
        ] {
            assert_eq!(ScheduleStatus::from_portone(value).as_portone(), value);
        }
        assert_eq!(
            ScheduleStatus::from_portone("PAUSED"),
            ScheduleStatus::Other("PAUSED".into())
        );
        assert!(ScheduleStatus::Pending.is_waiting());
        assert!(!ScheduleStatus::Revoked.is_waiting());
    }
}
