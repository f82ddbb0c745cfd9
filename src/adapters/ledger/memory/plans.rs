//! [`PlanLedger`] in memory, as `plans`, `plan_by_id`, `upsert_plan` and `archive_plan` behave.

use super::InMemoryLedger;
use crate::domain::plan::{Plan, PlanId, PlanTerms};
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, PlanLedger, PlanStored};

impl PlanLedger for InMemoryLedger {
    async fn plans(&self) -> Result<Vec<Plan>, LedgerError> {
        let mut plans: Vec<Plan> = self.lock().plans.values().cloned().collect();
        plans.sort_by(|a, b| (a.terms.sort_order, &a.terms.id).cmp(&(b.terms.sort_order, &b.terms.id)));
        Ok(plans)
    }

    async fn plan(&self, id: &PlanId) -> Result<Option<Plan>, LedgerError> {
        Ok(self.lock().plans.get(id).cloned())
    }

    async fn upsert_plan(&self, terms: &PlanTerms, at: Timestamp) -> Result<PlanStored, LedgerError> {
        let mut tables = self.lock();
        let created = !tables.plans.contains_key(&terms.id);
        let plan = tables.plans.entry(terms.id.clone()).or_insert_with(|| Plan {
            terms: terms.clone(),
            active: true,
            created_at: at,
            updated_at: at,
        });
        if plan.terms != *terms {
            plan.terms = terms.clone();
            plan.updated_at = at;
        }
        Ok(PlanStored {
            plan: plan.clone(),
            created,
        })
    }

    async fn archive_plan(&self, id: &PlanId, at: Timestamp) -> Result<Option<Plan>, LedgerError> {
        Ok(self.lock().plans.get_mut(id).map(|plan| {
            if plan.active {
                plan.active = false;
                plan.updated_at = at;
            }
            plan.clone()
        }))
    }
}
