//! Wiring: builds the production adapters from [`Config`] and serves the routes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::endpoint::BoxEndpoint;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{Response, Server};

use crate::adapters::clock::SystemClock;
use crate::adapters::http;
use crate::adapters::portone::PortOneClient;
use crate::adapters::random::ThreadRandom;
use crate::adapters::storage::Ledger;
use crate::config::{Config, SandboxSettings};
use crate::sandbox::Sandbox;
use crate::service::{WebhookSecret, WebhookService};

/// The service as it runs in production.
pub type ProductionService = WebhookService<PortOneClient, Ledger, SystemClock, ThreadRandom>;

/// One reqwest client for every upstream: one connection pool, the configured timeouts. Over TLS it
/// negotiates HTTP/2 where PortOne or Supabase offer it (ALPN), so a first-of-the-month burst
/// multiplexes on a few connections instead of opening one per webhook in flight.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn http_client(config: &Config) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(config.upstream_connect_timeout)
        .timeout(config.upstream_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("portone-subscriptions/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("Failed to build the HTTP client")
}

/// The production use case with PortOne and the configured storage adapter.
///
/// # Errors
/// When a secret cannot be used as a header value or the Supabase URL is unusable.
pub fn production_service(config: &Config) -> anyhow::Result<ProductionService> {
    let http = http_client(config)?;
    let gateway = PortOneClient::new(
        http.clone(),
        config.portone_api_base_url.clone(),
        &config.portone_api_secret,
        config.portone_store_id.clone(),
    )?;
    let ledger = Ledger::from_config(&config.storage, http)?;
    let secret = match &config.portone_webhook_secret {
        Some(secret) => Some(WebhookSecret::parse(secret).map_err(anyhow::Error::msg)?),
        None => {
            tracing::warn!("PORTONE_WEBHOOK_SECRET is not set: webhook signatures are NOT checked");
            None
        }
    };
    Ok(WebhookService::new(gateway, ledger, SystemClock, ThreadRandom)
        .with_webhook_secret(secret)
        .with_deadline(config.webhook_deadline))
}

/// A bound, not yet serving, HTTP server.
pub struct Application {
    acceptor: TcpAcceptor,
    routes: BoxEndpoint<'static, Response>,
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpAcceptor> {
    TcpListener::bind(address)
        .into_acceptor()
        .await
        .with_context(|| format!("Failed to bind {address}"))
}

impl Application {
    /// Binds `HOST:PORT` (port 0 picks a free one) and builds the service.
    ///
    /// # Errors
    /// When the address cannot be bound or the adapters cannot be built.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let service = Arc::new(production_service(config)?);
        tracing::info!(storage = config.storage.describe(), "payment ledger selected");
        let acceptor = bind(SocketAddr::new(config.host, config.port)).await?;
        Ok(Self {
            acceptor,
            routes: http::routes(service, config.admin_api_token.clone(), config.limits),
        })
    }

    /// Sandbox mode: binds, starts the PortOne simulator and wires the service to it.
    ///
    /// # Errors
    /// When an address cannot be bound.
    pub async fn build_sandbox(settings: &SandboxSettings) -> anyhow::Result<Self> {
        let acceptor = bind(SocketAddr::new(settings.host, settings.port)).await?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().map(SocketAddr::port))
            .context("the listener has no port")?;
        let (service, sandbox) = Sandbox::start(port, settings.portone_webhook_secret.clone()).await?;
        let routes = http::sandbox_routes(service, sandbox, settings.admin_api_token.clone());
        Ok(Self { acceptor, routes })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().copied())
    }

    /// Serves until Ctrl-C or SIGTERM, then lets in-flight requests finish (up to 25 s).
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.routes, shutdown_signal(), Some(Duration::from_secs(25)))
            .await
            .context("Server failed")
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
