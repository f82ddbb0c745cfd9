//! What a month's next charge is charged: the plan change's terms where one was made, else the
//! month's own, priced with the month's next discount ([`super::record::PaymentRecord::next_charge_terms`]).

use super::amount::Amount;
use super::currency::Currency;
use super::discount::Discount;
use super::plan::PlanId;
use super::quantity::Quantity;

/// What the next charge of a month's renewal is charged: the plan change's terms where one was
/// made, else the month's own. `order_name` and `currency` are `None` only on rows recorded
/// before they were kept; the payment that paid the month has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeTerms {
    /// In the currency's unit (KRW: won).
    pub amount: Amount,
    pub order_name: Option<String>,
    pub currency: Option<Currency>,
    /// The plan the charge is on (sent as PortOne `customData`, recorded with the month it pays).
    pub plan_id: Option<PlanId>,
    /// The seats the charge buys (sent in `customData` with the plan).
    pub quantity: Quantity,
    /// The undiscounted price (plan × quantity) when a discount takes something off.
    pub list_amount: Option<Amount>,
    /// The discount `amount` got, sent with the charge so the month it pays carries the rest.
    pub discount: Option<Discount>,
}

impl ChargeTerms {
    /// The price before any discount (plan × quantity): what a change of terms is compared by.
    pub fn list(&self) -> Amount {
        self.list_amount.unwrap_or(self.amount)
    }
}
