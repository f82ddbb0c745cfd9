//! The Supabase REST transport: PostgREST RPC with `supabase_rs`.
//!
//! The idempotent write lives once, in SQL (`supabase/migrations/`); this transport only calls the
//! functions (`POST {SUPABASE_URL}/rest/v1/rpc/<function>`). supabase_rs's `upsert` is not used:
//! it always merges, has no `on_conflict`, and returns nothing.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use supabase_rs::errors::Error as SupabaseError;
use supabase_rs::SupabaseClient;

use super::args::{Arg, Args};
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, Unavailable};

/// PostgREST at `{SUPABASE_URL}/rest/v1`, authenticated with the service-role key as both
/// `apikey` and `Authorization: Bearer` (server side only; the anon role has no grant).
#[derive(Clone)]
pub(super) struct SupabaseRest {
    client: SupabaseClient,
}

impl std::fmt::Debug for SupabaseRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupabaseRest").finish_non_exhaustive()
    }
}

impl SupabaseRest {
    /// `http` is the shared reqwest client, so storage calls get the same timeouts and pool.
    ///
    /// # Errors
    /// When `url` is not an http(s) URL with a host or the key is empty (the message never
    /// contains the key).
    pub(super) fn new(
        http: reqwest::Client,
        url: &str,
        service_role_key: &SecretString,
    ) -> anyhow::Result<Self> {
        let client = SupabaseClient::builder(url, service_role_key.expose_secret())
            .http_client(http)
            .build()
            .map_err(|error| anyhow::anyhow!("invalid Supabase settings: {error}"))?;
        Ok(Self { client })
    }

    /// `POST /rest/v1/rpc/<function>` with the arguments as a JSON object; the answer is the
    /// function's `setof jsonb` as a JSON array.
    pub(super) async fn call(&self, function: &'static str, args: Args) -> Result<Vec<Value>, LedgerError> {
        let params: Map<String, Value> = args
            .into_iter()
            .map(|(name, arg)| (name.to_owned(), json(arg)))
            .collect();
        self.client
            .rpc(function, Value::Object(params))
            .execute()
            .await
            .map_err(ledger_error)
    }
}

/// PostgREST takes named parameters as a JSON object; timestamps as RFC 3339.
fn json(arg: Arg) -> Value {
    match arg {
        Arg::Text(text) => text.map_or(Value::Null, Value::String),
        Arg::OptBigInt(number) => number.map_or(Value::Null, Value::from),
        Arg::Int(number) => Value::from(number),
        Arg::OptInt(number) => number.map_or(Value::Null, Value::from),
        Arg::Time(time) => time.map_or(Value::Null, |t| Value::String(Timestamp::from_utc(t).to_iso())),
        Arg::Uuid(id) => id.map_or(Value::Null, |id| Value::String(id.to_string())),
        Arg::UuidArray(ids) => ids.iter().map(|id| Value::String(id.to_string())).collect(),
        Arg::Json(value) => value,
    }
}

/// PostgREST's answers by what the caller can do: connection trouble and PostgREST's own 5xx
/// `PGRST…` codes (database unreachable, schema cache loading) are `Unavailable`; a Postgres
/// error (`23505`, `42501`, `42883`, …) is `Rejected` with its code.
fn ledger_error(error: SupabaseError) -> LedgerError {
    match error {
        SupabaseError::Transport(error) => {
            let kind = if error.is_timeout() {
                Unavailable::Timeout
            } else if error.is_body() || error.is_decode() {
                Unavailable::Interrupted
            } else {
                Unavailable::Unreachable
            };
            LedgerError::unavailable(kind, transport_detail(error))
        }
        SupabaseError::Api(api) => {
            let code = api.code.clone().unwrap_or_else(|| format!("HTTP {}", api.status));
            let transient = api.status >= 500 && (api.code.is_none() || code.starts_with("PGRST"));
            if transient {
                let detail = format!("HTTP {} {code}: {}", api.status, api.message);
                let kind = Unavailable::ServerUnavailable {
                    code,
                    message: api.message,
                };
                LedgerError::unavailable(kind, detail)
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

/// What went wrong on the wire, for the log: the cause chain (`timed out`, `Connection refused`,
/// …) without the URL.
fn transport_detail(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() { "timed out: " } else { "" };
    format!("{kind}{:#}", anyhow::Error::new(error.without_url()))
}
