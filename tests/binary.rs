//! The built binary: configuration errors stop startup with exit code 2 and one message; with
//! configuration it serves `/healthz` on the configured port.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_portone-subscriptions");

fn bare_command() -> Command {
    let mut command = Command::new(BINARY);
    // An empty working directory, so a developer's .env is not picked up.
    command
        .env_clear()
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn missing_configuration_exits_2_and_lists_every_variable() {
    let output = bare_command().output().unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in [
        "PORTONE_API_SECRET",
        "SUPABASE_URL",
        "SUPABASE_SERVICE_ROLE_KEY",
        "PORTONE_WEBHOOK_SECRET",
        "UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS",
        ".env.example",
    ] {
        assert!(stderr.contains(name), "{name} not in {stderr}");
    }
}

#[test]
fn configured_binary_serves_healthz_and_never_logs_secrets() {
    let logs = serve_healthz_then_stop(&[
        ("SUPABASE_URL", "http://127.0.0.1:9"),
        ("SUPABASE_SERVICE_ROLE_KEY", "binary-test-service-key"),
    ]);
    assert!(logs.contains("supabase rest via SUPABASE_URL"), "{logs}");
    for secret in [
        "binary-test-portone-secret",
        "binary-test-service-key",
        WEBHOOK_SECRET,
    ] {
        assert!(!logs.contains(secret), "{secret} in {logs}");
    }
    assert!(!logs.contains("NOT checked"), "{logs}");
}

#[test]
fn without_a_webhook_secret_production_runs_only_when_told_it_is_unsafe() {
    let mut command = bare_command();
    command
        .env("PORTONE_API_SECRET", "binary-test-portone-secret")
        .env("SUPABASE_URL", "http://127.0.0.1:9")
        .env("SUPABASE_SERVICE_ROLE_KEY", "binary-test-service-key");
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PORTONE_WEBHOOK_SECRET is missing"), "{stderr}");

    let logs = serve_with(
        &[
            ("SUPABASE_URL", "http://127.0.0.1:9"),
            ("SUPABASE_SERVICE_ROLE_KEY", "binary-test-service-key"),
            ("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true"),
        ],
        false,
    );
    assert!(logs.contains("webhook signatures are NOT checked"), "{logs}");
    assert!(logs.contains("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS"), "{logs}");
}

#[test]
fn database_down_at_boot_does_not_stop_the_service_and_the_choice_is_logged() {
    // Nothing listens on port 9: the pool is lazy, so startup and /healthz do not need it.
    let logs = serve_healthz_then_stop(&[
        (
            "DATABASE_URL",
            "postgres://postgres:binary-test-db-password@127.0.0.1:9/postgres",
        ),
        ("SUPABASE_URL", "http://127.0.0.1:9"),
        ("SUPABASE_SERVICE_ROLE_KEY", "binary-test-service-key"),
    ]);
    assert!(
        logs.contains("postgres via DATABASE_URL (SUPABASE_URL is also set and ignored"),
        "{logs}"
    );
    assert!(!logs.contains("binary-test-db-password"), "{logs}");
}

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Starts the binary with `vars` and a webhook secret, waits for a 200 from `/healthz`, stops it,
/// returns its logs.
fn serve_healthz_then_stop(vars: &[(&str, &str)]) -> String {
    serve_with(vars, true)
}

fn serve_with(vars: &[(&str, &str)], webhook_secret: bool) -> String {
    let port = free_port();
    let mut command = bare_command();
    command
        .env("PORTONE_API_SECRET", "binary-test-portone-secret")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string());
    if webhook_secret {
        command.env("PORTONE_WEBHOOK_SECRET", WEBHOOK_SECRET);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();

    let started = Instant::now();
    let answer = loop {
        match healthz(port) {
            Some(answer) => break answer,
            None if started.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            None => panic!("no /healthz answer within 10 s"),
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""status":"ok""#), "{answer}");
    let logs = first_line + &rest;
    assert!(logs.contains("listening"), "{logs}");
    logs
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthz(port: u16) -> Option<String> {
    try_http(
        port,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
}

/// `request` (raw HTTP/1.1, `Connection: close`) to `127.0.0.1:port`; the whole answer, or `None`
/// when nothing answers.
fn try_http(port: u16, request: &str) -> Option<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

/// As [`try_http`], for a server known to be up.
fn http(port: u16, request: &str) -> String {
    try_http(port, request).expect("the server answers")
}

/// PortOne unreachable: one webhook, its lookup tried four times. Every line the request logs
/// carries its request id and `webhook-id`; the metrics, on `METRICS_ADDR` only, count the four
/// attempts and three retries.
#[test]
fn a_webhook_logs_its_request_and_webhook_ids_and_metrics_live_on_metrics_addr() {
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = bare_command()
        .env("PORTONE_API_SECRET", "binary-test-portone-secret")
        .env("PORTONE_API_BASE_URL", "http://127.0.0.1:9")
        .env("SUPABASE_URL", "http://127.0.0.1:9")
        .env("SUPABASE_SERVICE_ROLE_KEY", "binary-test-service-key")
        .env("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while healthz(port).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no /healthz within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let body = r#"{"payment_id":"pay_binary_1","status":"Paid"}"#;
    let answer = http(
        port,
        &format!(
            "POST /api/portone HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             X-Request-Id: bin-req-1\r\nwebhook-id: msg_bin_1\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    let on_main = http(
        port,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let scrape = http(
        metrics_port,
        "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child.stdout.take().unwrap().read_to_string(&mut logs).unwrap();

    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id: bin-req-1"),
        "{answer}"
    );
    let request_lines: Vec<&str> = logs.lines().filter(|line| line.contains("bin-req-1")).collect();
    for expected in ["PortOne call failed; retrying", "step failed", "request finished"] {
        let line = request_lines
            .iter()
            .find(|line| line.contains(expected))
            .unwrap_or_else(|| panic!("no {expected:?} line with the request id in {logs}"));
        assert!(line.contains(r#""webhook_id":"msg_bin_1""#), "{line}");
    }
    assert!(
        on_main.starts_with("HTTP/1.1 404"),
        "not on the main port: {on_main}"
    );
    assert!(scrape.starts_with("HTTP/1.1 200"), "{scrape}");
    let attempts = "portone_subscriptions_upstream_request_duration_seconds_count{upstream=\"portone\",operation=\"get_payment\",result=\"connect_error\"} 4";
    let retries =
        "portone_subscriptions_upstream_retries_total{upstream=\"portone\",operation=\"get_payment\"} 3";
    let webhooks =
        "portone_subscriptions_webhooks_total{event=\"paid\",status=\"500\",outcome=\"fetch_payment\"} 1";
    for line in [attempts, retries, webhooks] {
        assert!(scrape.contains(line), "{line} not in {scrape}");
    }
}
