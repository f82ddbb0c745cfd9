//! The use case alone, with in-memory fakes of every port: exact timestamps, no HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use portone_subscriptions::adapters::clock::FixedClock;
use portone_subscriptions::adapters::memory::InMemoryLedger;
use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::checklist::StepStatus;
use portone_subscriptions::domain::payment::{Payment, PaymentStatus};
use portone_subscriptions::domain::payment_id::PaymentId;
use portone_subscriptions::domain::period::ScheduleOffset;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{
    GatewayError, PaymentGateway, PaymentSchedule, RandomSource, RevokeOutcome, ScheduleOutcome,
    ScheduleRequest,
};
use portone_subscriptions::service::{
    BodyFormat, SignatureHeaders, Verdict, WebhookInput, WebhookOutcome, WebhookService,
};
use uuid::Uuid;

/// PortOne in memory: payments by id, schedules by payment id (a second one is `AlreadyExists`).
#[derive(Default)]
struct FakePortOne {
    payments: Mutex<HashMap<String, Payment>>,
    schedules: Mutex<Vec<ScheduleRequest>>,
    revoked: Mutex<Vec<String>>,
}

impl FakePortOne {
    fn add(&self, payment: Payment) {
        self.payments
            .lock()
            .unwrap()
            .insert(payment.id.as_str().to_owned(), payment);
    }

    fn schedules(&self) -> Vec<ScheduleRequest> {
        self.schedules.lock().unwrap().clone()
    }
}

impl PaymentGateway for FakePortOne {
    async fn get_payment(&self, id: &PaymentId) -> Result<Payment, GatewayError> {
        // Yield so concurrent webhooks interleave like real I/O.
        tokio::task::yield_now().await;
        self.payments
            .lock()
            .unwrap()
            .get(id.as_str())
            .cloned()
            .ok_or(GatewayError::Rejected {
                status: 404,
                error_type: "PAYMENT_NOT_FOUND".into(),
                message: None,
            })
    }

    async fn schedule_payment(&self, request: &ScheduleRequest) -> Result<ScheduleOutcome, GatewayError> {
        tokio::task::yield_now().await;
        let mut schedules = self.schedules.lock().unwrap();
        if schedules.iter().any(|s| s.payment_id == request.payment_id) {
            return Ok(ScheduleOutcome::AlreadyExists);
        }
        schedules.push(request.clone());
        Ok(ScheduleOutcome::Created {
            schedule_id: format!("schedule-{}", schedules.len()),
        })
    }

    async fn revoke_schedule(&self, schedule_id: &str) -> Result<RevokeOutcome, GatewayError> {
        let mut revoked = self.revoked.lock().unwrap();
        if revoked.iter().any(|id| id == schedule_id) {
            return Ok(RevokeOutcome::AlreadyRevoked);
        }
        revoked.push(schedule_id.to_owned());
        Ok(RevokeOutcome::Revoked { revoked_at: None })
    }

    async fn get_schedule(&self, schedule_id: &str) -> Result<PaymentSchedule, GatewayError> {
        Err(GatewayError::Rejected {
            status: 404,
            error_type: "PAYMENT_SCHEDULE_NOT_FOUND".into(),
            message: Some(schedule_id.into()),
        })
    }

    async fn find_schedule(
        &self,
        billing_key: &str,
        payment_id: Uuid,
        _around: Timestamp,
    ) -> Result<Option<PaymentSchedule>, GatewayError> {
        let schedules = self.schedules.lock().unwrap();
        let revoked = self.revoked.lock().unwrap();
        let index = schedules
            .iter()
            .position(|s| s.billing_key == billing_key && s.payment_id == payment_id);
        Ok(index.map(|i| {
            let s = &schedules[i];
            let id = format!("schedule-{}", i + 1);
            let status = if revoked.contains(&id) {
                "REVOKED"
            } else {
                "SCHEDULED"
            };
            PaymentSchedule {
                status: status.into(),
                payment_id: s.payment_id.to_string(),
                order_name: s.order_name.clone(),
                time_to_pay: s.time_to_pay,
                total_amount: s.amount.value(),
                currency: s.currency.clone(),
                created_at: s.time_to_pay,
                revoked_at: None,
                id,
            }
        }))
    }
}

/// Always the same offset, so the expected instants are written out in full.
struct Offset(u32);

impl RandomSource for Offset {
    fn schedule_offset(&self) -> ScheduleOffset {
        ScheduleOffset::from_seconds(self.0)
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn paid(id: &str, paid_at: Option<&str>) -> Payment {
    Payment {
        id: PaymentId::parse(id).unwrap(),
        status: PaymentStatus::Paid,
        order_name: "월간 구독".into(),
        amount: Amount::new(10_000).unwrap(),
        currency: "KRW".into(),
        billing_key: Some("billing_key_123".into()),
        customer_id: Some("customer_1".into()),
        paid_at: paid_at.map(utc),
    }
}

type Service = WebhookService<Arc<FakePortOne>, Arc<InMemoryLedger>, Arc<FixedClock>, Offset>;

fn service(offset: u32) -> (Service, Arc<FakePortOne>, Arc<InMemoryLedger>, Arc<FixedClock>) {
    let portone = Arc::new(FakePortOne::default());
    let ledger = Arc::new(InMemoryLedger::new());
    let clock = Arc::new(FixedClock::at(utc("2024-03-10T12:00:00Z")));
    let service = WebhookService::new(portone.clone(), ledger.clone(), clock.clone(), Offset(offset));
    (service, portone, ledger, clock)
}

async fn send(service: &Service, payment_id: &str, status: &str) -> WebhookOutcome {
    let body = serde_json::json!({ "payment_id": payment_id, "status": status }).to_string();
    let headers = SignatureHeaders::default();
    service
        .run(WebhookInput {
            body: body.as_bytes(),
            format: BodyFormat::Json,
            signature: &headers,
        })
        .await
}

#[tokio::test]
async fn paid_webhook_stores_the_exact_period_and_schedules_it() {
    let (service, portone, ledger, _) = service(1800);
    portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));

