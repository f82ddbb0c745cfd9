//! Whether a billing key may pay for a customer's subscription: PortOne knows it
//! (`getBillingKeyInfo`), reports it `ISSUED`, and issued it for that very customer
//! (`customer.id`). A key is only ever charged for its own customer. The `check_billing_key` step
//! of a start and of a card update.

use crate::domain::answer::Ending;
use crate::domain::customer_id::CustomerId;
use crate::ports::BillingKeys;
use serde_json::{json, Value};

use crate::domain::billing_key::BillingKey;
use crate::domain::checklist::Step;
use crate::domain::payment_method::Card;
use crate::domain::rejection::RejectionKind;
use crate::ports::{BillingKeyInfo, BillingKeyStatus, GatewayError, Ports};

use super::messages::{self, checkout as words};
use super::steps::{Halt, Steps};

/// Why a billing key cannot pay: how to answer, a stable code, a Korean message and the step's
/// `data`. The caller records the step as refused.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct KeyRefused {
    /// `NotFound` (PortOne knows no such key), `NotOwned` (issued for another customer) or
    /// `Conflict` (deleted or not issued).
    pub ending: Ending,
    pub code: String,
    pub message: String,
    pub data: Value,
}

/// Step `check_billing_key` for `billing_key` and `customer_id`: recorded as done, answering the
/// card, when the key may pay.
///
/// # Errors
/// `Ok(Err(KeyRefused))` when it may not (the caller records the refusal); `Err(Halt)` when
/// PortOne failed (the step is recorded as failed).
pub(super) async fn check_billing_key<P: Ports>(
    ports: &P,
    steps: &mut Steps,
    billing_key: &BillingKey,
    customer_id: &CustomerId,
) -> Result<Result<Option<Card>, KeyRefused>, Halt> {
    let step = Step::CHECK_BILLING_KEY;
    let info = match steps.within(ports.gateway().get_billing_key(billing_key)).await {
        Ok(info) => info,
        Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::BillingKeyNotFound => {
            return Ok(Err(KeyRefused {
                ending: Ending::NotFound,
                message: messages::rejection_message(words::KEY_LOOKUP, &rejection),
                data: messages::rejection_data(&rejection),
                code: rejection.code,
            }));
        }
        Err(error) => {
            tracing::error!(step = step.code, %error, "step failed");
            return Err(steps.fail(step, messages::billing_key_lookup_failed(&error)));
        }
    };
    let data = key_data(&info);
    let refuse = |ending, code: &str, message: &str| {
        Ok(Err(KeyRefused {
            ending,
            code: code.to_owned(),
            message: message.to_owned(),
            data: data.clone(),
        }))
    };
    match &info.status {
        BillingKeyStatus::Issued => {}
        BillingKeyStatus::Deleted => {
            return refuse(
                Ending::Conflict,
                "BILLING_KEY_ALREADY_DELETED",
                words::KEY_DELETED,
            )
        }
        BillingKeyStatus::Other(_) => {
            return refuse(Ending::Conflict, "BILLING_KEY_NOT_ISSUED", words::KEY_NOT_ISSUED)
        }
    }
    if info.customer_id.as_deref() != Some(customer_id.as_str()) {
        tracing::warn!("a billing key was offered for a customer it was not issued to");
        return refuse(
            Ending::NotOwned,
            "BILLING_KEY_CUSTOMER_MISMATCH",
            words::KEY_OF_ANOTHER_CUSTOMER,
        );
    }
    steps.succeed(step, words::KEY_OK, Some(data));
    Ok(Ok(info.card))
}

/// The checklist data of a looked-up key: its status, customer and card, never the key.
fn key_data(info: &BillingKeyInfo) -> Value {
    json!({ "status": info.status.as_portone(), "customerId": info.customer_id, "card": info.card })
}
