//! PortOne's billing keys, charges and refunds in memory, with the semantics of its schema:
//! `payWithBillingKey` answers `ALREADY_PAID` for a paid `paymentId`, `PG_PROVIDER` for a decline,
//! `BILLING_KEY_NOT_FOUND`/`…_ALREADY_DELETED` for a key that cannot be charged;
//! `cancelPayment` checks `currentCancellableAmount`.

use std::collections::HashMap;
use std::sync::Mutex;

use portone_subscriptions::domain::amount::Amount;
use portone_subscriptions::domain::payment::{Payment, PaymentFailure, PaymentStatus};
use portone_subscriptions::domain::payment_method::Card;
use portone_subscriptions::domain::rejection::RejectionKind;
use portone_subscriptions::domain::timestamp::Timestamp;
use portone_subscriptions::ports::{
    BillingKeyInfo, BillingKeyStatus, CancelRequest, Cancellation, CancellationStatus, ChargeRequest,
    Charged, Clock, GatewayError,
};

use crate::fakes::{rejected, FakeState};

struct FakeKey {
    customer_id: String,
    deleted: bool,
    /// How many of the next charges the card company declines.
    declines: u32,
}

#[derive(Default)]
pub struct FakeCards {
    keys: Mutex<HashMap<String, FakeKey>>,
    charges: Mutex<Vec<ChargeRequest>>,
    refunds: Mutex<Vec<CancelRequest>>,
    /// Set: the next charge goes through at PortOne, but its answer is lost with this error.
    lose_next_answer: Mutex<Option<GatewayError>>,
}

impl FakeCards {
    /// Issues `key` for `customer_id`, as the browser SDK's `requestIssueBillingKey` would.
    pub fn issue(&self, key: &str, customer_id: &str) {
        let issued = FakeKey {
            customer_id: customer_id.to_owned(),
            deleted: false,
            declines: 0,
        };
        self.keys.lock().unwrap().insert(key.to_owned(), issued);
    }

    /// The next `n` charges of `key` are declined.
    pub fn decline_next(&self, key: &str, n: u32) {
        self.keys.lock().unwrap().get_mut(key).unwrap().declines = n;
    }

    /// Whether the card company declines the next charge of `key` (counting it against
    /// [`Self::decline_next`]); an unknown or deleted key is declined too.
    pub fn take_decline(&self, key: &str) -> bool {
        let mut keys = self.keys.lock().unwrap();
        match keys.get_mut(key) {
            Some(found) if !found.deleted => {
                let declined = found.declines > 0;
                found.declines = found.declines.saturating_sub(1);
                declined
            }
            _ => true,
        }
    }

    /// The customer deleted `key`.
    pub fn delete(&self, key: &str) {
        self.keys.lock().unwrap().get_mut(key).unwrap().deleted = true;
    }

    /// PortOne charges the next `payWithBillingKey`, but the answer never arrives: `error`.
    pub fn lose_next_answer(&self, error: GatewayError) {
        *self.lose_next_answer.lock().unwrap() = Some(error);
    }

    /// Every `payWithBillingKey` call, in order, whatever came of it.
    pub fn charges(&self) -> Vec<ChargeRequest> {
        self.charges.lock().unwrap().clone()
    }

    /// Every `cancelPayment` call, in order.
    pub fn refunds(&self) -> Vec<CancelRequest> {
        self.refunds.lock().unwrap().clone()
    }

    pub(crate) fn info(&self, key: &str) -> Result<BillingKeyInfo, GatewayError> {
        let keys = self.keys.lock().unwrap();
        let found = keys
            .get(key)
            .ok_or_else(|| rejected(404, RejectionKind::BillingKeyNotFound, "BILLING_KEY_NOT_FOUND"))?;
        Ok(BillingKeyInfo {
            status: if found.deleted {
                BillingKeyStatus::Deleted
            } else {
                BillingKeyStatus::Issued
            },
            customer_id: Some(found.customer_id.clone()),
            card: Some(Card {
                issuer: Some("SHINHAN_CARD".into()),
                brand: Some("VISA".into()),
                number: Some("4330-12**-****-1234".into()),
            }),
        })
    }
}

