//! The per-customer charge limit, for the changes that charge now (an upgrade's proration, an
//! interval switch's new period): counted like a start (`ChargeLimit`, in storage across
//! replicas).

use crate::domain::charge_limit::ChargeSlot;
use crate::domain::customer_id::CustomerId;
use crate::domain::record::PaymentRecord;
use crate::ports::{CheckoutLedger, Ports};
use crate::service::limits::charge_limited;

use super::{SubscriptionError, SubscriptionService};

impl<P: Ports> SubscriptionService<P> {
    /// Counts a change's charge against `record`'s customer's limit, as a start is counted; only
    /// a new change counts (the same request again never does).
    ///
    /// # Errors
    /// `TooManyCharges` over the limit; `Upstream` when storage fails.
    pub(super) async fn take_charge_slot(&self, record: &PaymentRecord) -> Result<(), SubscriptionError> {
        let customer = record
            .customer_id
            .as_deref()
            .and_then(|id| CustomerId::parse(id).ok());
        let (Some(limit), Some(customer)) = (&self.charge_limit, customer) else {
            return Ok(());
        };
        let slot = self
            .ports
            .ledger()
            .take_charge_slot(&customer, limit, self.now())
            .await?;
        match slot {
            ChargeSlot::Taken => Ok(()),
            ChargeSlot::Full { retry_after_seconds } => {
                charge_limited(retry_after_seconds);
                Err(SubscriptionError::TooManyCharges { retry_after_seconds })
            }
        }
    }
}
