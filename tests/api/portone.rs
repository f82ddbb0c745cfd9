//! PortOne's payment-schedule API with state, answering as PortOne's published OpenAPI schema says:
//! `CreatePaymentScheduleResponse`, `RevokePaymentSchedulesResponse`, `PaymentSchedule`,
//! `GetPaymentSchedulesResponse`, and error bodies `{type, message}`.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::fixture;

/// One schedule PortOne holds.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub id: String,
    pub payment_id: String,
    pub body: Value,
    pub status: &'static str,
}

#[derive(Clone, Default)]
pub struct Schedules(Arc<Mutex<Vec<Schedule>>>);

impl Schedules {
    pub async fn mount(server: &MockServer) -> Self {
        let schedules = Self::default();
        schedules.remount(server).await;
        schedules
    }

    /// Mounts this stand-in's handlers (again, after a `reset` of the server).
    pub async fn remount(&self, server: &MockServer) {
        let schedules = self.clone();
        Mock::given(method("POST"))
            .and(path_regex(r"^/payments/[^/]+/schedule$"))
            .respond_with(Create(schedules.clone()))
            .mount(server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/payment-schedules"))
            .respond_with(Revoke(schedules.clone()))
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/payment-schedules(/[^/]+)?$"))
            .respond_with(Read(schedules))
            .mount(server)
            .await;
    }

    /// `(paymentId, body)` of every schedule created, in order (re-creations included).
    pub fn created(&self) -> Vec<(String, Value)> {
        self.all().into_iter().map(|s| (s.payment_id, s.body)).collect()
    }

    pub fn all(&self) -> Vec<Schedule> {
        self.0.lock().unwrap().clone()
    }

    /// Ids of revoked schedules.
    pub fn revoked(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|s| s.status == "REVOKED")
            .map(|s| s.id)
            .collect()
    }

    /// PortOne revokes every live schedule of `payment_id` on its own (nothing will charge it).
    pub fn revoke_at_portone(&self, payment_id: &str) {
        for schedule in self.0.lock().unwrap().iter_mut() {
            if schedule.payment_id == payment_id && schedule.status == "SCHEDULED" {
                schedule.status = "REVOKED";
            }
        }
    }

    /// A schedule that exists at PortOne without this service having created it.
    pub fn seed(&self, payment_id: &str, body: Value) {
        let mut all = self.0.lock().unwrap();
        let id = format!("schedule-{:04}", all.len() + 1);
        all.push(Schedule {
            id,
            payment_id: payment_id.to_owned(),
            body,
            status: "SCHEDULED",
        });
    }

    /// Marks a schedule as executed, as PortOne does when it charges it.
    pub fn mark_succeeded(&self, schedule_id: &str) {
        self.mark(schedule_id, "SUCCEEDED");
    }

    /// Marks a schedule as executed and declined.
    pub fn mark_failed(&self, schedule_id: &str) {
        self.mark(schedule_id, "FAILED");
    }

    fn mark(&self, schedule_id: &str, status: &'static str) {
        let mut all = self.0.lock().unwrap();
        all.iter_mut()
            .filter(|s| s.id == schedule_id)
            .for_each(|s| s.status = status);
    }
}

fn view(schedule: &Schedule) -> Value {
    let payment = &schedule.body["payment"];
    json!({
        "status": schedule.status, "id": schedule.id, "merchantId": "merchant-1", "storeId": "store-1",
        "paymentId": schedule.payment_id, "billingKey": payment["billingKey"], "orderName": payment["orderName"],
        "isCulturalExpense": false, "isEscrow": false, "customer": payment.get("customer").cloned().unwrap_or(json!({})),
        "customData": "", "totalAmount": payment["amount"]["total"], "currency": payment["currency"],
        "createdAt": "2024-01-01T00:00:06Z", "timeToPay": schedule.body["timeToPay"],
        "revokedAt": (schedule.status == "REVOKED").then_some("2024-01-02T00:00:00Z"),
    })
}

fn error(status: u16, error_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "type": error_type, "message": error_type }))
}

