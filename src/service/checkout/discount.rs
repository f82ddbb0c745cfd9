//! Step 4 of a start with a promotion code: the code is checked (`check_redeemable`) and its
//! redemption counted atomically by storage before anything is charged, keyed by the start's
//! first `paymentId`, so a repeat of the same start never counts twice. A start that ends
//! without a charge (declined, refused) gives the redemption back (`Checkout::start`).

use serde_json::json;

use crate::domain::answer::Ending;
use crate::domain::checklist::Step;
use crate::domain::checkout::CheckoutIds;
use crate::domain::coupon::{check_redeemable, RedeemContext, RedeemRefusal};
use crate::domain::discount::Discount;
use crate::domain::plan::Plan;
use crate::domain::timestamp::Timestamp;
use crate::ports::{Clock, CouponLedger, Ports, Redeemed, Redemption};
use crate::service::messages::{self, checkout as words};
use crate::service::run::Run;
use crate::service::steps::Halt;

use super::{Checkout, StartRequest};

impl<P: Ports> Checkout<P> {
    /// The discount `request`'s promotion code gives; `None` without a code. Refused (nothing
    /// charged): unknown 404 `PROMOTION_CODE_NOT_FOUND`; expired, archived, for another plan or
    /// currency, for first subscriptions only, or out of redemptions: 409 with the
    /// [`RedeemRefusal`]'s code.
    pub(super) async fn redeem_code(
        &self,
        run: &mut Run,
        request: &StartRequest,
        ids: &CheckoutIds,
        plan: &Plan,
        first_subscription: bool,
    ) -> Result<Option<Discount>, Halt> {
        let Some(code) = &request.promotion_code else {
            return Ok(None);
        };
        let step = Step::REDEEM_PROMOTION_CODE;
        let ledger = self.ports().ledger();
        let found = run
            .steps
            .call(step, ledger.promotion_code(code), messages::storage_failed)
            .await?;
        let data = json!({ "promotion_code": code.as_str() });
        let refuse = |run: &mut Run, refusal: RedeemRefusal| {
            let ending = match refusal {
                RedeemRefusal::Unknown => Ending::NotFound,
                _ => Ending::Conflict,
            };
            let message = words::code_refused(refusal).to_owned();
            run.refuse(step, ending, refusal.code(), message, Some(data.clone()))
        };
        let Some((stored, coupon)) = found else {
            return Err(refuse(run, RedeemRefusal::Unknown));
        };
        let now = Timestamp::from_utc(self.ports().clock().now());
        let context = RedeemContext {
            plan_id: Some(&plan.terms.id),
            currency: &plan.terms.currency,
            first_subscription,
            now,
        };
        let discount =
            check_redeemable(Some(&stored), &coupon, context).map_err(|refusal| refuse(run, refusal))?;
        let redemption = Redemption {
            key: ids.payment_id.as_str(),
            coupon_id: &coupon.terms.id,
            code: Some(code),
            customer_id: Some(request.customer_id.as_str()),
            at: now,
        };
        let counted = run
            .steps
            .call(step, ledger.redeem(&redemption), messages::storage_failed)
            .await?;
        if counted == Redeemed::Exhausted {
            return Err(refuse(run, RedeemRefusal::Exhausted));
        }
        let data = json!({
            "promotion_code": code.as_str(),
            "coupon_id": coupon.terms.id,
            "discount": discount,
        });
        run.steps.succeed(step, words::CODE_APPLIED, Some(data));
        Ok(Some(discount))
    }
}
