//! How a failed step is reported: a leaf, so the messages that build failures and the steps
//! that record them do not import each other.

use serde_json::Value;

use super::verdict::Verdict;

/// How a failed step is reported: its Korean message, its `data`, and the HTTP verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    pub data: Option<Value>,
    pub verdict: Verdict,
}

impl Failure {
    /// PortOne or storage failed: 500, so PortOne resends the webhook.
    pub fn upstream(message: impl Into<String>, data: Option<Value>) -> Self {
        Self {
            message: message.into(),
            data,
            verdict: Verdict::UpstreamFailed,
        }
    }

    /// The request itself is wrong: 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            data: None,
            verdict: Verdict::BadRequest,
        }
    }
}
