//! Which ledger adapter runs: PostgreSQL directly (`DATABASE_URL`) or Supabase's REST API.

use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

use super::reader::Reader;

/// Settings of the direct PostgreSQL adapter.
#[derive(Debug, Clone)]
pub struct PostgresSettings {
    /// `DATABASE_URL`: `postgres://user:password@host:5432/db`. Supabase gives one per project,
    /// direct on 5432 and through its transaction-mode pooler on 6543; both work. Secret: it
    /// carries the password.
    pub url: SecretString,
    /// `DATABASE_POOL_MAX`, default 10 connections.
    pub max_connections: u32,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`, default 2000: how long a webhook waits for a connection
    /// before step 4 fails (sqlx's 30 s default would eat PortOne's whole 30 s window).
    pub acquire_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`, default 5000: Postgres cancels a statement after this.
    pub statement_timeout: Duration,
}

/// The storage the service writes to.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// `DATABASE_URL` is set: the direct adapter. Takes precedence over the REST settings;
    /// `rest_also_set` records that those were present and ignored (said in the startup log).
    Postgres {
        settings: PostgresSettings,
        rest_also_set: bool,
    },
    /// `SUPABASE_URL` (or `NEXT_PUBLIC_SUPABASE_URL`) and `SUPABASE_SERVICE_ROLE_KEY`: PostgREST.
    SupabaseRest {
        url: Url,
        /// Server-side key; never the anon key.
        service_role_key: SecretString,
    },
}

impl StorageConfig {
    /// Reads the storage variables; a problem when neither storage is configured.
    pub(super) fn read<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<Self> {
        let max_connections = env.parsed("DATABASE_POOL_MAX", Some(10u32));
        let acquire_ms = env.parsed("DATABASE_ACQUIRE_TIMEOUT_MS", Some(2000u64));
        let statement_ms = env.parsed("DATABASE_STATEMENT_TIMEOUT_MS", Some(5000u64));
        if let Some(url) = env.optional("DATABASE_URL") {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                // The value holds a password: never echo it.
                env.problem("DATABASE_URL must start with postgres:// or postgresql://".to_owned());
                return None;
            }
            let rest_also_set =
                env.optional("SUPABASE_URL").is_some() || env.optional("NEXT_PUBLIC_SUPABASE_URL").is_some();
            let settings = PostgresSettings {
                url: SecretString::from(url),
                max_connections: max_connections?,
                acquire_timeout: Duration::from_millis(acquire_ms?),
                statement_timeout: Duration::from_millis(statement_ms?),
            };
            return Some(Self::Postgres {
                settings,
                rest_also_set,
            });
        }
        let url = env
            .optional("SUPABASE_URL")
            .or_else(|| env.optional("NEXT_PUBLIC_SUPABASE_URL"));
        let key = env.optional("SUPABASE_SERVICE_ROLE_KEY");
        match (url, key) {
            (Some(url), Some(key)) => Some(Self::SupabaseRest {
                url: env.url_value("SUPABASE_URL", &url)?,
                service_role_key: SecretString::from(key),
            }),
            (url, key) => {
                let mut missing = Vec::new();
                if url.is_none() {
                    missing.push("SUPABASE_URL (or NEXT_PUBLIC_SUPABASE_URL)");
                }
                if key.is_none() {
                    missing.push("SUPABASE_SERVICE_ROLE_KEY");
                }
                env.problem(format!(
                    "storage is not configured: set DATABASE_URL, or SUPABASE_URL and \
                     SUPABASE_SERVICE_ROLE_KEY (missing: {})",
                    missing.join(", ")
                ));
                None
            }
        }
    }

    /// The startup log line's text: which adapter runs, and what was ignored.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Postgres {
                rest_also_set: true, ..
            } => "postgres via DATABASE_URL (SUPABASE_URL is also set and ignored for storage)",
            Self::Postgres { .. } => "postgres via DATABASE_URL",
            Self::SupabaseRest { .. } => "supabase rest via SUPABASE_URL",
        }
    }
}
