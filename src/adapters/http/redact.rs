//! Billing keys are never shown to a signed-in customer: a leaked key lets its holder be charged
//! by anyone holding the store's API secret, and the customer has no use for it. Checklists carry
//! PortOne's payment (`billingKey` in step data); answers to a customer's token drop it.

use serde_json::Value;

use crate::service::Caller;

/// `value` with every `billingKey` (PortOne's) and `billing_key` (ours) field removed, at any depth, when `caller` is a customer.
pub fn for_caller(mut value: Value, caller: &Caller) -> Value {
    if caller.customer().is_some() {
        drop_billing_keys(&mut value);
    }
    value
}

fn drop_billing_keys(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.remove("billingKey");
            object.remove("billing_key");
            object.values_mut().for_each(drop_billing_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_billing_keys),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::for_caller;
    use crate::service::Caller;

    #[test]
    fn a_customer_never_sees_a_billing_key_and_the_admin_sees_everything() {
        let answer = json!({ "checklist": [{ "data": { "billingKey": "bk", "paymentId": "p", "nested": [{ "billingKey": "bk2" }] } }] });
        let customer = for_caller(
            answer.clone(),
            &Caller::Customer(crate::domain::customer_id::CustomerId::parse("c").unwrap()),
        );
        assert_eq!(
            customer,
            json!({ "checklist": [{ "data": { "paymentId": "p", "nested": [{}] } }] })
        );
        assert_eq!(for_caller(answer.clone(), &Caller::Admin), answer);
    }
}
