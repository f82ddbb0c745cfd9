//! Intervals written as a whole number with a unit: `90s`, `15m`, `2h`, `1d`, or seconds alone.

use std::time::Duration;

/// `text` as a positive interval; `None` for anything else.
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let count: u64 = number.parse().ok().filter(|count| *count > 0)?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    count.checked_mul(seconds).map(Duration::from_secs)
}
