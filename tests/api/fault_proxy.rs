//! A TCP proxy in front of a stand-in that injects the faults wiremock cannot: a refused
//! connection (the listener is closed, then bound again on the same port) and a body cut short
//! (headers promise more bytes than are sent before the connection closes).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Forward,
    /// Answer requests whose request line contains the pattern with a truncated body.
    CutShort(&'static str),
}

pub struct FaultProxy {
    addr: SocketAddr,
    target: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl FaultProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(Mode::Forward));
        let task = tokio::spawn(serve(listener, target, mode.clone()));
        Self {
            addr,
            target,
            mode,
            task: Mutex::new(Some(task)),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Closes the listener: new connections are refused until [`FaultProxy::accept_again`].
    pub fn refuse(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }

    pub async fn accept_again(&self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        let task = tokio::spawn(serve(listener, self.target, self.mode.clone()));
        *self.task.lock().unwrap() = Some(task);
    }
}

async fn serve(listener: TcpListener, target: SocketAddr, mode: Arc<Mutex<Mode>>) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(handle(client, target, mode.clone()));
    }
}

/// One request per connection is enough here: requests go through one by one and the proxy
/// answers `Connection: close` for injected faults.
async fn handle(mut client: TcpStream, target: SocketAddr, mode: Arc<Mutex<Mode>>) {
    let mut head = vec![0u8; 8192];
    let Ok(read) = client.peek(&mut head).await else {
        return;
    };
    let request_line = String::from_utf8_lossy(&head[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let fault = *mode.lock().unwrap();
    if let Mode::CutShort(pattern) = fault {
        if request_line.contains(pattern) {
            let mut sink = vec![0u8; 65536];
            let _ = client.read(&mut sink).await;
            let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\nConnection: close\r\n\r\n{\"status\":\"PA";
            let _ = client.write_all(answer.as_bytes()).await;
            let _ = client.shutdown().await;
            return;
        }
    }
    if let Ok(mut upstream) = TcpStream::connect(target).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}
