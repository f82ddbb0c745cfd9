//! Implementations of the ports, and the HTTP API that drives the use case.

pub mod clock;
pub mod http;
pub mod memory;
pub mod portone;
pub mod postgres;
pub mod random;
pub mod sql_ledger;
pub mod storage;
pub mod supabase;
