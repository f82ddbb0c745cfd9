//! Reads variables and collects every problem instead of stopping at the first.

use reqwest::Url;

pub(super) struct Reader<F> {
    lookup: F,
    problems: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    pub(super) fn new(lookup: F) -> Self {
        Self {
            lookup,
            problems: Vec::new(),
        }
    }

    /// The trimmed value, `None` when unset or blank.
    pub(super) fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The trimmed value, empty when set to blank, `None` only when unset: for settings where
    /// blank means something.
    pub(super) fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).map(|v| v.trim().to_owned())
    }

    /// The first of `names` that is set; a problem when none is.
    pub(super) fn required(&mut self, names: &[&str], what: &str) -> Option<String> {
        let found = names.iter().find_map(|name| self.optional(name));
        if found.is_none() {
            self.problem(format!("{} is missing ({what})", names.join(" or ")));
        }
        found
    }

    /// An http(s) URL with a host; `default` when unset.
    pub(super) fn url(&mut self, name: &str, default: Option<&str>) -> Option<Url> {
        let value = self.optional(name).or_else(|| default.map(str::to_owned))?;
        self.url_value(name, &value)
    }

    pub(super) fn url_value(&mut self, name: &str, value: &str) -> Option<Url> {
        match Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
            _ => {
                self.problem(format!("{name} must be an http(s) URL, got {value:?}"));
                None
            }
        }
    }

    /// The value parsed as `T`; `default` when unset. Values are shown in the problem, so this
    /// is only for settings that are not secret.
    pub(super) fn parsed<T: std::str::FromStr>(&mut self, name: &str, default: Option<T>) -> Option<T> {
        let Some(text) = self.optional(name) else {
            return default;
        };
        let parsed = text.parse().ok();
        if parsed.is_none() {
            self.problem(format!("{name} is malformed: {text:?}"));
        }
        parsed
    }

    /// `true`/`1`/`yes` or `false`/`0`/`no`; `None` when unset, a problem when anything else.
    pub(super) fn flag(&mut self, name: &str) -> Option<bool> {
        let text = self.optional(name)?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => {
                self.problem(format!("{name} must be true or false, got {text:?}"));
                None
            }
        }
    }

    pub(super) fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    pub(super) fn finish(self) -> Result<(), super::ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(super::ConfigError(self.problems))
        }
    }
}
