//! Wires configuration, logging and the server; all logic lives in the library.
//!
//! `portone-subscriptions` serves production (PortOne + Supabase, configured by the environment);
//! `portone-subscriptions --sandbox` (or `SANDBOX=true`) serves the sandbox: simulated PortOne,
//! in-memory ledger, no account needed.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use portone_subscriptions::config::{Config, Mode, SandboxSettings};
use portone_subscriptions::startup::Application;
use portone_subscriptions::telemetry;

/// jemalloc keeps the resident set lower than glibc's per-thread arenas under a burst of
/// concurrent webhooks (measured by `cargo bench --bench load`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal in production; the environment is then the only source.
    let _ = dotenvy::dotenv();
    telemetry::init();
    let mode = Mode::from_args(std::env::args().skip(1), |name| std::env::var(name).ok());
    let sandbox = mode == Mode::Sandbox;
    let built = match mode {
        Mode::Sandbox => build_sandbox().await,
        Mode::Serve => build_production().await,
    };
    let app = match built {
        Ok(app) => app,
        Err(code) => return code,
    };
    if let Some(addr) = app.local_addr() {
        tracing::info!(%addr, sandbox, "listening; Swagger UI at /docs");
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}

async fn build_production() -> Result<Application, ExitCode> {
    let config = Config::from_env().map_err(|error| {
        eprintln!(
            "{error}\nSee .env.example for every variable, or run `cargo run -- --sandbox` to try the \
             service without PortOne or Supabase accounts."
        );
        ExitCode::from(2)
    })?;
    Application::build(&config).await.map_err(|error| {
        eprintln!("startup failed: {error:#}");
        ExitCode::from(1)
    })
}

async fn build_sandbox() -> Result<Application, ExitCode> {
    let settings = SandboxSettings::from_lookup(|name| std::env::var(name).ok()).map_err(|error| {
        eprintln!("{error}");
        ExitCode::from(2)
    })?;
    let app = Application::build_sandbox(&settings).await.map_err(|error| {
        eprintln!("startup failed: {error:#}");
        ExitCode::from(1)
    })?;
    let port = app.local_addr().map_or(settings.port, |addr| addr.port());
    let token = settings.banner_token();
    eprintln!(
        "\n================================ SANDBOX MODE ================================\n\
         PortOne is SIMULATED in this process, the ledger is IN MEMORY, nothing is charged.\n\
         Swagger UI: http://127.0.0.1:{port}/docs   admin token: {token}\n\
         ==============================================================================\n"
    );
    tracing::warn!("sandbox mode: simulated PortOne, in-memory ledger");
    Ok(app)
}