    let outcome = send(&service, "pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    let rows = ledger.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].start_at.to_iso(), "2024-01-01T00:00:00.000Z");
    assert_eq!(rows[0].end_at.to_iso(), "2024-01-31T00:00:00.000Z");
    assert_eq!(rows[0].end_grace_at.to_iso(), "2024-02-01T14:59:59.000Z");
    assert_eq!(rows[0].next_schedule_at.to_iso(), "2024-02-01T01:30:00.000Z");
    let schedules = portone.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].payment_id, rows[0].next_schedule_id);
    assert_eq!(schedules[0].time_to_pay, rows[0].next_schedule_at);
    assert_eq!(schedules[0].amount.value(), 10_000);
}

#[tokio::test]
async fn retry_hours_later_keeps_the_first_period_because_it_starts_at_paid_at() {
    let (service, portone, ledger, clock) = service(0);
    portone.add(paid("pay_1", Some("2024-03-10T11:59:00Z")));
    send(&service, "pay_1", "Paid").await;
    clock.advance(Duration::hours(5));

    let outcome = send(&service, "pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::Done);
    assert_eq!(ledger.rows().len(), 1);
    assert_eq!(ledger.rows()[0].start_at.to_iso(), "2024-03-10T11:59:00.000Z");
    assert_eq!(portone.schedules().len(), 1);
}

#[tokio::test]
async fn missing_paid_at_falls_back_to_the_clock() {
    let (service, portone, ledger, _) = service(0);
    portone.add(paid("pay_1", None));

    send(&service, "pay_1", "Paid").await;

    assert_eq!(ledger.rows()[0].start_at.to_iso(), "2024-03-10T12:00:00.000Z");
}

#[tokio::test]
async fn fifty_concurrent_duplicates_record_once_and_schedule_once() {
    let (service, portone, ledger, _) = service(0);
    portone.add(paid("pay_1", Some("2024-01-01T00:00:00Z")));
    let service = Arc::new(service);

    let runs = (0..50).map(|_| {
        let service = service.clone();
        tokio::spawn(async move { send(&service, "pay_1", "Paid").await })
    });
    let outcomes = futures_join_all(runs).await;

    assert!(outcomes.iter().all(|o| o.verdict == Verdict::Done));
    assert_eq!(ledger.rows().len(), 1);
    assert_eq!(portone.schedules().len(), 1);
}

#[tokio::test]
async fn unpaid_payment_stops_at_step_three() {
    let (service, portone, ledger, _) = service(0);
    let mut payment = paid("pay_1", None);
    payment.status = PaymentStatus::Other("SOMETHING_NEW".into());
    portone.add(payment);

    let outcome = send(&service, "pay_1", "Paid").await;

    assert_eq!(outcome.verdict, Verdict::PaymentStatusMismatch);
    assert_eq!(outcome.checklist.items()[2].status, StepStatus::Failed);
    assert!(outcome.checklist.items()[2].message.contains("SOMETHING_NEW"));
    assert!(ledger.rows().is_empty());
}

async fn futures_join_all<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut results = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        results.push(handle.await.unwrap());
    }
    results
}

#[tokio::test]
async fn cancelling_revokes_the_stored_schedule_and_resuming_schedules_it_again() {
    let (service, portone, ledger, _) = service(0);
    portone.add(paid("pay_1", Some("2024-03-01T00:00:00Z")));
    send(&service, "pay_1", "Paid").await;

    let cancelled = service.cancel("pay_1").await.unwrap();
    let again = service.cancel("pay_1").await.unwrap();
    let resumed = service.resume("pay_1").await.unwrap();

    assert!(cancelled.changed && !again.changed && resumed.changed);
    assert_eq!(
        cancelled.record.canceled_at.unwrap().to_iso(),
        "2024-03-10T12:00:00.000Z"
    );
    assert_eq!(*portone.revoked.lock().unwrap(), ["schedule-1"]);
    assert_eq!(resumed.record.canceled_at, None);
    assert_eq!(
        ledger.rows()[0].resumed_at.unwrap().to_iso(),
        "2024-03-10T12:00:00.000Z"
    );
    let schedules = portone.schedules();
    assert!(schedules[0].idempotency_key.starts_with("schedule-"));
    assert!(
        schedules.len() == 1,
        "the fake refuses a second schedule for the same payment id"
    );
}
