//! PortOne in memory, with the schedule semantics of PortOne's schema: one live schedule per
//! `paymentId` (`PAYMENT_SCHEDULE_ALREADY_EXISTS` otherwise), revoked ones do not count; and a
//! random source that always gives the same offset.

use portone_subscriptions::service::flows::PaymentFlows;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::ledger::InMemoryLedger;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::billing_key::BillingKey;
use portone_subscriptions::domain::currency::Currency;
use portone_subscriptions::domain::dunning::DunningPolicy;
use portone_subscriptions::domain::payment::{Payment, PaymentFailure, PaymentStatus};
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::payment_schedule_id::ScheduleId;
use portone_subscriptions::domain::period::ScheduleOffset;
use portone_subscriptions::domain::rejection::{Rejection, RejectionKind};
use portone_subscriptions::domain::schedule_status::ScheduleStatus;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{
    Adapters, BillingKeyInfo, BillingKeys, CancelRequest, Cancellation, ChargeRequest, Charged, GatewayError,
    PaymentSchedule, Payments, RandomSource, RevokeOutcome, ScheduleOutcome, SchedulePage, ScheduleQuery,
    ScheduleRequest, Schedules,
};
use portone_subscriptions::service::{
    BodyFormat, Services, SignatureHeaders, WebhookInput, WebhookOutcome, WebhookSecret, WebhookService,
};

/// One schedule PortOne holds: the request that created it, its id and status.
#[derive(Clone, Debug)]
pub struct Held {
    pub id: String,
    pub request: ScheduleRequest,
    pub status: &'static str,
}

/// A handle on one fake PortOne: clones share it, so a test keeps one to see what the service
/// scheduled.
#[derive(Clone, Default)]
pub struct FakePortOne(Arc<FakeState>);

impl std::ops::Deref for FakePortOne {
    type Target = FakeState;

    fn deref(&self) -> &FakeState {
        &self.0
    }
}

#[derive(Default)]
pub struct FakeState {
    payments: Mutex<HashMap<String, Payment>>,
    schedules: Mutex<Vec<Held>>,
    /// Ids to hand out for the next schedules, in order; `schedule-{n}` once empty.
    next_ids: Mutex<Vec<String>>,
    /// Set: every new schedule is refused with this error `type` (a deleted billing key).
    refuse_schedules: Mutex<Option<RejectionKind>>,
    /// How many of the next schedule requests fail as a PortOne 500 would (after the adapter's
    /// retries).
    failing_schedules: Mutex<u32>,
    /// Runs (once) at the start of the next payment lookup: something else happening meanwhile.
    on_lookup: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Billing keys, charges and refunds (`fake_charges`).
    pub cards: crate::fake_charges::FakeCards,
    /// The clock charges are stamped with.
    pub clock: Mutex<Option<Arc<FixedClock>>>,
}

impl FakeState {
    /// PortOne's record of `id`, as it stands.
    pub fn payment(&self, id: &str) -> Option<Payment> {
        self.payments.lock().unwrap().get(id).cloned()
    }

    pub fn add(&self, payment: Payment) {
        self.payments
            .lock()
            .unwrap()
            .insert(payment.id.as_str().to_owned(), payment);
    }

    /// `during` runs once, at the start of the next `get_payment`.
    pub fn during_next_lookup(&self, during: impl FnOnce() + Send + 'static) {
        *self.on_lookup.lock().unwrap() = Some(Box::new(during));
    }

    /// The next schedule created gets `id`.
    pub fn hand_out_schedule_id(&self, id: &str) {
        self.next_ids.lock().unwrap().push(id.to_owned());
    }

    /// Every schedule ever created, in order, whatever its status now.
    pub fn schedules(&self) -> Vec<Held> {
        self.schedules.lock().unwrap().clone()
    }

    /// The next `n` schedule requests fail with a PortOne 500.
    pub fn fail_next_schedules(&self, n: u32) {
        *self.failing_schedules.lock().unwrap() = n;
    }

    /// From now on every new schedule is refused as PortOne refuses with `kind`.
    pub fn refuse_schedules_with(&self, kind: RejectionKind) {
        *self.refuse_schedules.lock().unwrap() = Some(kind);
    }

