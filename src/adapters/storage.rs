//! The ledger chosen by configuration: direct PostgreSQL or Supabase's REST API. Both are the same
//! [`SqlLedger`]; only the way a SQL function is called differs.

use serde_json::Value;

use super::postgres::{PostgresFunctions, PostgresLedger};
use super::sql_ledger::{Arg, SqlFunctions, SqlLedger};
use super::supabase::{PostgrestFunctions, SupabaseLedger};
use crate::config::StorageConfig;
use crate::ports::LedgerError;

/// The production ledger.
pub type Ledger = SqlLedger<Storage>;

/// How SQL functions are reached.
#[derive(Debug, Clone)]
pub enum Storage {
    Postgres(PostgresFunctions),
    SupabaseRest(PostgrestFunctions),
}

impl Ledger {
    /// Builds the configured ledger; `http` is the shared client the REST adapter uses.
    ///
    /// # Errors
    /// When the settings are unusable (the message never contains a secret).
    pub fn from_config(config: &StorageConfig, http: reqwest::Client) -> anyhow::Result<Self> {
        Ok(SqlLedger(match config {
            StorageConfig::Postgres { settings, .. } => {
                Storage::Postgres(PostgresLedger::connect_lazy(settings)?.0)
            }
            StorageConfig::SupabaseRest {
                url,
                service_role_key,
            } => Storage::SupabaseRest(SupabaseLedger::new(http, url.as_str(), service_role_key)?.0),
        }))
    }
}

impl From<PostgresLedger> for Ledger {
    fn from(ledger: PostgresLedger) -> Self {
        SqlLedger(Storage::Postgres(ledger.0))
    }
}

impl From<SupabaseLedger> for Ledger {
    fn from(ledger: SupabaseLedger) -> Self {
        SqlLedger(Storage::SupabaseRest(ledger.0))
    }
}

impl SqlFunctions for Storage {
    async fn call(
        &self,
        function: &'static str,
        args: Vec<(&'static str, Arg)>,
    ) -> Result<Vec<Value>, LedgerError> {
        match self {
            Self::Postgres(functions) => functions.call(function, args).await,
            Self::SupabaseRest(functions) => functions.call(function, args).await,
        }
    }
}
