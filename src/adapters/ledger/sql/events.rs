//! [`EventLedger`] over the SQL functions: `claim_events`, `settle_event`, `redeliver_event`,
//! `subscription_events`, `emit_time_events`, `prune_events` and `pending_events`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::SqlLedger;
use crate::adapters::ledger::args::{int, opt_text, time, Arg};
use crate::domain::event::{DeliveryAttempt, DeliveryResult, DeliveryStatus, EventType, SubscriptionEvent};
use crate::domain::timestamp::Timestamp;
use crate::ports::{AttemptOutcome, EventFilter, EventLedger, EventPage, LedgerError, PendingEvents};

/// A `subscription_event` row as the functions answer it.
#[derive(Debug, Deserialize)]
struct EventRow {
    id: Uuid,
    #[serde(rename = "type")]
    event_type: String,
    subscription_id: String,
    #[serde(default)]
    customer_id: Option<String>,
    occurred_at: DateTime<Utc>,
    data: Value,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    delivered_at: Option<DateTime<Utc>>,
    #[serde(default)]
    delivery_attempts: Vec<AttemptRow>,
}

#[derive(Debug, Deserialize)]
struct AttemptRow {
    attempt: i64,
    attempted_at: DateTime<Utc>,
    result: String,
    #[serde(default)]
    http_status: Option<i64>,
    #[serde(default)]
    error: Option<String>,
}

fn invalid(problem: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidResponse(problem.to_string())
}

fn parse(value: Value) -> Result<SubscriptionEvent, LedgerError> {
    let row: EventRow = serde_json::from_value(value).map_err(invalid)?;
    let status =
        DeliveryStatus::parse(&row.status).ok_or_else(|| invalid(format!("status {}", row.status)))?;
    Ok(SubscriptionEvent {
        id: row.id,
        event_type: EventType::parse(&row.event_type),
        subscription_id: row.subscription_id,
        customer_id: row.customer_id,
        occurred_at: Timestamp::from_utc(row.occurred_at),
        data: row.data,
        status,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
        next_attempt_at: Timestamp::from_utc(row.next_attempt_at),
        last_error: row.last_error,
        delivered_at: row.delivered_at.map(Timestamp::from_utc),
        delivery_attempts: row
            .delivery_attempts
            .into_iter()
            .map(|a| {
                Ok(DeliveryAttempt {
                    attempt: u32::try_from(a.attempt).unwrap_or(0),
                    attempted_at: Timestamp::from_utc(a.attempted_at),
                    result: DeliveryResult::from_column(&a.result)
                        .ok_or_else(|| invalid(format!("delivery result {}", a.result)))?,
                    http_status: a.http_status.and_then(|s| u16::try_from(s).ok()),
                    error: a.error,
                })
            })
            .collect::<Result<_, LedgerError>>()?,
    })
}

fn parse_all(rows: Vec<Value>) -> Result<Vec<SubscriptionEvent>, LedgerError> {
    rows.into_iter().map(parse).collect()
}

impl EventLedger for SqlLedger {
    async fn claim_events(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let seconds = u32::try_from(lease.as_secs().max(1)).unwrap_or(u32::MAX);
        let args = vec![
            ("p_now", time(Some(now))),
            ("p_limit", int(limit)),
            ("p_lease_seconds", int(seconds)),
        ];
        parse_all(self.call_rows("claim_events", args).await?)
    }

    async fn settle_event(
        &self,
        id: Uuid,
        outcome: &AttemptOutcome,
        next_attempt_at: Option<Timestamp>,
    ) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let args = vec![
            ("p_id", Arg::Uuid(Some(id))),
            ("p_attempted_at", time(Some(outcome.attempted_at))),
            ("p_result", opt_text(Some(outcome.result.as_column()))),
            ("p_http_status", Arg::OptInt(outcome.http_status.map(i32::from))),
            ("p_error", opt_text(outcome.error.as_ref())),
            ("p_next_attempt_at", time(next_attempt_at)),
        ];
        let rows = self.call_rows("settle_event", args).await?;
        rows.into_iter().next().map(parse).transpose()
    }

    async fn event(&self, id: Uuid) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let rows = self
            .call_rows("event_by_id", vec![("p_id", Arg::Uuid(Some(id)))])
            .await?;
        rows.into_iter().next().map(parse).transpose()
    }

    async fn redeliver_event(
        &self,
        id: Uuid,
        now: Timestamp,
    ) -> Result<Option<SubscriptionEvent>, LedgerError> {
        let args = vec![("p_id", Arg::Uuid(Some(id))), ("p_now", time(Some(now)))];
        let rows = self.call_rows("redeliver_event", args).await?;
        rows.into_iter().next().map(parse).transpose()
    }

    async fn event_page(&self, page: &EventPage) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let args = vec![
            ("p_subscription_id", opt_text(page.subscription_id.as_ref())),
            ("p_customer_id", opt_text(page.customer_id.as_ref())),
            ("p_before_at", time(page.before.map(|(at, _)| at))),
            ("p_before_id", Arg::Uuid(page.before.map(|(_, id)| id))),
            ("p_limit", int(page.limit)),
        ];
        parse_all(self.call_rows("subscription_event_page", args).await?)
    }

    async fn events(&self, filter: &EventFilter) -> Result<Vec<SubscriptionEvent>, LedgerError> {
        let args = vec![
            ("p_subscription_id", opt_text(filter.subscription_id.as_ref())),
            ("p_status", opt_text(filter.status.map(DeliveryStatus::as_str))),
            ("p_limit", int(filter.limit)),
        ];
        parse_all(self.call_rows("subscription_events", args).await?)
    }

    async fn emit_due_events(&self, now: Timestamp) -> Result<u64, LedgerError> {
        let rows = self
            .call_rows("emit_time_events", vec![("p_at", time(Some(now)))])
            .await?;
        Ok(rows
            .first()
            .and_then(|row| row.get("written"))
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    async fn prune_events(&self, before: Timestamp) -> Result<u64, LedgerError> {
        let rows = self
            .call_rows("prune_events", vec![("p_before", time(Some(before)))])
            .await?;
        Ok(rows
            .first()
            .and_then(|row| row.get("deleted"))
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    async fn pending_events(&self) -> Result<PendingEvents, LedgerError> {
        #[derive(Deserialize)]
        struct Row {
            pending: u64,
            #[serde(default)]
            oldest_occurred_at: Option<DateTime<Utc>>,
        }
        let rows = self.call_rows("pending_events", vec![]).await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(PendingEvents::default());
        };
        let row: Row = serde_json::from_value(row).map_err(invalid)?;
        Ok(PendingEvents {
            count: row.pending,
            oldest: row.oldest_occurred_at.map(Timestamp::from_utc),
        })
    }
}
