//! What a webhook came to: the checklist and how the HTTP layer should answer.

use crate::domain::checklist::{Checklist, Step, StepStatus, PAID_FLOW};

use super::messages;
pub use super::verdict::Verdict;

/// Which flow a webhook ran, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Paid,
    Cancelled,
    Failed,
    /// A partial refund.
    PartiallyCancelled,
    /// A type or status this service acknowledges without processing.
    Unhandled,
    /// Refused before the event was read: a bad signature, body or size, or overload.
    Unknown,
}

impl EventKind {
    /// The flows a webhook can run (not `Unknown`, which never succeeds).
    pub const PROCESSED: [Self; 5] = [
        Self::Paid,
        Self::Cancelled,
        Self::Failed,
        Self::PartiallyCancelled,
        Self::Unhandled,
    ];

    /// `paid`, `cancelled`, `failed`, `partially_cancelled`, `unhandled` or `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::PartiallyCancelled => "partially_cancelled",
            Self::Unhandled => "unhandled",
            Self::Unknown => "unknown",
        }
    }
}

/// The answer to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookOutcome {
    pub verdict: Verdict,
    pub checklist: Checklist,
    /// The flow that ran.
    pub event: EventKind,
}

impl WebhookOutcome {
    /// All steps ran (or were skipped on purpose).
    pub(super) fn finished(checklist: Checklist, event: EventKind) -> Self {
        let verdict = if checklist.succeeded() {
            Verdict::Done
        } else {
            Verdict::UpstreamFailed
        };
        Self {
            verdict,
            checklist,
            event,
        }
    }

    /// A step failed: the rest are skipped, and the answer is `verdict`.
    pub(super) fn stopped(mut checklist: Checklist, verdict: Verdict, event: EventKind) -> Self {
        checklist.skip_remaining(messages::SKIPPED_AFTER_FAILURE);
        Self {
            verdict,
            checklist,
            event,
        }
    }

    /// `success` when every step succeeded or was skipped on purpose, else the code of the step
    /// that failed (a metrics label: one of the checklist's fixed codes).
    pub fn outcome_code(&self) -> &'static str {
        self.checklist
            .items()
            .iter()
            .find(|item| item.status == StepStatus::Failed)
            .map_or("success", |item| item.code)
    }

    /// A body larger than `limit_bytes`, refused before it was read whole: step 1 `failed`.
    pub fn too_large(limit_bytes: usize) -> Self {
        Self::refused(messages::too_large(limit_bytes), Verdict::PayloadTooLarge)
    }

    /// Refused before reading because too many webhooks are in flight: step 1 `failed`.
    pub fn overloaded() -> Self {
        Self::refused(messages::OVERLOADED.to_owned(), Verdict::Overloaded)
    }

    fn refused(message: String, verdict: Verdict) -> Self {
        let mut checklist = Checklist::new(&PAID_FLOW);
        checklist.record(Step::PARSE_REQUEST, StepStatus::Failed, message, None);
        Self::stopped(checklist, verdict, EventKind::Unknown)
    }
}
