//! [`SubscriptionLedger`] over the SQL functions: `subscription_months` and
//! `customer_subscription_months` (each row a month with its renewal's attempts),
//! `set_next_terms` and `set_subscription_state`.

use super::{row, SqlLedger};
use crate::adapters::ledger::args::{opt_text, text, time, Arg};
use crate::domain::payment_id::PaymentId;
use crate::domain::record::NextTerms;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, SubscriptionLedger, SubscriptionRows};

impl SubscriptionLedger for SqlLedger {
    async fn subscription(&self, key: &str) -> Result<Option<SubscriptionRows>, LedgerError> {
        let rows = self
            .call_rows("subscription_months", vec![("p_key", text(key))])
            .await?;
        Ok(group(row::parse_all(rows)?).into_iter().next())
    }

    async fn customer_subscriptions(&self, customer_id: &str) -> Result<Vec<SubscriptionRows>, LedgerError> {
        let args = vec![("p_customer_id", text(customer_id))];
        let rows = self.call_rows("customer_subscription_months", args).await?;
        let mut subscriptions = group(row::parse_all(rows)?);
        // Newest subscription first, by its latest month.
        subscriptions.sort_by(|a, b| b.months[0].start_at.cmp(&a.months[0].start_at));
        Ok(subscriptions)
    }

    async fn set_next_terms(&self, transaction_key: &PaymentId, terms: &NextTerms) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            (
                "p_next_amount",
                Arg::OptBigInt(terms.next_amount.map(|a| a.value())),
            ),
            ("p_next_order_name", opt_text(terms.next_order_name.as_ref())),
            (
                "p_next_currency",
                opt_text(terms.next_currency.as_ref().map(|c| c.as_str())),
            ),
        ];
        self.record("set_next_terms", args).await
    }

    async fn set_subscription_state(
        &self,
        transaction_key: &PaymentId,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_canceled_at", time(canceled_at)),
            ("p_resumed_at", time(resumed_at)),
        ];
        self.record("set_subscription_state", args).await
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
