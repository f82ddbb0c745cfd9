//! `PaymentAmountInput` (`{total, taxFree?, vat?}`), the amount of every charge and schedule this
//! service sends: the total, and for a KRW price its 부가세 ([`VatSplit`]), so the card receipt
//! shows the split the billing history shows.

use serde::Serialize;

use crate::domain::amount::Amount;
use crate::domain::currency::Currency;
use crate::domain::vat::VatSplit;

#[derive(Debug, Serialize)]
pub(in crate::adapters::portone) struct AmountInput {
    total: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    vat: Option<i64>,
}

impl AmountInput {
    pub(in crate::adapters::portone) fn of(amount: Amount, currency: &Currency) -> Self {
        Self {
            total: amount.value(),
            vat: VatSplit::of_charge(amount, currency).map(|split| split.vat.value()),
        }
    }
}
