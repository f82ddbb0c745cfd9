//! Revoking the schedule of a row's next payment: shared by the cancelled webhook and the
//! subscription cancel endpoint.

use serde_json::{json, Value};

use crate::domain::payment_id::PaymentId;
use crate::domain::record::PaymentRecord;
use crate::ports::{Clock, GatewayError, PaymentGateway, PaymentLedger, RandomSource, RevokeOutcome};

use super::WebhookService;

/// What happened to the next payment's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Revocation {
    /// Revoked now.
    Revoked {
        schedule_id: String,
        revoked_at: Option<String>,
    },
    /// Revoked earlier (or PortOne no longer knows it).
    AlreadyRevoked { schedule_id: String },
    /// No schedule exists for the next payment.
    NothingScheduled,
    /// The next payment already ran: the customer was charged and needs a refund.
    AlreadyCharged { schedule_id: String },
}

impl Revocation {
    pub(super) fn data(&self, record: &PaymentRecord) -> Value {
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
        json!({ "scheduleId": schedule_id, "paymentId": record.next_schedule_id, "revokedAt": revoked_at })
    }
}

impl<G, L, C, R> WebhookService<G, L, C, R>
where
    G: PaymentGateway,
    L: PaymentLedger,
    C: Clock,
    R: RandomSource,
{
    /// Revokes the schedule of `record`'s next payment. The schedule id is the one stored when it
    /// was created; when none is stored (an older row, or a crash between scheduling and storing)
    /// it is looked up by billing key around `next_schedule_at`, the billing key coming from
    /// `billing_key` or, when `None`, from PortOne's record of the paid payment.
    pub(super) async fn revoke_next(
        &self,
        record: &PaymentRecord,
        billing_key: Option<&str>,
    ) -> Result<Revocation, GatewayError> {
        let schedule_id = match &record.schedule_id {
            Some(id) => Some(id.clone()),
            None => self.look_up_schedule(record, billing_key).await?,
        };
        let Some(schedule_id) = schedule_id else {
            return Ok(Revocation::NothingScheduled);
        };
        Ok(match self.gateway.revoke_schedule(&schedule_id).await? {
            RevokeOutcome::Revoked { revoked_at } => Revocation::Revoked {
                schedule_id,
                revoked_at: revoked_at.map(|t| t.to_iso()),
            },
            RevokeOutcome::AlreadyRevoked | RevokeOutcome::NotFound => {
                Revocation::AlreadyRevoked { schedule_id }
            }
            RevokeOutcome::AlreadyProcessed => Revocation::AlreadyCharged { schedule_id },
        })
    }

    async fn look_up_schedule(
        &self,
        record: &PaymentRecord,
        billing_key: Option<&str>,
    ) -> Result<Option<String>, GatewayError> {
        let billing_key = match billing_key {
            Some(key) => key.to_owned(),
            None => {
                let Ok(id) = PaymentId::parse(record.transaction_key.clone()) else {
                    return Ok(None);
                };
                match self.gateway.get_payment(&id).await?.billing_key {
                    Some(key) => key,
                    None => return Ok(None),
                }
            }
        };
        self.gateway
            .find_scheduled(&billing_key, record.next_schedule_id, record.next_schedule_at)
            .await
    }
}
