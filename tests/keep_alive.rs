//! A kept-alive HTTP/1.1 connection stays open after every answer, POSTs with a body the operation
//! does not read included (cancel and resume take `{}`): a client that reuses it is never reset.
//! Raw requests on one TCP connection, against the binary in sandbox mode.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "support/sandbox.rs"]
mod sandbox_process;

use sandbox_process::Sandbox;

/// Reads one answer: its head, and a body of its `content-length`.
async fn answer(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
            .await
            .expect("an answer within 10 s")
            .unwrap();
        assert!(
            read > 0,
            "the connection was closed: {}",
            String::from_utf8_lossy(&bytes)
        );
        bytes.extend_from_slice(&buffer[..read]);
    }
}

#[tokio::test]
async fn a_kept_alive_connection_survives_posts_whose_body_is_not_read() {
    let sandbox = Sandbox::start().await;
    let address = sandbox.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    for path in [
        "/api/subscriptions/no-such/cancel",
        "/api/subscriptions/no-such/resume",
        "/api/subscriptions/no-such/cancel",
        "/sandbox/clock/advance",
    ] {
        for _ in 0..3 {
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer sandbox-admin-token\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            // The body in a packet of its own, a moment after the head, as a client on a real
            // network often sends it: an operation that answered without reading it left hyper
            // unable to reuse the connection, and it was closed without `Connection: close`.
            tokio::time::sleep(Duration::from_millis(20)).await;
            stream.write_all(b"{}").await.unwrap();
            let text = answer(&mut stream).await;
            assert!(text.starts_with("HTTP/1.1 "), "{text}");
            assert!(
                !text.to_ascii_lowercase().contains("connection: close"),
                "{path}: {text}"
            );
        }
    }
}
