//! PortOne V2 REST API over reqwest, as PortOne's published OpenAPI schema describes it
//! (<https://developers.portone.io/api/rest-v2>; operation ids `getPayment`,
//! `createPaymentSchedule`, `revokePaymentSchedules`, `getPaymentSchedule`, `getPaymentSchedules`,
//! `payWithBillingKey`, `getBillingKeyInfo`, `cancelPayment`).

mod errors;
mod rejections;
pub mod retry;
mod wire;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Client, RequestBuilder, Url};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::billing_key::BillingKey;
use crate::domain::payment::Payment;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::rejection::RejectionKind;
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    BillingKeyInfo, CancelRequest, Cancellation, ChargeRequest, Charged, GatewayError, PaymentGateway,
    PaymentSchedule, RevokeOutcome, ScheduleOutcome, SchedulePage, ScheduleQuery, ScheduleRequest,
};

/// Characters left as they are in a path segment (RFC 3986 unreserved); all else is escaped,
/// so a `paymentId` with `/`, `?` or `#` cannot change the path.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The `operation` labels of the calls [`retry::with_retries`] repeats.
const GET_PAYMENT: &str = "get_payment";
const CREATE_SCHEDULE: &str = "create_schedule";
const LIST_SCHEDULES: &str = "list_schedules";
const PAY_WITH_BILLING_KEY: &str = "pay_with_billing_key";
const GET_BILLING_KEY: &str = "get_billing_key";
const CANCEL_PAYMENT: &str = "cancel_payment";
const REVOKE_SCHEDULE: &str = "revoke_schedule";
const GET_SCHEDULE: &str = "get_schedule";

/// The operations that are retried after a transient failure, for exporting their retry series
/// at zero.
pub const RETRIED_OPERATIONS: [&str; 8] = [
    GET_PAYMENT,
    CREATE_SCHEDULE,
    LIST_SCHEDULES,
    PAY_WITH_BILLING_KEY,
    GET_BILLING_KEY,
    CANCEL_PAYMENT,
    REVOKE_SCHEDULE,
    GET_SCHEDULE,
];

/// A PortOne V2 client.
///
/// Sends `Authorization: PortOne {secret}` (the `portOne` security scheme) and `storeId` when set.
/// `Debug` never shows the secret.
#[derive(Clone)]
pub struct PortOneClient {
    http: Client,
    base_url: Url,
    authorization: HeaderValue,
    store_id: Option<String>,
}

impl std::fmt::Debug for PortOneClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortOneClient")
            .field("base_url", &self.base_url.as_str())
            .field("store_id", &self.store_id)
            .finish_non_exhaustive()
    }
}

impl PortOneClient {
    /// `http` carries the timeouts and the connection pool shared with the storage adapter.
    ///
    /// # Errors
    /// When the secret cannot be an HTTP header value (control characters); the message does not
    /// contain it.
    pub fn new(
        http: Client,
        base_url: Url,
        secret: &SecretString,
        store_id: Option<String>,
    ) -> anyhow::Result<Self> {
        let mut authorization = HeaderValue::from_str(&format!("PortOne {}", secret.expose_secret()))
            .map_err(|_| {
                anyhow::anyhow!("PORTONE_API_SECRET contains characters not allowed in an HTTP header")
            })?;
        authorization.set_sensitive(true);
        Ok(Self {
            http,
            base_url,
            authorization,
            store_id,
        })
    }

    /// `{base}/{segments…}` with each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        let mut url = String::with_capacity(base.len() + 64);
        url.push_str(base);
        for segment in segments {
            url.push('/');
            url.extend(utf8_percent_encode(segment, PATH_SEGMENT));
        }
        url
    }

    /// Adds `Authorization` and, where the operation takes it as a query parameter, `storeId`.
    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        let request = self.authorized_without_store(request);
        match &self.store_id {
            Some(store_id) => request.query(&[("storeId", store_id)]),
            None => request,
        }
    }

    fn authorized_without_store(&self, request: RequestBuilder) -> RequestBuilder {
        request.header(AUTHORIZATION, self.authorization.clone())
    }
}

