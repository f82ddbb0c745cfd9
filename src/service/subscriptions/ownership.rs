//! Whose subscription it is: a signed-in customer acts only on their own.

use crate::domain::subscription_id::SubscriptionId;
use crate::ports::Ports;
use crate::service::Caller;

use super::{SubscriptionError, SubscriptionService};

impl<P: Ports> SubscriptionService<P> {
    /// Checks that `caller` may act on the subscription `key` names: the admin always; a
    /// customer when its months are theirs (`customer_id`). The admin's check reads nothing.
    ///
    /// # Errors
    /// [`SubscriptionError::NotFound`] when nothing matches `key`, and also when the subscription
    /// is another customer's: the answer must not tell a customer that it exists.
    /// `Upstream` when storage fails.
    pub async fn authorize(&self, key: &SubscriptionId, caller: &Caller) -> Result<(), SubscriptionError> {
        if caller.customer().is_none() {
            return Ok(());
        }
        let rows = self.rows(key).await?;
        let customer = rows.months.iter().find_map(|month| month.customer_id.as_deref());
        if caller.may_act_for(customer) {
            Ok(())
        } else {
            tracing::info!("a customer asked for a subscription that is not theirs");
            Err(SubscriptionError::NotFound)
        }
    }
}
