//! Schedule operations for admins (the integration guide's "예약 결제 관리"): PortOne's schedules,
//! read and revoked by id, with PortOne's answers translated into results the HTTP layer maps.

use crate::domain::payment_schedule_id::ScheduleId;
use crate::ports::Schedules;
use crate::ports::{PaymentSchedule, Ports, RevokeOutcome};

use super::{SubscriptionService, UpstreamFailure};

/// What a schedule lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleLookup {
    Found(PaymentSchedule),
    /// PortOne does not know the id.
    NotFound,
}

impl<P: Ports> SubscriptionService<P> {
    /// PortOne's schedule `id`.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when PortOne fails.
    pub async fn schedule(&self, id: &ScheduleId) -> Result<ScheduleLookup, UpstreamFailure> {
        Ok(match self.ports.gateway().get_schedule(id).await? {
            Some(schedule) => ScheduleLookup::Found(schedule),
            None => ScheduleLookup::NotFound,
        })
    }

    /// Revokes PortOne's schedule `id`.
    ///
    /// # Errors
    /// [`UpstreamFailure`] when PortOne fails.
    pub async fn revoke_schedule(&self, id: &ScheduleId) -> Result<RevokeOutcome, UpstreamFailure> {
        Ok(self.ports.gateway().revoke_schedule(id).await?)
    }
}
