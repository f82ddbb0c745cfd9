//! PortOne's `customData`: a free string on every payment (`BillingKeyPaymentInput.customData`,
//! `Payment.customData`). This service writes `{"planId": "…"}` on each charge it makes, so the
//! month a charge pays records its plan whichever way it is recorded (webhook, checkout or
//! reconciliation).

use serde::{Deserialize, Serialize};

use crate::domain::plan::PlanId;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomData {
    plan_id: Option<String>,
}

/// `customData` for a charge on `plan`; `None` when there is no plan to name.
pub(in crate::adapters::portone) fn write(plan: Option<&PlanId>) -> Option<String> {
    let plan = plan?;
    serde_json::to_string(&CustomData {
        plan_id: Some(plan.as_str().to_owned()),
    })
    .ok()
}

/// The plan `customData` names; `None` for anything else (payments made elsewhere put whatever
/// they like there).
pub(in crate::adapters::portone) fn plan(custom_data: Option<&str>) -> Option<PlanId> {
    let data: CustomData = serde_json::from_str(custom_data?).ok()?;
    PlanId::parse(data.plan_id?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_plan_and_ignores_foreign_data() {
        let pro = PlanId::parse("pro_monthly").unwrap();
        let written = write(Some(&pro)).unwrap();
        assert_eq!(written, r#"{"planId":"pro_monthly"}"#);
        assert_eq!(plan(Some(&written)), Some(pro));
        for foreign in [
            "",
            "not json",
            "{}",
            r#"{"planId": 3}"#,
            r#"{"planId": "a b"}"#,
            "[1]",
        ] {
            assert_eq!(plan(Some(foreign)), None, "{foreign}");
        }
        assert_eq!(plan(None), None);
        assert_eq!(write(None), None);
    }
}
