//! Implementations of the ports, and the HTTP API that drives the use cases.

pub mod app_webhook;
pub mod clock;
pub mod http;
pub mod ledger;
pub mod portone;
pub mod random;
pub mod supabase_auth;
