//! Idempotency of starting a subscription (`public.checkout`): one claim per customer and
//! `Idempotency-Key`, and per customer one request running at a time; and the per-customer count
//! of charge-triggering calls (`public.charge_attempt`), shared by every replica.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::LedgerError;
use crate::domain::answer::{Answer, Ending};
use crate::domain::charge_limit::{ChargeLimit, ChargeSlot};
use crate::domain::checkout::IdempotencyKey;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;

/// One `POST /api/subscriptions`, as its claim names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutKey<'a> {
    /// The customer the subscription is for.
    pub customer_id: &'a CustomerId,
    /// The request's `Idempotency-Key`.
    pub idempotency_key: &'a IdempotencyKey,
}

/// The answer a finished start stored for its repeats: how it ended, and the [`Answer`] as it was
/// serialized then (the document answered again, byte for byte).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    pub ending: Ending,
    pub document: Value,
}

/// What claiming a checkout found.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckoutClaim {
    /// This request goes on: the key is new, or an earlier holder's claim expired unfinished.
    Claimed,
    /// Answered before: answer the stored answer again.
    Completed(StoredAnswer),
    /// A request with this key is running now; its lease ends in `retry_after_seconds` (at
    /// least 1), when a repeat may take it over.
    InProgress { retry_after_seconds: u64 },
    /// Another request of this customer (another key) is running now, for at most
    /// `retry_after_seconds` more (at least 1).
    Busy { retry_after_seconds: u64 },
    /// The key was used with a different request.
    Mismatch,
}

/// Checkout claims. A clone is a handle on the same storage.
///
/// # Errors
/// Every method returns [`LedgerError`] only for storage failures.
pub trait CheckoutLedger: Clone + Send + Sync + 'static {
    /// Claims `key` for a request whose body hashes to `request_hash` and charges `payment_id`,
    /// for at most `lease` (after which a repeat may take it over).
    ///
    /// MUST decide atomically per customer: of concurrent claims, one is `Claimed` and the rest
    /// `InProgress` or `Busy`.
    fn claim_checkout(
        &self,
        key: &CheckoutKey<'_>,
        request_hash: &str,
        payment_id: &PaymentId,
        lease: Duration,
    ) -> impl Future<Output = Result<CheckoutClaim, LedgerError>> + Send;

    /// Stores the answer of `key`'s request: every later request with it gets this answer.
    fn complete_checkout(
        &self,
        key: &CheckoutKey<'_>,
        answer: &Answer,
    ) -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Gives `key` back unanswered (nothing was charged, or PortOne's answer is unknown): the
    /// same request may be sent again.
    fn release_checkout(&self, key: &CheckoutKey<'_>)
        -> impl Future<Output = Result<(), LedgerError>> + Send;

    /// Counts one charge-triggering call of `customer_id` at `now` against `limit`
    /// ([`ChargeLimit::take`]'s rule), or says when the next one may be made.
    ///
    /// MUST decide atomically per customer across every replica: of concurrent calls, at most
    /// `limit.per_window` are `Taken` within any window.
    fn take_charge_slot(
        &self,
        customer_id: &CustomerId,
        limit: &ChargeLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<ChargeSlot, LedgerError>> + Send;
}