impl PortOneClient {
    /// `POST url` with `body` and PortOne's `Idempotency-Key` (an RFC 8941 string, quoted): the
    /// same key on every attempt, so PortOne runs the request at most once however often a
    /// transient failure (as `retryable` says) makes it repeat.
    async fn post_idempotent(
        &self,
        operation: &'static str,
        url: &str,
        idempotency_key: &str,
        body: &impl serde::Serialize,
        retryable: fn(&GatewayError) -> bool,
    ) -> Result<bytes::Bytes, GatewayError> {
        let key = format!("\"{idempotency_key}\"");
        retry::with_retries(retry::DEFAULT_RETRIES, retryable, operation, || {
            errors::send(
                operation,
                self.authorized_without_store(self.http.post(url))
                    .header("Idempotency-Key", &key)
                    .json(body),
            )
        })
        .await
    }

    /// `GET /payment-schedules` with the body in the `requestBody` query parameter, as PortOne's
    /// SDKs send it; a GET, so retried like the payment lookup.
    async fn list(&self, body: &wire::ListSchedulesBody<'_>) -> Result<SchedulePage, GatewayError> {
        const OPERATION: &str = LIST_SCHEDULES;
        let encoded =
            serde_json::to_string(body).map_err(|e| GatewayError::InvalidResponse(e.to_string()))?;
        let url = self.url(&["payment-schedules"]);
        retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            OPERATION,
            || async {
                let request = self
                    .authorized_without_store(self.http.get(&url))
                    .query(&[("requestBody", &encoded)]);
                wire::ScheduleListDto::parse(&errors::send(OPERATION, request).await?)
            },
        )
        .await
    }
}

