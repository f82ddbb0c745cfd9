//! Wiring: builds the adapters from configuration, composes the routes, and serves them; the
//! timers the process runs beside them are in [`timers`].

pub mod timers;
mod wiring;

pub use wiring::{
    access, delivery_settings, event_sink, http_client, production_services, reconcile_settings,
    ProductionPorts,
};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use poem::endpoint::BoxEndpoint;
use poem::Response;
use tokio::net::TcpListener;

use crate::adapters::clock::SystemClock;
use crate::adapters::http;
use crate::adapters::portone::RETRIED_OPERATIONS;
use crate::config::{Config, Limits, SandboxSettings};
use crate::domain::signature::SignatureError;
use crate::sandbox::api::SandboxApi;
use crate::sandbox::auth_api::SandboxAuthApi;
use crate::sandbox::{Sandbox, SANDBOX_DESCRIPTION};
use crate::service::reconcile::{ActionKind, Outcome, PassResult};
use crate::service::EventKind;
use crate::telemetry::metrics;

/// A bound, not yet serving, HTTP server, and the metrics listener when `METRICS_ADDR` is set.
pub struct Application {
    listener: TcpListener,
    routes: BoxEndpoint<'static, Response>,
    metrics: Option<(TcpListener, BoxEndpoint<'static, Response>)>,
}

/// How often histogram samples are folded into buckets between scrapes.
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// The process's Prometheus recorder, installed once, with every known series at zero and its
/// upkeep running.
fn metrics_handle() -> PrometheusHandle {
    let handle = metrics::install();
    static UPKEEP: std::sync::Once = std::sync::Once::new();
    UPKEEP.call_once(|| {
        export_known_series();
        metrics::spawn_upkeep(handle.clone(), METRICS_UPKEEP);
    });
    handle
}

/// Gathers the label sets each part of the service records and exports them at zero.
fn export_known_series() {
    let events = EventKind::PROCESSED.map(EventKind::label);
    let results = PassResult::ALL.map(PassResult::label);
    let items: Vec<(&'static str, &'static str)> = ActionKind::ALL
        .iter()
        .flat_map(|kind| Outcome::ALL.iter().map(|outcome| (kind.label(), outcome.label())))
        .collect();
    metrics::export_at_zero(&metrics::KnownSeries {
        signature_reasons: &SignatureError::REASONS,
        processed_events: &events,
        reconcile_results: &results,
        reconcile_items: &items,
        retried_operations: &RETRIED_OPERATIONS,
        event_delivery_results: &crate::ports::Delivery::LABELS,
    });
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("Failed to bind {address}"))
}

impl Application {
    /// Binds `HOST:PORT` (port 0 picks a free one) and builds the service.
    ///
    /// # Errors
    /// When the address cannot be bound or the adapters cannot be built.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let services = production_services(config)?;
        tracing::info!(storage = config.storage.describe(), "payment ledger selected");
        if let Some(interval) = config.reconcile_interval {
            timers::spawn_reconcile_timer(services.reconciler.clone(), interval);
        }
        // Over direct PostgreSQL an event is sent as soon as it commits, not at the next poll.
        let wakes = match config.app_webhook {
            Some(_) => services.webhooks.ports().ledger.event_wakes(),
            None => None,
        };
        timers::spawn_time_timer(services.events.clone(), services.reconciler.clone(), wakes);
        let listener = bind(SocketAddr::new(config.host, config.port)).await?;
        let handle = metrics_handle();
        let (on_main_port, metrics) = match config.metrics_addr {
            Some(address) => {
                let listener = bind(address).await?;
                tracing::info!(%address, "metrics served on METRICS_ADDR only");
                (None, Some((listener, http::metrics_route(handle))))
            }
            None => (Some(handle), None),
        };
        let access = access(
            config.admin_api_token.clone(),
            &config.access,
            config.access.user_tokens.as_ref(),
            http_client(config)?,
            Arc::new(SystemClock),
        );
        let routes = http::production_routes(&services, access, config.limits, on_main_port);
        Ok(Self {
            listener,
            routes,
            metrics,
        })
    }

    /// Sandbox mode: binds, starts the PortOne simulator and wires the services to it. Every
    /// production route (admin included) is served, plus the sandbox endpoints.
    ///
    /// # Errors
    /// When an address cannot be bound.
    pub async fn build_sandbox(settings: &SandboxSettings) -> anyhow::Result<Self> {
        let listener = bind(SocketAddr::new(settings.host, settings.port)).await?;
        let port = listener.local_addr().context("the listener has no port")?.port();
        let (services, sandbox) = Sandbox::start(port, settings).await?;
        let services = services
            .with_event_delivery(
                event_sink(settings.app_webhook.as_ref())?,
                delivery_settings(None),
            )
            .with_charge_limit(settings.access.charge_limit);
        sandbox.deliver_events_with(services.events.clone(), services.reconciler.clone());
        timers::spawn_time_timer(services.events.clone(), services.reconciler.clone(), None);
        let apis = (
            http::production_apis(&services, Limits::default(), true),
            SandboxApi::new(sandbox.clone()),
            SandboxAuthApi::new(sandbox.clone()),
        );
        let access = access(
            Some(settings.admin_api_token.clone()),
            &settings.access,
            Some(&sandbox.user_tokens()?),
            reqwest::Client::new(),
            sandbox.clock.clone(),
        );
        let routes = http::serve(apis, SANDBOX_DESCRIPTION, access, Some(metrics_handle()));
        Ok(Self {
            listener,
            routes,
            metrics: None,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// The metrics listener's address, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        let (listener, _) = self.metrics.as_ref()?;
        listener.local_addr().ok()
    }

    /// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish (up to 25 s); the
    /// metrics listener, if any, stops with it. A connection must send each request's headers
    /// within [`http::server::HEADER_READ_TIMEOUT`].
    ///
    /// # Errors
    /// When a server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(());
        let signal = async move {
            shutdown_signal().await;
            let _ = stop.send(());
        };
        let limits = http::server::ServerLimits::default();
        let main = http::server::serve(self.listener, self.routes, signal, limits);
        let Some((listener, routes)) = self.metrics else {
            return main.await.context("Server failed");
        };
        let mut stopped = stopped;
        let metrics = http::server::serve(
            listener,
            routes,
            async move {
                let _ = stopped.changed().await;
            },
            limits,
        );
        let (main, metrics) = tokio::join!(main, metrics);
        main.context("Server failed")?;
        metrics.context("Metrics server failed")
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
