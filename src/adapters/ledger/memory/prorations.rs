//! [`ProrationLedger`] in memory, with the semantics of `begin_proration`, `fail_proration`,
//! `settle_proration` and `mark_proration_rescheduled` in the migrations.

use serde_json::json;

use super::InMemoryLedger;
use crate::domain::event::EventType;
use crate::domain::payment_id::PaymentId;
use crate::domain::proration_record::{Proration, ProrationStatus};
use crate::domain::record::NextTerms;
use crate::domain::timestamp::Timestamp;
use crate::ports::{LedgerError, ProrationBegun, ProrationLedger, Settled};

impl ProrationLedger for InMemoryLedger {
    async fn begin_proration(&self, proration: &Proration) -> Result<ProrationBegun, LedgerError> {
        let mut tables = self.lock();
        if let Some(stored) = tables
            .prorations
            .iter()
            .find(|p| p.payment_id == proration.payment_id)
        {
            return Ok(ProrationBegun::Stored(Box::new(stored.clone())));
        }
        let busy = tables
            .prorations
            .iter()
            .any(|p| p.month_key == proration.month_key && p.status == ProrationStatus::Pending);
        if busy {
            return Ok(ProrationBegun::Busy);
        }
        let fresh = tables.payments.get(&proration.month_key).is_some_and(|month| {
            month.renewal.renewed_by.is_none() && month.current_terms() == proration.from
        });
        if !fresh {
            return Ok(ProrationBegun::Stale);
        }
        tables.prorations.push(proration.clone());
        Ok(ProrationBegun::Stored(Box::new(proration.clone())))
    }

    async fn fail_proration(
        &self,
        payment_id: &PaymentId,
        reason: &str,
        _at: Timestamp,
    ) -> Result<Option<Proration>, LedgerError> {
        let mut tables = self.lock();
        let Some(row) = tables.prorations.iter_mut().find(|p| p.payment_id == *payment_id) else {
            return Ok(None);
        };
        if row.status == ProrationStatus::Pending {
            row.status = ProrationStatus::Failed;
            row.failure_reason = Some(reason.to_owned());
        }
        Ok(Some(row.clone()))
    }

    async fn settle_proration(
        &self,
        payment_id: &PaymentId,
        paid_at: Timestamp,
        at: Timestamp,
    ) -> Result<Option<Settled>, LedgerError> {
        let mut tables = self.lock();
        let Some(index) = tables.prorations.iter().position(|p| p.payment_id == *payment_id) else {
            return Ok(None);
        };
        let before = tables.prorations[index].clone();
        let Some(month) = tables.payments.get(&before.month_key).cloned() else {
            return Ok(None);
        };
        match before.status {
            ProrationStatus::Failed => return Ok(None),
            ProrationStatus::Paid => {
                return Ok(Some(Settled {
                    proration: before,
                    month,
                    applied: false,
                }))
            }
            ProrationStatus::Pending => {}
        }
        let number = (before.amount.value() > 0).then(|| tables.next_billing_number(paid_at));
        let proration = {
            let row = &mut tables.prorations[index];
            row.status = ProrationStatus::Paid;
            row.paid_at = Some(paid_at);
            row.billing_number = number;
            row.clone()
        };
        let terms = NextTerms {
            next_amount: Some(proration.to.amount),
            next_order_name: Some(proration.order_name.clone()),
            next_currency: Some(proration.currency.clone()),
            next_plan_id: proration.to.plan_id.clone(),
            next_quantity: Some(proration.to.quantity),
        };
        let month = {
            let row = tables
                .payments
                .get_mut(&proration.month_key)
                .unwrap_or_else(|| unreachable!("read above under the same lock"));
            row.in_effect = Some(proration.to.clone());
            row.next_terms = terms.clone();
            row.clone()
        };
        let cause = json!({ "next_terms": terms, "change": proration.note() });
        let id = month.subscription_key();
        let key = format!("plan_changed:{}", proration.payment_id);
        tables.emit(EventType::PlanChanged, id.as_str(), at, cause, key);
        Ok(Some(Settled {
            proration,
            month,
            applied: true,
        }))
    }

    async fn mark_rescheduled(&self, payment_id: &PaymentId, at: Timestamp) -> Result<(), LedgerError> {
        let mut tables = self.lock();
        if let Some(row) = tables.prorations.iter_mut().find(|p| p.payment_id == *payment_id) {
            row.rescheduled_at.get_or_insert(at);
        }
        Ok(())
    }

    async fn record_proration_refund(
        &self,
        payment_id: &PaymentId,
        total: crate::domain::amount::Amount,
    ) -> Result<Option<Proration>, LedgerError> {
        let mut tables = self.lock();
        let Some(row) = tables.prorations.iter_mut().find(|p| p.payment_id == *payment_id) else {
            return Ok(None);
        };
        row.refunded_amount = Some(row.refunded_amount.map_or(total, |before| before.max(total)));
        Ok(Some(row.clone()))
    }

    async fn prorations(&self, subscription_id: &str) -> Result<Vec<Proration>, LedgerError> {
        let tables = self.lock();
        Ok(tables
            .prorations
            .iter()
            .filter(|p| p.subscription_id == subscription_id)
            .cloned()
            .collect())
    }
}
