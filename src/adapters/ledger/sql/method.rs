//! A `payment_method` row as the SQL functions take and return it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::billing_key::BillingKey;
use crate::domain::payment_method::{Card, PaymentMethod};
use crate::domain::timestamp::Timestamp;
use crate::ports::LedgerError;

#[derive(Debug, Deserialize)]
struct MethodRow {
    subscription_id: String,
    #[serde(default)]
    customer_id: Option<String>,
    billing_key: String,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    number: Option<String>,
    updated_at: DateTime<Utc>,
}

/// The row's columns, for `set_payment_method`.
pub(super) fn columns(method: &PaymentMethod) -> Value {
    json!({
        "subscription_id": method.subscription_id,
        "customer_id": method.customer_id,
        "billing_key": method.billing_key,
        "issuer": method.card.issuer,
        "brand": method.card.brand,
        "number": method.card.number,
        "updated_at": method.updated_at,
    })
}

pub(super) fn parse(value: Value) -> Result<PaymentMethod, LedgerError> {
    let row: MethodRow =
        serde_json::from_value(value).map_err(|e| LedgerError::InvalidResponse(e.to_string()))?;
    Ok(PaymentMethod {
        subscription_id: row.subscription_id,
        customer_id: row.customer_id,
        billing_key: BillingKey::parse(row.billing_key)
            .map_err(|e| LedgerError::InvalidResponse(format!("billing_key: {e}")))?,
        card: Card {
            issuer: row.issuer,
            brand: row.brand,
            number: row.number,
        },
        updated_at: Timestamp::from_utc(row.updated_at),
    })
}
