//! [`CheckoutLedger`] in memory, as `claim_checkout`, `complete_checkout` and `release_checkout`
//! behave: one lock makes each claim atomic, as the SQL function's per-customer lock does.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::InMemoryLedger;
use crate::ports::{CheckoutClaim, CheckoutKey, CheckoutLedger, LedgerError};

/// One claimed key.
#[derive(Debug, Clone)]
pub(super) struct Checkout {
    request_hash: String,
    /// `Some` while started: until when its holder has it.
    locked_until: Option<Instant>,
    answer: Option<(u16, Value)>,
}

fn id(key: &CheckoutKey<'_>) -> (String, String) {
    (key.customer_id.to_owned(), key.idempotency_key.to_owned())
}

impl CheckoutLedger for InMemoryLedger {
    async fn claim_checkout(
        &self,
        key: &CheckoutKey<'_>,
        request_hash: &str,
        _payment_id: &str,
        lease: Duration,
    ) -> Result<CheckoutClaim, LedgerError> {
        let now = Instant::now();
        let mut tables = self.lock();
        if let Some(found) = tables.checkouts.get(&id(key)) {
            if found.request_hash != request_hash {
                return Ok(CheckoutClaim::Mismatch);
            }
            if let Some((status, body)) = &found.answer {
                return Ok(CheckoutClaim::Completed {
                    status: *status,
                    body: body.clone(),
                });
            }
            if found.locked_until.is_some_and(|until| until > now) {
                return Ok(CheckoutClaim::InProgress);
            }
        }
        let busy = tables.checkouts.iter().any(|((customer, other), checkout)| {
            customer == key.customer_id
                && other != key.idempotency_key
                && checkout.answer.is_none()
                && checkout.locked_until.is_some_and(|until| until > now)
        });
        if busy {
            return Ok(CheckoutClaim::Busy);
        }
        let claim = Checkout {
            request_hash: request_hash.to_owned(),
            locked_until: Some(now + lease),
            answer: None,
        };
        tables.checkouts.insert(id(key), claim);
        Ok(CheckoutClaim::Claimed)
    }

    async fn complete_checkout(
        &self,
        key: &CheckoutKey<'_>,
        status: u16,
        body: &Value,
    ) -> Result<(), LedgerError> {
        if let Some(checkout) = self.lock().checkouts.get_mut(&id(key)) {
            checkout.answer = Some((status, body.clone()));
            checkout.locked_until = None;
        }
        Ok(())
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
