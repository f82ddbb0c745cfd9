//! `spawn_app()` and the upstream stand-ins shared by every HTTP test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use poem::endpoint::BoxEndpoint;
use poem::http::StatusCode;
use poem::test::TestClient;
use poem::{Body, EndpointExt};
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::http::routes;
use portone_subscriptions::adapters::portone::PortOneClient;
use portone_subscriptions::adapters::postgres::PostgresLedger;
use portone_subscriptions::adapters::random::SeededRandom;
use portone_subscriptions::adapters::storage::Ledger;
use portone_subscriptions::adapters::supabase::SupabaseLedger;
use portone_subscriptions::config::PostgresSettings;
use portone_subscriptions::service::WebhookService;
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const PORTONE_SECRET: &str = "test-portone-api-secret";
pub const SERVICE_ROLE_KEY: &str = "test-service-role-key";
/// The fixed clock: five seconds after the fixture's `paidAt`.
pub const NOW: &str = "2024-01-01T00:00:05Z";
pub const RPC_PATH: &str = "/rest/v1/rpc/record_paid_payment";

/// Writes `value` (with the HTTP status) to `snapshots/<name>.snap` at the repository root.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $status:expr, $body:expr) => {
        insta::with_settings!({
            snapshot_path => "../../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_json_snapshot!($name, serde_json::json!({ "httpStatus": $status.as_u16(), "body": $body }));
        })
    };
}

pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// A file of `tests/fixtures/portone/` as JSON.
pub fn fixture(name: &str) -> Value {
    let file = format!("{}/tests/fixtures/portone/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// `paid_payment.json` with its `id` set to `payment_id`.
pub fn paid_payment(payment_id: &str) -> Value {
    let mut payment = fixture("paid_payment.json");
    payment["id"] = json!(payment_id);
    payment
}

/// Knobs for [`spawn_app_with`].
pub struct Options {
    pub store_id: Option<String>,
    pub upstream_timeout: Duration,
    /// Points the PortOne client somewhere other than the mock server.
    pub portone_base_url: Option<String>,
    /// Stores in this PostgreSQL database (`DATABASE_URL`) instead of the PostgREST stand-in.
    pub database_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            store_id: None,
            upstream_timeout: Duration::from_secs(5),
            portone_base_url: None,
            database_url: None,
        }
    }
}

pub struct TestApp {
    pub portone: MockServer,
    pub postgrest: MockServer,
    /// Rows the PostgREST stand-in holds, by `transaction_key`.
    pub rows: Rows,
    client: TestClient<BoxEndpoint<'static>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let portone = MockServer::start().await;
    let postgrest = MockServer::start().await;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(options.upstream_timeout)
        .build()
        .unwrap();
    let gateway = PortOneClient::new(
        http.clone(),
        Url::parse(&options.portone_base_url.unwrap_or_else(|| portone.uri())).unwrap(),
        &SecretString::from(PORTONE_SECRET),
        options.store_id,
    )
    .unwrap();
    let ledger = match options.database_url {
        Some(url) => Ledger::Postgres(PostgresLedger::connect_lazy(&postgres_settings(&url)).unwrap()),
        None => Ledger::SupabaseRest(
            SupabaseLedger::new(http, &postgrest.uri(), &SecretString::from(SERVICE_ROLE_KEY)).unwrap(),
        ),
    };
    let service = WebhookService::new(gateway, ledger, FixedClock::at(now()), SeededRandom::new(42));
    let rows = mount_postgrest_stand_in(&postgrest).await;
    TestApp {
        portone,
        postgrest,
        rows,
        client: TestClient::new(routes(Arc::new(service)).boxed()),
    }
}

/// Mounts the PostgREST stand-in for `record_paid_payment` (service-role key required) and
/// returns its table.
pub async fn mount_postgrest_stand_in(postgrest: &MockServer) -> Rows {
    let rows = Rows::default();
    Mock::given(method("POST"))
        .and(path(RPC_PATH))
        .and(header("apikey", SERVICE_ROLE_KEY))
        .and(header(
            "authorization",
            format!("Bearer {SERVICE_ROLE_KEY}").as_str(),
        ))
        .respond_with(PostgrestStandIn(rows.clone()))
        .mount(postgrest)
        .await;
    rows
}

/// Test pool settings: short timeouts so an outage answers quickly.
pub fn postgres_settings(url: &str) -> PostgresSettings {
    PostgresSettings {
        url: SecretString::from(url),
        max_connections: 10,
        acquire_timeout: Duration::from_millis(1500),
        statement_timeout: Duration::from_secs(3),
    }
}

