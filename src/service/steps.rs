//! Running a flow step by step: each step is recorded in the checklist as it ends, and the first
//! step that fails stops the flow, with every later step recorded as skipped. Flows are written
//! as straight sequences of `steps.call(...).await?`.

use std::fmt::Display;
use std::future::Future;

use futures_util::FutureExt;

use serde_json::Value;
use tokio::time::Instant;

use crate::domain::checklist::{Checklist, Step, StepStatus};

use super::deadline::{within_deadline, DeadlinePassed};
pub use super::failure::Failure;
use super::outcome::{EventKind, WebhookOutcome};
use super::verdict::Verdict;

/// A flow stopped at a failed step, answered as its verdict; the steps after it are skipped.
#[derive(Debug)]
pub struct Halt(Verdict);

/// The checklist of one webhook while its flow runs, and the deadline its upstream calls share.
#[derive(Debug)]
pub struct Steps {
    checklist: Checklist,
    deadline: Instant,
    event: EventKind,
}

impl Steps {
    pub fn new(flow: &'static [Step], deadline: Instant) -> Self {
        Self {
            checklist: Checklist::new(flow),
            deadline,
            event: EventKind::Unknown,
        }
    }

    /// Says which flow runs, once the event is known (the answer's [`WebhookOutcome::event`]).
    pub fn set_event(&mut self, event: EventKind) {
        self.event = event;
    }

    /// Switches to another flow once the request says which one applies; see
    /// [`Checklist::set_flow`].
    pub fn set_flow(&mut self, flow: &'static [Step]) {
        self.checklist.set_flow(flow);
    }

    /// Records `step` as done.
    pub fn succeed(&mut self, step: Step, message: impl Into<String>, data: Option<Value>) {
        self.checklist.record(step, StepStatus::Success, message, data);
    }

    /// Records `step` as skipped and goes on with the next one.
    pub fn skip(&mut self, step: Step, message: impl Into<String>) {
        self.checklist.record(step, StepStatus::Skipped, message, None);
    }

    /// Records every step not yet recorded as skipped with `message`: the flow ends here, on
    /// purpose and successfully.
    pub fn skip_rest(&mut self, message: &str) {
        self.checklist.skip_remaining(message);
    }

    /// Records `step` as failed; the returned [`Halt`] ends the flow (`return Err(...)`).
    pub fn fail(&mut self, step: Step, failure: Failure) -> Halt {
        self.checklist
            .record(step, StepStatus::Failed, failure.message, failure.data);
        Halt(failure.verdict)
    }

    /// Runs one upstream call of `step` within the webhook's deadline. On error the cause is
    /// logged, `step` is recorded as failed as `describe` says, and the flow halts.
    ///
    /// A combinator rather than an `async fn`, which would keep `call` twice in its future (the
    /// argument and the copy it awaits): every flow's future is as large as its largest step.
    pub fn call<'s, T, E, F, D>(
        &'s mut self,
        step: Step,
        call: F,
        describe: D,
    ) -> impl Future<Output = Result<T, Halt>> + 's
    where
        T: 's,
        E: DeadlinePassed + Display + 's,
        F: Future<Output = Result<T, E>> + 's,
        D: FnOnce(&E) -> Failure + 's,
    {
        within_deadline(self.deadline, call).map(move |answer| {
            answer.map_err(|error| {
                tracing::error!(step = step.code, %error, "step failed");
                self.fail(step, describe(&error))
            })
        })
    }

    /// Runs `call` within the webhook's deadline and hands back its result, recording nothing:
    /// for a step that decides itself what an error means.
    pub fn within<T, E: DeadlinePassed>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> impl Future<Output = Result<T, E>> {
        within_deadline(self.deadline, call)
    }

    /// The answer: every step recorded, the verdict from how the flow ended.
    pub fn finish(self, result: Result<(), Halt>) -> WebhookOutcome {
        match result {
            Ok(()) => WebhookOutcome::finished(self.checklist, self.event),
            Err(Halt(verdict)) => WebhookOutcome::stopped(self.checklist, verdict, self.event),
        }
    }
}
