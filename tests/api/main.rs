//! HTTP-level tests: the real poem-openapi app in-process, wiremock standing in for PortOne and
//! for Supabase's PostgREST, a fixed clock and a seeded random source.

mod fault_proxy;
mod helpers;

mod auth;
mod tokens;
mod user_tokens;

mod billing_history;
mod body_versions;
mod browser_access;
mod cancellation;
mod card_update;
mod checkout;
mod checkout_storage;
mod coupon_contract;
mod coupons_storage;
mod customer_fields;
mod customer_fuzz;
mod dot_segments;
mod dunning;
mod dunning_storage;
mod edge;
mod event_feed;
mod events;
mod faults;
mod fuzz;
mod intervals;
mod pg;
mod portone;
mod portone_cards;
mod postgrest;

mod ledger_contract;
mod migrations;
mod openapi_spec;
mod overload;
mod paid_flow;
mod plans;
mod portone_failures;
mod postgres_storage;
mod probes;
#[path = "../support/prometheus.rs"]
mod prometheus;
mod proration_contract;
mod proration_storage;
mod reconcile;
mod reconcile_cli;
mod reconcile_storage;
mod refunds;
mod requests;
mod rls;
mod schemas;
mod signatures;
mod simulator_schema;
mod slow_clients;
mod statuses;
mod storage;
mod subscription_api;
mod subscription_view;
mod subscriptions;
mod validation;
