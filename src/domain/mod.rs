//! The business rules: no I/O, no `Utc::now()`, no randomness of its own.
//!
//! Everything time- or chance-dependent arrives as an argument, so every rule is a pure function
//! that tests can pin down to the millisecond.

pub mod amount;
pub mod answer;
pub mod attempt;
pub mod billing_key;
pub mod billing_number;
pub mod charge_kind;
pub mod charge_limit;
pub mod charge_terms;
pub mod checklist;
pub mod checkout;
pub mod coupon;
pub mod currency;
pub mod customer_id;
pub mod delivery;
pub mod discount;
pub mod dunning;
pub mod event;
pub mod event_body;
pub mod history_line;
pub mod interval;
pub mod month_status;
pub mod payment;
pub mod payment_id;
pub mod payment_method;
pub mod payment_schedule_id;
pub mod period;
pub mod plan;
pub mod proration;
pub mod proration_record;
pub mod quantity;
pub mod record;
mod record_columns;
pub mod redemption;
pub mod rejection;
pub mod schedule_id;
pub mod schedule_status;
pub mod seoul;
pub mod signature;
pub mod subscription;
pub mod subscription_id;
pub mod timestamp;
pub mod vat;
pub mod webhook;
pub mod webhook_status;
