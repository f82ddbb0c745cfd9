//! [`PlanLedger`] over the SQL functions `plans`, `plan_by_id`, `upsert_plan` and `archive_plan`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{missing, SqlLedger};
use crate::adapters::ledger::args::{text, time, Arg};
use crate::domain::currency::Currency;
use crate::domain::interval::BillingInterval;
use crate::domain::plan::{Plan, PlanId, PlanTerms};
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, PlanLedger, PlanStored};

/// A `plan` row as `to_jsonb` writes it, with `upsert_plan`'s `inserted`.
#[derive(Debug, Deserialize)]
struct PlanRow {
    id: String,
    name: String,
    amount: i64,
    currency: String,
    trial_days: u32,
    active: bool,
    features: Value,
    sort_order: i32,
    #[serde(default)]
    interval_unit: Option<String>,
    #[serde(default)]
    interval_count: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    inserted: Option<bool>,
}

fn invalid(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidResponse(error.to_string())
}

/// A stored plan. Its terms were checked when written, so only its shape is checked here.
fn plan(value: Value) -> Result<(Plan, Option<bool>), LedgerError> {
    let row: PlanRow = serde_json::from_value(value).map_err(invalid)?;
    let terms = PlanTerms {
        id: PlanId::parse(row.id).map_err(invalid)?,
        name: row.name,
        amount: crate::domain::amount::Amount::new(row.amount).map_err(invalid)?,
        currency: Currency::reported(row.currency),
        trial_days: row.trial_days,
        features: row.features,
        sort_order: row.sort_order,
        interval: match (row.interval_unit.as_deref(), row.interval_count) {
            (Some(unit), Some(count)) => Some(BillingInterval::new(unit, count).map_err(invalid)?),
            _ => None,
        },
    };
    let plan = Plan {
        terms,
        active: row.active,
        created_at: Timestamp::from_utc(row.created_at),
        updated_at: Timestamp::from_utc(row.updated_at),
    };
    Ok((plan, row.inserted))
}

impl SqlLedger {
    async fn plan_rows(
        &self,
        function: &'static str,
        args: crate::adapters::ledger::args::Args,
    ) -> Result<Vec<(Plan, Option<bool>)>, LedgerError> {
        self.call_rows(function, args)
            .await?
            .into_iter()
            .map(plan)
            .collect()
    }
}

impl PlanLedger for SqlLedger {
    async fn plans(&self) -> Result<Vec<Plan>, LedgerError> {
        let rows = self.plan_rows("plans", Vec::new()).await?;
        Ok(rows.into_iter().map(|(plan, _)| plan).collect())
    }

    async fn plan(&self, id: &PlanId) -> Result<Option<Plan>, LedgerError> {
        let rows = self
            .plan_rows("plan_by_id", vec![("p_id", text(id.as_str()))])
            .await?;
        Ok(rows.into_iter().next().map(|(plan, _)| plan))
    }

    async fn upsert_plan(&self, terms: &PlanTerms, at: Timestamp) -> Result<PlanStored, LedgerError> {
        const FUNCTION: &str = "upsert_plan";
        let terms = serde_json::to_value(terms).map_err(invalid)?;
        let args = vec![("p_plan", Arg::Json(terms)), ("p_at", time(Some(at)))];
        let (plan, inserted) = self
            .plan_rows(FUNCTION, args)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| missing(FUNCTION, "row"))?;
        Ok(PlanStored {
            plan,
            created: inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?,
        })
    }

    async fn archive_plan(&self, id: &PlanId, at: Timestamp) -> Result<Option<Plan>, LedgerError> {
        let args = vec![("p_id", text(id.as_str())), ("p_at", time(Some(at)))];
        let rows = self.plan_rows("archive_plan", args).await?;
        Ok(rows.into_iter().next().map(|(plan, _)| plan))
    }
}
