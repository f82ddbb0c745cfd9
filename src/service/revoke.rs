//! Revoking the schedule of the charge a month's renewal waits for (its first charge, or the
//! pending retry during dunning): shared by the cancelled webhook and the subscription cancel
//! endpoint.

use crate::ports::Schedules;
use serde_json::{json, Value};

use crate::domain::payment::Payment;
use crate::domain::payment_schedule_id::ScheduleId;
use crate::domain::record::PaymentRecord;
use crate::domain::schedule_status::ScheduleStatus;
use crate::ports::{GatewayError, Ports, RevokeOutcome};
use crate::service::payer::{payer_of, Payer, PayerError};

/// What happened to the next payment's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Revocation {
    /// Revoked now.
    Revoked {
        schedule_id: ScheduleId,
        revoked_at: Option<String>,
    },
    /// Revoked earlier (or PortOne no longer knows it).
    AlreadyRevoked { schedule_id: ScheduleId },
    /// No schedule exists for the next payment.
    NothingScheduled,
    /// The next payment already ran: the customer was charged and needs a refund.
    AlreadyCharged { schedule_id: ScheduleId },
}

impl Revocation {
    pub(super) fn data(&self, record: &PaymentRecord) -> Value {
        let payment_id = record
            .pending_charge()
            .map_or_else(|| record.next_schedule_id.clone(), |charge| charge.payment_id);
        let (schedule_id, revoked_at) = match self {
            Self::Revoked {
                schedule_id,
                revoked_at,
            } => (Some(schedule_id), revoked_at.clone()),
            Self::AlreadyRevoked { schedule_id } | Self::AlreadyCharged { schedule_id } => {
                (Some(schedule_id), None)
            }
            Self::NothingScheduled => (None, None),
        };
        json!({ "scheduleId": schedule_id, "paymentId": payment_id, "revokedAt": revoked_at })
    }
}

/// Revokes the schedule of the charge `record`'s renewal waits for, under the subscription's
/// payer (`payer_of`, with `known` as PortOne's record of a charge the caller already has).
///
/// # Errors
/// [`PayerError`] when storage or PortOne fails.
pub(super) async fn revoke_next<P: Ports>(
    ports: &P,
    record: &PaymentRecord,
    known: Option<&Payment>,
) -> Result<Revocation, PayerError> {
    match payer_of(ports, record, known).await? {
        Some(payer) => Ok(revoke_pending(ports, record, &payer).await?),
        None => Ok(Revocation::NothingScheduled),
    }
}

/// Revokes the schedule of the charge `record`'s renewal waits for. Its PortOne `schedule.id` is
/// looked up under `payer`'s billing key in a window around the charge's time (not stored: that
/// keeps every renewal at three upstream calls, and cancellations are rare). A renewal that
/// renewed, lapsed or ran out of retries has nothing to revoke.
///
/// # Errors
/// [`GatewayError`] when PortOne fails.
pub(super) async fn revoke_pending<P: Ports>(
    ports: &P,
    record: &PaymentRecord,
    payer: &Payer,
) -> Result<Revocation, GatewayError> {
    let Some(charge) = record.pending_charge() else {
        return Ok(Revocation::NothingScheduled);
    };
    let found = ports
        .gateway()
        .find_schedule(&payer.billing_key, &charge.payment_id, charge.at)
        .await?;
    let Some(schedule) = found else {
        return Ok(Revocation::NothingScheduled);
    };
    let schedule_id = schedule.id;
    match schedule.status {
        ScheduleStatus::Scheduled => {}
        ScheduleStatus::Revoked => return Ok(Revocation::AlreadyRevoked { schedule_id }),
        // A failed charge leaves nothing to revoke.
        ScheduleStatus::Failed => return Ok(Revocation::NothingScheduled),
        // STARTED, PENDING, SUCCEEDED (or newer states): the charge is under way or done.
        _ => return Ok(Revocation::AlreadyCharged { schedule_id }),
    }
    Ok(match ports.gateway().revoke_schedule(&schedule_id).await? {
        RevokeOutcome::Revoked { revoked_at } => Revocation::Revoked {
            schedule_id,
            revoked_at: revoked_at.map(|t| t.to_iso()),
        },
        RevokeOutcome::AlreadyRevoked | RevokeOutcome::NotFound => Revocation::AlreadyRevoked { schedule_id },
        RevokeOutcome::AlreadyProcessed => Revocation::AlreadyCharged { schedule_id },
    })
}
