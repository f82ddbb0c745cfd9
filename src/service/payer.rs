//! Whose card a subscription's next charge goes to. The subscription's stored payment method
//! wins (a trial's card, a card update's); otherwise the card that paid the month, as PortOne
//! reports its payment.

use crate::domain::billing_key::BillingKey;
use crate::domain::currency::Currency;
use crate::domain::customer_id::CustomerId;
use crate::domain::payment::Payment;
use crate::domain::payment_method::PaymentMethod;
use crate::domain::record::PaymentRecord;
use crate::ports::Payments;
use crate::ports::{GatewayError, LedgerError, Ports, SubscriptionLedger};

/// The billing key a charge goes to, its customer, and the order name and currency that rows
/// recorded before they were kept fall back on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    pub billing_key: BillingKey,
    /// PortOne's `customer.id`.
    pub customer_id: Option<String>,
    pub(super) order_name: Option<String>,
    pub(super) currency: Option<Currency>,
}

impl Payer {
    /// PortOne's `customer.id` of a charge of `month`'s subscription to this card: the card's
    /// customer, else the month's; `None` when neither is a valid customer id.
    pub fn customer(&self, month: &PaymentRecord) -> Option<CustomerId> {
        self.customer_id
            .as_deref()
            .or(month.customer_id.as_deref())
            .and_then(|id| CustomerId::parse(id).ok())
    }

    /// The card that made `payment`; `None` when it was not a billing-key payment.
    pub fn of_payment(payment: &Payment) -> Option<Self> {
        Some(Self {
            billing_key: payment.billing_key.clone()?,
            customer_id: payment.customer_id.clone(),
            order_name: Some(payment.order_name.clone()),
            currency: Some(payment.currency.clone()),
        })
    }

    /// A subscription's stored payment method.
    pub fn of_method(method: &PaymentMethod) -> Self {
        Self {
            billing_key: method.billing_key.clone(),
            customer_id: method.customer_id.clone(),
            order_name: None,
            currency: None,
        }
    }
}

/// Why the payer could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayerError {
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl crate::service::deadline::DeadlinePassed for PayerError {
    fn deadline_passed() -> Self {
        Self::Gateway(GatewayError::Timeout)
    }
}

/// The payer of `month`'s next charges: its subscription's stored payment method (a trial's card,
/// a card update's), else the card of `known` (PortOne's record of a charge of it, when the
/// caller has one), else of the payment that paid `month` (`getPayment`). `None` when none has a
/// billing key.
///
/// # Errors
/// [`PayerError`] when storage or PortOne fails.
pub async fn payer_of<P: Ports>(
    ports: &P,
    month: &PaymentRecord,
    known: Option<&Payment>,
) -> Result<Option<Payer>, PayerError> {
    if let Some(method) = ports.ledger().payment_method(&month.subscription_key()).await? {
        return Ok(Some(Payer::of_method(&method)));
    }
    if let Some(payment) = known {
        return Ok(Payer::of_payment(payment));
    }
    if month.is_trial() {
        return Ok(None);
    }
    let paid = ports.gateway().get_payment(&month.transaction_key).await?;
    Ok(Payer::of_payment(&paid))
}
