//! Reading subscriptions: one with all its months and attempts, or a customer's.

use crate::domain::attempt::FailedAttempt;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::Subscription;
use crate::ports::{Ports, SubscriptionLedger};

use super::{SubscriptionError, SubscriptionService};

/// One subscription in full: its read model, every month newest first, every failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDetail {
    pub subscription: Subscription,
    pub months: Vec<PaymentRecord>,
    pub attempts: Vec<FailedAttempt>,
}

impl<P: Ports> SubscriptionService<P> {
    /// The subscription `key` names (its id, or any month's `transaction_key`), now.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] when nothing matches; `Upstream` when storage fails.
    pub async fn get(&self, key: &str) -> Result<SubscriptionDetail, SubscriptionError> {
        let rows = self.rows(key).await?;
        let subscription =
            Subscription::at(&rows.months, &rows.attempts, self.now()).ok_or(SubscriptionError::NotFound)?;
        Ok(SubscriptionDetail {
            subscription,
            months: rows.months,
            attempts: rows.attempts,
        })
    }

    /// Every subscription of `customer_id` (PortOne's `customer.id`), newest first, now; empty
    /// when the customer has none.
    ///
    /// # Errors
    /// `Upstream` when storage fails.
    pub async fn list(&self, customer_id: &str) -> Result<Vec<Subscription>, SubscriptionError> {
        let now = self.now();
        let all = self.ports.ledger().customer_subscriptions(customer_id).await?;
        Ok(all
            .iter()
            .filter_map(|rows| Subscription::at(&rows.months, &rows.attempts, now))
            .collect())
    }
}
