//! Sandbox mode (`--sandbox` or `SANDBOX=true`): the whole subscription lifecycle on one machine
//! with no PortOne or Supabase account. A PortOne V2 simulator listens on a loopback port behind
//! the real reqwest adapter; the ledger is in memory; the service's clock is the sandbox clock, so
//! advancing it executes due schedules and delivers their webhooks to the service itself.

pub mod api;
mod api_types;
pub mod auth;
pub mod auth_api;
mod coupons;
pub mod simulator;

use std::sync::Arc;

use chrono::{Duration, Utc};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::adapters::clock::FixedClock;
use crate::adapters::ledger::InMemoryLedger;
use crate::adapters::portone::PortOneClient;
use crate::adapters::random::ThreadRandom;
use crate::config::SandboxSettings;
use crate::domain::interval::BillingInterval;
use crate::domain::plan::{PlanId, PlanTerms};
use crate::domain::timestamp::Timestamp;
use crate::ports::{Adapters, Clock};
use crate::service::events::EventDelivery;
use crate::service::flows::PaymentFlows;
use crate::service::reconcile::Reconciler;
use crate::service::{Services, WebhookSecret, WebhookService};
use simulator::{Simulator, SANDBOX_API_SECRET};

/// The ports as sandbox mode wires them: the real PortOne adapter against the simulator, an
/// in-memory ledger, the sandbox clock.
pub type SandboxPorts = Adapters<PortOneClient, InMemoryLedger, Arc<FixedClock>, ThreadRandom>;

/// What the sandbox's time pass runs: the services' event delivery and reconciler.
type TimePass = (Arc<EventDelivery<SandboxPorts>>, Arc<Reconciler<SandboxPorts>>);

/// Swagger UI's description of the sandbox.
pub const SANDBOX_DESCRIPTION: &str = "SANDBOX MODE: PortOne is simulated in-process, the ledger is in \
     memory and the clock moves only when told; plans basic_monthly, pro_monthly (14-day trial) and pro_yearly (anchored yearly) exist, and so does the promotion code SPRING50 (50% off three periods). \
     Checkout: POST /sandbox/billing-keys, POST /api/subscriptions (Idempotency-Key), POST /sandbox/clock/advance. \
     Webhooks: POST /sandbox/payments, POST /api/portone.";

/// Everything the sandbox endpoints reach into.
pub struct Sandbox {
    pub simulator: Arc<Simulator>,
    pub clock: Arc<FixedClock>,
    pub ledger: InMemoryLedger,
    /// Sign-in: the key that signs the sandbox's access tokens.
    pub auth: auth::SandboxAuth,
    /// `http://127.0.0.1:{port}/api/portone` of this very process.
    webhook_url: String,
    secret: Option<SecretString>,
    http: reqwest::Client,
    /// The event delivery and reconciler of the services, once they are built: advancing the
    /// clock runs the time pass.
    time_pass: std::sync::OnceLock<TimePass>,
}

/// One webhook the sandbox delivered, and what the service answered.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub payment_id: String,
    pub event: &'static str,
    pub http_status: u16,
    pub response: Value,
}

/// Today at 12:00 KST. Payments made then renew at 10:xx KST on the 31st day after, so "advance
/// 31 days" always reaches the next charge, month after month (a charge at 10:xx KST renews at
/// 10:xx KST 31 days later, still before noon).
fn start_of_sandbox_day() -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Seoul).date_naive();
    let noon = today.and_hms_opt(12, 0, 0).unwrap_or_default();
    chrono_tz::Asia::Seoul
        .from_local_datetime(&noon)
        .earliest()
        .map_or_else(Utc::now, |at| at.with_timezone(&Utc))
}

/// The plans sandbox mode starts with: `basic_monthly` (9,900 KRW, charged at once) and
/// `pro_monthly` (19,900 KRW, a 14-day trial first), both per 30 days, and `pro_yearly` (199,000
/// KRW a year, anchored: renewed on the same Seoul day and time every year).
pub fn starting_plans() -> Vec<PlanTerms> {
    let plan = |id: &str, name: &str, amount: i64, trial_days: i64, features: Value| {
        let id = PlanId::parse(id).unwrap_or_else(|_| unreachable!("a valid id"));
        PlanTerms::new(id, name, amount, "KRW", trial_days, Some(features), None)
            .unwrap_or_else(|_| unreachable!("valid terms"))
    };
    vec![
        plan(
            "basic_monthly",
            "베이직 월간 이용권",
            9900,
            0,
            json!({ "seats": 1 }),
        ),
        plan(
            "pro_monthly",
            "프로 월간 이용권",
            19_900,
            14,
            json!({ "seats": 10, "priority_support": true }),
        ),
        PlanTerms {
            sort_order: 1,
            ..plan(
                "pro_yearly",
                "프로 연간 이용권",
                199_000,
                0,
                json!({ "seats": 10, "priority_support": true }),
            )
        }
        .with_interval(BillingInterval::new("year", 1).ok()),
    ]
}

