//! A page of `GET /api/events` from memory: as `subscription_event_page` answers it, newest first
//! by `(occurred_at, id)`, without delivery attempts.

use crate::domain::event::SubscriptionEvent;
use crate::ports::EventPage;

pub(super) fn page<'a>(
    events: impl Iterator<Item = &'a SubscriptionEvent>,
    page: &EventPage,
) -> Vec<SubscriptionEvent> {
    let mut found: Vec<SubscriptionEvent> = events
        .filter(|e| page.admits(e))
        .map(|e| SubscriptionEvent {
            delivery_attempts: Vec::new(),
            ..e.clone()
        })
        .collect();
    found.sort_by_key(|e| std::cmp::Reverse((e.occurred_at, e.id)));
    found.truncate(usize::try_from(page.limit).unwrap_or(usize::MAX));
    found
}
