//! Reading open renewals page by page, for steps 1 and 2 alike: each page read after the cursor,
//! the cursor moved past it, the lease extended, and the step ended by a short page, or stopped
//! (and said why in the report) by a failed read, a cursor that does not advance, or a lost lease.

use crate::domain::record::PaymentRecord;
use crate::ports::{Ports, ReconcileLedger, RenewalCursor, RenewalWindow};

use super::{Action, ActionKind, Lease, ReconcileReport, Reconciler};

/// The open renewals of `window`, one page per [`OpenRenewals::next`].
pub(super) struct OpenRenewals<'a, P> {
    reconciler: &'a Reconciler<P>,
    lease: &'a Lease<'a, P>,
    window: RenewalWindow,
    /// What a stop is reported as.
    kind: ActionKind,
    cursor: Option<RenewalCursor>,
    /// The page handed out last: its length, and whether the cursor moved past it (`Err`: why
    /// not). Checked when the next page is asked for, after the caller has worked through it.
    previous: Option<(usize, Result<(), String>)>,
    finished: bool,
}

impl<'a, P: Ports> OpenRenewals<'a, P> {
    pub(super) fn new(
        reconciler: &'a Reconciler<P>,
        lease: &'a Lease<'a, P>,
        window: RenewalWindow,
        kind: ActionKind,
    ) -> Self {
        Self {
            reconciler,
            lease,
            window,
            kind,
            cursor: None,
            previous: None,
            finished: false,
        }
    }

    /// The next page; `None` when the step is over: every page was read (see
    /// [`OpenRenewals::finished`]), or it stopped, with an action in `report` saying why.
    pub(super) async fn next(&mut self, report: &mut ReconcileReport) -> Option<Vec<PaymentRecord>> {
        let page = self.reconciler.settings.page_size;
        if let Some((length, advanced)) = self.previous.take() {
            if let Err(stuck) = advanced {
                report.push(Action::stopped(self.kind, stuck));
                return None;
            }
            if let Err(lost) = self.lease.extend().await {
                report.push(Action::stopped(self.kind, lost));
                return None;
            }
            if length < page as usize {
                self.finished = true;
                return None;
            }
        }
        let read = self
            .reconciler
            .ports()
            .ledger()
            .open_renewals(&self.window, self.cursor.as_ref(), page)
            .await;
        match read {
            Ok(months) => {
                let advanced = advance(&mut self.cursor, &months);
                self.previous = Some((months.len(), advanced));
                Some(months)
            }
            Err(error) => {
                report.push(Action::failed_read(self.kind, &error.to_string()));
                None
            }
        }
    }

    /// `true` once every page was read (the last one came back short); `false` after a stop.
    pub(super) fn finished(&self) -> bool {
        self.finished
    }
}

fn cursor_of(month: &PaymentRecord) -> Option<RenewalCursor> {
    Some(RenewalCursor {
        at: month.pending_charge()?.at,
        transaction_key: month.transaction_key.clone(),
    })
}

/// Moves `cursor` to the last month of `months`. A page must end strictly after the previous
/// one in (pending charge, transaction_key) order; one that does not would be read again and
/// again, so the step stops with the reason instead of looping until the lease runs out.
pub(super) fn advance(cursor: &mut Option<RenewalCursor>, months: &[PaymentRecord]) -> Result<(), String> {
    let Some(next) = months.last().and_then(cursor_of) else {
        return Ok(());
    };
    if let Some(previous) = cursor.as_ref() {
        if (next.at, &next.transaction_key) <= (previous.at, &previous.transaction_key) {
            return Err(format!(
                "the ledger's pages did not advance past ({}, {}); stopped reading",
                previous.at, previous.transaction_key
            ));
        }
    }
    *cursor = Some(next);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::testing::paid_month;

    fn month(key: &str) -> PaymentRecord {
        paid_month(key)
    }

    #[test]
    fn the_cursor_moves_forward_or_the_step_stops() {
        let mut cursor = None;
        assert_eq!(advance(&mut cursor, &[month("pay_a")]), Ok(()));
        assert_eq!(cursor.as_ref().unwrap().transaction_key.as_str(), "pay_a");
        assert_eq!(advance(&mut cursor, &[]), Ok(()), "an empty page leaves it");
        assert_eq!(advance(&mut cursor, &[month("pay_b")]), Ok(()));

        let stuck = advance(&mut cursor, &[month("pay_a"), month("pay_b")]).unwrap_err();
        assert!(stuck.contains("did not advance past"), "{stuck}");
        assert!(advance(&mut cursor, &[month("pay_a")]).is_err(), "backwards");
        assert_eq!(
            cursor.unwrap().transaction_key.as_str(),
            "pay_b",
            "a stuck page leaves the cursor"
        );
    }
}
