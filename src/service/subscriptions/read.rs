//! Reading subscriptions: one with all its months and attempts, or a customer's.

use crate::domain::attempt::FailedAttempt;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment_method::{Card, PaymentMethod};
use crate::domain::proration_record::Proration;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::ports::BillingKeys;
use crate::ports::{Ports, ProrationLedger, SubscriptionLedger};
use crate::service::payer::payer_of;

use super::{SubscriptionError, SubscriptionService};

/// One subscription in full: its read model, every month newest first, every failed attempt,
/// and the card its next charge uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDetail {
    pub subscription: Subscription,
    pub months: Vec<PaymentRecord>,
    pub attempts: Vec<FailedAttempt>,
    /// Its upgrades' prorations, oldest first.
    pub prorations: Vec<Proration>,
    /// `None` when neither storage nor PortOne can say right now.
    pub card: Option<Card>,
}

/// One of a customer's subscriptions, with the card its next charge uses (`None` when it cannot
/// be read right now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionSummary {
    pub subscription: Subscription,
    pub card: Option<Card>,
}

impl<P: Ports> SubscriptionService<P> {
    /// The subscription `key` names (its id, or any month's `transaction_key`), now.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] when nothing matches; `Upstream` when storage fails.
    pub async fn get(&self, key: &SubscriptionId) -> Result<SubscriptionDetail, SubscriptionError> {
        let rows = self.rows(key).await?;
        let subscription =
            Subscription::at(&rows.months, &rows.attempts, self.now()).ok_or(SubscriptionError::NotFound)?;
        let prorations = self
            .ports
            .ledger()
            .prorations(&subscription.subscription_id)
            .await?;
        let card = match rows.months.first() {
            Some(latest) => self.card_of(latest).await,
            None => None,
        };
        Ok(SubscriptionDetail {
            subscription,
            months: rows.months,
            attempts: rows.attempts,
            prorations,
            card,
        })
    }

    /// The card `latest`'s next charge uses: the stored payment method's, else (a subscription
    /// born of a webhook, before any card update) the card of the billing key that paid, as
    /// PortOne reports it, stored then unless one was stored meanwhile (a card update running at
    /// the same time is never overwritten by the card it replaces), so later reads make no
    /// PortOne call. `None` when it cannot be read now (logged).
    async fn card_of(&self, latest: &PaymentRecord) -> Option<Card> {
        match self
            .ports
            .ledger()
            .payment_method(&latest.subscription_key())
            .await
        {
            Ok(Some(method)) => return Some(method.card),
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(%error, "the payment method could not be read");
                return None;
            }
        }
        let payer = match payer_of(&*self.ports, latest, None).await {
            Ok(payer) => payer?,
            Err(error) => {
                tracing::warn!(%error, "the paying card could not be looked up");
                return None;
            }
        };
        let card = match self.ports.gateway().get_billing_key(&payer.billing_key).await {
            Ok(info) => info.card.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(%error, "the billing key could not be read");
                return None;
            }
        };
        let method = PaymentMethod {
            subscription_id: latest.subscription_key().to_string(),
            customer_id: payer.customer_id.clone().or_else(|| latest.customer_id.clone()),
            billing_key: payer.billing_key,
            card,
            updated_at: self.now(),
        };
        match self.ports.ledger().keep_payment_method(&method).await {
            Ok(stored) => Some(stored.card),
            Err(error) => {
                tracing::warn!(%error, "the card summary could not be stored");
                Some(method.card)
            }
        }
    }

    /// Every subscription of `customer_id` (PortOne's `customer.id`), newest first, now, each
    /// with its card (as [`Self::get`] reads it: one storage read once the card is stored);
    /// empty when the customer has none.
    ///
    /// # Errors
    /// `Upstream` when storage fails.
    pub async fn list(
        &self,
        customer_id: &CustomerId,
    ) -> Result<Vec<SubscriptionSummary>, SubscriptionError> {
        let now = self.now();
        let all = self.ports.ledger().customer_subscriptions(customer_id).await?;
        let mut summaries = Vec::with_capacity(all.len());
        for rows in &all {
            let (Some(subscription), Some(latest)) = (
                Subscription::at(&rows.months, &rows.attempts, now),
                rows.months.first(),
            ) else {
                continue;
            };
            let card = self.card_of(latest).await;
            summaries.push(SubscriptionSummary { subscription, card });
        }
        Ok(summaries)
    }
}
