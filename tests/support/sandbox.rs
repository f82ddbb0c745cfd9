//! The binary in sandbox mode as a separate process on a free port, driven over HTTP: what the
//! sandbox test binaries share.
// Each test binary that includes this uses only part of it.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Sandbox {
    child: Child,
    pub base: String,
    pub http: reqwest::Client,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    pub async fn start_with(vars: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_portone-subscriptions"))
            .arg("--sandbox")
            .env_clear()
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .envs(vars.iter().copied())
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sandbox = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let started = Instant::now();
        loop {
            if let Ok(response) = sandbox.http.get(format!("{}/healthz", sandbox.base)).send().await {
                assert_eq!(
                    response.json::<Value>().await.unwrap(),
                    json!({ "status": "ok", "sandbox": true })
                );
                return sandbox;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "sandbox did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body),
        };
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// `method path` with the sandbox's admin token.
    pub async fn admin(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.as_bearer(method, path, "sandbox-admin-token", &[], body)
            .await
    }

    /// `method path` with `Authorization: Bearer {token}`, `headers` and a JSON body.
    pub async fn as_bearer(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Value,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        request = request.header("authorization", format!("Bearer {token}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// A signed-in customer's access token from `POST /sandbox/auth/token`.
    pub async fn sign_in(&self, user_id: &str) -> String {
        let (status, session) = self
            .call("POST", "/sandbox/auth/token", json!({ "user_id": user_id }))
            .await;
        assert_eq!(status, 200, "{session:#}");
        session["access_token"].as_str().unwrap().to_owned()
    }

    /// `POST path` with the sandbox's admin token, an `Idempotency-Key` and a JSON body; the status,
    /// whether the answer was replayed, and its JSON.
    pub async fn admin_start(&self, key: &str, body: Value) -> (u16, bool, Value) {
        let response = self
            .http
            .post(format!("{}/api/subscriptions", self.base))
            .header("authorization", "Bearer sandbox-admin-token")
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let replayed = response.headers().get("idempotent-replayed").is_some();
        (
            response.status().as_u16(),
            replayed,
            response.json().await.unwrap(),
        )
    }

    /// `GET /metrics`: the exposition text, after checking its content type.
    pub async fn scrape(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        response.text().await.unwrap()
    }

    /// The read model of subscription `id`, now.
    pub async fn subscription(&self, id: &str) -> Value {
        let (status, body) = self
            .admin("GET", &format!("/api/subscriptions/{id}"), Value::Null)
            .await;
        assert_eq!(status, 200, "{body:#}");
        body["subscription"].clone()
    }
}
