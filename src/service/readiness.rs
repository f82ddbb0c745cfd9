//! Whether this replica can take webhooks: storage must answer a trivial query in time. PortOne
//! is not asked (a PortOne outage is every replica's, and its webhooks are retried anyway).

use std::time::Duration;

use crate::ports::{LedgerError, Ports, Readiness};

use super::webhook::WebhookService;

/// How long `GET /readyz` waits for storage: well under a probe's usual 5 s timeout.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

impl<P: Ports> WebhookService<P> {
    /// `Ok` when storage answered `ping` within `timeout`; else why not, in English, naming no
    /// host, address or secret (the cause chain is logged).
    pub async fn storage_ready(&self, timeout: Duration) -> Result<(), String> {
        match tokio::time::timeout(timeout, self.flows().ports().ledger().ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => {
                tracing::warn!(%error, "readiness: storage failed");
                Err(match error {
                    LedgerError::Unavailable { kind, .. } => format!("storage is unavailable: {kind}"),
                    LedgerError::Rejected { code, message } => {
                        format!("storage rejected the query ({code}): {message}")
                    }
                    LedgerError::InvalidResponse(detail) => {
                        format!("storage answered unexpectedly: {detail}")
                    }
                })
            }
            Err(_) => Err(format!(
                "storage did not answer within {} ms",
                timeout.as_millis()
            )),
        }
    }
}
