//! [`SubscriptionLedger`] over the SQL functions: `subscription_months` and
//! `customer_subscription_months` (each row a month with its renewal's attempts),
//! `set_next_terms` and `set_subscription_state`, and the subscription's payment method:
//! `payment_method_of` and `set_payment_method`.

use serde_json::json;

use super::{method, row, SqlLedger};
use crate::adapters::ledger::args::{text, time, Arg};
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::proration_record::ChangeNote;
use crate::domain::record::NextTerms;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, SubscriptionLedger, SubscriptionRows};

impl SubscriptionLedger for SqlLedger {
    async fn subscription(&self, key: &SubscriptionId) -> Result<Option<SubscriptionRows>, LedgerError> {
        let rows = self
            .call_rows("subscription_months", vec![("p_key", text(key))])
            .await?;
        Ok(group(row::parse_all(rows)?).into_iter().next())
    }

    async fn customer_subscriptions(
        &self,
        customer_id: &CustomerId,
    ) -> Result<Vec<SubscriptionRows>, LedgerError> {
        let args = vec![("p_customer_id", text(customer_id))];
        let rows = self.call_rows("customer_subscription_months", args).await?;
        let mut subscriptions = group(row::parse_all(rows)?);
        // Newest subscription first, by its latest month.
        subscriptions.sort_by(|a, b| b.months[0].start_at.cmp(&a.months[0].start_at));
        Ok(subscriptions)
    }

    async fn set_next_terms(
        &self,
        transaction_key: &PaymentId,
        terms: &NextTerms,
        change: Option<&ChangeNote>,
        at: Timestamp,
    ) -> LedgerResult {
        // The change rides along in `p_terms`; the function writes it to the event only.
        let mut terms = json!(terms);
        if let Some(change) = change {
            terms["change"] = json!(change);
        }
        let args = vec![
            ("p_transaction_key", text(transaction_key)),
            ("p_terms", Arg::Json(terms)),
            ("p_at", time(Some(at))),
        ];
        self.record("set_next_terms", args).await
    }

    async fn payment_method(
        &self,
        subscription_id: &SubscriptionId,
    ) -> Result<Option<PaymentMethod>, LedgerError> {
        let args = vec![("p_subscription_id", text(subscription_id))];
        let rows = self.call_rows("payment_method_of", args).await?;
        rows.into_iter().next().map(method::parse).transpose()
    }

    async fn keep_payment_method(&self, method: &PaymentMethod) -> Result<PaymentMethod, LedgerError> {
        const FUNCTION: &str = "keep_payment_method";
        let args = vec![("p_method", Arg::Json(method::columns(method)))];
        let row = self.call_rows(FUNCTION, args).await?.into_iter().next();
        method::parse(row.ok_or_else(|| super::missing(FUNCTION, "row"))?)
    }

    async fn set_payment_method(&self, method: &PaymentMethod) -> Result<PaymentMethod, LedgerError> {
        const FUNCTION: &str = "set_payment_method";
        let args = vec![("p_method", Arg::Json(method::columns(method)))];
        let row = self.call_rows(FUNCTION, args).await?.into_iter().next();
        method::parse(row.ok_or_else(|| super::missing(FUNCTION, "row"))?)
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
