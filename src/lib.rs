//! PortOne V2 subscription-billing webhook service.
//!
//! Hexagonal layout:
//! - [`domain`]: period math, scheduling policy, the webhook request and the checklist (no I/O);
//! - [`ports`]: the traits the use case needs (`PaymentGateway`, `PaymentLedger`, `Clock`,
//!   `RandomSource`);
//! - [`service`]: the one use case, generic over the ports;
//! - [`adapters`]: PortOne over reqwest, Supabase over PostgREST, the poem-openapi HTTP API, the
//!   system clock and random source, and in-memory stand-ins;
//! - [`config`] and [`startup`]: environment and wiring, used by the thin `main.rs`.
#![forbid(unsafe_code)]

pub mod adapters;
pub mod config;
pub mod domain;
pub mod ports;
pub mod sandbox;
pub mod service;
pub mod startup;
pub mod telemetry;
