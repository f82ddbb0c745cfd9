//! [`CouponLedger`] over the SQL functions `coupons`, `coupon_by_id`, `upsert_coupon`,
//! `archive_coupon`, `promotion_codes`, `promotion_code_by_code`, `upsert_promotion_code`,
//! `redeem_coupon`, `release_redemption` and `set_next_discount`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{missing, SqlLedger};
use crate::adapters::ledger::args::{opt_text, text, time, Arg, Args};
use crate::domain::coupon::{
    Coupon, CouponDuration, CouponId, CouponTerms, PromotionCode, PromotionCodeTerms, StoredPromotionCode,
};
use crate::domain::discount::{Discount, Off};
use crate::domain::event::EventType;
use crate::domain::payment_id::PaymentId;
use crate::domain::plan::PlanId;
use crate::domain::timestamp::Timestamp;
use crate::ports::ledger::LedgerResult;
use crate::ports::{CouponLedger, LedgerError, Redeemed, Redemption};

/// A `coupon` row as `to_jsonb` writes it.
#[derive(Debug, Deserialize)]
struct CouponRow {
    id: CouponId,
    name: String,
    percent_off: Option<u8>,
    amount_off: Option<i64>,
    currency: Option<String>,
    duration: String,
    duration_in_periods: Option<u32>,
    max_redemptions: Option<u32>,
    redeem_by: Option<Timestamp>,
    plan_ids: Vec<PlanId>,
    times_redeemed: u32,
    archived_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// A `promotion_code` row as `to_jsonb` writes it.
#[derive(Debug, Deserialize)]
struct CodeRow {
    code: String,
    coupon_id: CouponId,
    max_redemptions: Option<u32>,
    expires_at: Option<Timestamp>,
    first_subscription_only: bool,
    active: bool,
    times_redeemed: u32,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn invalid(error: impl std::fmt::Display) -> LedgerError {
    LedgerError::InvalidResponse(error.to_string())
}

/// A stored coupon; its terms were checked when written, so only its shape is checked here.
fn coupon(value: Value) -> Result<(Coupon, Option<bool>), LedgerError> {
    let inserted = value.get("inserted").and_then(Value::as_bool);
    let row: CouponRow = serde_json::from_value(value).map_err(invalid)?;
    let off = Off::from_parts(row.percent_off, row.amount_off, row.currency)
        .ok_or_else(|| invalid("a coupon has percent_off or amount_off with currency"))?;
    let duration = match (row.duration.as_str(), row.duration_in_periods) {
        ("once", _) => CouponDuration::Once,
        ("forever", _) => CouponDuration::Forever,
        ("repeating", Some(duration_in_periods)) => CouponDuration::Repeating { duration_in_periods },
        (other, _) => return Err(invalid(format!("coupon duration `{other}`"))),
    };
    let coupon = Coupon {
        terms: CouponTerms {
            id: row.id,
            name: row.name,
            off,
            duration,
            max_redemptions: row.max_redemptions,
            redeem_by: row.redeem_by,
            plan_ids: row.plan_ids,
        },
        times_redeemed: row.times_redeemed,
        archived_at: row.archived_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    Ok((coupon, inserted))
}

fn code(value: Value) -> Result<(StoredPromotionCode, Option<bool>), LedgerError> {
    let inserted = value.get("inserted").and_then(Value::as_bool);
    let row: CodeRow = serde_json::from_value(value).map_err(invalid)?;
    let code = StoredPromotionCode {
        terms: PromotionCodeTerms {
            code: PromotionCode::parse(row.code).map_err(invalid)?,
            coupon_id: row.coupon_id,
            max_redemptions: row.max_redemptions,
            expires_at: row.expires_at,
            first_subscription_only: row.first_subscription_only,
        },
        times_redeemed: row.times_redeemed,
        active: row.active,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    Ok((code, inserted))
}

impl SqlLedger {
    async fn coupon_rows(
        &self,
        function: &'static str,
        args: Args,
    ) -> Result<Vec<(Coupon, Option<bool>)>, LedgerError> {
        self.call_rows(function, args)
            .await?
            .into_iter()
            .map(coupon)
            .collect()
    }

    async fn code_rows(
        &self,
        function: &'static str,
        args: Args,
    ) -> Result<Vec<(StoredPromotionCode, Option<bool>)>, LedgerError> {
        self.call_rows(function, args)
            .await?
            .into_iter()
            .map(code)
            .collect()
    }

    /// The first row's boolean `field`.
    async fn flag(&self, function: &'static str, args: Args, field: &str) -> Result<bool, LedgerError> {
        let rows = self.call_rows(function, args).await?;
        rows.first()
            .and_then(|row| row.get(field))
            .and_then(Value::as_bool)
            .ok_or_else(|| missing(function, field))
    }
}

impl CouponLedger for SqlLedger {
    async fn coupons(&self) -> Result<Vec<Coupon>, LedgerError> {
        let rows = self.coupon_rows("coupons", Vec::new()).await?;
        Ok(rows.into_iter().map(|(coupon, _)| coupon).collect())
    }

    async fn coupon(&self, id: &CouponId) -> Result<Option<Coupon>, LedgerError> {
        let rows = self
            .coupon_rows("coupon_by_id", vec![("p_id", text(id.as_str()))])
            .await?;
        Ok(rows.into_iter().next().map(|(coupon, _)| coupon))
    }

    async fn upsert_coupon(&self, terms: &CouponTerms, at: Timestamp) -> Result<(Coupon, bool), LedgerError> {
        const FUNCTION: &str = "upsert_coupon";
        let args = vec![("p_coupon", Arg::Json(json!(terms))), ("p_at", time(Some(at)))];
        let (coupon, inserted) = self
            .coupon_rows(FUNCTION, args)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| missing(FUNCTION, "row"))?;
        Ok((coupon, inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?))
    }

    async fn archive_coupon(&self, id: &CouponId, at: Timestamp) -> Result<Option<Coupon>, LedgerError> {
        let args = vec![("p_id", text(id.as_str())), ("p_at", time(Some(at)))];
        let rows = self.coupon_rows("archive_coupon", args).await?;
        Ok(rows.into_iter().next().map(|(coupon, _)| coupon))
    }

    async fn promotion_codes(&self) -> Result<Vec<StoredPromotionCode>, LedgerError> {
        let rows = self.code_rows("promotion_codes", Vec::new()).await?;
        Ok(rows.into_iter().map(|(code, _)| code).collect())
    }

    async fn promotion_code(
        &self,
        code_text: &PromotionCode,
    ) -> Result<Option<(StoredPromotionCode, Coupon)>, LedgerError> {
        let args = vec![("p_code", text(code_text.as_str()))];
        let Some(mut row) = self
            .call_rows("promotion_code_by_code", args)
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let coupon_row = row
            .get_mut("coupon")
            .map(Value::take)
            .ok_or_else(|| missing("promotion_code_by_code", "coupon"))?;
        let (stored, _) = code(row)?;
        let (coupon, _) = coupon(coupon_row)?;
        Ok(Some((stored, coupon)))
    }

    async fn upsert_promotion_code(
        &self,
        terms: &PromotionCodeTerms,
        at: Timestamp,
    ) -> Result<(StoredPromotionCode, bool), LedgerError> {
        const FUNCTION: &str = "upsert_promotion_code";
        let args = vec![("p_code", Arg::Json(json!(terms))), ("p_at", time(Some(at)))];
        let (code, inserted) = self
            .code_rows(FUNCTION, args)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| missing(FUNCTION, "row"))?;
        Ok((code, inserted.ok_or_else(|| missing(FUNCTION, "inserted"))?))
    }

    async fn redeem(&self, redemption: &Redemption<'_>) -> Result<Redeemed, LedgerError> {
        let args = vec![
            ("p_key", text(redemption.key)),
            ("p_coupon_id", text(redemption.coupon_id.as_str())),
            ("p_code", opt_text(redemption.code.map(PromotionCode::as_str))),
            ("p_customer_id", opt_text(redemption.customer_id)),
            ("p_at", time(Some(redemption.at))),
        ];
        let redeemed = self.flag("redeem_coupon", args, "redeemed").await?;
        Ok(if redeemed {
            Redeemed::Counted
        } else {
            Redeemed::Exhausted
        })
    }

    async fn release_redemption(&self, key: &str) -> Result<(), LedgerError> {
        self.flag("release_redemption", vec![("p_key", text(key))], "released")
            .await
            .map(|_| ())
    }

    async fn announce_discount(
        &self,
        key: &PaymentId,
        event: &EventType,
        coupon_id: &str,
        at: Timestamp,
    ) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(key)),
            ("p_type", text(event.as_str())),
            ("p_coupon_id", text(coupon_id)),
            ("p_at", time(Some(at))),
        ];
        self.record("announce_discount", args).await
    }

    async fn set_next_discount(&self, key: &PaymentId, discount: Option<&Discount>) -> LedgerResult {
        let args = vec![
            ("p_transaction_key", text(key)),
            ("p_discount", Arg::Json(json!(discount))),
        ];
        self.record("set_next_discount", args).await
    }
}
