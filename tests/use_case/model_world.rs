//! The world a model-based run acts on: the services over a ledger (in memory, or PostgreSQL)
//! and the simulated PortOne, three customers, a movable clock; and what each action does in it.

use portone_subscriptions::domain::customer_id::CustomerId;
use portone_subscriptions::domain::subscription_id::SubscriptionId;
use portone_subscriptions::service::flows::PaymentFlows;
use std::sync::Arc;

use chrono::Duration;
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::checkout::IdempotencyKey;
use portone_subscriptions::domain::interval::BillingInterval;
use portone_subscriptions::domain::plan::{PlanId, PlanTerms};
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{Adapters, Ledger};
use portone_subscriptions::service::card_update::CardUpdateRequest;
use portone_subscriptions::service::checkout::StartRequest;
use portone_subscriptions::service::reconcile::PassOptions;
use portone_subscriptions::service::{
    BodyFormat, Caller, RefundRequest, Services, SignatureHeaders, WebhookInput, WebhookService,
};

use crate::fakes::{utc, FakePortOne, Offset};

/// The customers of a run.
pub const CUSTOMERS: [&str; 3] = ["c0", "c1", "c2"];
/// The plans: `basic` (9,900 KRW), `pro` (19,900 KRW, a 14-day trial first).
pub const PLANS: [&str; 2] = ["basic", "pro"];

/// One thing a customer, an operator or time does.
#[derive(Debug, Clone)]
pub enum Action {
    /// A new card whose next `declines` charges are declined, and a start on `plan` with it.
    Start {
        customer: usize,
        plan: usize,
        declines: u32,
    },
    /// The customer's last start sent again, same key (a double click, a retry).
    RepeatStart {
        customer: usize,
    },
    Cancel {
        customer: usize,
    },
    Resume {
        customer: usize,
    },
    ChangePlan {
        customer: usize,
        plan: usize,
    },
    /// A new card whose next `declines` charges are declined, as the subscription's card.
    UpdateCard {
        customer: usize,
        declines: u32,
    },
    /// The admin refunds the latest month: in full, or a third of it.
    Refund {
        customer: usize,
        full: bool,
    },
    /// The clock moves; PortOne runs every schedule that fell due and delivers its webhooks, or
    /// loses them; then the minute's time pass runs (grace pass, time-caused events).
    Advance {
        days: u32,
        hours: u32,
        lose_webhooks: bool,
    },
    /// PortOne resends the last webhook it delivered.
    ReplayWebhook,
    /// An operator's reconciliation pass.
    Reconcile,
}

/// The services of a run and the handles the checks read.
pub struct World<L: Ledger> {
    pub services: Services<Adapters<FakePortOne, L, Arc<FixedClock>, Offset>>,
    pub portone: FakePortOne,
    pub ledger: L,
    pub clock: Arc<FixedClock>,
    /// Per customer: the last start's request, and how many cards were issued.
    starts: [Option<StartRequest>; 3],
    cards: usize,
    last_webhook: Option<(String, &'static str)>,
    /// Payment ids PortOne charged on a schedule (not a charge this service made itself).
    ran: std::collections::HashSet<String>,
}

impl<L: Ledger> World<L> {
    /// The services over `ledger`, with both plans in the catalog; the clock at
    /// 2024-03-10T03:00:00Z (12:00 KST).
    pub async fn new(ledger: L) -> Self {
        let portone = FakePortOne::default();
        let clock = Arc::new(FixedClock::at(utc("2024-03-10T03:00:00Z")));
        *portone.clock.lock().unwrap() = Some(clock.clone());
        let ports = Adapters {
            gateway: portone.clone(),
            ledger: ledger.clone(),
            clock: clock.clone(),
            random: Offset(600),
        };
        let services = Services::new(WebhookService::new(PaymentFlows::new(Arc::new(ports))));
        // `basic` keeps the route spec's 30 days; `pro` (trial first) is monthly and anchored, so
        // random lives also cover anchored renewals, late ones and dunning recoveries.
        for (id, amount, trial, interval) in [("basic", 9900, 0, None), ("pro", 19_900, 14, Some("month"))] {
            let terms = PlanTerms::new(PlanId::parse(id).unwrap(), id, amount, "KRW", trial, None, None)
                .unwrap()
                .with_interval(interval.and_then(|unit| BillingInterval::new(unit, 1).ok()));
            services.plans.put(&terms).await.unwrap();
        }
        Self {
            services,
            portone,
            ledger,
            clock,
            starts: [None, None, None],
            cards: 0,
            last_webhook: None,
            ran: std::collections::HashSet::new(),
        }
    }

    pub fn now(&self) -> Timestamp {
        use portone_subscriptions::ports::Clock;
        Timestamp::from_utc(self.clock.now())
    }

    /// A new card of `customer` whose next `declines` charges are declined.
    fn new_card(&mut self, customer: &str, declines: u32) -> BillingKey {
        self.cards += 1;
        let key = format!("bk-{customer}-{}", self.cards);
        self.portone.cards.issue(&key, customer);
        self.portone.cards.decline_next(&key, declines);
        BillingKey::parse(key).unwrap()
    }

