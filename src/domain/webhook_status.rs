//! The statuses of PortOne's 2024-01-01 webhook body, as its webhook guide lists them
//! (<https://developers.portone.io/opi/ko/integration/webhook/readme-v2>).

/// The `status` of a 2024-01-01 webhook, exact spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Ready,
    Paid,
    VirtualAccountIssued,
    PartialCancelled,
    Cancelled,
    Failed,
    PayPending,
    CancelPending,
}

impl WebhookStatus {
    /// Every status PortOne documents for the 2024-01-01 body.
    pub const ALL: [Self; 8] = [
        Self::Ready,
        Self::Paid,
        Self::VirtualAccountIssued,
        Self::PartialCancelled,
        Self::Cancelled,
        Self::Failed,
        Self::PayPending,
        Self::CancelPending,
    ];

    /// The status as PortOne writes it in the body (`"Paid"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "Ready",
            Self::Paid => "Paid",
            Self::VirtualAccountIssued => "VirtualAccountIssued",
            Self::PartialCancelled => "PartialCancelled",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Failed",
            Self::PayPending => "PayPending",
            Self::CancelPending => "CancelPending",
        }
    }

    /// Case-sensitive, as PortOne sends it; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }
}
