//! The plan catalog for admins: list, create or replace, archive. Times are the clock's.

use std::sync::Arc;

use crate::domain::plan::{Plan, PlanId, PlanTerms};
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, PlanLedger, PlanStored, Ports};

use super::subscriptions::UpstreamFailure;

/// Reads and writes plans.
pub struct PlanCatalog<P> {
    ports: Arc<P>,
}

impl<P: Ports> PlanCatalog<P> {
    pub fn new(ports: Arc<P>) -> Self {
        Self { ports }
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_utc(self.ports.clock().now())
    }

    /// Every plan, archived ones too, by `sort_order` then id.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn list(&self) -> Result<Vec<Plan>, UpstreamFailure> {
        Ok(self.ports.ledger().plans().await?)
    }

    /// Creates the plan or replaces its terms; the same terms twice change nothing. Running
    /// subscriptions keep the terms they started with.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn put(&self, terms: &PlanTerms) -> Result<PlanStored, UpstreamFailure> {
        let stored = self.ports.ledger().upsert_plan(terms, self.now()).await?;
        tracing::info!(plan_id = %terms.id, created = stored.created, "plan stored");
        Ok(stored)
    }

    /// Archives the plan: no new subscription starts on it. `None` when there is no such plan.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when storage fails.
    pub async fn archive(&self, id: &PlanId) -> Result<Option<Plan>, UpstreamFailure> {
        Ok(self.ports.ledger().archive_plan(id, self.now()).await?)
    }
}
