//! SIGTERM stops accepting connections, lets the in-flight webhook finish, then exits 0.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn paid_payment() -> Value {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/portone/paid_payment.json"
    );
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[tokio::test]
async fn sigterm_lets_the_in_flight_webhook_finish_and_exits_zero() {
    let upstream = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/payments/pay_123456"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(paid_payment())
                .set_delay(Duration::from_millis(1500)),
        )
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/v1/rpc/record_month"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "transaction_key": "pay_123456", "amount": 10000, "status": "Paid",
            "start_at": "2024-01-01T00:00:00+00:00", "end_at": "2024-01-31T00:00:00+00:00",
            "end_grace_at": "2024-02-01T14:59:59+00:00", "next_schedule_at": "2024-02-01T01:30:00+00:00",
            "next_schedule_id": "96cf178f-fa36-575d-a7fe-58566dc0d9ba", "canceled_at": null, "resumed_at": null,
            "inserted": true
        }])))
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/payments/[^/]+/schedule$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "schedule": { "id": "schedule-1" } })))
        .mount(&upstream)
        .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portone-subscriptions"))
        .env_clear()
        .env("PORTONE_API_SECRET", "shutdown-test-secret")
        .env("PORTONE_API_BASE_URL", upstream.uri())
        .env("SUPABASE_URL", upstream.uri())
        .env("SUPABASE_SERVICE_ROLE_KEY", "shutdown-test-key")
        .env("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the service did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let webhook = tokio::spawn({
        let (http, url) = (http.clone(), format!("{base}/api/portone"));
        async move {
            let response = http
                .post(url)
                .json(&json!({ "payment_id": "pay_123456", "status": "Paid" }))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    });
    // The webhook is in flight once PortOne's stand-in has its payment lookup (it answers 1.5 s
    // later): signal then, not after a guessed delay.
    let waiting = Instant::now();
    while !upstream
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .any(|request| request.url.path() == "/payments/pay_123456")
    {
        assert!(
            waiting.elapsed() < Duration::from_secs(10),
            "the webhook never reached PortOne's stand-in"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let signalled = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());

    let (status, body) = webhook.await.unwrap();
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["success"], true);
    let exited = Instant::now();
    let code = loop {
        if let Some(code) = child.try_wait().unwrap() {
            break code;
        }
        assert!(
            exited.elapsed() < Duration::from_secs(10),
            "the service did not exit"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(code.code(), Some(0));
    assert!(
        http.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer accepting connections"
    );
}
