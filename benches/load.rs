//! Load benchmark: `cargo bench --bench load` builds the release binary, starts it as a
//! separate process against upstream stand-ins (PortOne and PostgREST, in this process), and prints
//! a table:
//! - throughput, webhooks/s, paid flow end to end with fresh payment ids, stand-ins answering at
//!   once, 64 concurrent connections;
//! - latency p50/p99 with every upstream call delayed 20 ms, 256 concurrent connections, and the
//!   overhead: p99 minus the 60 ms the three upstream calls take;
//! - the p99 overhead at 16 connections with the same delays: p99 minus the upstream time one
//!   webhook spends (its upstream calls, counted by the stand-ins, × 20 ms);
//! - the service's resident memory: at rest, with 256 idle kept-alive connections, and its peak
//!   (VmHWM) with 256 webhooks in flight, so where the memory goes can be told apart;
//! - its start-up time to the first `/healthz` 200.
//!
//! Everything shares this machine's cores: load generator, stand-ins and service.
//! `BENCH_SECONDS` (default 10) sets each phase's length. `BENCH_SERVICE_ENV` (`KEY=VALUE,…`) is
//! passed to the service, to compare settings (an allocator's `_RJEM_MALLOC_CONF`, say) in one
//! command. `BENCH_UPSTREAM_TLS=1` serves the stand-ins over TLS with a certificate authority made
//! for the run, as PortOne and Supabase are reached in production: the service then negotiates
//! HTTP/2 by ALPN and multiplexes its upstream calls on one connection instead of one HTTP/1
//! connection per call in flight.

#[path = "support/portone.rs"]
mod portone;
#[path = "support/tls.rs"]
mod tls;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, RustlsCertificate, RustlsConfig, TcpListener};
use poem::web::{Data, Path};
use poem::{get, handler, post, EndpointExt, Response, Route, Server};
use serde_json::{json, Value};

use portone::{json_response, paid_payment};
use tls::TestTls;

/// Upstream delay in milliseconds, shared with the stand-in handlers, and how many upstream
/// calls they answered.
#[derive(Clone)]
struct Delay(Arc<AtomicU64>, Arc<AtomicU64>);

