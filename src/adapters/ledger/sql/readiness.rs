//! [`Readiness`] over the SQL function `ready`.

use super::SqlLedger;
use crate::ports::{LedgerError, Readiness};

/// The newest migration this release calls into, as `public.ready()` names it (from
/// `public.schema_version`, which every migration raises): readiness fails until the database has
/// it.
pub const REQUIRED_SCHEMA: i64 = 20261227000000;

impl Readiness for SqlLedger {
    async fn ping(&self) -> Result<(), LedgerError> {
        let rows = self.call_rows("ready", Vec::new()).await?;
        let schema = rows
            .first()
            .and_then(|row| row.get("schema"))
            .and_then(|v| v.as_i64());
        match schema {
            Some(schema) if schema >= REQUIRED_SCHEMA => Ok(()),
            found => Err(LedgerError::Rejected {
                code: "SCHEMA_BEHIND".to_owned(),
                message: format!(
                    "the database's migrations end at {} but this release needs {REQUIRED_SCHEMA}",
                    found.map_or_else(|| "an older one".to_owned(), |s| s.to_string())
                ),
            }),
        }
    }
}
