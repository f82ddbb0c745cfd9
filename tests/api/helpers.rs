//! `spawn_app()` and the upstream stand-ins shared by every HTTP test.

use portone_subscriptions::service::flows::PaymentFlows;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use poem::endpoint::BoxEndpoint;
use poem::http::StatusCode;
use poem::test::TestClient;
use poem::Body;
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::http::production_routes;
use portone_subscriptions::adapters::ledger::SqlLedger;
use portone_subscriptions::adapters::portone::PortOneClient;
use portone_subscriptions::adapters::random::SeededRandom;
use portone_subscriptions::config::{
    AccessSettings, ChargeLimit, Limits, PostgresSettings, UserTokenSettings,
};
use portone_subscriptions::ports::{Adapters, Clock};
use portone_subscriptions::service::reconcile::{ReconcileSettings, Reconciler};
use portone_subscriptions::service::{Services, WebhookSecret, WebhookService};
use portone_subscriptions::startup::access;

/// The ports every HTTP test app runs on.
pub type TestPorts = Adapters<PortOneClient, SqlLedger, Arc<FixedClock>, SeededRandom>;
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const PORTONE_SECRET: &str = "test-portone-api-secret";
pub const SERVICE_ROLE_KEY: &str = "test-service-role-key";
/// The fixed clock: five seconds after the fixture's `paidAt`.
pub const NOW: &str = "2024-01-01T00:00:05Z";
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
/// The stable codes of a request refused before anything ran (400): the service's own checks
/// (`BAD_REQUEST`, `IDEMPOTENCY_KEY_REQUIRED`) and what poem-openapi could not read
/// (`INVALID_BODY`, `UNKNOWN_FIELD`, `INVALID_PARAMETER`, `INVALID_CONTENT_TYPE`).
pub const REQUEST_CODES: [&str; 6] = [
    "BAD_REQUEST",
    "IDEMPOTENCY_KEY_REQUIRED",
    "INVALID_BODY",
    "UNKNOWN_FIELD",
    "INVALID_PARAMETER",
    "INVALID_CONTENT_TYPE",
];

/// Asserts `answer` is a 400's `{code, message}` with one of [`REQUEST_CODES`].
pub fn assert_request_refused(answer: &Value, case: &str) {
    let code = answer["code"].as_str().unwrap_or_default();
    assert!(REQUEST_CODES.contains(&code), "{case}: {answer}");
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{case}: {answer}"
    );
}

pub const RPC_PATH: &str = "/rest/v1/rpc/record_month";

pub use crate::fault_proxy::FaultProxy;
pub use crate::portone::Schedules;
pub use crate::postgrest::{mount_postgrest_stand_in, Rows};

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
    /// `PORTONE_WEBHOOK_SECRET`.
    pub webhook_secret: Option<String>,
    /// In-flight limit of the webhook endpoint.
    pub limits: Limits,
    /// Per-webhook deadline.
    pub deadline: Duration,
    /// Route PortOne and PostgREST through [`FaultProxy`]s.
    pub through_proxies: bool,
    /// How reconciliation passes run.
    pub reconcile: ReconcileSettings,
    /// A Supabase project whose access tokens are accepted (a JWKS stand-in's).
    pub user_tokens: Option<UserTokenSettings>,
    /// `CORS_ALLOWED_ORIGINS`.
    pub cors_origins: Vec<String>,
    /// The per-customer charge limit; none by default, so tests start many subscriptions.
    pub charge_limit: Option<ChargeLimit>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            store_id: None,
            upstream_timeout: Duration::from_secs(5),
            portone_base_url: None,
            database_url: None,
            webhook_secret: None,
            limits: Limits::default(),
            deadline: Duration::from_secs(20),
            through_proxies: false,
            reconcile: ReconcileSettings::default(),
            user_tokens: None,
            cors_origins: Vec::new(),
            charge_limit: None,
        }
    }
}

