//! A month's `status` column: what PortOne's payment was when the month was recorded.

use serde::{Serialize, Serializer};

/// A month's `status` column. The column keeps its text (`"Paid"`, `"Cancelled"`); a value this
/// build does not know (written by hand in the dashboard, say) is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonthStatus {
    /// `"Paid"`: recorded from a paid payment (the route spec's `status: "Paid"`).
    Paid,
    /// `"Cancelled"`: PortOne cancelled (refunded) the payment.
    Cancelled,
    /// `"Trial"`: a free trial, charged nothing; its first charge renews it.
    Trial,
    /// Any other text.
    Other(String),
}

impl MonthStatus {
    /// The status a column's text names.
    pub fn from_column(text: &str) -> Self {
        match text {
            "Paid" => Self::Paid,
            "Cancelled" => Self::Cancelled,
            "Trial" => Self::Trial,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The column's text.
    pub fn as_column(&self) -> &str {
        match self {
            Self::Paid => "Paid",
            Self::Cancelled => "Cancelled",
            Self::Trial => "Trial",
            Self::Other(other) => other,
        }
    }
}

impl Serialize for MonthStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_column())
    }
}