impl Sandbox {
    /// Starts the simulator and builds the services wired to it. `own_port` is the port this
    /// process serves on; webhooks are delivered there.
    ///
    /// # Errors
    /// When the simulator cannot bind a loopback port.
    pub async fn start(
        own_port: u16,
        settings: &SandboxSettings,
    ) -> anyhow::Result<(Services<SandboxPorts>, Arc<Self>)> {
        let webhook_secret = settings.portone_webhook_secret.clone();
        let clock = Arc::new(FixedClock::at(start_of_sandbox_day()));
        let simulator = Simulator::new(clock.clone());
        let base_url = simulator.serve().await?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        let gateway = PortOneClient::new(
            http.clone(),
            Url::parse(&base_url)?,
            &SecretString::from(SANDBOX_API_SECRET),
            None,
        )?;
        let ledger = InMemoryLedger::new();
        let secret = webhook_secret
            .as_ref()
            .map(WebhookSecret::parse)
            .transpose()
            .map_err(anyhow::Error::msg)?;
        let ports = Adapters {
            gateway,
            ledger: ledger.clone(),
            clock: clock.clone(),
            random: ThreadRandom,
        };
        let flows = PaymentFlows::new(Arc::new(ports)).with_dunning(settings.dunning.clone());
        let webhooks = WebhookService::new(flows).with_webhook_secret(secret);
        let services = Services::new(webhooks);
        for terms in starting_plans() {
            services
                .plans
                .put(&terms)
                .await
                .map_err(|e| anyhow::anyhow!(e.detail))?;
        }
        coupons::seed(&services.coupons).await?;
        let project_url = Url::parse(&format!("http://127.0.0.1:{own_port}/sandbox"))?;
        let sandbox = Self {
            simulator,
            clock,
            ledger,
            auth: auth::SandboxAuth::generate(project_url)?,
            webhook_url: format!("http://127.0.0.1:{own_port}/api/portone"),
            secret: webhook_secret,
            http,
            time_pass: std::sync::OnceLock::new(),
        };
        Ok((services, Arc::new(sandbox)))
    }

    /// How the service verifies the sandbox's access tokens: as a Supabase project served by this
    /// very process.
    ///
    /// # Errors
    /// When the sandbox's URL cannot be a base URL.
    pub fn user_tokens(&self) -> anyhow::Result<crate::config::UserTokenSettings> {
        self.auth.settings().map_err(anyhow::Error::msg)
    }

    /// Lets clock moves run `events`' time-caused events and deliveries.
    pub fn deliver_events_with(
        &self,
        events: Arc<EventDelivery<SandboxPorts>>,
        reconciler: Arc<Reconciler<SandboxPorts>>,
    ) {
        let _already = self.time_pass.set((events, reconciler));
    }

    /// Runs the minute's time pass now, as production's timer does: the grace pass (a grace that
    /// ran out lapses once the simulator confirms nothing was paid), the events time caused, and
    /// the deliveries that are due (to `APP_WEBHOOK_URL` when set).
    pub async fn settle_events(&self) {
        if let Some((events, reconciler)) = self.time_pass.get() {
            reconciler.settle_graces_logged().await;
            reconciler.record_free_periods_logged().await;
            events.tick(true, false).await;
        }
    }

    /// Moves the clock forward by `by`, then charges every schedule that fell due (earliest
    /// first, including the renewals and retries scheduled on the way) and, with
    /// `deliver_webhooks`, delivers their webhooks.
    pub async fn advance(&self, by: Duration, deliver_webhooks: bool) -> Vec<Delivery> {
        self.clock.advance(by);
        // Time passes before the simulator catches up with its schedules, as it would minute by
        // minute: a trial's warning is written while it is still a trial.
        self.settle_events().await;
        let mut deliveries = Vec::new();
        // Bounded: a year of monthly renewals is 12; this allows decades of daily ones.
        for _ in 0..10_000 {
            let Some(schedule) = self.simulator.state().due(self.clock.now()).into_iter().next() else {
                break;
            };
            let event = self.simulator.state().execute(&schedule);
            if deliver_webhooks {
                deliveries.push(self.deliver(&schedule.payment_id, event).await);
            } else {
                tracing::info!(
                    payment_id = schedule.payment_id,
                    event,
                    "sandbox: webhook not delivered"
                );
            }
        }
        self.settle_events().await;
        deliveries
    }

    /// Sends PortOne's 2024-04-25 webhook for `payment_id` to the service, signed when a
    /// webhook secret is configured.
    pub async fn deliver(&self, payment_id: &str, event: &'static str) -> Delivery {
        let now = self.clock.now();
        let body = json!({
            "type": event,
            "timestamp": Timestamp::from_utc(now).to_iso(),
            "data": { "storeId": simulator::json::STORE_ID, "paymentId": payment_id, "transactionId": format!("tx-{payment_id}") },
        })
        .to_string();
        let mut request = self
            .http
            .post(&self.webhook_url)
            .header("content-type", "application/json");
        if let Some(secret) = &self.secret {
            let id = format!("sandbox-{}", uuid::Uuid::new_v4());
            if let Ok(signer) = standardwebhooks::Webhook::new(secret.expose_secret()) {
                if let Ok(signature) = signer.sign(&id, now.timestamp(), body.as_bytes()) {
                    request = request
                        .header("webhook-id", id)
                        .header("webhook-timestamp", now.timestamp().to_string())
                        .header("webhook-signature", signature);
                }
            }
        }
        let (http_status, response) = match request.body(body).send().await {
            Ok(response) => (
                response.status().as_u16(),
                response.json().await.unwrap_or(Value::Null),
            ),
            Err(error) => (0, json!({ "error": error.to_string() })),
        };
        Delivery {
            payment_id: payment_id.to_owned(),
            event,
            http_status,
            response,
        }
    }
}
