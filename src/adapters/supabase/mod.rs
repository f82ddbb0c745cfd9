//! The `payment` table on Supabase, through PostgREST RPC with `supabase_rs`.
//!
//! The idempotent write lives once, in SQL (`supabase/migrations/*_payment.sql`,
//! `public.record_paid_payment`); this adapter only calls it. supabase_rs's `upsert` is not used:
//! it always merges, has no `on_conflict`, and returns nothing (issue 2).

mod wire;

use secrecy::{ExposeSecret, SecretString};
use supabase_rs::errors::Error as SupabaseError;
use supabase_rs::SupabaseClient;

use crate::domain::record::PaymentRecord;
use crate::ports::{LedgerError, PaymentLedger, Recorded};

/// Name of the SQL function that records a paid month (see the migration).
pub const RECORD_PAID_FUNCTION: &str = "record_paid_payment";

/// PostgREST at `{SUPABASE_URL}/rest/v1`, authenticated with the service-role key as both
/// `apikey` and `Authorization: Bearer` (server side only; the anon role has no grant).
#[derive(Clone)]
pub struct SupabaseLedger {
    client: SupabaseClient,
}

impl std::fmt::Debug for SupabaseLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupabaseLedger").finish_non_exhaustive()
    }
}

impl SupabaseLedger {
    /// `http` is the shared reqwest client, so storage calls get the same timeouts and pool.
    ///
    /// # Errors
    /// When `url` is not an http(s) URL with a host or the key is empty (the message never
    /// contains the key).
    pub fn new(http: reqwest::Client, url: &str, service_role_key: &SecretString) -> anyhow::Result<Self> {
        let client = SupabaseClient::builder(url, service_role_key.expose_secret())
            .http_client(http)
            .build()
            .map_err(|error| anyhow::anyhow!("invalid Supabase settings: {error}"))?;
        Ok(Self { client })
    }
}

impl PaymentLedger for SupabaseLedger {
    async fn record_paid(&self, record: &PaymentRecord) -> Result<Recorded, LedgerError> {
        let row = self
            .client
            .rpc(RECORD_PAID_FUNCTION, wire::RecordPaidParams::from(record))
            .execute_single()
            .await
            .map_err(ledger_error)?;
        wire::RecordedRow::parse(row)
    }
}

/// PostgREST's answers by what the caller can do: connection trouble and PostgREST's own 5xx
/// `PGRST…` codes (database unreachable, schema cache loading) are `Unavailable`; a Postgres
/// error (`23505`, `42501`, `42883`, …) is `Rejected` with its code.
fn ledger_error(error: SupabaseError) -> LedgerError {
    match error {
        SupabaseError::Transport(error) => {
            LedgerError::Unavailable(format!("{:#}", anyhow::Error::new(error)))
        }
        SupabaseError::Api(api) => {
            let code = api.code.clone().unwrap_or_else(|| format!("HTTP {}", api.status));
            let transient = api.status >= 500 && (api.code.is_none() || code.starts_with("PGRST"));
            if transient {
                LedgerError::Unavailable(format!("HTTP {} {code}: {}", api.status, api.message))
            } else {
                LedgerError::Rejected {
                    code,
                    message: api.message,
                }
            }
        }
        other => LedgerError::InvalidResponse(other.to_string()),
    }
}
