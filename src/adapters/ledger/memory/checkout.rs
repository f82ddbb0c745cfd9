//! [`CheckoutLedger`] in memory, as `claim_checkout`, `complete_checkout`, `release_checkout` and
//! `take_charge_slot` behave: one lock makes each claim and count atomic, as the SQL functions'
//! per-customer locks do.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::InMemoryLedger;
use crate::adapters::ledger::stored_answer;
use crate::domain::answer::Answer;
use crate::domain::charge_limit::{ChargeLimit, ChargeSlot};
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger, LedgerError};

/// One claimed key.
#[derive(Debug, Clone)]
pub(super) struct Checkout {
    request_hash: String,
    /// `Some` while started: until when its holder has it.
    locked_until: Option<Instant>,
    /// The answer stored for repeats, as the SQL table keeps it: status and document.
    answer: Option<(u16, Value)>,
}

/// Whole seconds from `now` to `until`, rounded up, at least 1.
fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.duration_since(now);
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

fn id(key: &CheckoutKey<'_>) -> (String, String) {
    (
        key.customer_id.to_string(),
        key.idempotency_key.as_str().to_owned(),
    )
}

impl CheckoutLedger for InMemoryLedger {
    async fn claim_checkout(
        &self,
        key: &CheckoutKey<'_>,
        request_hash: &str,
        _payment_id: &PaymentId,
        lease: Duration,
    ) -> Result<CheckoutClaim, LedgerError> {
        let now = Instant::now();
        let mut tables = self.lock();
        if let Some(found) = tables.checkouts.get(&id(key)) {
            if found.request_hash != request_hash {
                return Ok(CheckoutClaim::Mismatch);
            }
            if let Some((status, document)) = &found.answer {
                return Ok(CheckoutClaim::Completed(stored_answer::stored(
                    *status,
                    document.clone(),
                )));
            }
            if let Some(until) = found.locked_until.filter(|until| *until > now) {
                return Ok(CheckoutClaim::InProgress {
                    retry_after_seconds: seconds_until(until, now),
                });
            }
        }
        let busy_until = tables
            .checkouts
            .iter()
            .filter(|((customer, other), checkout)| {
                key.customer_id == customer.as_str()
                    && other != key.idempotency_key.as_str()
                    && checkout.answer.is_none()
            })
            .filter_map(|(_, checkout)| checkout.locked_until.filter(|until| *until > now))
            .max();
        if let Some(until) = busy_until {
            return Ok(CheckoutClaim::Busy {
                retry_after_seconds: seconds_until(until, now),
            });
        }
        let claim = Checkout {
            request_hash: request_hash.to_owned(),
            locked_until: Some(now + lease),
            answer: None,
        };
        tables.checkouts.insert(id(key), claim);
        Ok(CheckoutClaim::Claimed)
    }

    async fn complete_checkout(&self, key: &CheckoutKey<'_>, answer: &Answer) -> Result<(), LedgerError> {
        let stored = (
            stored_answer::status_of(answer.ending),
            stored_answer::document_of(answer)?,
        );
        if let Some(checkout) = self.lock().checkouts.get_mut(&id(key)) {
            checkout.answer = Some(stored);
            checkout.locked_until = None;
        }
        Ok(())
    }

    async fn take_charge_slot(
        &self,
        customer_id: &CustomerId,
        limit: &ChargeLimit,
        now: Timestamp,
    ) -> Result<ChargeSlot, LedgerError> {
        let mut tables = self.lock();
        let log = tables.charge_attempts.entry(customer_id.to_string()).or_default();
        Ok(limit.take(log, now))
    }

    async fn release_checkout(&self, key: &CheckoutKey<'_>) -> Result<(), LedgerError> {
        let mut tables = self.lock();
        if tables
            .checkouts
            .get(&id(key))
            .is_some_and(|checkout| checkout.answer.is_none())
        {
            tables.checkouts.remove(&id(key));
        }
        Ok(())
    }
}
