//! Arguments of the ledger's SQL functions, as both transports bind them: the one shape the SQL
//! modules build and the direct PostgreSQL and PostgREST transports read.

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::timestamp::Timestamp;

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

pub(in crate::adapters::ledger) fn int(value: u32) -> Arg {
    Arg::Int(i32::try_from(value).unwrap_or(i32::MAX))
}
