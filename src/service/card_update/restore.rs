//! Putting the old card back when the new one cannot be scheduled. The pending charge's schedule
//! was revoked (step 3) and the new card stored (step 4); when PortOne then fails to schedule
//! the charge on the new card, the subscription would wait with no live schedule. So the charge
//! is scheduled again on the card it was on, and that card stored again: the update did not
//! happen, and its answer says to send it again. During dunning the retry is instead scheduled
//! again on the new card at its own time, whatever happened to the charge now: its `paymentId` is
//! charged at most once. If PortOne fails that too, reconciliation re-creates the schedule from
//! the stored card.

use crate::domain::attempt::charge_time;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::record::PaymentRecord;
use crate::ports::BillingKeys;
use crate::ports::{Ports, SubscriptionLedger};
use crate::service::payer::{payer_of, Payer, PayerError};
use crate::service::renewal::schedule_request;

use super::pending::card_key;
use super::{CardUpdate, Run, Target};
use crate::service::renewal::schedule_charge;

/// What became of a dunning card update's charge on the new card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charge {
    /// PortOne took it (or had taken it before): nothing is rescheduled.
    Done,
    /// PortOne's answer is unknown: the retry goes back on the schedule, on the new card.
    Unknown,
}

/// The card the pending charge was on before the update: its payer, and the payment method
/// stored for it (`None` when the payer was the card of the payment that paid the month).
pub(super) struct Previous {
    pub payer: Payer,
    pub method: Option<PaymentMethod>,
}

impl<P: Ports> CardUpdate<P> {
    /// The card `latest`'s pending charge is on now; `None` when it was not a billing-key payment.
    pub(super) async fn previous_card(&self, latest: &PaymentRecord) -> Result<Option<Previous>, PayerError> {
        let method = self
            .ports()
            .ledger()
            .payment_method(&latest.subscription_key())
            .await?;
        let payer = match &method {
            Some(method) => Some(Payer::of_method(method)),
            None => payer_of(self.ports(), latest, None).await?,
        };
        Ok(payer.map(|payer| Previous { payer, method }))
    }

    /// After the update failed past its revoke: the pending charge gets a live schedule again
    /// (see the module's documentation). Failures are logged; the answer is already an error.
    pub(super) async fn restore(&self, run: &mut Run, target: &Target, new: &PaymentMethod) {
        let Some(charge) = target.latest.pending_charge() else {
            return;
        };
        let previous = run.previous.take();
        let (payer, on_new_card) = match (run.charge, &previous) {
            (Some(Charge::Done), _) => return,
            (Some(Charge::Unknown), _) => (Payer::of_method(new), true),
            (None, Some(previous)) => (previous.payer.clone(), false),
            (None, None) => return,
        };
        let now = self.now();
        let at = charge_time(charge.at, now);
        let key = card_key("restore", &charge.payment_id, now);
        let Some(request) = schedule_request(&target.latest, &payer, charge.payment_id, at, key) else {
            return;
        };
        if let Err(error) = schedule_charge(self.ports().gateway(), &request).await {
            tracing::error!(
                %error,
                subscription_id = %target.latest.subscription_key(),
                "no schedule is live after a failed card update; reconciliation re-creates it"
            );
            return;
        }
        tracing::warn!(
            on_new_card,
            "a failed card update's pending charge was scheduled again"
        );
        if on_new_card {
            return;
        }
        let old = match previous.and_then(|previous| previous.method) {
            Some(method) => method,
            None => PaymentMethod {
                billing_key: payer.billing_key.clone(),
                customer_id: payer.customer_id.clone(),
                card: self.card_of(&payer).await,
                updated_at: now,
                ..new.clone()
            },
        };
        if let Err(error) = self.ports().ledger().set_payment_method(&old).await {
            tracing::error!(%error, "the previous card could not be stored again");
        }
    }

    /// The card summary of `payer`'s billing key, as PortOne reports it; empty when it cannot say.
    async fn card_of(&self, payer: &Payer) -> crate::domain::payment_method::Card {
        match self.ports().gateway().get_billing_key(&payer.billing_key).await {
            Ok(info) => info.card.unwrap_or_default(),
            Err(_) => crate::domain::payment_method::Card::default(),
        }
    }
}
