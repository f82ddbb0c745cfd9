//! The ledger chosen by configuration: direct PostgreSQL or Supabase's REST API.

use crate::config::StorageConfig;
use crate::domain::record::PaymentRecord;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

use super::postgres::PostgresLedger;
use super::supabase::SupabaseLedger;

/// One of the two production ledgers; both call `public.record_paid_payment`.
#[derive(Debug, Clone)]
pub enum Ledger {
    Postgres(PostgresLedger),
    SupabaseRest(SupabaseLedger),
}

impl Ledger {
    /// Builds the configured ledger; `http` is the shared client the REST adapter uses.
    ///
    /// # Errors
    /// When the settings are unusable (the message never contains a secret).
    pub fn from_config(config: &StorageConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        Ok(match config {
            StorageConfig::Postgres { settings, .. } => {
                Self::Postgres(PostgresLedger::connect_lazy(settings)?)
            }
            StorageConfig::SupabaseRest {
                url,
                service_role_key,
            } => Self::SupabaseRest(SupabaseLedger::new(http, url.as_str(), service_role_key)?),
        })
    }
}

impl PaymentLedger for Ledger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        match self {
            Self::Postgres(ledger) => ledger.record_paid(record).await,
            Self::SupabaseRest(ledger) => ledger.record_paid(record).await,
        }
    }
}
