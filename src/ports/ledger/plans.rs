//! The plan catalog (`public.plan`).

use std::future::Future;

use super::LedgerError;
use crate::domain::plan::{Plan, PlanId, PlanTerms};
use crate::domain::timestamp::Timestamp;

/// What storing a plan's terms did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStored {
    pub plan: Plan,
    /// `true` when the plan did not exist before.
    pub created: bool,
}

/// The merchant's plans. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures, never for a missing plan.
pub trait PlanLedger: Clone + Send + Sync + 'static {
    /// Every plan, archived ones too, by `sort_order` then id.
    fn plans(&self) -> impl Future<Output = Result<Vec<Plan>, LedgerError>> + Send;

    /// The plan `id`, `None` when there is none.
    fn plan(&self, id: &PlanId) -> impl Future<Output = Result<Option<Plan>, LedgerError>> + Send;

    /// Creates the plan or replaces its terms, at `at` (`updated_at` moves only when a term
    /// changed, so the same call twice changes nothing). An archived plan stays archived.
    fn upsert_plan(
        &self,
        terms: &PlanTerms,
        at: Timestamp,
    ) -> impl Future<Output = Result<PlanStored, LedgerError>> + Send;

    /// Archives the plan `id` at `at` (idempotent); `None` when there is no such plan.
    fn archive_plan(
        &self,
        id: &PlanId,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Plan>, LedgerError>> + Send;
}
