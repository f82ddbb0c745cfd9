//! Reading a Prometheus text exposition in tests: the value of one series, by name and exact
//! label set.

use std::collections::BTreeMap;

/// The value of the series `name` whose labels are exactly `labels`; `None` when absent.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let wanted: BTreeMap<&str, &str> = labels.iter().copied().collect();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (series_name, found) = match series.split_once('{') {
                Some((series_name, rest)) => (series_name, parse_labels(rest.strip_suffix('}')?)),
                None => (series, BTreeMap::new()),
            };
            (series_name == name && found == wanted).then(|| value.parse().ok())?
        })
}

/// `a="1",b="2"` (values without escaped quotes, which these tests never produce).
fn parse_labels(text: &str) -> BTreeMap<&str, &str> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key, value.trim_matches('"')))
        })
        .collect()
}

/// Every series name in `text` (without labels), for "nothing of this kind was exported".
pub fn names(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| line.split(['{', ' ']).next())
        .collect()
}

#[test]
fn samples_are_found_by_their_exact_labels() {
    let text =
        "# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"1\",b=\"2\"} 3\nx_total{a=\"1\"} 4\ny 5\n";
    assert_eq!(sample(text, "x_total", &[("b", "2"), ("a", "1")]), Some(3.0));
    assert_eq!(sample(text, "x_total", &[("a", "1")]), Some(4.0));
    assert_eq!(sample(text, "x_total", &[("a", "2")]), None);
    assert_eq!(sample(text, "y", &[]), Some(5.0));
    assert_eq!(names(text), ["x_total", "x_total", "y"]);
}
