//! The number of a billing-history line, as a Korean receipt or invoice carries one:
//! `{year}-{n:06}` (`2026-000123`), `n` counting the charges of the store's Seoul year from 1,
//! with no gaps (storage draws it in the transaction that records the charge, so a write that
//! fails takes its number back with it).

use chrono::Datelike;

use super::seoul::seoul_day;
use super::timestamp::Timestamp;

/// The Seoul calendar year a charge made (or a period starting) at `at` is numbered in.
pub fn seoul_year(at: Timestamp) -> i32 {
    seoul_day(at).year()
}

/// The `n`th number of `year`.
pub fn billing_number(year: i32, n: u32) -> String {
    format!("{year}-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_count_within_the_seoul_year() {
        assert_eq!(billing_number(2026, 123), "2026-000123");
        assert_eq!(billing_number(2027, 1_234_567), "2027-1234567");
        // 31 December 15:00 UTC is already 1 January in Seoul.
        let new_year = Timestamp::from_utc("2026-12-31T15:00:00Z".parse().unwrap());
        assert_eq!(seoul_year(new_year), 2027);
        let last_day = Timestamp::from_utc("2026-12-31T14:59:59Z".parse().unwrap());
        assert_eq!(seoul_year(last_day), 2026);
    }
}
