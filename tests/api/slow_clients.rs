//! The server loop against clients that never finish their request head: a connection that sent
//! half a header, or trickles it a byte at a time, is closed once the header read timeout passes;
//! a client that sends whole requests is served, on a kept-alive connection too, and so is one
//! that shuts its side of the connection after its request (HTTP/1 half-close).

use std::time::Duration;

use poem::endpoint::make_sync;
use poem::{handler, EndpointExt, Route};
use portone_subscriptions::adapters::http::server::{serve, ServerLimits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_millis(400);

/// Answers `ok` after giving way once, as any handler that awaits an upstream call does: the
/// connection is read again while it waits.
#[handler]
async fn after_a_wait() -> &'static str {
    tokio::task::yield_now().await;
    "ok"
}

/// A server on a free port answering `GET /` and `GET /later` with `ok`, closing slow heads after
/// [`TIMEOUT`].
async fn server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let routes = Route::new()
        .at("/", make_sync(|_| "ok"))
        .at("/later", after_a_wait)
        .boxed();
    let limits = ServerLimits {
        header_read_timeout: TIMEOUT,
        grace: Duration::from_secs(1),
    };
    tokio::spawn(serve(listener, routes, std::future::pending(), limits));
    address
}

/// Reads until the server closes the connection; `true` when it did within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0_u8; 1024];
    let read = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read).await.is_ok()
}

/// Connects, sends `sent` and no more, and asserts the server closes the connection.
async fn assert_closed_after_sending(sent: &[u8]) {
    let address = server().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(sent).await.unwrap();

    assert!(
        closed_within(&mut stream, Duration::from_secs(10)).await,
        "the connection stayed open"
    );
}

#[tokio::test]
async fn half_a_header_is_closed_after_the_header_read_timeout() {
    assert_closed_after_sending(b"GET / HTTP/1.1\r\nHost: x\r\nX-Half: ").await;
}

#[tokio::test]
async fn a_trickled_header_is_closed_too() {
    let address = server().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // One byte at a time, each well inside the timeout: activity never ends, the head never does.
    let trickle = async {
        for _ in 0..100 {
            if stream.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(TIMEOUT / 4).await;
        }
        false
    };
    let refused = tokio::time::timeout(Duration::from_secs(20), trickle).await;
    assert_eq!(
        refused,
        Ok(true),
        "the server kept reading a header that never ends"
    );
}

#[tokio::test]
async fn whole_requests_are_served_on_a_kept_alive_connection() {
    let address = server().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    for _ in 0..3 {
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let mut buffer = [0_u8; 1024];
        while !answer.ends_with(b"ok") {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(read > 0, "closed early: {}", String::from_utf8_lossy(&answer));
            answer.extend_from_slice(&buffer[..read]);
        }
        assert!(answer.starts_with(b"HTTP/1.1 200"));
    }
}

/// A client that sends its request and shuts its writing side (the request and the FIN arrive
/// together) is still answered: the handler runs to its end rather than being dropped between two
/// steps when the server reads the FIN while it waits.
#[tokio::test]
async fn a_request_is_answered_after_the_client_half_closes() {
    let address = server().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /later HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    stream.shutdown().await.unwrap();

    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "answered: {answer:?}");
    assert!(answer.ends_with("ok"), "answered: {answer:?}");
}

/// A client that connects and sends nothing is closed after the header read timeout too: the
/// server waits that long for the first bytes that tell HTTP/1 from HTTP/2.
#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_read_timeout() {
    assert_closed_after_sending(b"").await;
}

/// So is one that sends the start of the HTTP/2 preface and no more.
#[tokio::test]
async fn part_of_the_http2_preface_is_closed_after_the_header_read_timeout() {
    assert_closed_after_sending(b"PRI * HTTP/2").await;
}

/// HTTP/2 with prior knowledge (no TLS, as a proxy in front of the service may speak it) is
/// served as before, told apart by its preface.
#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let address = server().await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();

    for path in ["/", "/later"] {
        let answer = client
            .get(format!("http://{address}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.version(), reqwest::Version::HTTP_2);
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "ok");
    }
}