    /// Runs the live schedule of `payment_id` as PortOne does at `timeToPay`: a `PAID` payment
    /// with that id, or a `FAILED` one with PortOne's `failure`. Returns the payment id.
    pub fn charge(&self, payment_id: impl std::borrow::Borrow<PaymentId>, declined: bool) -> String {
        let payment_id = payment_id.borrow();
        let mut schedules = self.schedules.lock().unwrap();
        let held = schedules
            .iter_mut()
            .find(|s| s.request.payment_id == *payment_id && s.status == "SCHEDULED")
            .expect("a live schedule for this payment id");
        held.status = if declined { "FAILED" } else { "SUCCEEDED" };
        let request = held.request.clone();
        drop(schedules);
        let at = request.time_to_pay.as_utc();
        let payment = Payment {
            id: payment_id.clone(),
            status: if declined {
                PaymentStatus::Failed
            } else {
                PaymentStatus::Paid
            },
            order_name: request.order_name,
            amount: request.amount,
            currency: request.currency,
            cancelled_amount: Amount::new(0).unwrap(),
            plan_id: request.plan_id,
            quantity: request.quantity,
            kind: Default::default(),
            list_amount: request.list_amount,
            discount: request.discount,
            credit: None,
            receipt_url: None,
            billing_key: Some(request.billing_key),
            customer_id: request.customer_id.map(|id| id.to_string()),
            paid_at: (!declined).then_some(at),
            failed_at: declined.then_some(at),
            failure: declined.then(|| PaymentFailure {
                reason: Some("카드 잔액이 부족합니다.".into()),
                pg_code: Some("INSUFFICIENT_FUNDS".into()),
                pg_message: Some("잔액부족".into()),
            }),
        };
        self.add(payment);
        payment_id.to_string()
    }

    /// Runs every live schedule due at `now`, earliest first, as PortOne does at `timeToPay`:
    /// paid, or declined as the card's issuer decides. The `(paymentId, webhook type)` of each.
    pub fn run_due(&self, now: Timestamp) -> Vec<(String, &'static str)> {
        let mut due: Vec<Held> = self
            .live()
            .into_iter()
            .filter(|held| held.request.time_to_pay <= now)
            .collect();
        due.sort_by_key(|held| held.request.time_to_pay);
        due.into_iter()
            .map(|held| {
                let declined = self.cards.take_decline(held.request.billing_key.expose());
                let id = self.charge(held.request.payment_id.clone(), declined);
                (
                    id,
                    if declined {
                        "Transaction.Failed"
                    } else {
                        "Transaction.Paid"
                    },
                )
            })
            .collect()
    }

    /// Every payment PortOne holds.
    pub fn payments(&self) -> Vec<Payment> {
        self.payments.lock().unwrap().values().cloned().collect()
    }

    /// The live (`SCHEDULED`) schedules.
    pub fn live(&self) -> Vec<Held> {
        self.schedules()
            .into_iter()
            .filter(|s| s.status == "SCHEDULED")
            .collect()
    }
}

impl Payments for FakePortOne {
    async fn get_payment(&self, id: &PaymentId) -> Result<Payment, GatewayError> {
        // Yield so concurrent webhooks interleave like real I/O.
        tokio::task::yield_now().await;
        let during = self.on_lookup.lock().unwrap().take();
        if let Some(during) = during {
            during();
        }
        self.payments
            .lock()
            .unwrap()
            .get(id.as_str())
            .cloned()
            .ok_or_else(|| rejected(404, RejectionKind::PaymentNotFound, "PAYMENT_NOT_FOUND"))
    }

    async fn pay_with_billing_key(&self, request: &ChargeRequest) -> Result<Charged, GatewayError> {
        tokio::task::yield_now().await;
        self.pay(request)
    }

    async fn cancel_payment(&self, request: &CancelRequest) -> Result<Cancellation, GatewayError> {
        tokio::task::yield_now().await;
        self.refund(request)
    }
}

