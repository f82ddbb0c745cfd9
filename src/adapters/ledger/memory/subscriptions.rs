//! Whole subscriptions out of the in-memory tables, as `subscription_months` and
//! `customer_subscription_months` answer them.

use crate::ports::SubscriptionRows;

use super::Tables;

impl Tables {
    /// The subscription `key` names: its `subscription_id`, or any month's `transaction_key`.
    pub(super) fn subscription(&self, key: &str) -> Option<SubscriptionRows> {
        let id = self
            .payments
            .values()
            .find(|row| row.subscription_id.as_deref() == Some(key) || row.transaction_key == key)?
            .subscription_id
            .clone()?;
        Some(self.rows_of(&id))
    }

    /// Every subscription with a month of `customer_id`, newest first.
    pub(super) fn customer_subscriptions(&self, customer_id: &str) -> Vec<SubscriptionRows> {
        let mut ids: Vec<String> = self
            .payments
            .values()
            .filter(|row| row.customer_id.as_deref() == Some(customer_id))
            .filter_map(|row| row.subscription_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let mut subscriptions: Vec<SubscriptionRows> = ids.iter().map(|id| self.rows_of(id)).collect();
        subscriptions.sort_by(|a, b| b.months[0].start_at.cmp(&a.months[0].start_at));
        subscriptions
    }

    /// The months of subscription `id`, newest first, and their renewals' attempts.
    fn rows_of(&self, id: &str) -> SubscriptionRows {
        let mut months: Vec<_> = self
            .payments
            .values()
            .filter(|row| row.subscription_id.as_deref() == Some(id))
            .cloned()
            .collect();
        months.sort_by(|a, b| {
            b.start_at
                .cmp(&a.start_at)
                .then_with(|| b.transaction_key.cmp(&a.transaction_key))
        });
        let attempts = self
            .attempts
            .iter()
            .filter(|a| months.iter().any(|m| m.transaction_key == a.renewed_key))
            .cloned()
            .collect();
        SubscriptionRows { months, attempts }
    }
}
