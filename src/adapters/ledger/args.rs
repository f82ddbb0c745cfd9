//! Arguments of the ledger's SQL functions, as both transports bind them: the one shape the SQL
//! modules build and the direct PostgreSQL and PostgREST transports read.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::payment_id::PaymentId;
use crate::domain::timestamp::Timestamp;
use crate::ports::LedgerError;

/// One argument of a SQL function, typed as its parameter (`None` is SQL `null`).
#[derive(Debug, Clone, PartialEq)]
pub(in crate::adapters::ledger) enum Arg {
    Text(Option<String>),
    OptBigInt(Option<i64>),
    Int(i32),
    OptInt(Option<i32>),
    Time(Option<DateTime<Utc>>),
    Uuid(Option<Uuid>),
    UuidArray(Vec<Uuid>),
    /// A `jsonb` parameter.
    Json(Value),
}

/// Named arguments, in the function's parameter names (`p_…`).
pub(in crate::adapters::ledger) type Args = Vec<(&'static str, Arg)>;

pub(in crate::adapters::ledger) fn text(value: impl AsRef<str>) -> Arg {
    Arg::Text(Some(value.as_ref().to_owned()))
}

pub(in crate::adapters::ledger) fn opt_text(value: Option<impl AsRef<str>>) -> Arg {
    Arg::Text(value.map(|v| v.as_ref().to_owned()))
}

pub(in crate::adapters::ledger) fn time(value: Option<Timestamp>) -> Arg {
    Arg::Time(value.map(|t| t.as_utc()))
}

/// A payment id this service derived, for a `uuid` parameter (`next_schedule_id`,
/// `retry_payment_id`).
///
/// # Errors
/// [`LedgerError::Rejected`] with PostgreSQL's `22P02` (invalid text representation) when the id
/// is not a UUID, as the database itself would answer.
pub(in crate::adapters::ledger) fn derived_id(id: Option<&PaymentId>) -> Result<Arg, LedgerError> {
    match id {
        None => Ok(Arg::Uuid(None)),
        Some(id) => id
            .as_uuid()
            .map(|uuid| Arg::Uuid(Some(uuid)))
            .ok_or_else(|| LedgerError::Rejected {
                code: "22P02".to_owned(),
                message: format!("payment id {id} is not a uuid"),
            }),
    }
}

/// Payment ids for a `uuid[]` parameter: ids that are not UUIDs match no `uuid` column, so they
/// are left out.
pub(in crate::adapters::ledger) fn derived_ids(ids: &[PaymentId]) -> Arg {
    Arg::UuidArray(ids.iter().filter_map(PaymentId::as_uuid).collect())
}

pub(in crate::adapters::ledger) fn int(value: u32) -> Arg {
    Arg::Int(i32::try_from(value).unwrap_or(i32::MAX))
}
