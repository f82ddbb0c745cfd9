//! Whether a billing key may pay for a customer's subscription: PortOne reports it `ISSUED`
//! (`getBillingKeyInfo`) and issued for that very customer (`customer.id`). A key is only ever
//! charged for its own customer. Shared by a start and a card update.

use serde_json::{json, Value};

use crate::ports::{BillingKeyInfo, BillingKeyStatus};

use super::messages::checkout as words;

/// Why a billing key PortOne knows cannot pay: a stable code, a Korean message, and whether it
/// is forbidden (403: another customer's key) or a conflict (409: its state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyRefusal {
    pub code: &'static str,
    pub message: &'static str,
    pub forbidden: bool,
}

/// `Ok` when `info`'s key may pay for `customer_id`'s subscription.
///
/// # Errors
/// [`KeyRefusal`]: `BILLING_KEY_ALREADY_DELETED`, `BILLING_KEY_NOT_ISSUED` (409) or
/// `BILLING_KEY_CUSTOMER_MISMATCH` (403).
pub(super) fn judge(info: &BillingKeyInfo, customer_id: &str) -> Result<(), KeyRefusal> {
    let conflict = |code, message| KeyRefusal {
        code,
        message,
        forbidden: false,
    };
    match &info.status {
        BillingKeyStatus::Issued => {}
        BillingKeyStatus::Deleted => return Err(conflict("BILLING_KEY_ALREADY_DELETED", words::KEY_DELETED)),
        BillingKeyStatus::Other(_) => return Err(conflict("BILLING_KEY_NOT_ISSUED", words::KEY_NOT_ISSUED)),
    }
    if info.customer_id.as_deref() != Some(customer_id) {
        tracing::warn!("a billing key was offered for a customer it was not issued to");
        return Err(KeyRefusal {
            code: "BILLING_KEY_CUSTOMER_MISMATCH",
            message: words::KEY_OF_ANOTHER_CUSTOMER,
            forbidden: true,
        });
    }
    Ok(())
}

/// The checklist data of a looked-up key: its status, customer and card, never the key.
pub(super) fn key_data(info: &BillingKeyInfo) -> Value {
    let status = match &info.status {
        BillingKeyStatus::Issued => "ISSUED",
        BillingKeyStatus::Deleted => "DELETED",
        BillingKeyStatus::Other(other) => other,
    };
    json!({ "status": status, "customerId": info.customer_id, "card": info.card })
}
