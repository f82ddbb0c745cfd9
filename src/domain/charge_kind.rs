//! What a charge this service makes pays for: a period of a subscription, or the prorated
//! difference of an upgrade made mid-period. Written to PortOne's `customData` with the plan, so
//! a webhook for a proration never records a month.

use serde::Serialize;

/// The kind of a charge, and of the billing-history line it becomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// A period (a month, a year, …): recorded as a row of the `payment` table.
    #[default]
    Period,
    /// An upgrade's prorated charge for the rest of the current period: a row of the
    /// `proration` table, never a month.
    Proration,
}

impl ChargeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Period => "period",
            Self::Proration => "proration",
        }
    }
}
