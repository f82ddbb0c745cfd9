//! A plan as the API shows it and as `PUT /api/plans/{plan_id}` takes it.

use poem_openapi::Object;
use serde_json::Value;

use super::nullable::Nullable;
use super::text::Text;
use crate::domain::interval::{BillingInterval, IntervalError};
use crate::domain::plan::Plan;

/// A plan, as the `plan` table's columns.
#[derive(Debug, Object)]
pub struct PlanModel {
    pub id: String,
    /// PortOne's `orderName` of every charge on the plan.
    pub name: String,
    /// Per period, in the currency's unit (KRW: won).
    pub amount: i64,
    pub currency: String,
    /// Days before the first charge; 0 for none. Only a customer's first subscription gets it.
    pub trial_days: u32,
    /// `false` once archived: no new subscription starts on it.
    pub active: bool,
    /// Free-form JSON object for the app (limits, flags).
    pub features: Value,
    pub sort_order: i32,
    /// `day`, `week`, `month` or `year`; `null`: periods of 30 days (the route spec's rule).
    pub interval: Nullable<String>,
    /// How many `interval`s one period lasts; `null` with `interval`.
    pub interval_count: Nullable<u32>,
    /// UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl From<Plan> for PlanModel {
    fn from(plan: Plan) -> Self {
        let terms = plan.terms;
        Self {
            id: terms.id.to_string(),
            name: terms.name,
            amount: terms.amount.value(),
            currency: terms.currency.to_string(),
            trial_days: terms.trial_days,
            active: plan.active,
            features: terms.features,
            sort_order: terms.sort_order,
            interval: terms.interval.map(|i| i.unit().as_str().to_owned()).into(),
            interval_count: terms.interval.map(|i| i.count()).into(),
            created_at: plan.created_at.to_iso(),
            updated_at: plan.updated_at.to_iso(),
        }
    }
}

/// A plan's terms: `PUT` replaces them all (an absent `features` is `{}`, an absent `sort_order`
/// 0, an absent `interval` periods of 30 days).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PlanBody {
    /// Sent as PortOne's `orderName`; Korean is fine.
    pub name: Text,
    /// Per period, in the currency's unit (KRW: won); greater than 0.
    pub amount: i64,
    /// One of PortOne's `Currency` values (`KRW`, `USD`, …).
    pub currency: Text,
    /// 0 or more (at most 365).
    pub trial_days: i64,
    /// A JSON object.
    pub features: Option<Value>,
    pub sort_order: Option<i32>,
    /// `day`, `week`, `month` or `year`; absent: periods of 30 days. Month and year periods are
    /// anchored: they end on the first period's Seoul day and time, clamped to the month's end.
    pub interval: Option<Text>,
    /// 1 or more (default 1), at most one year in all (366 days, 52 weeks, 12 months, 1 year);
    /// only with `interval`.
    pub interval_count: Option<i64>,
}

impl PlanBody {
    /// The interval these terms ask for, or why it is refused (Korean).
    pub(super) fn interval(&self) -> Result<Option<BillingInterval>, String> {
        match (&self.interval, self.interval_count) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err("interval_count는 interval과 함께 보내야 합니다.".to_owned()),
            (Some(unit), count) => BillingInterval::new(unit.as_str(), count.unwrap_or(1))
                .map(Some)
                .map_err(|problem| match problem {
                    IntervalError::Unit => "interval은 day, week, month, year 중 하나여야 합니다.".to_owned(),
                    IntervalError::Count => {
                        "interval_count는 1 이상이고 전체 기간이 1년 이하여야 합니다.".to_owned()
                    }
                }),
        }
    }
}