    /// The customer's latest subscription id, when they have one.
    pub async fn latest(&self, customer: &str) -> Option<SubscriptionId> {
        let customer = CustomerId::parse(customer).unwrap();
        let all = self.ledger.customer_subscriptions(&customer).await.unwrap();
        all.first()
            .and_then(|rows| rows.months.first())
            .map(|month| month.subscription_key())
    }

    /// Runs `action`. The services' answers are not judged here: the checks judge the state.
    pub async fn act(&mut self, action: &Action) {
        match *action {
            Action::Start {
                customer,
                plan,
                declines,
            } => {
                let name = CUSTOMERS[customer];
                let billing_key = self.new_card(name, declines);
                let request = StartRequest {
                    customer_id: CustomerId::parse(name).unwrap(),
                    plan_id: PlanId::parse(PLANS[plan]).unwrap(),
                    billing_key,
                    quantity: Default::default(),
                    promotion_code: None,
                    idempotency_key: IdempotencyKey::parse(&format!("start-{}", self.cards)).unwrap(),
                };
                self.services.checkout.start(&request).await;
                self.starts[customer] = Some(request);
            }
            Action::RepeatStart { customer } => {
                if let Some(request) = self.starts[customer].clone() {
                    self.services.checkout.start(&request).await;
                }
            }
            Action::Cancel { customer } => {
                if let Some(id) = self.latest(CUSTOMERS[customer]).await {
                    let _ = self.services.subscriptions.cancel(&id).await;
                }
            }
            Action::Resume { customer } => {
                if let Some(id) = self.latest(CUSTOMERS[customer]).await {
                    let _ = self.services.subscriptions.resume(&id).await;
                }
            }
            Action::ChangePlan { customer, plan } => {
                if let Some(id) = self.latest(CUSTOMERS[customer]).await {
                    let plan = PlanId::parse(PLANS[plan]).unwrap();
                    let _ = self.services.subscriptions.change_plan(&id, &plan).await;
                }
            }
            Action::UpdateCard { customer, declines } => {
                let name = CUSTOMERS[customer];
                if let Some(subscription) = self.latest(name).await {
                    let billing_key = self.new_card(name, declines);
                    let request = CardUpdateRequest {
                        subscription,
                        billing_key,
                        caller: Caller::Customer(CustomerId::parse(name).unwrap()),
                    };
                    self.services.cards.update(&request).await;
                }
            }
            Action::Refund { customer, full } => {
                if let Some(id) = self.latest(CUSTOMERS[customer]).await {
                    let amount = (!full).then(|| Amount::new(3000).unwrap());
                    let request = RefundRequest {
                        reason: "모델 테스트".into(),
                        amount,
                        payment_id: None,
                    };
                    let _ = self.services.subscriptions.refund(&id, &request).await;
                }
            }
            Action::Advance {
                days,
                hours,
                lose_webhooks,
            } => {
                self.clock
                    .advance(Duration::days(days.into()) + Duration::hours(hours.into()));
                self.run_portone(lose_webhooks).await;
                self.time_pass().await;
            }
            Action::ReplayWebhook => {
                if let Some((id, kind)) = self.last_webhook.clone() {
                    self.deliver(&id, kind).await;
                }
            }
            Action::Reconcile => {
                self.services.reconciler.run(PassOptions::default()).await;
            }
        }
    }

    /// PortOne runs what fell due, delivering each webhook (unless lost), until nothing more is
    /// due (a delivered failure schedules a retry, which may be due at once).
    async fn run_portone(&mut self, lose_webhooks: bool) {
        for _ in 0..20 {
            let ran = self.portone.run_due(self.now());
            if ran.is_empty() {
                return;
            }
            for (id, kind) in ran {
                self.ran.insert(id.clone());
                if !lose_webhooks {
                    self.deliver(&id, kind).await;
                }
            }
        }
    }

    /// `true` when PortOne charged `payment_id` on a schedule.
    pub fn ran_on_schedule(&self, payment_id: &str) -> bool {
        self.ran.contains(payment_id)
    }

    /// What production's timer does every minute: the grace pass, then the time-caused events.
    pub async fn time_pass(&self) {
        self.services.reconciler.settle_graces().await.unwrap();
        self.services.events.emit_due().await.unwrap();
    }

    async fn deliver(&mut self, payment_id: &str, kind: &'static str) {
        let body = serde_json::json!({
            "type": kind,
            "timestamp": self.now().to_iso(),
            "data": { "paymentId": payment_id },
        })
        .to_string();
        let signature = SignatureHeaders::default();
        let input = WebhookInput {
            body: body.as_bytes(),
            format: BodyFormat::Json,
            signature: &signature,
        };
        self.services.webhooks.handle(input).await;
        self.last_webhook = Some((payment_id.to_owned(), kind));
    }
}
