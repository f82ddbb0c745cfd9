//! The card a subscription's next charges go to: its PortOne billing key, and the card's summary
//! for people.

use serde::Serialize;

use super::billing_key::BillingKey;
use super::timestamp::Timestamp;

/// A card as PortOne shows it (`getBillingKeyInfo`: `methods[].card`): its issuer and brand as
/// PortOne names them (`CardCompany`, `CardBrand`) and its masked number. Never the billing key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Card {
    pub issuer: Option<String>,
    pub brand: Option<String>,
    /// Masked by PortOne (`1234-56**-****-7890`).
    pub number: Option<String>,
}

/// The billing key a subscription's next charges use, and its card. Storage keeps it apart from
/// the months (`public.payment_method`), because a signed-in customer may read their own months
/// and must never read a billing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethod {
    pub subscription_id: String,
    /// PortOne's `customer.id` the key was issued for.
    pub customer_id: Option<String>,
    pub billing_key: BillingKey,
    pub card: Card,
    /// UTC.
    pub updated_at: Timestamp,
}
