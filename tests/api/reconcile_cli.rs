//! `portone-subscriptions reconcile`: the report on stdout as JSON, and the exit codes a cron
//! reads (0 finished, 1 something could not be done, 2 bad arguments or configuration).

use std::process::Command;

use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::pg::shared;
use crate::portone::Schedules;

fn reconcile(args: &[&str], portone: &str, database_url: &str) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_portone-subscriptions"))
        .arg("reconcile")
        .args(args)
        .env_clear()
        .env("PORTONE_API_SECRET", "cli-test-secret")
        .env("PORTONE_API_BASE_URL", portone)
        .env("DATABASE_URL", database_url)
        .env("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true")
        .env("UPSTREAM_TIMEOUT_MS", "2000")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_finished_pass_exits_0_with_its_report_on_stdout() {
    let url = shared().fresh_database().await;
    let portone = MockServer::start().await;
    Schedules::mount(&portone).await;

    let (code, stdout, stderr) = reconcile(&["--dry-run"], &portone.uri(), &url);

    assert_eq!(code, Some(0), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["failed"], 0);
    assert!(
        stderr.contains("reconcile pass finished"),
        "logs go to stderr: {stderr}"
    );
}

#[tokio::test]
async fn a_pass_that_could_not_reach_portone_exits_1() {
    let url = shared().fresh_database().await;
    let portone = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({ "type": "UNKNOWN" })))
        .mount(&portone)
        .await;

    let (code, stdout, _) = reconcile(&[], &portone.uri(), &url);

    assert_eq!(code, Some(1), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(report["failed"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn bad_arguments_or_configuration_exit_2() {
    let url = shared().fresh_database().await;
    let (code, _, stderr) = reconcile(&["--force"], "http://127.0.0.1:9", &url);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("unknown argument to reconcile: --force"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_portone-subscriptions"))
        .arg("reconcile")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PORTONE_API_SECRET"));
}