impl Schedules for FakePortOne {
    async fn schedule_payment(&self, request: &ScheduleRequest) -> Result<ScheduleOutcome, GatewayError> {
        tokio::task::yield_now().await;
        if let Some(kind) = self.refuse_schedules.lock().unwrap().clone() {
            return Err(rejected(409, kind, "REFUSED"));
        }
        {
            let mut failing = self.failing_schedules.lock().unwrap();
            if *failing > 0 {
                *failing -= 1;
                return Err(rejected(500, RejectionKind::Other, "UNKNOWN"));
            }
        }
        let mut schedules = self.schedules.lock().unwrap();
        let live = |s: &&Held| s.request.payment_id == request.payment_id && s.status != "REVOKED";
        if schedules.iter().any(|s| live(&s)) {
            return Ok(ScheduleOutcome::AlreadyExists);
        }
        let id = self
            .next_ids
            .lock()
            .unwrap()
            .pop()
            .unwrap_or_else(|| format!("schedule-{}", schedules.len() + 1));
        schedules.push(Held {
            id: id.clone(),
            request: request.clone(),
            status: "SCHEDULED",
        });
        Ok(ScheduleOutcome::Created {
            schedule_id: ScheduleId::parse(id).unwrap(),
        })
    }

    async fn revoke_schedule(&self, schedule_id: &ScheduleId) -> Result<RevokeOutcome, GatewayError> {
        let mut schedules = self.schedules.lock().unwrap();
        let Some(held) = schedules.iter_mut().find(|s| s.id == schedule_id.as_str()) else {
            return Ok(RevokeOutcome::NotFound);
        };
        match held.status {
            "REVOKED" => Ok(RevokeOutcome::AlreadyRevoked),
            "SCHEDULED" => {
                held.status = "REVOKED";
                Ok(RevokeOutcome::Revoked { revoked_at: None })
            }
            _ => Ok(RevokeOutcome::AlreadyProcessed),
        }
    }

    async fn get_schedule(&self, schedule_id: &ScheduleId) -> Result<Option<PaymentSchedule>, GatewayError> {
        let schedules = self.schedules.lock().unwrap();
        Ok(schedules.iter().find(|s| s.id == schedule_id.as_str()).map(view))
    }

    async fn list_schedules(&self, query: &ScheduleQuery) -> Result<SchedulePage, GatewayError> {
        let schedules = self.schedules.lock().unwrap();
        let mut matching: Vec<PaymentSchedule> = schedules
            .iter()
            .filter(|s| {
                query.statuses.is_empty()
                    || query
                        .statuses
                        .iter()
                        .any(|status| status.as_portone() == s.status)
            })
            .filter(|s| s.request.time_to_pay >= query.from && s.request.time_to_pay <= query.until)
            .map(view)
            .collect();
        matching.sort_by_key(|s| (s.time_to_pay, s.id.clone()));
        let size = query.size as usize;
        let items: Vec<_> = matching
            .into_iter()
            .skip(query.page as usize * size)
            .take(size)
            .collect();
        Ok(SchedulePage {
            total_count: items.len() as u64,
            items,
        })
    }

    async fn find_schedule(
        &self,
        billing_key: &BillingKey,
        payment_id: &PaymentId,
        _around: Timestamp,
    ) -> Result<Option<PaymentSchedule>, GatewayError> {
        let schedules = self.schedules.lock().unwrap();
        let mut matching: Vec<_> = schedules
            .iter()
            .filter(|s| &s.request.billing_key == billing_key && s.request.payment_id == *payment_id)
            .collect();
        // As the PortOne adapter: the live one wins, else the latest.
        matching.sort_by_key(|s| s.status == "SCHEDULED");
        Ok(matching.pop().map(view))
    }
}

impl BillingKeys for FakePortOne {
    async fn get_billing_key(&self, billing_key: &BillingKey) -> Result<BillingKeyInfo, GatewayError> {
        self.cards.info(billing_key.expose())
    }
}

pub fn rejected(status: u16, kind: RejectionKind, code: &str) -> GatewayError {
    GatewayError::Rejected(Rejection {
        kind,
        status,
        code: code.into(),
        message: None,
    })
}

