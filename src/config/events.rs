//! Where subscription events are delivered: `APP_WEBHOOK_URL` and `APP_WEBHOOK_SECRET`.

use reqwest::Url;
use secrecy::SecretString;

use super::reader::Reader;
use crate::domain::signature::WebhookSecret;

/// The app's webhook endpoint and the Standard Webhooks secret events are signed with.
#[derive(Debug, Clone)]
pub struct AppWebhookSettings {
    /// `APP_WEBHOOK_URL`.
    pub url: Url,
    /// `APP_WEBHOOK_SECRET`: `whsec_` and base64, as Standard Webhooks secrets are.
    pub secret: SecretString,
}

/// `None` when `APP_WEBHOOK_URL` is unset: events are stored and listed, not sent. A URL without
/// a usable secret is a problem (events are never sent unsigned).
pub(super) fn read<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<AppWebhookSettings> {
    let url = env.url("APP_WEBHOOK_URL", None);
    let secret = env.optional("APP_WEBHOOK_SECRET").map(SecretString::from);
    match (url, secret) {
        (Some(url), Some(secret)) => {
            if WebhookSecret::parse(&secret).is_err() {
                env.problem(
                    "APP_WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by base64"
                        .to_owned(),
                );
                return None;
            }
            Some(AppWebhookSettings { url, secret })
        }
        (Some(_), None) => {
            env.problem(
                "APP_WEBHOOK_URL needs APP_WEBHOOK_SECRET (whsec_…): events are always signed".to_owned(),
            );
            None
        }
        (None, _) => None,
    }
}

/// The longest `EVENT_RETENTION_DAYS`: ten years. A bound, so no arithmetic on it can wrap or
/// leave the range a timestamp holds.
pub const MAX_RETENTION_DAYS: u64 = 3650;

/// `EVENT_RETENTION_DAYS`: how long delivered events are kept; unset: the service's default (90).
/// At least 31 (the time pass looks back 30 days, and must find the events it wrote) and at most
/// [`MAX_RETENTION_DAYS`].
pub(super) fn read_retention<F: Fn(&str) -> Option<String>>(
    env: &mut Reader<F>,
) -> Option<std::time::Duration> {
    let days: u64 = env.parsed("EVENT_RETENTION_DAYS", None)?;
    if !(31..=MAX_RETENTION_DAYS).contains(&days) {
        env.problem(format!(
            "EVENT_RETENTION_DAYS must be between 31 and {MAX_RETENTION_DAYS}, got {days}"
        ));
        return None;
    }
    Some(std::time::Duration::from_secs(days * 86_400))
}
