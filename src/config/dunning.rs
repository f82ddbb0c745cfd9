//! `DUNNING_RETRY_DAYS`: when declined renewals are retried.

use crate::domain::dunning::DunningPolicy;

use super::reader::Reader;

/// The variable's name.
pub const DUNNING_RETRY_DAYS_VAR: &str = "DUNNING_RETRY_DAYS";

/// Comma-separated days after the first charge's Seoul day, strictly increasing (`1,3,7`, the
/// default when unset); set but blank means no retry. A problem when malformed.
pub(super) fn read_dunning<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<DunningPolicy> {
    let Some(text) = env.raw(DUNNING_RETRY_DAYS_VAR) else {
        return Some(DunningPolicy::default());
    };
    if text.is_empty() {
        return Some(DunningPolicy::none());
    }
    let days: Result<Vec<u32>, _> = text.split(',').map(|day| day.trim().parse::<u32>()).collect();
    let policy = days
        .map_err(|_| "a comma-separated list of whole days".to_owned())
        .and_then(|days| DunningPolicy::new(days).map_err(|e| e.to_string()));
    match policy {
        Ok(policy) => Some(policy),
        Err(problem) => {
            env.problem(format!(
                "{DUNNING_RETRY_DAYS_VAR} is malformed ({problem}): {text:?}"
            ));
            None
        }
    }
}
