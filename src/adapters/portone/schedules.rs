//! [`Schedules`] over PortOne's REST API: `createPaymentSchedule`, `revokePaymentSchedules`,
//! `getPaymentSchedule`, `getPaymentSchedules`.

use super::{errors, retry, wire, PortOneClient, CREATE_SCHEDULE, GET_SCHEDULE, REVOKE_SCHEDULE};
use crate::domain::billing_key::BillingKey;
use crate::domain::payment_id::PaymentId;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::rejection::RejectionKind;
use crate::domain::schedule_status::ScheduleStatus;
use crate::domain::timestamp::Timestamp;
use crate::ports::{
    GatewayError, PaymentSchedule, RevokeOutcome, ScheduleOutcome, SchedulePage, ScheduleQuery,
    ScheduleRequest, Schedules,
};

impl Schedules for PortOneClient {
    async fn schedule_payment(&self, request: &ScheduleRequest) -> Result<ScheduleOutcome, GatewayError> {
        let url = self.url(&["payments", request.payment_id.as_str(), "schedule"]);
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
        payment_id: &PaymentId,
        time_to_pay: Timestamp,
    ) -> Result<Option<PaymentSchedule>, GatewayError> {
        let body =
            wire::ListSchedulesBody::around(billing_key.expose(), self.store_id.as_deref(), time_to_pay);
        let page = self.list(&body).await?;
        let mut matching: Vec<_> = page
            .items
            .into_iter()
            .filter(|s| &s.payment_id == payment_id)
            .collect();
        // A resumed subscription has a revoked schedule and a newer pending one: the pending one
        // wins, else the latest.
        matching.sort_by_key(|s| (s.status == ScheduleStatus::Scheduled, s.created_at));
        Ok(matching.pop())
    }
}
