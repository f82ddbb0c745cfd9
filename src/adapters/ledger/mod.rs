//! The ledger port's adapters:
//! - [`SqlLedger`]: the `payment` table in PostgreSQL, written once over "call this SQL function"
//!   and reached either directly (`postgres`, sqlx, `DATABASE_URL`) or through Supabase's REST API
//!   (`postgrest`, supabase_rs RPC, `SUPABASE_URL`); the functions live in `supabase/migrations/`;
//! - [`InMemoryLedger`]: the same semantics in memory, for the sandbox and tests.

mod args;
mod memory;
mod postgres;
mod postgrest;
mod row;
mod sql;
mod stored_answer;

pub use memory::InMemoryLedger;
pub use sql::SqlLedger;
