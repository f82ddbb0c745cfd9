//! The merchant's price list: what a subscription is started on, and what a plan change moves it
//! to. A plan's terms are copied into the subscription when it starts or changes plan, so a later
//! price change never touches subscriptions already running (as Stripe's prices behave:
//! <https://docs.stripe.com/api/prices/object>).

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::amount::{Amount, PriceError};
use super::currency::{Currency, UnknownCurrency};
use super::interval::BillingInterval;
use super::timestamp::Timestamp;

/// Longest trial accepted, in days.
pub const MAX_TRIAL_DAYS: u32 = 365;

/// Longest plan name (PortOne's `orderName`), in characters: a card statement or a receipt shows
/// far less.
pub const MAX_NAME_CHARS: usize = 100;

/// Largest `features` object, as compact JSON, in bytes.
pub const MAX_FEATURES_BYTES: usize = 4096;

/// `true` for a plan or order name: not blank, at most [`MAX_NAME_CHARS`] characters, no control
/// characters.
pub fn name_ok(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(char::is_control)
}

/// `true` when no string of `value` (keys included) has a NUL, which PostgreSQL's `jsonb`
/// refuses.
fn no_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => !text.contains('\0'),
        Value::Array(items) => items.iter().all(no_nul),
        Value::Object(fields) => fields
            .iter()
            .all(|(key, value)| !key.contains('\0') && no_nul(value)),
        _ => true,
    }
}

/// `true` for a merchant's code (a plan or coupon id, a promotion code): 1–64 characters of
/// `A–Z a–z 0–9 _ . -`, starting with a letter or digit.
pub fn is_code(value: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let first_ok = value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok && value.len() <= 64 && value.chars().all(allowed)
}

/// A plan's stable code, chosen by the merchant (`pro_monthly`): 1–64 characters of `A–Z a–z
/// 0–9 _ . -`, starting with a letter or digit. It is a URL path segment and PortOne
/// `customData`, so nothing else is allowed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
// serde_json writes a newtype struct as its value, as `transparent` would.
#[serde(try_from = "String")]
pub struct PlanId(String);

