//! [`SubscriptionLedger`] in memory: whole subscriptions out of the tables, as
//! `subscription_months` and `customer_subscription_months` answer them, and the changes
//! `set_next_terms` and `set_subscription_state` make.

use serde_json::json;

use super::events::month_data;
use super::{InMemoryLedger, Tables};
use crate::domain::customer_id::CustomerId;
use crate::domain::event::EventType;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::proration_record::ChangeNote;
use crate::domain::record::NextTerms;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{LedgerError, SubscriptionLedger, SubscriptionRows};

impl SubscriptionLedger for InMemoryLedger {
    async fn subscription(&self, key: &SubscriptionId) -> Result<Option<SubscriptionRows>, LedgerError> {
        Ok(self.lock().subscription(key.as_str()))
    }

    async fn customer_subscriptions(
        &self,
        customer_id: &CustomerId,
    ) -> Result<Vec<SubscriptionRows>, LedgerError> {
        Ok(self.lock().customer_subscriptions(customer_id.as_str()))
    }

    async fn set_next_terms(
        &self,
        transaction_key: &PaymentId,
        terms: &NextTerms,
        change: Option<&ChangeNote>,
        at: Timestamp,
    ) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        row.next_terms = terms.clone();
        let row = row.clone();
        let mut cause = json!({ "next_terms": terms });
        if let Some(change) = change {
            cause["change"] = json!(change);
        }
        tables.emit_change(EventType::PlanChanged, &row, at, cause);
        Ok(Some(row))
    }

    async fn payment_method(
        &self,
        subscription_id: &SubscriptionId,
    ) -> Result<Option<PaymentMethod>, LedgerError> {
        Ok(self.lock().methods.get(subscription_id.as_str()).cloned())
    }

    async fn keep_payment_method(&self, method: &PaymentMethod) -> Result<PaymentMethod, LedgerError> {
        let mut tables = self.lock();
        let stored = tables
            .methods
            .entry(method.subscription_id.clone())
            .or_insert_with(|| method.clone());
        Ok(stored.clone())
    }

    async fn set_payment_method(&self, method: &PaymentMethod) -> Result<PaymentMethod, LedgerError> {
        let mut tables = self.lock();
        let before = tables
            .methods
            .insert(method.subscription_id.clone(), method.clone());
        if before.is_some_and(|before| before.billing_key != method.billing_key) {
            let id = &method.subscription_id;
            let key = tables.next_change_key(id, &format!("payment_method_updated:{id}"));
            let cause = json!({ "payment_method": method.card });
            tables.emit(EventType::PaymentMethodUpdated, id, method.updated_at, cause, key);
        }
        Ok(method.clone())
    }

    async fn set_subscription_state(
        &self,
        transaction_key: &PaymentId,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> LedgerResult {
        let mut tables = self.lock();
        let Some(row) = tables.payments.get_mut(transaction_key) else {
            return Ok(None);
        };
        let before = row.canceled_at;
        row.canceled_at = canceled_at;
        row.resumed_at = resumed_at;
        let row = row.clone();
        match (before, canceled_at) {
            (None, Some(at)) => {
                tables.emit_change(EventType::Canceled, &row, at, month_data(&row));
            }
            (Some(was), None) => {
                let at = resumed_at.unwrap_or(was);
                tables.emit_change(EventType::Resumed, &row, at, month_data(&row));
            }
            _ => {}
        }
        Ok(Some(row))
    }
}

impl Tables {
    /// The subscription `key` names: its `subscription_id`, or any month's `transaction_key`.
    pub(super) fn subscription(&self, key: &str) -> Option<SubscriptionRows> {
        let id = self
            .payments
            .values()
            .find(|row| row.subscription_id.as_deref() == Some(key) || row.transaction_key.as_str() == key)?
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
    pub(super) fn rows_of(&self, id: &str) -> SubscriptionRows {
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
