//! The paid flow of an upgrade's prorated charge (`customData.kind = "proration"`): never a
//! month. Step 4 settles the proration (the new terms in effect, once); step 5 moves the pending
//! schedule to them. Usually the request that charged it did both and this changes nothing; when
//! that request's answer was lost, this finishes the change.

use serde_json::json;

use crate::domain::checklist::Step;
use crate::domain::payment::Payment;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, Ports, ProrationLedger};
use crate::service::failure::Failure;
use crate::service::messages;
use crate::service::proration::{move_schedule, FinishError, Rescheduled};
use crate::service::steps::{Halt, Steps};

use super::PaymentFlows;

const SETTLED: &str =
    "업그레이드 차액 결제를 기록하고 새 요금제를 적용했습니다. 월 결제(payment)로는 기록하지 않습니다.";
const ALREADY_SETTLED: &str = "이미 기록된 업그레이드 차액 결제입니다.";
const NO_PRORATION: &str =
    "이 서비스가 만든 업그레이드 차액 결제 기록이 없어(또는 거절되어) 아무것도 바꾸지 않았습니다.";
const MOVED: &str = "다음 결제 예약을 새 요금제 금액으로 옮겼습니다.";
const MOVED_BEFORE: &str = "다음 결제 예약은 이미 새 요금제 금액으로 옮겨져 있습니다.";
const MOVING: &str = "변경을 요청한 쪽이 다음 결제 예약을 옮기는 중입니다.";

fn reschedule_failed(error: &FinishError) -> Failure {
    match error {
        FinishError::Gateway(error) => messages::schedule_failed(error),
        FinishError::Ledger(error) => messages::save_failed(error),
        FinishError::Payer(_) | FinishError::Deadline => {
            messages::schedule_failed(&crate::ports::GatewayError::Timeout)
        }
    }
}

impl<P: Ports> PaymentFlows<P> {
    pub(super) async fn proration_paid(&self, steps: &mut Steps, payment: &Payment) -> Result<(), Halt> {
        let now = Timestamp::from_utc(self.ports.clock().now());
        let paid_at = payment.paid_at.map_or(now, Timestamp::from_utc);
        let settle = self.ports.ledger().settle_proration(&payment.id, paid_at, now);
        let settled = steps
            .call(Step::SAVE_PAYMENT, settle, messages::save_failed)
            .await?;
        let Some(settled) = settled else {
            tracing::warn!(payment_id = %payment.id, "a proration charge this service has no pending record of");
            steps.skip_rest(NO_PRORATION);
            return Ok(());
        };
        let data = json!({
            "paymentId": settled.proration.payment_id,
            "amount": settled.proration.amount,
            "toPlanId": settled.proration.to.plan_id,
            "toQuantity": settled.proration.to.quantity,
        });
        let message = if settled.applied { SETTLED } else { ALREADY_SETTLED };
        steps.succeed(Step::SAVE_PAYMENT, message, Some(data));
        let moved = move_schedule(&*self.ports, &settled, now);
        let moved = steps
            .call(Step::SCHEDULE_NEXT_PAYMENT, moved, reschedule_failed)
            .await?;
        let message = match moved {
            Rescheduled::Now => MOVED,
            Rescheduled::Before => MOVED_BEFORE,
            Rescheduled::InProgress => MOVING,
        };
        steps.succeed(Step::SCHEDULE_NEXT_PAYMENT, message, None);
        Ok(())
    }
}
