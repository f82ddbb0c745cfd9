//! A PostgREST stand-in for the ledger's SQL functions (`POST /rest/v1/rpc/<function>`), with the
//! semantics of `supabase/migrations/`: rows as `to_jsonb(p)` with `timestamptz` written as
//! `+00:00`, `setof jsonb` answered as a JSON array, 409 `23505` on a duplicate
//! `next_schedule_id`, and the service-role key required.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::SERVICE_ROLE_KEY;

/// The `payment` table behind the stand-in, by `transaction_key`.
#[derive(Clone, Default)]
pub struct Rows(Arc<Mutex<HashMap<String, Value>>>);

impl Rows {
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Mounts the stand-in on `postgrest` and returns its table.
pub async fn mount_postgrest_stand_in(postgrest: &MockServer) -> Rows {
    let rows = Rows::default();
    mount_postgrest_stand_in_with(postgrest, &rows).await;
    rows
}

/// Mounts the stand-in over an existing table (again, after a `reset` of the server).
pub async fn mount_postgrest_stand_in_with(postgrest: &MockServer, rows: &Rows) {
    Mock::given(method("POST"))
        .and(path_regex(r"^/rest/v1/rpc/[a-z_]+$"))
        .and(header("apikey", SERVICE_ROLE_KEY))
        .and(header(
            "authorization",
            format!("Bearer {SERVICE_ROLE_KEY}").as_str(),
        ))
        .respond_with(PostgrestStandIn(rows.clone()))
        .mount(postgrest)
        .await;
}

struct PostgrestStandIn(Rows);

/// `timestamptz` as PostgreSQL's `to_jsonb` writes it.
fn pg_time(value: &Value) -> Value {
    match value.as_str() {
        Some(text) => {
            let at: DateTime<Utc> = text.parse().unwrap();
            json!(at.format("%Y-%m-%dT%H:%M:%S%.f+00:00").to_string())
        }
        None => Value::Null,
    }
}

fn answer(row: Option<Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(Value::Array(row.into_iter().collect()))
}

impl Respond for PostgrestStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let function = request.url.path().rsplit('/').next().unwrap();
        let params: Value = serde_json::from_slice(&request.body).unwrap();
        let key = params["p_transaction_key"].as_str().map(str::to_owned);
        let mut rows = self.0 .0.lock().unwrap();
        let update = |rows: &mut HashMap<String, Value>, change: &dyn Fn(&mut Value)| {
            let row = rows.get_mut(key.as_deref().unwrap())?;
            change(row);
            Some(row.clone())
        };
        match function {
            "record_paid_payment" => {
                let key = key.unwrap();
                if let Some(row) = rows.get(&key) {
                    let mut row = row.clone();
                    row["inserted"] = json!(false);
                    return answer(Some(row));
                }
                if rows
                    .values()
                    .any(|row| row["next_schedule_id"] == params["p_next_schedule_id"])
                {
                    return ResponseTemplate::new(409).set_body_json(json!({
                        "code": "23505", "details": "Key (next_schedule_id) already exists.", "hint": null,
                        "message": "duplicate key value violates unique constraint \"payment_next_schedule_id_key\""
                    }));
                }
                let row = json!({
                    "id": rows.len() + 1,
                    "transaction_key": key,
                    "amount": params["p_amount"],
                    "status": params["p_status"],
                    "start_at": pg_time(&params["p_start_at"]),
                    "end_at": pg_time(&params["p_end_at"]),
                    "end_grace_at": pg_time(&params["p_end_grace_at"]),
                    "next_schedule_at": pg_time(&params["p_next_schedule_at"]),
                    "next_schedule_id": params["p_next_schedule_id"],
                    "created_at": "2024-01-01T00:00:05.123456+00:00",
                    "canceled_at": null,
                    "resumed_at": null,
                });
                rows.insert(key, row.clone());
                let mut row = row;
                row["inserted"] = json!(true);
                answer(Some(row))
            }
            "payment_by_transaction_key" => answer(rows.get(key.as_deref().unwrap()).cloned()),
            "payment_by_next_schedule_id" => answer(
                rows.values()
                    .find(|row| row["next_schedule_id"] == params["p_next_schedule_id"])
                    .cloned(),
            ),
            "cancel_payment" => answer(update(&mut rows, &|row| row["status"] = json!("Cancelled"))),
            "set_subscription_state" => answer(update(&mut rows, &|row| {
                row["canceled_at"] = pg_time(&params["p_canceled_at"]);
                row["resumed_at"] = pg_time(&params["p_resumed_at"]);
            })),
            other => ResponseTemplate::new(404).set_body_json(json!({
                "code": "PGRST202", "details": null, "hint": null,
                "message": format!("Could not find the function public.{other} in the schema cache")
            })),
        }
    }
}
