//! Wires configuration, logging and the server; all logic lives in the library.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use portone_subscriptions::config::Config;
use portone_subscriptions::startup::Application;
use portone_subscriptions::telemetry;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal in production; the environment is then the only source.
    let _ = dotenvy::dotenv();
    telemetry::init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}\nSee .env.example for every variable.");
            return ExitCode::from(2);
        }
    };
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(error) => {
            eprintln!("startup failed: {error:#}");
            return ExitCode::from(1);
        }
    };
    if let Some(addr) = app.local_addr() {
        tracing::info!(%addr, "listening; Swagger UI at /docs");
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}