impl Delay {
    async fn wait(&self) {
        self.1.fetch_add(1, Ordering::Relaxed);
        let ms = self.0.load(Ordering::Relaxed);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

#[handler]
async fn payment(Path(id): Path<String>, delay: Data<&Delay>) -> Response {
    delay.wait().await;
    json_response(paid_payment(&id))
}

#[handler]
async fn schedule(Path(id): Path<String>, body: String, delay: Data<&Delay>) -> Response {
    // Read to its end, as a real server reads the request: an HTTP/2 stream answered before its
    // body was read is reset by the server, and hyper's server closes a connection with too many
    // of them ("excessive load generating behavior"), which no real PortOne answer causes.
    drop(body);
    delay.wait().await;
    json_response(format!(r#"{{"schedule":{{"id":"schedule-{id}"}}}}"#))
}

/// PostgREST's `record_month`: the month back with `inserted: true` and no renewed month (a first
/// payment); other functions: no row.
#[handler]
async fn rpc(Path(function): Path<String>, body: String, delay: Data<&Delay>) -> Response {
    delay.wait().await;
    if function != "record_month" {
        return json_response("[]".to_owned());
    }
    let mut call: Value = serde_json::from_str(&body).unwrap_or_default();
    let mut month = call["p_month"].take();
    if let Some(row) = month.as_object_mut() {
        row.insert("inserted".to_owned(), json!(true));
        row.insert("renewed".to_owned(), Value::Null);
    }
    json_response(json!([month]).to_string())
}

/// Starts the stand-ins, over TLS when `tls` is given; their base URL.
async fn start_stand_ins(delay: Delay, tls: Option<&TestTls>) -> String {
    let app = Route::new()
        .at("/payments/:id", get(payment))
        .at("/payments/:id/schedule", post(schedule))
        .at("/rest/v1/rpc/:function", post(rpc))
        .data(delay);
    let listener = TcpListener::bind("127.0.0.1:0");
    let Some(tls) = tls else {
        let acceptor = listener.into_acceptor().await.unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        return format!("http://127.0.0.1:{port}");
    };
    let certificate = RustlsCertificate::new()
        .cert(tls.cert_pem.clone())
        .key(tls.key_pem.clone());
    let acceptor = listener
        .rustls(RustlsConfig::new().fallback(certificate))
        .into_acceptor()
        .await
        .unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    // No cap on concurrent streams from the stand-in (hyper's default is 200), so the service's
    // 256 calls in flight are not queued by the bench itself; a real server's cap is its own.
    let server = Server::new_with_acceptor(acceptor).http2_max_concurrent_streams(Some(1024));
    tokio::spawn(server.run(app));
    format!("https://127.0.0.1:{port}")
}

struct Service {
    child: Child,
    base: String,
    startup: Duration,
}

impl Drop for Service {
    /// SIGTERM first, so a wrapper (a profiler) sees the service exit and writes its report; then
    /// SIGKILL whatever is left after 5 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_service(upstream: &str, tls: Option<&TestTls>, http: &reqwest::Client) -> Service {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    // `BENCH_SERVICE_WRAPPER` (say `heaptrack`) runs the service under a profiler; the memory
    // rows are then the wrapper's, but its profile tells where the service's memory went.
    let binary = env!("CARGO_BIN_EXE_portone-subscriptions");
    let mut command = match std::env::var("BENCH_SERVICE_WRAPPER") {
        Ok(wrapper) if !wrapper.is_empty() => {
            let mut command = Command::new(wrapper);
            command.arg(binary);
            command
        }
        _ => Command::new(binary),
    };
    let child = command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORTONE_API_SECRET", "bench-secret")
        .env("PORTONE_API_BASE_URL", upstream)
        .env("SUPABASE_URL", upstream)
        .env("SUPABASE_SERVICE_ROLE_KEY", "bench-service-role-key")
        // Unsigned webhooks, as in the earlier runs, so the rows compare like for like.
        .env("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS", "true")
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "info")
        .envs(tls.map(|tls| ("SSL_CERT_FILE", tls.ca_file.clone())))
        .envs(service_env())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the release binary");
    let mut service = Service {
        child,
        base: format!("http://127.0.0.1:{port}"),
        startup: Duration::ZERO,
    };
    loop {
        if let Ok(response) = http.get(format!("{}/healthz", service.base)).send().await {
            if response.status().is_success() {
                service.startup = started.elapsed();
                return service;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the service did not start"
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

/// `BENCH_SERVICE_ENV`'s `KEY=VALUE` pairs.
fn service_env() -> Vec<(String, String)> {
    std::env::var("BENCH_SERVICE_ENV")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

/// What a phase measured: latencies and the service's own time (latency minus the upstream time it
/// reported in `Server-Timing`), both in µs and sorted, of the 200s, and the count of other
/// answers.
struct Phase {
    latencies: Vec<u64>,
    own: Vec<u64>,
    failures: usize,
}

/// `upstream;dur=…` of a `Server-Timing` header, in µs.
fn upstream_us(response: &reqwest::Response) -> Option<u64> {
    let timing = response.headers().get("server-timing")?.to_str().ok()?;
    let dur = timing
        .split(',')
        .next()?
        .split(';')
        .find_map(|p| p.trim().strip_prefix("dur="))?;
    dur.parse::<f64>().ok().map(|ms| (ms * 1000.0) as u64)
}

/// `connections` loops posting `Paid` webhooks with fresh ids for `length`.
async fn load(base: &str, connections: usize, length: Duration, tag: &str) -> Phase {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    let until = Instant::now() + length;
    let tasks = (0..connections).map(|c| {
        let (http, url, tag) = (http.clone(), format!("{base}/api/portone"), tag.to_owned());
        tokio::spawn(async move {
            let (mut latencies, mut own, mut failures) = (Vec::new(), Vec::new(), 0usize);
            let mut n = 0u64;
            while Instant::now() < until {
                n += 1;
                let body = format!(r#"{{"payment_id":"bench-{tag}-{c}-{n}","status":"Paid"}}"#);
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let upstream = upstream_us(&r);
                        let _ = r.bytes().await;
                        let latency = sent.elapsed().as_micros() as u64;
                        latencies.push(latency);
                        if let Some(upstream) = upstream {
                            own.push(latency.saturating_sub(upstream));
                        }
                    }
                    _ => failures += 1,
                }
            }
            (latencies, own, failures)
        })
    });
    let mut phase = Phase {
        latencies: Vec::new(),
        own: Vec::new(),
        failures: 0,
    };
    for task in tasks.collect::<Vec<_>>() {
        let (latencies, own, failed) = task.await.unwrap();
        phase.latencies.extend(latencies);
        phase.own.extend(own);
        phase.failures += failed;
    }
    phase.latencies.sort_unstable();
    phase.own.sort_unstable();
    phase
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

/// CPU time (user + system) the process used so far, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 14th, stime the 15th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0.0) + fields.get(12).copied().unwrap_or(0.0);
    ticks / 100.0
}

fn peak_rss_mib(pid: u32) -> f64 {
    status_mib(pid, "VmHWM:")
}

/// The most threads the service had, sampled every 10 ms for `length`.
async fn sample_threads(pid: u32, length: Duration) -> u64 {
    let until = Instant::now() + length;
    let mut most = 0;
    while Instant::now() < until {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let threads = status
            .lines()
            .find_map(|line| line.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        most = most.max(threads);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    most
}

fn rss_mib(pid: u32) -> f64 {
    status_mib(pid, "VmRSS:")
}

/// One `/proc/{pid}/status` size, in MiB.
fn status_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let length = Duration::from_secs(seconds);
    let delay = Delay(Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let tls = (std::env::var("BENCH_UPSTREAM_TLS").as_deref() == Ok("1")).then(TestTls::generate);
    let upstream = start_stand_ins(delay.clone(), tls.as_ref()).await;
    let http = reqwest::Client::new();
    let service = start_service(&upstream, tls.as_ref(), &http).await;

    let pid = service.child.id();
    let rss_at_rest = rss_mib(pid);
    // 256 connections, each answered once and then kept alive, idle.
    let idle = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let health = (0..256).map(|_| idle.get(format!("{}/healthz", service.base)).send());
    futures::future::join_all(health).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_idle_connections = rss_mib(pid);
    drop(idle);
    load(&service.base, 64, Duration::from_secs(1), "warmup").await;
    let cpu_before = cpu_seconds(pid);
    let Phase {
        latencies: fast,
        failures: fast_failures,
        ..
    } = load(&service.base, 64, length, "throughput").await;
    let throughput = fast.len() as f64 / length.as_secs_f64();
    let cpu_per_webhook_us = (cpu_seconds(pid) - cpu_before) / fast.len() as f64 * 1e6;
    let rss_fast = peak_rss_mib(pid);

    delay.0.store(20, Ordering::Relaxed);
    let calls_before = delay.1.load(Ordering::Relaxed);
    let Phase {
        latencies: sixteen,
        own: own_16,
        ..
    } = load(&service.base, 16, length, "latency16").await;
    let calls_per_webhook = (delay.1.load(Ordering::Relaxed) - calls_before) as f64 / sixteen.len() as f64;
    let upstream_ms = calls_per_webhook * 20.0;
    let (p50_16, p99_16) = (percentile(&sixteen, 0.50), percentile(&sixteen, 0.99));
    let quiet = load(&service.base, 64, length, "latency64").await.latencies;
    let quiet_p99 = percentile(&quiet, 0.99);
    let (service_cpu, own_cpu) = (cpu_seconds(pid), cpu_seconds(std::process::id()));
    let sampler = tokio::spawn(sample_threads(pid, length));
    let Phase {
        latencies: slow,
        own: own_256,
        failures: slow_failures,
    } = load(&service.base, 256, length, "latency").await;
    let peak_threads = sampler.await.unwrap_or(0);
    let slow_count = slow.len() as f64;
    let service_share = (cpu_seconds(pid) - service_cpu) / length.as_secs_f64();
    let others_share = (cpu_seconds(std::process::id()) - own_cpu) / length.as_secs_f64();
    let (p50, p99) = (percentile(&slow, 0.50), percentile(&slow, 0.99));
    let rss = peak_rss_mib(pid);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());

    let upstream_kind = if tls.is_some() {
        "TLS, HTTP/2 by ALPN"
    } else {
        "plain HTTP/1.1"
    };
    println!("| measure ({cores} cores, everything on this machine; upstreams: {upstream_kind}) | result | target |");
    println!("|---|---|---|");
    println!("| throughput, 64 connections, instant upstreams | {throughput:.0} webhooks/s | >= 2000 |");
    println!(
        "| upstream calls per webhook (counted by the stand-ins) | {calls_per_webhook:.2} ({upstream_ms:.0} ms at +20 ms each) | |"
    );
    println!("| latency p50 / p99, 16 connections, upstreams +20 ms each | {p50_16:.1} / {p99_16:.1} ms | |");
    println!(
        "| p99 overhead at 16 connections (p99 - upstream time) | {:.1} ms | <= 5 |",
        p99_16 - upstream_ms
    );
    println!(
        "| the service's own time (latency - its Server-Timing upstream), 16 connections: p50 / p99 | {:.1} / {:.1} ms | p99 <= 5 |",
        percentile(&own_16, 0.50),
        percentile(&own_16, 0.99)
    );
    println!(
        "| the same, 256 connections: p50 / p99 | {:.1} / {:.1} ms | queueing |",
        percentile(&own_256, 0.50),
        percentile(&own_256, 0.99)
    );
    println!("| latency p50, 256 connections, upstreams +20 ms each | {p50:.1} ms | |");
    println!("| latency p99, same | {p99:.1} ms | |");
    println!(
        "| p99 overhead at 256 connections (p99 - upstream time) | {:.1} ms | queueing |",
        p99 - upstream_ms
    );
    println!("| latency p99, 64 connections, upstreams +20 ms each | {quiet_p99:.1} ms | |");
    println!("| service CPU per webhook (user + system) | {cpu_per_webhook_us:.0} µs | |");
    println!(
        "| CPU in use during the 256-connection phase: service / load generator + stand-ins | {service_share:.2} / {others_share:.2} cores ({:.0} webhooks/s) | of {cores} |",
        slow_count / length.as_secs_f64()
    );
    println!("| resident memory at rest, after start-up | {rss_at_rest:.1} MiB | |");
    println!("| resident memory with 256 idle kept-alive connections | {rss_idle_connections:.1} MiB | |");
    println!("| peak resident memory after the throughput phase | {rss_fast:.1} MiB | |");
    println!("| peak resident memory of the service, 256 webhooks in flight | {rss:.1} MiB | <= 40 MiB |");
    println!("| most threads of the service, same | {peak_threads} | |");
    println!(
        "| start-up to first /healthz 200 | {:.1} ms | < 100 |",
        service.startup.as_secs_f64() * 1000.0
    );
    println!("| non-200 answers (throughput / latency phase) | {fast_failures} / {slow_failures} | 0 |");
}