impl TestApp {
    /// `POST /api/portone` with a raw body; returns the status and the JSON answer.
    pub async fn post_webhook(&self, body: impl Into<Body>) -> (StatusCode, Value) {
        let response = self
            .client
            .post("/api/portone")
            .content_type("application/json")
            .body(body)
            .send()
            .await;
        let status = response.0.status();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes)));
        (status, value)
    }

    /// The seed's webhook `{payment_id, status}`.
    pub async fn send(&self, payment_id: &str, status: &str) -> (StatusCode, Value) {
        self.post_webhook(json!({ "payment_id": payment_id, "status": status }).to_string())
            .await
    }

    pub fn get(&self, uri: &str) -> poem::test::TestRequestBuilder<'_, BoxEndpoint<'static>> {
        self.client.get(uri)
    }

    /// PortOne answers `GET /payments/{id}` with `payment`.
    pub async fn portone_has_payment(&self, payment: &Value) {
        let id = payment["id"].as_str().unwrap();
        Mock::given(method("GET"))
            .and(path(format!("/payments/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(payment))
            .mount(&self.portone)
            .await;
    }

    /// PortOne answers `GET /payments/{id}` for any id with a `PAID` payment of that id.
    pub async fn portone_pays_everything(&self) {
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex(r"^/payments/[^/]+$"))
            .respond_with(|request: &Request| {
                let id = request.url.path().trim_start_matches("/payments/").to_owned();
                ResponseTemplate::new(200).set_body_json(paid_payment(&id))
            })
            .mount(&self.portone)
            .await;
    }

    /// PortOne schedules like the real API: the first request for a `paymentId` creates a
    /// schedule, later ones get 409 `PAYMENT_SCHEDULE_ALREADY_EXISTS`. Returns the stand-in.
    pub async fn portone_schedules(&self) -> ScheduleStandIn {
        let stand_in = ScheduleStandIn::default();
        Mock::given(method("POST"))
            .and(wiremock::matchers::path_regex(r"^/payments/[^/]+/schedule$"))
            .respond_with(stand_in.clone())
            .mount(&self.portone)
            .await;
        stand_in
    }

    /// Every request PortOne's stand-in received, as `METHOD path`.
    pub async fn portone_calls(&self) -> Vec<String> {
        let requests = self.portone.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    pub async fn storage_calls(&self) -> usize {
        self.postgrest.received_requests().await.unwrap_or_default().len()
    }
}

/// The `payment` table behind the PostgREST stand-in.
#[derive(Clone, Default)]
pub struct Rows(Arc<Mutex<HashMap<String, Value>>>);

impl Rows {
    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Answers `record_paid_payment` as PostgREST does for `Accept: application/vnd.pgrst.object+json`:
/// one object, `timestamptz` written as `+00:00`, and the stored row on a replay.
struct PostgrestStandIn(Rows);

impl Respond for PostgrestStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let params: Value = serde_json::from_slice(&request.body).unwrap();
        let key = params["p_transaction_key"].as_str().unwrap().to_owned();
        let postgres_time = |name: &str| {
            let at: DateTime<Utc> = params[name].as_str().unwrap().parse().unwrap();
            json!(at.format("%Y-%m-%dT%H:%M:%S%.f+00:00").to_string())
        };
        let mut rows = self.0 .0.lock().unwrap();
        let inserted = !rows.contains_key(&key);
        let next_id = &params["p_next_schedule_id"];
        if inserted && rows.values().any(|row| row["next_schedule_id"] == *next_id) {
            // PostgREST's answer to a unique violation.
            return ResponseTemplate::new(409).set_body_json(json!({
                "code": "23505", "details": "Key (next_schedule_id) already exists.", "hint": null,
                "message": "duplicate key value violates unique constraint \"payment_next_schedule_id_key\""
            }));
        }
        let row = rows.entry(key.clone()).or_insert_with(|| {
            json!({
                "transaction_key": key,
                "amount": params["p_amount"],
                "status": params["p_status"],
                "start_at": postgres_time("p_start_at"),
                "end_at": postgres_time("p_end_at"),
                "end_grace_at": postgres_time("p_end_grace_at"),
                "next_schedule_at": postgres_time("p_next_schedule_at"),
                "next_schedule_id": params["p_next_schedule_id"],
            })
        });
        let mut answer = row.clone();
        answer["inserted"] = json!(inserted);
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

/// PortOne's `POST /payments/{paymentId}/schedule`, remembering what it scheduled.
#[derive(Clone, Default)]
pub struct ScheduleStandIn(Arc<Mutex<Vec<(String, Value)>>>);

impl ScheduleStandIn {
    /// `(paymentId, body)` of every schedule created, in order.
    pub fn created(&self) -> Vec<(String, Value)> {
        self.0.lock().unwrap().clone()
    }
}

impl Respond for ScheduleStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let payment_id = request.url.path().split('/').nth(2).unwrap().to_owned();
        let mut created = self.0.lock().unwrap();
        if created.iter().any(|(id, _)| *id == payment_id) {
            return ResponseTemplate::new(409).set_body_json(fixture("schedule_already_exists.json"));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        created.push((payment_id, body));
        let schedule_id = format!("schedule-{:04}", created.len());
        ResponseTemplate::new(200).set_body_json(json!({ "schedule": { "id": schedule_id } }))
    }
}
