//! Who is asking: the app's server (the admin token) or a signed-in customer (their Supabase
//! access token). A customer may act only on their own subscriptions; the HTTP layer tells which
//! one is asking, the services decide what each may do.

use crate::domain::customer_id::CustomerId;

/// The caller of a subscription operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The app's server, with `ADMIN_API_TOKEN`: may act on every subscription.
    Admin,
    /// A signed-in customer: the token's `sub`, which is the app's PortOne `customer.id`
    /// (Supabase's `auth.uid()`).
    Customer(CustomerId),
}

impl Caller {
    /// `true` when the caller may act on a subscription of `customer_id`. A subscription whose
    /// customer is unknown belongs to no customer.
    pub fn may_act_for(&self, customer_id: Option<&str>) -> bool {
        match self {
            Self::Admin => true,
            Self::Customer(id) => customer_id == Some(id.as_str()),
        }
    }

    /// The customer a signed-in caller is; `None` for the admin.
    pub fn customer(&self) -> Option<&CustomerId> {
        match self {
            Self::Admin => None,
            Self::Customer(id) => Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Caller, CustomerId};

    #[test]
    fn a_customer_acts_only_for_themselves() {
        let alice = Caller::Customer(CustomerId::parse("alice").unwrap());
        assert!(alice.may_act_for(Some("alice")));
        assert!(!alice.may_act_for(Some("bob")));
        assert!(!alice.may_act_for(None));
        assert!(Caller::Admin.may_act_for(Some("bob")));
        assert!(Caller::Admin.may_act_for(None));
        assert_eq!(alice.customer().map(CustomerId::as_str), Some("alice"));
        assert_eq!(Caller::Admin.customer(), None);
    }
}
