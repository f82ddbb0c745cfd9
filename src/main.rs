//! Wires configuration, logging and the server; all logic lives in the library.
//!
//! `portone-subscriptions` serves production (PortOne + Supabase, configured by the environment);
//! `portone-subscriptions --sandbox` (or `SANDBOX=true`) serves the sandbox: simulated PortOne,
//! in-memory ledger, no account needed; `portone-subscriptions reconcile [--dry-run]
//! [--fix-orphans]` runs one reconciliation pass and exits (0: finished, 1: something could not be
//! done, 2: bad configuration).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use portone_subscriptions::config::{Config, Mode, SandboxSettings};
use portone_subscriptions::service::reconcile::PassOptions;
use portone_subscriptions::startup::{production_services, Application};
use portone_subscriptions::telemetry;

/// jemalloc keeps the resident set lower than glibc's per-thread arenas under a burst of
/// concurrent webhooks (measured by `cargo bench --bench load`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal in production; the environment is then the only source.
    let _ = dotenvy::dotenv();
    let mode = match Mode::from_args(std::env::args().skip(1), |name| std::env::var(name).ok()) {
        Ok(mode) => mode,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::from(2);
        }
    };
    let sandbox = mode == Mode::Sandbox;
    let built = match mode {
        Mode::Sandbox => {
            telemetry::init();
            build_sandbox().await
        }
        Mode::Serve => {
            telemetry::init();
            build_production().await
        }
        Mode::Reconcile { dry_run, fix_orphans } => {
            // The report goes to stdout; logs to stderr.
            telemetry::init_to_stderr();
            return reconcile(PassOptions { dry_run, fix_orphans }).await;
        }
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

fn production_config() -> Result<Config, ExitCode> {
    Config::from_env().map_err(|error| {
        eprintln!(
            "{error}\nSee .env.example for every variable, or run `cargo run -- --sandbox` to try the \
             service without PortOne or Supabase accounts."
        );
        ExitCode::from(2)
    })
}

/// One pass with the production configuration: the report as JSON on stdout, exit 0 unless
/// something could not be done.
async fn reconcile(options: PassOptions) -> ExitCode {
    let config = match production_config() {
        Ok(config) => config,
        Err(code) => return code,
    };
    let services = match production_services(&config) {
        Ok(services) => services,
        Err(error) => {
            eprintln!("startup failed: {error:#}");
            return ExitCode::from(1);
        }
    };
    let report = services.reconciler.run(options).await;
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    );
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn build_production() -> Result<Application, ExitCode> {
    let config = production_config()?;
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
