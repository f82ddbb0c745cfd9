//! PortOne V2 REST API over reqwest, as PortOne's published OpenAPI schema describes it
//! (<https://developers.portone.io/api/rest-v2>; operation ids `getPayment`,
//! `createPaymentSchedule`, `revokePaymentSchedules`, `getPaymentSchedule`, `getPaymentSchedules`,
//! `payWithBillingKey`, `getBillingKeyInfo`, `cancelPayment`).

mod billing_keys;
mod errors;
mod payments;
mod rejections;
pub mod retry;
mod schedules;
mod wire;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Client, RequestBuilder, Url};
use secrecy::{ExposeSecret, SecretString};

use crate::ports::{GatewayError, SchedulePage};

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
