//! A paid period as one line of the billing history, as `subscription.created` and
//! `subscription.renewed` carry it (`data.line`) and as the SQL function `history_line` writes
//! it: what was charged, before and after the discount, and its VAT split.

use serde_json::{json, Value};

use super::amount::Amount;
use super::record::PaymentRecord;
use super::vat::VatSplit;

/// A month's list price (`amount + discount_amount`) and the coupon that took something off it
/// (`None` when nothing was): the discount columns of its history line, here and in the API.
pub fn list_and_coupon(month: &PaymentRecord) -> (Amount, Option<&str>) {
    let list = Amount::new(month.amount.value() + month.discount_amount.value()).unwrap_or_default();
    let coupon = month
        .discount
        .as_ref()
        .filter(|_| month.discount_amount > Amount::default())
        .map(|d| d.coupon_id.as_str());
    (list, coupon)
}

/// `{kind: "period", payment_id, number, amount, list_amount, discount_amount, coupon_id,
/// supply_amount, vat, currency, plan_id, quantity, receipt_url}` of `month`; amounts in the
/// currency's unit, the VAT split only for KRW (`null` otherwise).
pub fn history_line(month: &PaymentRecord) -> Value {
    let split = month
        .currency
        .as_ref()
        .and_then(|currency| VatSplit::of_charge(month.amount, currency));
    let (list_amount, coupon_id) = list_and_coupon(month);
    json!({
        "kind": "period",
        "payment_id": month.transaction_key,
        "number": month.billing_number,
        "amount": month.amount,
        "list_amount": list_amount,
        "discount_amount": month.discount_amount,
        "coupon_id": coupon_id,
        "supply_amount": split.map(|s| s.supply_amount),
        "vat": split.map(|s| s.vat),
        "currency": month.currency,
        "plan_id": month.plan_id,
        "quantity": month.quantity,
        "receipt_url": month.receipt_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discount::{Discount, Off};

    #[test]
    fn a_discounted_period_shows_its_list_price_discount_and_vat() {
        let mut month = crate::domain::record::testing::paid_month("pay_1");
        month.amount = Amount::new(4_950).unwrap();
        month.discount_amount = Amount::new(4_950).unwrap();
        month.discount = Some(Discount {
            coupon_id: "LAUNCH50".into(),
            off: Off::Percent { percent_off: 50 },
            periods_left: Some(3),
        });
        let line = history_line(&month);
        assert_eq!(
            (
                &line["amount"],
                &line["list_amount"],
                &line["discount_amount"],
                &line["coupon_id"]
            ),
            (&json!(4_950), &json!(9_900), &json!(4_950), &json!("LAUNCH50"))
        );
        assert_eq!(
            (&line["supply_amount"], &line["vat"]),
            (&json!(4_500), &json!(450))
        );
        month.discount_amount = Amount::default();
        assert_eq!(history_line(&month)["coupon_id"], Value::Null);
    }
}