impl FakeState {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock
            .lock()
            .unwrap()
            .as_ref()
            .expect("the harness sets the clock")
            .now()
    }

    pub(crate) fn pay(&self, request: &ChargeRequest) -> Result<Charged, GatewayError> {
        self.cards.charges.lock().unwrap().push(request.clone());
        if self
            .payment(request.payment_id.as_str())
            .is_some_and(|p| p.status == PaymentStatus::Paid)
        {
            return Err(rejected(409, RejectionKind::AlreadyPaid, "ALREADY_PAID"));
        }
        let declined = {
            let mut keys = self.cards.keys.lock().unwrap();
            let key = keys
                .get_mut(request.billing_key.expose())
                .ok_or_else(|| rejected(404, RejectionKind::BillingKeyNotFound, "BILLING_KEY_NOT_FOUND"))?;
            if key.deleted {
                return Err(rejected(
                    409,
                    RejectionKind::BillingKeyDeleted,
                    "BILLING_KEY_ALREADY_DELETED",
                ));
            }
            let declined = key.declines > 0;
            key.declines = key.declines.saturating_sub(1);
            declined
        };
        let now = self.now();
        let failure = PaymentFailure {
            reason: Some("카드 잔액이 부족합니다.".into()),
            pg_code: Some("INSUFFICIENT_FUNDS".into()),
            pg_message: Some("잔액부족".into()),
        };
        self.add(Payment {
            id: request.payment_id.clone(),
            status: if declined {
                PaymentStatus::Failed
            } else {
                PaymentStatus::Paid
            },
            order_name: request.order_name.clone(),
            amount: request.amount,
            currency: request.currency.clone(),
            cancelled_amount: Amount::new(0).unwrap(),
            plan_id: request.plan_id.clone(),
            quantity: request.quantity,
            kind: request.kind,
            list_amount: request.list_amount,
            discount: request.discount.clone(),
            credit: request.credit,
            receipt_url: None,
            billing_key: Some(request.billing_key.clone()),
            customer_id: Some(request.customer_id.to_string()),
            paid_at: (!declined).then_some(now),
            failed_at: declined.then_some(now),
            failure: declined.then(|| failure.clone()),
        });
        if declined {
            return Err(rejected(
                502,
                RejectionKind::Declined {
                    pg_code: failure.pg_code,
                    pg_message: failure.pg_message,
                },
                "PG_PROVIDER",
            ));
        }
        if let Some(lost) = self.cards.lose_next_answer.lock().unwrap().take() {
            return Err(lost);
        }
        Ok(Charged {
            paid_at: Timestamp::from_utc(now),
        })
    }

    pub(crate) fn refund(&self, request: &CancelRequest) -> Result<Cancellation, GatewayError> {
        self.cards.refunds.lock().unwrap().push(request.clone());
        let mut payment = self
            .payment(request.payment_id.as_str())
            .ok_or_else(|| rejected(404, RejectionKind::PaymentNotFound, "PAYMENT_NOT_FOUND"))?;
        if payment.status == PaymentStatus::Cancelled {
            return Err(rejected(
                409,
                RejectionKind::PaymentAlreadyCancelled,
                "PAYMENT_ALREADY_CANCELLED",
            ));
        }
        let cancellable = payment.amount.value() - payment.cancelled_amount.value();
        if request.current_cancellable_amount.value() != cancellable {
            return Err(rejected(
                409,
                RejectionKind::CancellableAmountChanged,
                "CANCELLABLE_AMOUNT_CONSISTENCY_BROKEN",
            ));
        }
        let amount = request.amount.map_or(cancellable, |a| a.value());
        if amount > cancellable {
            return Err(rejected(
                409,
                RejectionKind::CancelAmountExceedsCancellable,
                "CANCEL_AMOUNT_EXCEEDS_CANCELLABLE_AMOUNT",
            ));
        }
        let cancelled = payment.cancelled_amount.value() + amount;
        payment.cancelled_amount = Amount::new(cancelled).unwrap();
        payment.status = if cancelled == payment.amount.value() {
            PaymentStatus::Cancelled
        } else {
            PaymentStatus::PartialCancelled
        };
        self.add(payment);
        Ok(Cancellation {
            status: CancellationStatus::Succeeded,
            total_amount: Amount::new(amount).unwrap(),
            cancelled_at: Some(Timestamp::from_utc(self.now())),
        })
    }
}
