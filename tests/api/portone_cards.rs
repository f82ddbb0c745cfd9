//! PortOne's billing keys, billing-key charges, refunds and the payments they make, with state,
//! answering as PortOne's published OpenAPI schema says (the answers are the committed fixtures,
//! with the request's values filled in): `getBillingKeyInfo`, `payWithBillingKey`,
//! `cancelPayment` and `getPayment`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{fixture, NOW};

#[derive(Default)]
struct State {
    /// Billing key → (customer id, deleted).
    keys: HashMap<String, (String, bool)>,
    declines: HashMap<String, u32>,
    payments: HashMap<String, Value>,
    /// Charges still to answer 504 although PortOne charged (an answer lost on the way).
    lost_answers: u32,
    /// `paidAt` of the next charges; [`NOW`] until set.
    now: Option<String>,
}

#[derive(Clone, Default)]
pub struct Cards(Arc<Mutex<State>>);

fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

impl Cards {
    pub async fn mount(server: &MockServer) -> Self {
        let cards = Self::default();
        let routes: [(&str, &str); 4] = [
            ("GET", r"^/billing-keys/[^/]+$"),
            ("POST", r"^/payments/[^/]+/billing-key$"),
            ("POST", r"^/payments/[^/]+/cancel$"),
            ("GET", r"^/payments/[^/]+$"),
        ];
        for (verb, route) in routes {
            Mock::given(method(verb))
                .and(path_regex(route))
                .respond_with(cards.clone())
                .mount(server)
                .await;
        }
        cards
    }

    /// Issues `key` for `customer_id`.
    pub fn issue(&self, key: &str, customer_id: &str) {
        self.0
            .lock()
            .unwrap()
            .keys
            .insert(key.into(), (customer_id.into(), false));
    }

    pub fn delete(&self, key: &str) {
        self.0.lock().unwrap().keys.get_mut(key).unwrap().1 = true;
    }

    pub fn decline_next(&self, key: &str, n: u32) {
        self.0.lock().unwrap().declines.insert(key.into(), n);
    }

    /// The next `n` charge attempts answer 504 although the first of them charged.
    pub fn lose_answers(&self, n: u32) {
        self.0.lock().unwrap().lost_answers = n;
    }

    /// PortOne holds `payment` (a charge made by a schedule, say), answered by `getPayment`.
    pub fn holds(&self, payment: Value) {
        let id = payment["id"].as_str().unwrap().to_owned();
        self.0.lock().unwrap().payments.insert(id, payment);
    }

    /// Charges from now on are paid at `at` (RFC 3339).
    pub fn set_now(&self, at: &str) {
        self.0.lock().unwrap().now = Some(at.to_owned());
    }

    /// PortOne's record of `id`.
    pub fn payment(&self, id: &str) -> Option<Value> {
        self.0.lock().unwrap().payments.get(id).cloned()
    }

    fn billing_key(&self, key: &str) -> ResponseTemplate {
        let state = self.0.lock().unwrap();
        let Some((customer, deleted)) = state.keys.get(key) else {
            return json_answer(404, fixture("billing_key_not_found.json"));
        };
        let mut info = fixture(if *deleted {
            "billing_key_deleted.json"
        } else {
            "billing_key_issued.json"
        });
        info["billingKey"] = json!(key);
        info["customer"]["id"] = json!(customer);
        json_answer(200, info)
    }

