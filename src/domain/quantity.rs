//! Seats: how many units of a plan a subscription buys. Each charge is the plan's amount times
//! the quantity (Stripe's `quantity` on a subscription item,
//! <https://docs.stripe.com/billing/subscriptions/quantities>).

use serde::Serialize;

use super::amount::{Amount, MAX_AMOUNT};

/// The most seats one subscription may hold.
pub const MAX_QUANTITY: u32 = 10_000;

/// A validated quantity: 1 to [`MAX_QUANTITY`]. The default is one seat, what every subscription
/// recorded before seats existed holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Quantity(u32);

/// Why a number is not a [`Quantity`] (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("quantity must be between 1 and {MAX_QUANTITY}")]
pub struct QuantityError;

impl Default for Quantity {
    fn default() -> Self {
        Self::ONE
    }
}

impl Quantity {
    /// One seat.
    pub const ONE: Self = Self(1);

    /// # Errors
    /// [`QuantityError`] outside 1 to [`MAX_QUANTITY`].
    pub fn new(value: i64) -> Result<Self, QuantityError> {
        u32::try_from(value)
            .ok()
            .filter(|v| (1..=MAX_QUANTITY).contains(v))
            .map(Self)
            .ok_or(QuantityError)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// `unit × quantity`: a charge's total, in the currency's unit. Never overflows: a unit price
    /// is at most [`MAX_AMOUNT`], so the total stays below 2^53 (exact in JavaScript).
    pub fn total(self, unit: Amount) -> Amount {
        let total = unit.value().min(MAX_AMOUNT) * i64::from(self.0);
        Amount::new(total).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantity_is_one_to_ten_thousand() {
        assert_eq!(Quantity::new(1), Ok(Quantity::ONE));
        assert_eq!(Quantity::new(10_000).map(Quantity::get), Ok(10_000));
        for bad in [0, -1, 10_001, i64::MAX, i64::MIN] {
            assert_eq!(Quantity::new(bad), Err(QuantityError), "{bad}");
        }
        assert_eq!(Quantity::default(), Quantity::ONE);
    }

    #[test]
    fn the_total_is_the_unit_times_the_seats() {
        let unit = Amount::price(9_900).unwrap();
        assert_eq!(Quantity::new(3).unwrap().total(unit).value(), 29_700);
        let most = Amount::price(MAX_AMOUNT).unwrap();
        assert_eq!(
            Quantity::new(10_000).unwrap().total(most).value(),
            100_000_000_000_000
        );
    }
}
