//! A subscription's read model as stored now, for an answer after a change (a start, a card
//! update): `None` when storage cannot say. The change still happened and its answer says so; the
//! failure is logged.

use crate::domain::subscription::Subscription;
use crate::domain::subscription_id::SubscriptionId;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, Ports, SubscriptionLedger};

pub(super) async fn read_model<P: Ports>(
    ports: &P,
    subscription_id: &SubscriptionId,
) -> Option<Subscription> {
    let now = Timestamp::from_utc(ports.clock().now());
    match ports.ledger().subscription(subscription_id).await {
        Ok(Some(rows)) => Subscription::at(&rows.months, &rows.attempts, now),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "the subscription could not be read back");
            None
        }
    }
}
