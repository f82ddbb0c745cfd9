//! One customer request while it runs (a start, a card update): its checklist, and why it was
//! refused when it was. Shared by both, so a refusal is recorded and answered the same way.

use serde_json::Value;
use tokio::time::Instant;

use crate::domain::answer::{Answer, Ending};
use crate::domain::checklist::{ChecklistItem, Step, StepStatus};

use super::failure::Failure;
use super::steps::{Halt, Steps};
use super::verdict::Verdict;

/// Why a request stopped before it changed anything: how it ended and a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub ending: Ending,
    pub code: String,
}

/// A request's steps and its refusal, if any.
#[derive(Debug)]
pub struct Run {
    pub steps: Steps,
    pub refusal: Option<Refusal>,
}

/// How a run ended, read once: the checklist, the refusal, and the failed step's message.
#[derive(Debug)]
pub struct Finished<T> {
    /// What the flow returned when it ran to its end.
    pub done: Option<T>,
    /// Every step succeeded or was skipped on purpose (a flow may run to its end past a step
    /// that failed on purpose: a card update whose new card was declined).
    pub all_succeeded: bool,
    pub checklist: Vec<ChecklistItem>,
    pub refusal: Option<Refusal>,
    /// The message of the step that failed; empty when none did.
    pub failed_message: String,
}

impl Run {
    pub fn new(flow: &'static [Step], deadline: Instant) -> Self {
        Self {
            steps: Steps::new(flow, deadline),
            refusal: None,
        }
    }

    /// Records `step` as failed because the request cannot be served as it is (not because
    /// something upstream failed), answered as `ending` with `code`.
    pub fn refuse(
        &mut self,
        step: Step,
        ending: Ending,
        code: &str,
        message: String,
        data: Option<Value>,
    ) -> Halt {
        self.refusal = Some(Refusal {
            ending,
            code: code.to_owned(),
        });
        let failure = Failure {
            message,
            data,
            verdict: Verdict::BadRequest,
        };
        self.steps.fail(step, failure)
    }

    /// Ends the run with the flow's `result`.
    pub fn finish<T>(self, result: Result<T, Halt>) -> Finished<T> {
        let (done, result) = match result {
            Ok(done) => (Some(done), Ok(())),
            Err(halt) => (None, Err(halt)),
        };
        let outcome = self.steps.finish(result);
        let all_succeeded = outcome.verdict == Verdict::Done;
        let checklist = outcome.checklist.into_items();
        let failed_message = checklist
            .iter()
            .find(|item| item.status == StepStatus::Failed)
            .map(|item| item.message.clone())
            .unwrap_or_default();
        Finished {
            done,
            all_succeeded,
            checklist,
            refusal: self.refusal,
            failed_message,
        }
    }
}

impl<T> Finished<T> {
    /// The answer of a run that was refused, or that failed upstream (no `done`): `None` when
    /// the flow ran to its end, for the caller to answer its success.
    pub fn unfinished(&mut self) -> Option<Answer> {
        let (ending, code) = match (&self.refusal, &self.done) {
            (Some(refusal), _) => (refusal.ending, refusal.code.clone()),
            (None, Some(_)) => return None,
            (None, None) => (Ending::UpstreamFailed, "UPSTREAM_FAILED".to_owned()),
        };
        Some(Answer {
            checklist: std::mem::take(&mut self.checklist),
            ..Answer::refused(ending, &code, self.failed_message.clone())
        })
    }
}
