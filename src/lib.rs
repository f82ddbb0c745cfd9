//! PortOne V2 subscription-billing backend: plans, checkout, renewals, dunning, card updates,
//! refunds and events for apps on Next.js and Supabase.
//!
//! Hexagonal layout; dependencies point inward only:
//! - [`domain`]: the rules and their data, no I/O: period and retry math, typed ids
//!   (`PaymentId`, `CustomerId`, `SubscriptionId`, `BillingKey`, `ScheduleId`), the webhook body,
//!   months, plans, the read model, events, and what a customer's request answers
//!   (`domain::answer`);
//! - [`ports`]: the traits the use cases need: the gateway as `Payments`, `Schedules` and
//!   `BillingKeys`; the ledger split by use (months, subscriptions, plans, checkout claims and the
//!   shared charge limit, events, reconciliation, `Readiness`); `Clock`; `RandomSource`; the
//!   `EventSink`; bundled as `Ports`;
//! - [`service`]: the use cases, generic over the ports (see its docs);
//! - [`adapters`]: PortOne over reqwest, the ledger (direct PostgreSQL, Supabase REST, in
//!   memory), Supabase Auth's JWKS, the app's webhook endpoint, and the poem-openapi HTTP API,
//!   which alone knows status codes and answer shapes;
//! - [`config`]: settings from the environment;
//! - [`sandbox`]: the PortOne simulator and the sandbox endpoints (built on `adapters`);
//! - [`startup`]: wiring and the timers, used by the thin `main.rs`;
//! - [`telemetry`]: logs and Prometheus metrics.
#![forbid(unsafe_code)]

pub mod adapters;
pub mod config;
pub mod domain;
pub mod ports;
pub mod sandbox;
pub mod service;
pub mod startup;
pub mod telemetry;
