//! `POST /api/admin/reconcile` (Bearer `ADMIN_API_TOKEN`): one reconciliation pass, answered with
//! its report. A cron without shell access (Supabase's `pg_cron` with `pg_net`, say) calls this;
//! the pass runs to its end even when the caller stops waiting.

use crate::adapters::http::auth::guarded;
use std::sync::Arc;

use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::Value;
use tracing::Instrument;

use super::api_error::ApiError;
use super::auth::AdminAuth;
use super::ApiTags;
use crate::ports::Ports;
use crate::service::reconcile::{PassOptions, PassResult, Reconciler};

#[derive(ApiResponse)]
#[oai(bad_request_handler = "crate::adapters::http::auth::bad_request")]
pub enum ReconcileResponse {
    /// Missing or refused `Authorization: Bearer {ADMIN_API_TOKEN}` (RFC 6750), answered before
    /// the operation runs: `WWW-Authenticate: Bearer`, with `error="invalid_token"` when a token
    /// was sent.
    #[oai(status = 401)]
    Unauthorized(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A signed-in customer's Supabase access token: only the app's server may do this
    /// (`WWW-Authenticate: Bearer error="insufficient_scope"`).
    #[oai(status = 403)]
    AdminOnly(Json<ApiError>, #[oai(header = "WWW-Authenticate")] String),
    /// A Supabase access token could not be checked because the project's signing keys could
    /// not be fetched (`AUTH_UNAVAILABLE`); retry after `Retry-After` seconds.
    #[oai(status = 503)]
    AuthUnavailable(Json<ApiError>, #[oai(header = "Retry-After")] String),
    /// The pass finished and nothing failed. The report: `checked` (due and upcoming renewals,
    /// PortOne's schedules), `healed`, `left`, `failed`, and `actions` (one per gap, with its
    /// `kind`, `outcome`, `transaction_key`, `payment_id` and `detail`).
    #[oai(status = 200)]
    Ok(Json<Value>),
    /// `dry_run` or `fix_orphans` is not `true` or `false`; no pass ran.
    #[oai(status = 400)]
    BadRequest(Json<ApiError>),
    /// Another pass holds the lease; this one did nothing (`skipped` says so).
    #[oai(status = 409)]
    LeaseHeld(Json<Value>),
    /// The pass finished, but something could not be done (`failed` > 0): PortOne or storage
    /// failed, or a renewal's grace passed before it could be healed. The report says which. Also
    /// `{"error"}` when the pass itself did not finish (see the logs).
    #[oai(status = 502)]
    Failed(Json<Value>),
}

/// The reconciliation endpoint, generic over the ports.
pub struct ReconcileApi<P> {
    reconciler: Arc<Reconciler<P>>,
}

impl<P> ReconcileApi<P> {
    pub fn new(reconciler: Arc<Reconciler<P>>) -> Self {
        Self { reconciler }
    }
}

#[OpenApi(tag = "ApiTags::Admin")]
impl<P: Ports> ReconcileApi<P> {
    /// Run one reconciliation pass: record renewals whose webhook was lost, retry or lapse
    /// declined ones, re-create missing schedules at PortOne, and report (or, with `fix_orphans`,
    /// revoke) live schedules of stopped subscriptions. `dry_run` changes nothing.
    #[oai(path = "/api/admin/reconcile", method = "post")]
    async fn reconcile(
        &self,
        _auth: AdminAuth,
        dry_run: Query<Option<bool>>,
        fix_orphans: Query<Option<bool>>,
    ) -> ReconcileResponse {
        let options = PassOptions {
            dry_run: dry_run.0.unwrap_or(false),
            fix_orphans: fix_orphans.0.unwrap_or(false),
        };
        // Its own task: a caller that gives up waiting (pg_net's timeout, a closed connection)
        // drops this handler, but the pass still finishes and gives the lease back.
        let reconciler = Arc::clone(&self.reconciler);
        let pass = async move { reconciler.run(options).await }.instrument(tracing::Span::current());
        let report = match tokio::spawn(pass).await {
            Ok(report) => report,
            Err(error) => {
                tracing::error!(%error, "the reconcile pass did not finish");
                let body = serde_json::json!({ "error": "the pass did not finish; see the logs" });
                return ReconcileResponse::Failed(Json(body));
            }
        };
        let body = Json(serde_json::to_value(&report).unwrap_or(Value::Null));
        match report.result() {
            PassResult::Succeeded => ReconcileResponse::Ok(body),
            PassResult::Skipped => ReconcileResponse::LeaseHeld(body),
            PassResult::Failed => ReconcileResponse::Failed(body),
        }
    }
}

guarded!(ReconcileResponse, admin_only, bad_request);