pub struct TestApp {
    pub portone: MockServer,
    pub postgrest: MockServer,
    /// Rows the PostgREST stand-in holds, by `transaction_key`.
    pub rows: Rows,
    /// The service's clock: tests move it.
    pub clock: Arc<FixedClock>,
    /// Fault proxies in front of PortOne and PostgREST, with `Options::through_proxies`.
    pub proxies: Option<(FaultProxy, FaultProxy)>,
    /// The app's reconciler, to run passes directly.
    pub reconciler: Arc<Reconciler<TestPorts>>,
    /// The app's ledger (a clone: the same storage).
    pub ledger: SqlLedger,
    /// The app's ports, to build more services over the same storage and clock.
    pub ports: Arc<TestPorts>,
    client: TestClient<BoxEndpoint<'static>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let portone = MockServer::start().await;
    let postgrest = MockServer::start().await;
    let mut http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(options.upstream_timeout);
    let proxies = if options.through_proxies {
        // Every request on its own connection, so the proxies see each request line.
        http = http.pool_max_idle_per_host(0);
        Some((
            FaultProxy::start(*portone.address()).await,
            FaultProxy::start(*postgrest.address()).await,
        ))
    } else {
        None
    };
    let http = http.build().unwrap();
    let portone_url = match &proxies {
        Some((proxy, _)) => proxy.url(),
        None => options.portone_base_url.unwrap_or_else(|| portone.uri()),
    };
    let postgrest_url = proxies
        .as_ref()
        .map_or_else(|| postgrest.uri(), |(_, proxy)| proxy.url());
    let gateway = PortOneClient::new(
        http.clone(),
        Url::parse(&portone_url).unwrap(),
        &SecretString::from(PORTONE_SECRET),
        options.store_id,
    )
    .unwrap();
    let ledger = match options.database_url {
        Some(url) => SqlLedger::postgres(&postgres_settings(&url)).unwrap(),
        None => {
            SqlLedger::supabase_rest(http, &postgrest_url, &SecretString::from(SERVICE_ROLE_KEY)).unwrap()
        }
    };
    let clock = Arc::new(FixedClock::at(now()));
    let clock_port: Arc<dyn Clock> = clock.clone();
    let secret = options
        .webhook_secret
        .map(|secret| WebhookSecret::parse(&SecretString::from(secret)).unwrap());
    let ports = Adapters {
        gateway,
        ledger: ledger.clone(),
        clock: clock.clone(),
        random: SeededRandom::new(42),
    };
    let services = Services::new(
        WebhookService::new(PaymentFlows::new(Arc::new(ports)).with_deadline(options.deadline))
            .with_webhook_secret(secret),
    )
    .with_reconcile_settings(options.reconcile)
    .with_charge_limit(options.charge_limit);
    let rows = mount_postgrest_stand_in(&postgrest).await;
    TestApp {
        portone,
        postgrest,
        rows,
        clock,
        proxies,
        reconciler: services.reconciler.clone(),
        ports: services.webhooks.ports().clone(),
        ledger,
        client: TestClient::new(production_routes(
            &services,
            access(
                Some(SecretString::from(ADMIN_TOKEN)),
                &AccessSettings {
                    user_tokens: None,
                    cors_origins: options.cors_origins,
                    charge_limit: options.charge_limit,
                },
                options.user_tokens.as_ref(),
                reqwest::Client::new(),
                clock_port,
            ),
            options.limits,
            Some(portone_subscriptions::telemetry::metrics::install()),
        )),
    }
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
        self.post_raw(body, "application/json", &[]).await
    }

    /// `POST /api/portone` with any body, content type and extra headers.
    pub async fn post_raw(
        &self,
        body: impl Into<Body>,
        content_type: &str,
        headers: &[(&str, String)],
    ) -> (StatusCode, Value) {
        let (status, _, value) = self.post_full(body, content_type, headers).await;
        (status, value)
    }

    /// Like [`TestApp::post_raw`], with the answer's headers.
    pub async fn post_full(
        &self,
        body: impl Into<Body>,
        content_type: &str,
        headers: &[(&str, String)],
    ) -> (StatusCode, poem::http::HeaderMap, Value) {
        let mut request = self
            .client
            .post("/api/portone")
            .content_type(content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await;
        let status = response.0.status();
        let answer_headers = response.0.headers().clone();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes)));
        (status, answer_headers, value)
    }

    /// The seed's webhook `{payment_id, status}`.
    pub async fn send(&self, payment_id: &str, status: &str) -> (StatusCode, Value) {
        self.post_webhook(json!({ "payment_id": payment_id, "status": status }).to_string())
            .await
    }

    pub fn get(&self, uri: &str) -> poem::test::TestRequestBuilder<'_, BoxEndpoint<'static>> {
        self.client.get(uri)
    }

    /// `METHOD uri` with the admin bearer token; returns the status and the JSON answer.
    pub async fn admin(&self, method: &str, uri: &str) -> (StatusCode, Value) {
        let request = match method {
            "GET" => self.client.get(uri),
            "DELETE" => self.client.delete(uri),
            _ => self.client.post(uri),
        };
        let response = request
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .send()
            .await;
        let status = response.0.status();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// `METHOD uri` with `authorization` as the `Authorization` header (none when `None`) and an
    /// empty JSON body; the status, the answer's headers and its JSON.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        authorization: Option<&str>,
    ) -> (StatusCode, poem::http::HeaderMap, Value) {
        let mut request = match method {
            "GET" => self.client.get(uri),
            "DELETE" => self.client.delete(uri),
            "PUT" => self.client.put(uri),
            _ => self.client.post(uri),
        };
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.content_type("application/json").body("{}").send().await;
        let status = response.0.status();
        let headers = response.0.headers().clone();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        (
            status,
            headers,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `METHOD uri` with the admin bearer token, `headers` and a raw JSON `body`; the status, the
    /// answer's headers and its JSON (`null` when it is not JSON).
    pub async fn admin_with(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, poem::http::HeaderMap, Value) {
        let admin = format!("Bearer {ADMIN_TOKEN}");
        self.request_as(method, uri, Some(&admin), headers, body).await
    }

    /// `METHOD uri` with `authorization` (none when `None`), `headers` and a raw JSON `body`; the
    /// status, the answer's headers and its JSON (`null` when it is not JSON).
    pub async fn request_as(
        &self,
        method: &str,
        uri: &str,
        authorization: Option<&str>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (StatusCode, poem::http::HeaderMap, Value) {
        let mut request = match method {
            "GET" => self.client.get(uri),
            "PUT" => self.client.put(uri),
            "DELETE" => self.client.delete(uri),
            "OPTIONS" => self.client.options(uri),
            _ => self.client.post(uri),
        };
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .content_type("application/json")
            .body(body.to_owned())
            .send()
            .await;
        let status = response.0.status();
        let answer_headers = response.0.headers().clone();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        (
            status,
            answer_headers,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `METHOD uri` with `headers` (a name may repeat) and any `body` (a stream without a length,
    /// say); the status, the answer's headers and its JSON (`null` when it is not JSON).
    pub async fn raw(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> (StatusCode, poem::http::HeaderMap, Value) {
        let mut request = match method {
            "GET" => self.client.get(uri),
            "PUT" => self.client.put(uri),
            _ => self.client.post(uri),
        };
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body).send().await;
        let status = response.0.status();
        let answer_headers = response.0.headers().clone();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        (
            status,
            answer_headers,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `POST uri` with the admin bearer token and a JSON `body` (raw text, so malformed bodies can
    /// be sent too); returns the status and the JSON answer.
    pub async fn admin_post(&self, uri: &str, body: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .post(uri)
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .content_type("application/json")
            .body(body.to_owned())
            .send()
            .await;
        let status = response.0.status();
        let bytes = response.0.into_body().into_bytes().await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
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

    /// The `Idempotency-Key` of every request PortOne's stand-in received, in order.
    pub async fn idempotency_keys(&self) -> Vec<String> {
        self.portone
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter_map(|r| {
                r.headers
                    .get("idempotency-key")
                    .map(|v| v.to_str().unwrap().to_owned())
            })
            .collect()
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

    /// PortOne's schedule API with state: creating (`POST /payments/{id}/schedule`, 409
    /// `PAYMENT_SCHEDULE_ALREADY_EXISTS` while one is pending for that id), revoking
    /// (`DELETE /payment-schedules`), reading and listing. Returns the stand-in.
    pub async fn portone_schedules(&self) -> Schedules {
        Schedules::mount(&self.portone).await
    }

    /// Every request PortOne's stand-in received, as `METHOD path`.
    pub async fn portone_calls(&self) -> Vec<String> {
        let requests = self.portone.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// Returns once PortOne's stand-in has received a request for `path` (10 s at most).
    pub async fn wait_for_portone_call(&self, path: &str) {
        let started = std::time::Instant::now();
        while !self.portone_calls().await.iter().any(|call| call.ends_with(path)) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "PortOne's stand-in never received {path}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub async fn storage_calls(&self) -> usize {
        self.postgrest.received_requests().await.unwrap_or_default().len()
    }
}
