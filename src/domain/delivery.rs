//! Where an event's delivery to the app stands, and how each attempt ended: the outbox's
//! `status` and each attempt's `result`, as stored.

use serde::Serialize;

use super::timestamp::Timestamp;

/// How one delivery attempt ended, as stored in `result`: `delivered`, `http_<status>`,
/// `timeout` or `connect_error`. Serializes as [`Self::as_column`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryResult {
    /// The app answered 2xx.
    Delivered,
    /// The app answered this other status.
    Http(u16),
    /// No answer within the attempt's timeout.
    Timeout,
    /// The connection failed (refused, reset, DNS, TLS).
    ConnectError,
}

impl DeliveryResult {
    /// The `result` column's text.
    pub fn as_column(self) -> String {
        match self {
            Self::Delivered => "delivered".to_owned(),
            Self::Http(status) => format!("http_{status}"),
            Self::Timeout => "timeout".to_owned(),
            Self::ConnectError => "connect_error".to_owned(),
        }
    }

    /// The result a column's text names; `None` for text this build does not know.
    pub fn from_column(text: &str) -> Option<Self> {
        match text {
            "delivered" => Some(Self::Delivered),
            "timeout" => Some(Self::Timeout),
            "connect_error" => Some(Self::ConnectError),
            other => other.strip_prefix("http_")?.parse().ok().map(Self::Http),
        }
    }
}

impl Serialize for DeliveryResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_column())
    }
}

/// Where an event's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or with no app URL configured, for one to be set).
    Pending,
    /// The app answered 2xx.
    Delivered,
    /// Every attempt failed; still listed, and may be sent again.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// `None` for a status this build does not know.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One delivery attempt of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    /// 1 for the first.
    pub attempt: u32,
    pub attempted_at: Timestamp,
    pub result: DeliveryResult,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_results_read_back_what_they_store() {
        for result in [
            DeliveryResult::Delivered,
            DeliveryResult::Http(500),
            DeliveryResult::Http(404),
            DeliveryResult::Timeout,
            DeliveryResult::ConnectError,
        ] {
            assert_eq!(DeliveryResult::from_column(&result.as_column()), Some(result));
        }
        assert_eq!(DeliveryResult::from_column("http_x"), None);
        assert_eq!(DeliveryResult::from_column("lost"), None);
    }
}
