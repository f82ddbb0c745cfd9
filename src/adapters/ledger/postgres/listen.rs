//! Wakes the event sender when PostgreSQL commits a new subscription event: `LISTEN
//! subscription_event` on a connection of its own, answered by the `subscription_event_notify`
//! trigger (`pg_notify`, delivered at commit; PostgreSQL docs, "NOTIFY"). The once-a-second poll
//! stays: a notification lost while the connection was down, or never sent (Supabase's
//! transaction-mode pooler on port 6543 keeps no session to listen on), delays an event by at most
//! a poll and never loses it.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::Notify;

/// The channel the trigger notifies.
pub const CHANNEL: &str = "subscription_event";

/// How long to wait before listening again after the connection could not be made.
const RETRY: Duration = Duration::from_secs(5);

/// Spawns the listener; each notification wakes one waiter of the returned [`Notify`] (a
/// notification while nobody waits is kept as one permit, so a burst is one extra pass).
pub(super) fn spawn(pool: PgPool) -> Arc<Notify> {
    let wake = Arc::new(Notify::new());
    let notify = wake.clone();
    tokio::spawn(async move {
        loop {
            match listen(&pool).await {
                Ok(mut listener) => {
                    tracing::info!(channel = CHANNEL, "listening for new subscription events");
                    // A pass now catches what was committed while nobody listened.
                    notify.notify_one();
                    // `recv` reconnects by itself and listens again; it fails only when it cannot.
                    while listener.recv().await.is_ok() {
                        notify.notify_one();
                    }
                    tracing::warn!("the event listener lost its connection; polling meanwhile");
                }
                Err(error) => {
                    tracing::warn!(%error, "the event listener could not connect; polling meanwhile");
                }
            }
            tokio::time::sleep(RETRY).await;
        }
    });
    wake
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}
