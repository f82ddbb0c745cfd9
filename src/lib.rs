//! PortOne V2 subscription-billing webhook service.
//!
//! Hexagonal layout; dependencies point inward only:
//! - [`domain`]: period math, the webhook body, records and the checklist (no I/O);
//! - [`ports`]: the traits the use cases need (`PaymentGateway`, the ledger split by use, `Clock`,
//!   `RandomSource`), bundled as `Ports`;
//! - [`service`]: the webhook and subscription use cases, generic over the ports;
//! - [`adapters`]: PortOne over reqwest, the ledger (PostgreSQL, Supabase REST, in memory), the
//!   poem-openapi HTTP API, clocks and random sources;
//! - [`config`]: settings from the environment (reads `service` for the secret's format);
//! - [`sandbox`]: the PortOne simulator and the sandbox endpoints (built on `adapters`);
//! - [`startup`]: wiring, used by the thin `main.rs`.
#![forbid(unsafe_code)]

pub mod adapters;
pub mod config;
pub mod domain;
pub mod ports;
pub mod sandbox;
pub mod service;
pub mod startup;
pub mod telemetry;