fn view(held: &Held) -> PaymentSchedule {
    let s = &held.request;
    PaymentSchedule {
        id: ScheduleId::parse(held.id.clone()).unwrap(),
        status: ScheduleStatus::from_portone(held.status),
        payment_id: s.payment_id.clone(),
        order_name: s.order_name.clone(),
        time_to_pay: s.time_to_pay,
        total_amount: s.amount,
        currency: s.currency.clone(),
        created_at: s.time_to_pay,
        revoked_at: None,
    }
}

/// Always the same offset, so the expected instants are written out in full.
pub struct Offset(pub u32);

impl RandomSource for Offset {
    fn schedule_offset(&self) -> ScheduleOffset {
        ScheduleOffset::from_seconds(self.0)
    }
}

pub fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub fn paid(id: &str, paid_at: Option<&str>) -> Payment {
    Payment {
        id: PaymentId::parse(id).unwrap(),
        status: PaymentStatus::Paid,
        order_name: "월간 구독".into(),
        amount: Amount::new(10_000).unwrap(),
        currency: Currency::reported("KRW"),
        cancelled_amount: Amount::new(0).unwrap(),
        plan_id: None,
        quantity: Default::default(),
        kind: Default::default(),
        list_amount: None,
        discount: None,
        credit: None,
        receipt_url: None,
        billing_key: BillingKey::parse("billing_key_123").ok(),
        customer_id: Some("customer_1".into()),
        paid_at: paid_at.map(utc),
        failed_at: None,
        failure: None,
    }
}

pub type TestPorts = Adapters<FakePortOne, InMemoryLedger, Arc<FixedClock>, Offset>;

/// The services over in-memory ports, and handles on them.
pub struct Harness {
    pub services: Services<TestPorts>,
    pub portone: FakePortOne,
    pub ledger: InMemoryLedger,
    pub clock: Arc<FixedClock>,
}

impl Harness {
    /// The read model of the subscription `id` names, now.
    pub async fn read(&self, id: &str) -> portone_subscriptions::domain::subscription::Subscription {
        let id = portone_subscriptions::domain::subscription_id::SubscriptionId::parse(id).unwrap();
        self.services.subscriptions.get(&id).await.unwrap().subscription
    }

    /// Clock at 2024-03-10T12:00:00Z, every schedule at 10:00 KST + `offset` seconds.
    pub fn new(offset: u32) -> Self {
        Self::with_secret(offset, None)
    }

    pub fn with_secret(offset: u32, secret: Option<WebhookSecret>) -> Self {
        let portone = FakePortOne::default();
        let ledger = InMemoryLedger::new();
        let clock = Arc::new(FixedClock::at(utc("2024-03-10T12:00:00Z")));
        *portone.clock.lock().unwrap() = Some(clock.clone());
        let ports = Adapters {
            gateway: portone.clone(),
            ledger: ledger.clone(),
            clock: clock.clone(),
            random: Offset(offset),
        };
        let webhooks = WebhookService::new(PaymentFlows::new(Arc::new(ports))).with_webhook_secret(secret);
        Self {
            services: Services::new(webhooks),
            portone,
            ledger,
            clock,
        }
    }

    /// With `policy` as the retry days.
    pub fn with_dunning(offset: u32, policy: DunningPolicy) -> Self {
        let mut harness = Self::new(offset);
        let ports = harness.services.webhooks.ports().clone();
        harness.services = Services::new(WebhookService::new(PaymentFlows::new(ports).with_dunning(policy)));
        harness
    }

    /// The route spec's webhook `{payment_id, status}`, unsigned.
    pub async fn send(&self, payment_id: &str, status: &str) -> WebhookOutcome {
        let body = serde_json::json!({ "payment_id": payment_id, "status": status }).to_string();
        self.post(body.as_bytes(), &SignatureHeaders::default()).await
    }

    pub async fn post(&self, body: &[u8], signature: &SignatureHeaders) -> WebhookOutcome {
        let input = WebhookInput {
            body,
            format: BodyFormat::Json,
            signature,
        };
        self.services.webhooks.handle(input).await
    }
}