impl TryFrom<String> for PlanId {
    type Error = InvalidPlanId;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

/// Why a string is not a [`PlanId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a plan id is 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit")]
pub struct InvalidPlanId;

impl PlanId {
    /// # Errors
    /// [`InvalidPlanId`] for anything but 1–64 of the allowed characters.
    pub fn parse(value: impl Into<String>) -> Result<Self, InvalidPlanId> {
        let value = value.into();
        is_code(&value).then_some(Self(value)).ok_or(InvalidPlanId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plan's terms as the merchant sets them (`PUT /api/plans/{plan_id}`), validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanTerms {
    pub id: PlanId,
    /// PortOne's `orderName` of every charge on the plan; Korean is fine.
    pub name: String,
    /// Per 30-day period, in the currency's unit (KRW: won); greater than 0.
    pub amount: Amount,
    pub currency: Currency,
    /// Days before the first charge; 0 for none.
    pub trial_days: u32,
    /// Free-form JSON object for the app (limits, flags).
    pub features: Value,
    pub sort_order: i32,
    /// How long each period is: `None` keeps the route spec's 30 days (`end_at = start_at +
    /// 30일`); month and year intervals are anchored (see [`BillingInterval`]).
    #[serde(flatten, serialize_with = "serialize_interval")]
    pub interval: Option<BillingInterval>,
}

/// `interval` and `interval_count` beside the other terms, or nothing without an interval.
fn serialize_interval<S: serde::Serializer>(
    interval: &Option<BillingInterval>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(None)?;
    if let Some(interval) = interval {
        map.serialize_entry("interval", interval.unit().as_str())?;
        map.serialize_entry("interval_count", &interval.count())?;
    }
    map.end()
}

/// Why requested plan terms were refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanTermsError {
    #[error("name must be 1-{MAX_NAME_CHARS} characters, not blank")]
    Name,
    #[error(transparent)]
    Amount(#[from] PriceError),
    #[error(transparent)]
    Currency(#[from] UnknownCurrency),
    #[error("trial_days must be between 0 and {MAX_TRIAL_DAYS}")]
    TrialDays,
    #[error("features must be a JSON object of at most {MAX_FEATURES_BYTES} bytes, without NUL")]
    Features,
}

impl PlanTerms {
    /// # Errors
    /// [`PlanTermsError`] for the first term that is not acceptable.
    pub fn new(
        id: PlanId,
        name: &str,
        amount: i64,
        currency: &str,
        trial_days: i64,
        features: Option<Value>,
        sort_order: Option<i32>,
    ) -> Result<Self, PlanTermsError> {
        if !name_ok(name) {
            return Err(PlanTermsError::Name);
        }
        let amount = Amount::price(amount)?;
        let currency = Currency::parse(currency)?;
        let trial_days = u32::try_from(trial_days)
            .ok()
            .filter(|days| *days <= MAX_TRIAL_DAYS)
            .ok_or(PlanTermsError::TrialDays)?;
        let features = features.unwrap_or_else(|| Value::Object(Default::default()));
        let size = serde_json::to_vec(&features).map_or(usize::MAX, |bytes| bytes.len());
        if !features.is_object() || size > MAX_FEATURES_BYTES || !no_nul(&features) {
            return Err(PlanTermsError::Features);
        }
        Ok(Self {
            id,
            name: name.to_owned(),
            amount,
            currency,
            trial_days,
            features,
            sort_order: sort_order.unwrap_or(0),
            interval: None,
        })
    }

    /// These terms with periods of `interval` (a plan written without one keeps 30 days).
    pub fn with_interval(mut self, interval: Option<BillingInterval>) -> Self {
        self.interval = interval;
        self
    }
}

/// A stored plan: its terms, whether new subscriptions may start on it, and when it was written
/// (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    #[serde(flatten)]
    pub terms: PlanTerms,
    /// `false` once archived: no new subscription starts on it.
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_ids_are_url_and_custom_data_safe() {
        for good in ["pro_monthly", "basic", "A1", "team.v2-2026"] {
            assert_eq!(PlanId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "_x", "-x", "pro monthly", "프로", "a/b", &"a".repeat(65)] {
            assert_eq!(PlanId::parse(bad), Err(InvalidPlanId), "{bad:?}");
        }
    }

    #[test]
    fn terms_are_checked_one_by_one() {
        let id = || PlanId::parse("pro").unwrap();
        let ok = PlanTerms::new(id(), "프로", 9900, "KRW", 14, None, None).unwrap();
        assert_eq!((ok.amount.value(), ok.trial_days, ok.sort_order), (9900, 14, 0));
        assert_eq!(ok.features, serde_json::json!({}));
        let refused = [
            PlanTerms::new(id(), " ", 9900, "KRW", 0, None, None),
            PlanTerms::new(id(), "프로", 0, "KRW", 0, None, None),
            PlanTerms::new(id(), "프로", -1, "KRW", 0, None, None),
            PlanTerms::new(id(), "프로", i64::MAX, "KRW", 0, None, None),
            PlanTerms::new(id(), &"가".repeat(101), 9900, "KRW", 0, None, None),
            PlanTerms::new(id(), "a\u{0}b", 9900, "KRW", 0, None, None),
            PlanTerms::new(id(), "프로", 9900, "krw", 0, None, None),
            PlanTerms::new(id(), "프로", 9900, "KRW", -1, None, None),
            PlanTerms::new(id(), "프로", 9900, "KRW", 366, None, None),
            PlanTerms::new(id(), "프로", 9900, "KRW", 0, Some(serde_json::json!([1])), None),
            PlanTerms::new(
                id(),
                "프로",
                9900,
                "KRW",
                0,
                Some(serde_json::json!({"a\u{0}": 1})),
                None,
            ),
            PlanTerms::new(
                id(),
                "프로",
                9900,
                "KRW",
                0,
                Some(serde_json::json!({"a": ["\u{0}"]})),
                None,
            ),
            PlanTerms::new(
                id(),
                "프로",
                9900,
                "KRW",
                0,
                Some(serde_json::json!({"a": "x".repeat(5000)})),
                None,
            ),
        ];
        let errors: Vec<_> = refused.into_iter().map(Result::unwrap_err).collect();
        assert_eq!(
            errors,
            [
                PlanTermsError::Name,
                PlanTermsError::Amount(PriceError::NotPositive),
                PlanTermsError::Amount(PriceError::NotPositive),
                PlanTermsError::Amount(PriceError::TooLarge),
                PlanTermsError::Name,
                PlanTermsError::Name,
                PlanTermsError::Currency(UnknownCurrency("krw".into())),
                PlanTermsError::TrialDays,
                PlanTermsError::TrialDays,
                PlanTermsError::Features,
                PlanTermsError::Features,
                PlanTermsError::Features,
                PlanTermsError::Features,
            ]
        );
    }
}
