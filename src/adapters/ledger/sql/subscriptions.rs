//! Whole subscriptions: `subscription_months` and `customer_subscription_months`, each row a
//! month with its renewal's attempts.

use super::{row, text, SqlLedger};
use crate::ports::{LedgerError, SubscriptionRows};

impl SqlLedger {
    pub(super) async fn read_subscription(&self, key: &str) -> Result<Option<SubscriptionRows>, LedgerError> {
        let rows = self
            .call_rows("subscription_months", vec![("p_key", text(key))])
            .await?;
        Ok(group(row::parse_all(rows)?).into_iter().next())
    }

    pub(super) async fn read_customer_subscriptions(
        &self,
        customer_id: &str,
    ) -> Result<Vec<SubscriptionRows>, LedgerError> {
        let args = vec![("p_customer_id", text(customer_id))];
        let rows = self.call_rows("customer_subscription_months", args).await?;
        let mut subscriptions = group(row::parse_all(rows)?);
        // Newest subscription first, by its latest month.
        subscriptions.sort_by(|a, b| b.months[0].start_at.cmp(&a.months[0].start_at));
        Ok(subscriptions)
    }
}

/// Rows that come ordered by subscription, newest month first, grouped into subscriptions.
fn group(rows: Vec<row::Parsed>) -> Vec<SubscriptionRows> {
    let mut subscriptions: Vec<SubscriptionRows> = Vec::new();
    for parsed in rows {
        let same = subscriptions
            .last()
            .is_some_and(|s| s.months[0].subscription_id == parsed.record.subscription_id);
        if !same {
            subscriptions.push(SubscriptionRows {
                months: Vec::new(),
                attempts: Vec::new(),
            });
        }
        if let Some(current) = subscriptions.last_mut() {
            current.attempts.extend(parsed.attempts);
            current.months.push(parsed.record);
        }
    }
    subscriptions
}