    fn pay(&self, id: &str, body: &Value) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let key = body["billingKey"].as_str().unwrap_or_default().to_owned();
        match state.keys.get(&key) {
            None => return json_answer(404, fixture("billing_key_not_found.json")),
            Some((_, true)) => return json_answer(409, fixture("billing_key_already_deleted.json")),
            Some(_) => {}
        }
        let lost = state.lost_answers > 0;
        state.lost_answers = state.lost_answers.saturating_sub(1);
        if state.payments.get(id).is_some_and(|p| p["status"] == "PAID") {
            if lost {
                return ResponseTemplate::new(504).set_body_string("<html>gateway timeout</html>");
            }
            return json_answer(409, fixture("already_paid.json"));
        }
        let declined = state.declines.get(&key).is_some_and(|n| *n > 0);
        if declined {
            *state.declines.get_mut(&key).unwrap() -= 1;
        }
        let mut payment = fixture(if declined {
            "failed_payment.json"
        } else {
            "paid_payment.json"
        });
        payment["id"] = json!(id);
        payment["billingKey"] = json!(key);
        payment["orderName"] = body["orderName"].clone();
        payment["currency"] = body["currency"].clone();
        payment["customer"] = json!({ "id": body["customer"]["id"] });
        payment["amount"]["total"] = body["amount"]["total"].clone();
        let paid_at = state.now.clone().unwrap_or_else(|| NOW.to_owned());
        if !declined {
            payment["amount"]["paid"] = body["amount"]["total"].clone();
            payment["paidAt"] = json!(paid_at);
        }
        match body.get("customData") {
            Some(data) => payment["customData"] = data.clone(),
            None => {
                payment.as_object_mut().unwrap().remove("customData");
            }
        }
        payment.as_object_mut().unwrap().remove("scheduleId");
        state.payments.insert(id.to_owned(), payment);
        if declined {
            return json_answer(502, fixture("pg_provider_declined.json"));
        }
        if lost {
            return ResponseTemplate::new(504).set_body_string("<html>gateway timeout</html>");
        }
        let mut answer = fixture("pay_with_billing_key.json");
        answer["payment"]["paidAt"] = json!(paid_at);
        json_answer(200, answer)
    }

    fn cancel(&self, id: &str, body: &Value) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap();
        let Some(payment) = state.payments.get_mut(id) else {
            return json_answer(404, fixture("payment_not_found.json"));
        };
        if payment["status"] == "CANCELLED" {
            return json_answer(409, fixture("payment_already_cancelled.json"));
        }
        let total = payment["amount"]["total"].as_i64().unwrap();
        let cancelled = payment["amount"]["cancelled"].as_i64().unwrap();
        let cancellable = total - cancelled;
        if body["currentCancellableAmount"]
            .as_i64()
            .is_some_and(|stated| stated != cancellable)
        {
            return json_answer(409, fixture("cancellable_amount_consistency_broken.json"));
        }
        let amount = body["amount"].as_i64().unwrap_or(cancellable);
        if amount > cancellable {
            return json_answer(409, fixture("cancel_amount_exceeds_cancellable.json"));
        }
        let now_cancelled = cancelled + amount;
        let full = now_cancelled == total;
        let template = fixture(if full {
            "cancelled_payment.json"
        } else {
            "partial_cancelled_payment.json"
        });
        for field in ["status", "cancelledAt", "cancellations"] {
            payment[field] = template[field].clone();
        }
        payment["cancellations"][0]["totalAmount"] = json!(now_cancelled);
        payment["amount"]["cancelled"] = json!(now_cancelled);
        payment["amount"]["paid"] = json!(total - now_cancelled);
        payment.as_object_mut().unwrap().remove("disputes");
        let mut answer = fixture("cancel_payment.json");
        answer["cancellation"]["totalAmount"] = json!(amount);
        answer["cancellation"]["reason"] = body["reason"].clone();
        json_answer(200, answer)
    }
}

impl Respond for Cards {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = request.url.path().trim_start_matches('/').split('/').collect();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        match (request.method.as_str(), segments.as_slice()) {
            ("GET", ["billing-keys", key]) => self.billing_key(key),
            ("POST", ["payments", id, "billing-key"]) => self.pay(id, &body),
            ("POST", ["payments", id, "cancel"]) => self.cancel(id, &body),
            ("GET", ["payments", id]) => match self.payment(id) {
                Some(payment) => json_answer(200, payment),
                None => json_answer(404, fixture("payment_not_found.json")),
            },
            _ => ResponseTemplate::new(404),
        }
    }
}
