//! Moving a subscription's pending charge (the next renewal, or during dunning the pending retry)
//! to changed next-charge terms: a plan change at period end, a discount applied or removed.
//! PortOne has no schedule update, so for a moment there is none; the order keeps that moment
//! safe:
//! - the change is stored first, so nothing is revoked when storage cannot take it;
//! - a revoke that fails, or finds the charge already under way, puts the old terms back;
//! - a new schedule that fails puts the old schedule (and terms) back, so the subscription never
//!   waits without a live schedule; if that fails too, reconciliation re-creates the schedule
//!   from the stored terms.
//!
//! A canceling subscription keeps no schedule, and one without a pending charge has none to
//! move: for them the change is only stored (a resume schedules it).

use std::future::Future;

use crate::domain::attempt::charge_time;
use crate::domain::record::PaymentRecord;
use crate::domain::subscription::SubscriptionStatus;
use crate::ports::Ports;
use crate::service::renewal::{fresh_key, schedule_charge, schedule_request};
use crate::service::revoke::{revoke_pending, Revocation};

use super::{SubscriptionError, SubscriptionService};

/// A change of `record`'s next charge to `changed`'s terms.
pub(super) struct NextChargeChange<'a> {
    pub record: &'a PaymentRecord,
    /// `record` with the new next-charge terms: what the new schedule is built from.
    pub changed: &'a PaymentRecord,
    pub status: SubscriptionStatus,
    /// The new schedule's `Idempotency-Key` prefix (`{what}-…`, and `{what}-restore-…` for the
    /// old schedule put back).
    pub what: &'static str,
    /// The 409's message when the pending charge is already under way.
    pub already_charged: &'static str,
}

impl<P: Ports> SubscriptionService<P> {
    /// Stores the change (`store`) and moves the pending charge to it; `put_back` stores the old
    /// terms again after a refusal. See the module documentation for the order.
    pub(super) async fn move_pending_charge<B: Future<Output = ()>>(
        &self,
        change: NextChargeChange<'_>,
        store: impl Future<Output = Result<(), SubscriptionError>>,
        put_back: impl Fn() -> B,
    ) -> Result<(), SubscriptionError> {
        let NextChargeChange {
            record,
            changed,
            status,
            what,
            already_charged,
        } = change;
        let charge = match (status, record.pending_charge()) {
            (SubscriptionStatus::Canceling, _) | (_, None) => return store.await,
            (_, Some(charge)) => charge,
        };
        let now = self.now();
        let payer = self.payer(record).await?;
        let at = charge_time(charge.at, now);
        let restore_what = format!("{what}-restore");
        let no_terms =
            || SubscriptionError::Conflict("빌링키 결제가 아니어서 다음 결제를 예약할 수 없습니다.");
        let id = &charge.payment_id;
        let request = schedule_request(changed, &payer, id.clone(), at, fresh_key(what, id, now))
            .ok_or_else(no_terms)?;
        let restore = schedule_request(record, &payer, id.clone(), at, fresh_key(&restore_what, id, now))
            .ok_or_else(no_terms)?;
        store.await?;
        let revoked = match revoke_pending(&*self.ports, record, &payer).await {
            Ok(revoked) => revoked,
            Err(error) => {
                put_back().await;
                return Err(error.into());
            }
        };
        if let Revocation::AlreadyCharged { .. } = revoked {
            put_back().await;
            return Err(SubscriptionError::Conflict(already_charged));
        }
        if let Err(error) = schedule_charge(self.ports.gateway(), &request).await {
            tracing::warn!(%error, "the changed charge could not be scheduled; putting the old schedule back");
            match schedule_charge(self.ports.gateway(), &restore).await {
                Ok(_) => put_back().await,
                Err(error) => tracing::error!(
                    %error,
                    transaction_key = %record.transaction_key,
                    "no schedule is live after a failed change of the next charge; reconciliation re-creates it"
                ),
            }
            return Err(error.into());
        }
        Ok(())
    }
}
