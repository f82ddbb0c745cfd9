//! Whole subscriptions: the read model's rows, and the changes their owner makes.

use std::future::Future;

use super::{LedgerError, LedgerResult, SubscriptionRows};
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::proration_record::ChangeNote;
use crate::domain::record::NextTerms;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;

/// Subscriptions as chains of months. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures, never for a missing row.
pub trait SubscriptionLedger: Clone + Send + Sync + 'static {
    /// The subscription `key` names (its `subscription_id`, or any month's `transaction_key`):
    /// every month, newest first, with their renewals' failed attempts; `None` when nothing
    /// matches.
    fn subscription(
        &self,
        key: &SubscriptionId,
    ) -> impl Future<Output = Result<Option<SubscriptionRows>, LedgerError>> + Send;

    /// Every subscription with a month of `customer_id`, newest subscription first.
    fn customer_subscriptions(
        &self,
        customer_id: &CustomerId,
    ) -> impl Future<Output = Result<Vec<SubscriptionRows>, LedgerError>> + Send;

    /// Sets the month's next-charge terms (a plan change) as given, and writes
    /// `subscription.plan_changed` at `at` with `change` as its `data.change` when given.
    fn set_next_terms(
        &self,
        transaction_key: &PaymentId,
        terms: &NextTerms,
        change: Option<&ChangeNote>,
        at: Timestamp,
    ) -> impl Future<Output = LedgerResult> + Send;

    /// The billing key (and card) the subscription `subscription_id`'s next charges use, when
    /// one is stored (a trial's, a card update's).
    fn payment_method(
        &self,
        subscription_id: &SubscriptionId,
    ) -> impl Future<Output = Result<Option<PaymentMethod>, LedgerError>> + Send;

    /// Stores `method` as its subscription's payment method unless one is stored already, and
    /// returns the stored one: a card summary read from PortOne is kept without ever overwriting
    /// a card update's.
    fn keep_payment_method(
        &self,
        method: &PaymentMethod,
    ) -> impl Future<Output = Result<PaymentMethod, LedgerError>> + Send;

    /// Stores `method` as its subscription's payment method, replacing any before.
    fn set_payment_method(
        &self,
        method: &PaymentMethod,
    ) -> impl Future<Output = Result<PaymentMethod, LedgerError>> + Send;

    /// Sets the subscription's `canceled_at` and `resumed_at` columns as given.
    fn set_subscription_state(
        &self,
        transaction_key: &PaymentId,
        canceled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> impl Future<Output = LedgerResult> + Send;
}
