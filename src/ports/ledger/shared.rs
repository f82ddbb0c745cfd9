//! `Arc<impl PaymentLedger>` is a ledger too: tests and the sandbox keep a handle on the one the
//! service writes to.

use std::future::Future;
use std::time::Duration;

use uuid::Uuid;

use super::{
    AttemptRecorded, LedgerError, LedgerResult, PaymentLedger, Recorded, RenewalCursor, RenewalOf,
    RenewalWindow, SubscriptionRows,
};
use crate::domain::attempt::{AfterFailure, FailedAttempt};
use crate::domain::record::{NextTerms, PaymentRecord};
use crate::domain::timestamp::Timestamp;

/// Shared ledgers (the tests keep a handle to inspect the rows).
impl<T: PaymentLedger> PaymentLedger for std::sync::Arc<T> {
    fn record_paid(
        &self,
        record: &PaymentRecord,
    ) -> impl Future<Output = Result<Recorded, LedgerError>> + Send {
        (**self).record_paid(record)
    }

    fn find(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send {
        (**self).find(transaction_key)
    }

    fn renewal_of(
        &self,
        payment_id: &str,
    ) -> impl Future<Output = Result<Option<RenewalOf>, LedgerError>> + Send {
        (**self).renewal_of(payment_id)
    }

    fn record_failed_attempt(
        &self,
        attempt: &FailedAttempt,
        after: &AfterFailure,
    ) -> impl Future<Output = Result<Option<AttemptRecorded>, LedgerError>> + Send {
        (**self).record_failed_attempt(attempt, after)
    }

    fn mark_lapsed(&self, transaction_key: &str, at: Timestamp) -> impl Future<Output = LedgerResult> + Send {
        (**self).mark_lapsed(transaction_key, at)
    }

    fn mark_cancelled(&self, transaction_key: &str) -> impl Future<Output = LedgerResult> + Send {
        (**self).mark_cancelled(transaction_key)
    }

    fn subscription(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<SubscriptionRows>, LedgerError>> + Send {
        (**self).subscription(key)
    }

    fn customer_subscriptions(
        &self,
        customer_id: &str,
    ) -> impl Future<Output = Result<Vec<SubscriptionRows>, LedgerError>> + Send {
        (**self).customer_subscriptions(customer_id)
    }

    fn set_next_terms(
        &self,
        transaction_key: &str,
        terms: &NextTerms,
    ) -> impl Future<Output = LedgerResult> + Send {
        (**self).set_next_terms(transaction_key, terms)
    }

    fn open_renewals(
        &self,
        window: &RenewalWindow,
        after: Option<&RenewalCursor>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send {
        (**self).open_renewals(window, after, limit)
    }

    fn stopped_months_for(
        &self,
        payment_ids: &[Uuid],
    ) -> impl Future<Output = Result<Vec<PaymentRecord>, LedgerError>> + Send {
        (**self).stopped_months_for(payment_ids)
    }

    fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, LedgerError>> + Send {
        (**self).claim_lease(name, holder, ttl)
    }

    fn release_lease(
        &self,
        name: &str,
        holder: &str,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send {
        (**self).release_lease(name, holder)
    }

    fn set_subscription_state(
        &self,
        transaction_key: &str,
        cancelled_at: Option<Timestamp>,
        resumed_at: Option<Timestamp>,
    ) -> impl Future<Output = LedgerResult> + Send {
        (**self).set_subscription_state(transaction_key, cancelled_at, resumed_at)
    }

    fn ping(&self) -> impl Future<Output = Result<(), LedgerError>> + Send {
        (**self).ping()
    }
}