struct Create(Schedules);

impl Respond for Create {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let payment_id = request.url.path().split('/').nth(2).unwrap().to_owned();
        let mut all = self.0 .0.lock().unwrap();
        if all
            .iter()
            .any(|s| s.payment_id == payment_id && s.status != "REVOKED")
        {
            return ResponseTemplate::new(409).set_body_json(fixture("schedule_already_exists.json"));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let id = format!("schedule-{:04}", all.len() + 1);
        all.push(Schedule {
            id: id.clone(),
            payment_id,
            body,
            status: "SCHEDULED",
        });
        ResponseTemplate::new(200).set_body_json(json!({ "schedule": { "id": id } }))
    }
}

struct Revoke(Schedules);

impl Respond for Revoke {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let id = body["scheduleIds"][0].as_str().unwrap();
        let mut all = self.0 .0.lock().unwrap();
        let Some(schedule) = all.iter_mut().find(|s| s.id == id) else {
            return error(404, "PAYMENT_SCHEDULE_NOT_FOUND");
        };
        match schedule.status {
            "REVOKED" => error(409, "PAYMENT_SCHEDULE_ALREADY_REVOKED"),
            "SCHEDULED" => {
                schedule.status = "REVOKED";
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "revokedScheduleIds": [id], "revokedAt": "2024-01-02T00:00:00Z" }))
            }
            _ => error(409, "PAYMENT_SCHEDULE_ALREADY_PROCESSED"),
        }
    }
}

/// `getPaymentSchedules`: filtered by billing key, statuses and `timeToPay` in `[from, until]`
/// (PortOne's default window is the last 90 days; the service always sets both), sorted by
/// `timeToPay` (`DESC` unless `ASC`), paged (`number`, `size`; `totalCount` counts the page's
/// items, as PortOne's `PageInfo` describes it).
fn list(all: &[Schedule], query: &Value) -> ResponseTemplate {
    let filter = &query["filter"];
    let time = |name: &str| {
        filter[name]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    };
    let (from, until) = (time("from"), time("until"));
    assert!(
        from.is_some() && until.is_some(),
        "the service always sets from and until"
    );
    let statuses: Vec<&str> = filter["status"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut matching: Vec<&Schedule> = all
        .iter()
        .filter(|s| filter["billingKey"].is_null() || s.body["payment"]["billingKey"] == filter["billingKey"])
        .filter(|s| statuses.is_empty() || statuses.contains(&s.status))
        .filter(|s| {
            let at: chrono::DateTime<chrono::Utc> = s.body["timeToPay"].as_str().unwrap().parse().unwrap();
            from.is_none_or(|f| at >= f) && until.is_none_or(|u| at <= u)
        })
        .collect();
    matching.sort_by_key(|s| (s.body["timeToPay"].as_str().unwrap().to_owned(), s.id.clone()));
    if query["sort"]["order"] != "ASC" {
        matching.reverse();
    }
    let size = query["page"]["size"].as_u64().unwrap_or(10) as usize;
    let number = query["page"]["number"].as_u64().unwrap_or(0) as usize;
    let items: Vec<Value> = matching
        .iter()
        .skip(number * size)
        .take(size)
        .map(|s| view(s))
        .collect();
    let count = items.len();
    ResponseTemplate::new(200).set_body_json(
        json!({ "items": items, "page": { "number": number, "size": size, "totalCount": count } }),
    )
}

struct Read(Schedules);

impl Respond for Read {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let all = self.0 .0.lock().unwrap();
        match request.url.path().strip_prefix("/payment-schedules/") {
            Some(id) => match all.iter().find(|s| s.id == id) {
                Some(schedule) => ResponseTemplate::new(200).set_body_json(view(schedule)),
                None => error(404, "PAYMENT_SCHEDULE_NOT_FOUND"),
            },
            None => {
                let query: Value = request
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "requestBody")
                    .map(|(_, v)| serde_json::from_str(&v).unwrap())
                    .unwrap_or(json!({}));
                list(&all, &query)
            }
        }
    }
}
