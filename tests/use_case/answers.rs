//! A start's answer as the documented body, to assert on its fields as a client reads them.

use portone_subscriptions::service::checkout::{Answered, StartAnswer};
use serde_json::Value;

/// `{success, code, message, checklist, subscription}` of `answer`: this run's, or a repeat's as
/// stored.
pub fn body(answer: &StartAnswer) -> Value {
    match &answer.body {
        Answered::Ran(answer) => serde_json::to_value(answer).unwrap(),
        Answered::Stored(document) => document.clone(),
    }
}
