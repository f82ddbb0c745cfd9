//! PortOne's `customData`: a free string on every payment (`BillingKeyPaymentInput.customData`,
//! `Payment.customData`). This service writes `{"planId": "…"}` on each charge it makes, with
//! `"quantity"` when it buys more than one seat and `"kind": "proration"` on an upgrade's
//! prorated charge, so whichever way a payment is recorded (webhook, checkout or reconciliation)
//! its month records its plan and seats, and a proration never becomes a month.

use serde::{Deserialize, Serialize};

use crate::domain::amount::Amount;
use crate::domain::charge_kind::ChargeKind;
use crate::domain::plan::PlanId;
use crate::domain::quantity::Quantity;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomData {
    plan_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list_amount: Option<i64>,
}

/// What `customData` says of a charge this service made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::adapters::portone) struct Tag {
    pub plan_id: Option<PlanId>,
    pub quantity: Quantity,
    pub kind: ChargeKind,
    pub list_amount: Option<Amount>,
}

/// `customData` for a charge on `plan` of `quantity` seats; `None` when there is nothing to say
/// (no plan, one seat, a period).
pub(in crate::adapters::portone) fn write(tag: &Tag) -> Option<String> {
    if *tag == Tag::default() {
        return None;
    }
    serde_json::to_string(&CustomData {
        plan_id: tag.plan_id.as_ref().map(|plan| plan.as_str().to_owned()),
        quantity: (tag.quantity != Quantity::ONE).then(|| i64::from(tag.quantity.get())),
        kind: (tag.kind != ChargeKind::Period).then(|| tag.kind.as_str().to_owned()),
        list_amount: tag.list_amount.map(Amount::value),
    })
    .ok()
}

/// What `customData` names; the default (no plan, one seat, a period) for anything else
/// (payments made elsewhere put whatever they like there).
pub(in crate::adapters::portone) fn read(custom_data: Option<&str>) -> Tag {
    let Some(data) = custom_data.and_then(|data| serde_json::from_str::<CustomData>(data).ok()) else {
        return Tag::default();
    };
    Tag {
        plan_id: data.plan_id.and_then(|plan| PlanId::parse(plan).ok()),
        quantity: data
            .quantity
            .and_then(|q| Quantity::new(q).ok())
            .unwrap_or_default(),
        kind: match data.kind.as_deref() {
            Some("proration") => ChargeKind::Proration,
            _ => ChargeKind::Period,
        },
        list_amount: data.list_amount.and_then(|amount| Amount::new(amount).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_a_plan_and_ignores_foreign_data() {
        let pro = PlanId::parse("pro_monthly").unwrap();
        let tag = Tag {
            plan_id: Some(pro.clone()),
            ..Tag::default()
        };
        let written = write(&tag).unwrap();
        assert_eq!(written, r#"{"planId":"pro_monthly"}"#);
        assert_eq!(read(Some(&written)).plan_id, Some(pro));
        for foreign in [
            "",
            "not json",
            "{}",
            r#"{"planId": 3}"#,
            r#"{"planId": "a b"}"#,
            "[1]",
        ] {
            assert_eq!(read(Some(foreign)).plan_id, None, "{foreign}");
        }
        assert_eq!(read(None), Tag::default());
        assert_eq!(write(&Tag::default()), None);
    }

    #[test]
    fn round_trips_seats_and_a_proration() {
        let team = PlanId::parse("team").unwrap();
        let five = Quantity::new(5).unwrap();
        let tag = Tag {
            plan_id: Some(team),
            quantity: five,
            kind: ChargeKind::Proration,
            list_amount: Amount::new(199_000).ok(),
        };
        let written = write(&tag).unwrap();
        assert_eq!(
            written,
            r#"{"planId":"team","quantity":5,"kind":"proration","listAmount":199000}"#
        );
        assert_eq!(read(Some(&written)), tag);
        // A quantity out of range is one seat; an unknown kind is a period.
        let odd = read(Some(r#"{"planId":"team","quantity":0,"kind":"gift"}"#));
        assert_eq!((odd.quantity, odd.kind), (Quantity::ONE, ChargeKind::Period));
    }
}
