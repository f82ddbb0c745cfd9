//! What an event's `data` looks like once it leaves the service (delivered to the app, listed by
//! `GET /api/events`): `data.subscription` is exactly the object the API answers as
//! `subscription`, and the card rides next to it as `data.payment_method`.
//!
//! Storage writes the read model as it reads it: PostgreSQL's `to_jsonb` writes a `timestamptz`
//! as `2024-01-01T00:00:05+00:00` and the read model carries the card summary inside. Both are
//! evened out here, at the one place events are shown, so every ledger shows the same bytes and
//! the app parses one shape (times as [`Timestamp::to_iso`]: `2024-01-01T00:00:05.000Z`).

use chrono::DateTime;
use serde_json::Value;

use super::timestamp::Timestamp;

/// `data` as the app sees it (see the module docs). Keys it does not know are kept as they are.
pub fn public_data(mut data: Value) -> Value {
    let Some(object) = data.as_object_mut() else {
        return data;
    };
    if let Some(subscription) = object.get_mut("subscription") {
        let card = subscription
            .as_object_mut()
            .and_then(|model| model.remove("payment_method"));
        normalize_times(subscription);
        if let Some(card) = card {
            object.entry("payment_method").or_insert(card);
        }
    }
    for (key, value) in object.iter_mut() {
        if key != "subscription" {
            normalize_times(value);
        }
    }
    data
}

/// Every `at` and `*_at` string that is an RFC 3339 time, at any depth, written as [`Timestamp::to_iso`].
fn normalize_times(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(text) if key == "at" || key.ends_with("_at") => {
                        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
                            *text = Timestamp::from_utc(at.to_utc()).to_iso();
                        }
                    }
                    other => normalize_times(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_times),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::public_data;

    #[test]
    fn storage_times_and_the_inner_card_become_the_api_s_shape() {
        let stored = json!({
            "subscription": {
                "end_at": "2024-01-31T00:00:00+00:00",
                "next_charge": { "at": "2024-02-01T01:08:00.5+00:00" },
                "attempts": [{ "failed_at": "2024-02-01T01:08:00+09:00" }],
                "canceled_at": null,
                "payment_method": { "brand": "VISA" },
                "order_name": "월간 구독"
            },
            "month": { "paid_at": "2024-01-01T00:00:05+00:00", "note": "x" }
        });
        assert_eq!(
            public_data(stored),
            json!({
                "subscription": {
                    "end_at": "2024-01-31T00:00:00.000Z",
                    "next_charge": { "at": "2024-02-01T01:08:00.500Z" },
                    "attempts": [{ "failed_at": "2024-01-31T16:08:00.000Z" }],
                    "canceled_at": null,
                    "order_name": "월간 구독"
                },
                "payment_method": { "brand": "VISA" },
                "month": { "paid_at": "2024-01-01T00:00:05.000Z", "note": "x" }
            })
        );
    }
}
