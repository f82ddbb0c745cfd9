//! What a reconciliation pass did: counts, and one line per action, with payment ids. Printed as
//! JSON by the CLI, answered by the admin endpoint, logged either way.

use serde::Serialize;

use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;

/// What a pass looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Checked {
    /// Open renewals whose charge was due more than the margin ago.
    pub due_renewals: u64,
    /// Open renewals whose charge is still ahead.
    pub upcoming_renewals: u64,
    /// `SCHEDULED` schedules PortOne listed.
    pub portone_schedules: u64,
}

/// Which kind of gap an action is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A renewal whose charge was due, with nothing recorded for it.
    DueRenewal,
    /// A renewal ahead whose schedule PortOne does not hold.
    MissingSchedule,
    /// A live schedule of a stopped (cancelled, refunded or lapsed) subscription.
    OrphanSchedule,
}

impl ActionKind {
    /// Every kind, for exporting their series at zero.
    pub const ALL: [Self; 3] = [Self::DueRenewal, Self::MissingSchedule, Self::OrphanSchedule];

    /// As serialized: `due_renewal`, `missing_schedule`, `orphan_schedule`.
    pub fn label(self) -> &'static str {
        match self {
            Self::DueRenewal => "due_renewal",
            Self::MissingSchedule => "missing_schedule",
            Self::OrphanSchedule => "orphan_schedule",
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Recorded, retried or scheduled now.
    Healed,
    /// A dry run: this is what would have been done.
    WouldHeal,
    /// PortOne has not finished with it (a schedule not yet run, a payment pending).
    Waiting,
    /// Seen and left as it is on purpose (an orphan without `--fix-orphans`, a schedule revoked
    /// at PortOne without a cancel here).
    Reported,
    /// The orphan schedule was revoked.
    Revoked,
    /// PortOne or storage failed; the next pass tries again.
    Failed,
    /// Cannot be healed any more: its grace has passed.
    Unhealable,
}

impl Outcome {
    /// Every outcome, for exporting their series at zero.
    pub const ALL: [Self; 7] = [
        Self::Healed,
        Self::WouldHeal,
        Self::Waiting,
        Self::Reported,
        Self::Revoked,
        Self::Failed,
        Self::Unhealable,
    ];

    /// As serialized: `healed`, `would_heal`, `waiting`, `reported`, `revoked`, `failed`,
    /// `unhealable`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Healed => "healed",
            Self::WouldHeal => "would_heal",
            Self::Waiting => "waiting",
            Self::Reported => "reported",
            Self::Revoked => "revoked",
            Self::Failed => "failed",
            Self::Unhealable => "unhealable",
        }
    }
}

/// One thing a pass found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub outcome: Outcome,
    /// The month concerned, when one is.
    pub transaction_key: Option<PaymentId>,
    /// The PortOne `paymentId` concerned.
    pub payment_id: String,
    /// What happened, in English, for operators.
    pub detail: String,
}

impl Action {
    /// A read that failed: the step it belongs to does not go on.
    pub(super) fn failed_read(kind: ActionKind, error: &str) -> Self {
        Self::stopped(kind, format!("reading failed: {error}"))
    }

    /// A step that stopped early, and why: the rest of it is left to the next pass.
    pub(super) fn stopped(kind: ActionKind, why: String) -> Self {
        Self {
            kind,
            outcome: Outcome::Failed,
            transaction_key: None,
            payment_id: String::new(),
            detail: why,
        }
    }
}

/// The report of one pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub dry_run: bool,
    pub fix_orphans: bool,
    /// Set when the pass did nothing because another pass holds the lease.
    pub skipped: Option<String>,
    pub checked: Checked,
    /// Actions that healed a gap (or would have, in a dry run).
    pub healed: u64,
    /// Actions left for later or reported: waiting on PortOne, orphans reported.
    pub left: u64,
    /// Actions that could not be done: PortOne or storage failed, or the grace passed.
    pub failed: u64,
    /// Every action, in the order the pass finished them.
    pub actions: Vec<Action>,
}

impl ReconcileReport {
    pub(super) fn new(started_at: Timestamp, dry_run: bool, fix_orphans: bool) -> Self {
        Self {
            started_at,
            finished_at: started_at,
            dry_run,
            fix_orphans,
            skipped: None,
            checked: Checked::default(),
            healed: 0,
            left: 0,
            failed: 0,
            actions: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, action: Action) {
        match action.outcome {
            Outcome::Healed | Outcome::WouldHeal | Outcome::Revoked => self.healed += 1,
            Outcome::Waiting | Outcome::Reported => self.left += 1,
            Outcome::Failed | Outcome::Unhealable => self.failed += 1,
        }
        self.actions.push(action);
    }

    /// `true` when nothing failed: the CLI exits 0 (waiting items and reported orphans are not
    /// failures), else non-zero.
    pub fn succeeded(&self) -> bool {
        self.failed == 0
    }

    /// How the pass ended, as the endpoint answers it and the metrics count it.
    pub fn result(&self) -> PassResult {
        if self.skipped.is_some() && self.failed == 0 {
            PassResult::Skipped
        } else if self.succeeded() {
            PassResult::Succeeded
        } else {
            PassResult::Failed
        }
    }
}

/// How a pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassResult {
    /// It ran and nothing failed.
    Succeeded,
    /// Something could not be done (or the lease could not even be claimed).
    Failed,
    /// Another pass held the lease: nothing was done.
    Skipped,
}

impl PassResult {
    /// Every result, for exporting their series at zero.
    pub const ALL: [Self; 3] = [Self::Succeeded, Self::Failed, Self::Skipped];

    /// `succeeded`, `failed` or `skipped`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}