impl PaymentGateway for PortOneClient {
    async fn get_payment(&self, id: &PaymentId) -> Result<Payment, GatewayError> {
        let url = self.url(&["payments", id.as_str()]);
        const OPERATION: &str = GET_PAYMENT;
        retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            OPERATION,
            || async {
                let body = errors::send(OPERATION, self.authorized(self.http.get(&url))).await?;
                wire::PaymentDto::parse(&body)
            },
        )
        .await
    }

    async fn schedule_payment(&self, request: &ScheduleRequest) -> Result<ScheduleOutcome, GatewayError> {
        let url = self.url(&["payments", &request.payment_id.to_string(), "schedule"]);
        // PortOne's Idempotency-Key is an RFC 8941 string, quoted, 16–256 ASCII characters; the
        // same key on every attempt makes the retries safe.
        let key = format!("\"{}\"", request.idempotency_key);
        let body = wire::CreatePaymentScheduleBody::from(request);
        const OPERATION: &str = CREATE_SCHEDULE;
        let sent = retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::schedule_is_retryable,
            OPERATION,
            || {
                errors::send(
                    OPERATION,
                    self.authorized(self.http.post(&url))
                        .header("Idempotency-Key", &key)
                        .json(&body),
                )
            },
        )
        .await;
        match sent {
            Ok(body) => wire::CreatePaymentScheduleResponse::parse(&body),
            Err(error) if error.rejection() == Some(&RejectionKind::ScheduleAlreadyExists) => {
                Ok(ScheduleOutcome::AlreadyExists)
            }
            Err(error) => Err(error),
        }
    }

    async fn revoke_schedule(&self, schedule_id: &ScheduleId) -> Result<RevokeOutcome, GatewayError> {
        // storeId belongs in this operation's body, not its query (RevokePaymentSchedulesBody).
        let body = wire::RevokeBody {
            store_id: self.store_id.as_deref(),
            schedule_ids: [schedule_id.as_str()],
        };
        let url = self.url(&["payment-schedules"]);
        // A revoke repeated after a lost answer finds the schedule revoked: safe to retry.
        let sent = retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::schedule_is_retryable,
            REVOKE_SCHEDULE,
            || {
                let request = self.authorized_without_store(self.http.delete(&url)).json(&body);
                errors::send(REVOKE_SCHEDULE, request)
            },
        )
        .await;
        let error = match sent {
            Ok(body) => return wire::RevokeResponse::parse(&body),
            Err(error) => error,
        };
        match error.rejection() {
            Some(RejectionKind::ScheduleAlreadyRevoked) => Ok(RevokeOutcome::AlreadyRevoked),
            Some(RejectionKind::ScheduleAlreadyProcessed) => Ok(RevokeOutcome::AlreadyProcessed),
            Some(RejectionKind::ScheduleNotFound) => Ok(RevokeOutcome::NotFound),
            _ => Err(error),
        }
    }

    async fn get_schedule(&self, schedule_id: &ScheduleId) -> Result<Option<PaymentSchedule>, GatewayError> {
        let url = self.url(&["payment-schedules", schedule_id.as_str()]);
        let sent = retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            GET_SCHEDULE,
            || errors::send(GET_SCHEDULE, self.authorized(self.http.get(&url))),
        )
        .await;
        match sent {
            Ok(body) => wire::ScheduleDto::parse(&body).map(Some),
            Err(error) if error.rejection() == Some(&RejectionKind::ScheduleNotFound) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn list_schedules(&self, query: &ScheduleQuery) -> Result<SchedulePage, GatewayError> {
        self.list(&wire::ListSchedulesBody::page(query, self.store_id.as_deref()))
            .await
    }

    async fn find_schedule(
        &self,
        billing_key: &BillingKey,
        payment_id: uuid::Uuid,
        time_to_pay: Timestamp,
    ) -> Result<Option<PaymentSchedule>, GatewayError> {
        let body =
            wire::ListSchedulesBody::around(billing_key.expose(), self.store_id.as_deref(), time_to_pay);
        let page = self.list(&body).await?;
        let wanted = payment_id.to_string();
        let mut matching: Vec<_> = page
            .items
            .into_iter()
            .filter(|s| s.payment_id == wanted)
            .collect();
        // A resumed subscription has a revoked schedule and a newer pending one: the pending one
        // wins, else the latest.
        matching.sort_by_key(|s| (s.status == ScheduleStatus::Scheduled, s.created_at));
        Ok(matching.pop())
    }

    async fn pay_with_billing_key(&self, request: &ChargeRequest) -> Result<Charged, GatewayError> {
        let url = self.url(&["payments", request.payment_id.as_str(), "billing-key"]);
        let body = wire::PayWithBillingKeyBody::new(request, self.store_id.as_deref());
        let body = self
            .post_idempotent(
                PAY_WITH_BILLING_KEY,
                &url,
                &request.idempotency_key,
                &body,
                retry::charge_is_retryable,
            )
            .await?;
        wire::PayWithBillingKeyResponse::parse(&body)
    }

    async fn get_billing_key(&self, billing_key: &BillingKey) -> Result<BillingKeyInfo, GatewayError> {
        let url = self.url(&["billing-keys", billing_key.expose()]);
        const OPERATION: &str = GET_BILLING_KEY;
        retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            OPERATION,
            || async {
                let body = errors::send(OPERATION, self.authorized(self.http.get(&url))).await?;
                wire::BillingKeyInfoDto::parse(&body)
            },
        )
        .await
    }

    async fn cancel_payment(&self, request: &CancelRequest) -> Result<Cancellation, GatewayError> {
        let url = self.url(&["payments", request.payment_id.as_str(), "cancel"]);
        let body = wire::CancelPaymentBody::new(request, self.store_id.as_deref());
        let body = self
            .post_idempotent(
                CANCEL_PAYMENT,
                &url,
                &request.idempotency_key,
                &body,
                retry::schedule_is_retryable,
            )
            .await?;
        wire::CancelPaymentResponse::parse(&body)
    }
}
