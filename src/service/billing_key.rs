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
use super::run::Run;
use super::steps::Halt;

/// Step `check_billing_key` of `run` for `billing_key` and `customer_id`: recorded as done,
/// answering the card, when the key may pay.
///
/// # Errors
/// A [`Halt`] when it may not: the step is recorded as refused, ending `NotFound` (PortOne knows
/// no such key, with PortOne's code), `NotOwned` (issued for another customer) or `Conflict`
/// (deleted or not issued); or when PortOne failed (the step is recorded as failed).
pub(super) async fn check_billing_key<P: Ports>(
    ports: &P,
    run: &mut Run,
    billing_key: &BillingKey,
    customer_id: &CustomerId,
) -> Result<Option<Card>, Halt> {
    let step = Step::CHECK_BILLING_KEY;
    let info = match run
        .steps
        .within(ports.gateway().get_billing_key(billing_key))
        .await
    {
        Ok(info) => info,
        Err(GatewayError::Rejected(rejection)) if rejection.kind == RejectionKind::BillingKeyNotFound => {
            let message = messages::rejection_message(words::KEY_LOOKUP, &rejection);
            let data = Some(messages::rejection_data(&rejection));
            return Err(run.refuse(step, Ending::NotFound, &rejection.code, message, data));
        }
        Err(error) => {
            tracing::error!(step = step.code, %error, "step failed");
            return Err(run.steps.fail(step, messages::billing_key_lookup_failed(&error)));
        }
    };
    let data = key_data(&info);
    let refusal = match &info.status {
        BillingKeyStatus::Issued if info.customer_id.as_deref() == Some(customer_id.as_str()) => None,
        BillingKeyStatus::Issued => {
            tracing::warn!("a billing key was offered for a customer it was not issued to");
            Some((
                Ending::NotOwned,
                "BILLING_KEY_CUSTOMER_MISMATCH",
                words::KEY_OF_ANOTHER_CUSTOMER,
            ))
        }
        BillingKeyStatus::Deleted => Some((
            Ending::Conflict,
            "BILLING_KEY_ALREADY_DELETED",
            words::KEY_DELETED,
        )),
        BillingKeyStatus::Other(_) => {
            Some((Ending::Conflict, "BILLING_KEY_NOT_ISSUED", words::KEY_NOT_ISSUED))
        }
    };
    if let Some((ending, code, message)) = refusal {
        return Err(run.refuse(step, ending, code, message.to_owned(), Some(data)));
    }
    run.steps.succeed(step, words::KEY_OK, Some(data));
    Ok(info.card)
}

/// The checklist data of a looked-up key: its status, customer and card, never the key.
fn key_data(info: &BillingKeyInfo) -> Value {
    json!({ "status": info.status.as_portone(), "customerId": info.customer_id, "card": info.card })
}
