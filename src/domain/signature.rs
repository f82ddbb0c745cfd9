//! Standard Webhooks signatures as PortOne sends them (PortOne's webhook guide,
//! <https://developers.portone.io/opi/ko/integration/webhook/readme-v2>, which follows the
//! Standard Webhooks spec, <https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>):
//! HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{raw body}`, several space-separated `v1,…`
//! signatures accepted (secret rotation), ±5 minutes against the instant the caller passes (the
//! [`Clock`](crate::ports::Clock) port's). No I/O: the same rules sign the sandbox's deliveries.
//!
//! The HMAC and the secret's `whsec_`/base64 handling come from the `standardwebhooks` crate; its
//! own `verify` reads the system clock, so the timestamp check and the constant-time comparison
//! are done here.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// Allowed distance between `webhook-timestamp` and now, in seconds (the Standard Webhooks spec's
/// 5 minutes, as PortOne's server SDKs check it).
pub const TOLERANCE_SECONDS: i64 = 300;

/// The three Standard Webhooks headers, as received (header names are case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureHeaders {
    pub id: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
}

/// Why a signature was refused; `reason()` uses the PortOne SDKs' names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing headers: {}", .0.join(", "))]
    MissingHeaders(Vec<&'static str>),
    #[error("webhook-timestamp is not an integer")]
    InvalidTimestamp,
    #[error("webhook-timestamp is more than 5 minutes old")]
    TimestampTooOld,
    #[error("webhook-timestamp is more than 5 minutes in the future")]
    TimestampTooNew,
    #[error("no signature matches")]
    NoMatchingSignature,
}

impl SignatureError {
    /// Every [`SignatureError::reason`], for exporting their series at zero.
    pub const REASONS: [&'static str; 5] = [
        "MISSING_REQUIRED_HEADERS",
        "INVALID_SIGNATURE",
        "TIMESTAMP_TOO_OLD",
        "TIMESTAMP_TOO_NEW",
        "NO_MATCHING_SIGNATURE",
    ];

    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingHeaders(_) => "MISSING_REQUIRED_HEADERS",
            Self::InvalidTimestamp => "INVALID_SIGNATURE",
            Self::TimestampTooOld => "TIMESTAMP_TOO_OLD",
            Self::TimestampTooNew => "TIMESTAMP_TOO_NEW",
            Self::NoMatchingSignature => "NO_MATCHING_SIGNATURE",
        }
    }
}

/// The console's webhook secret (`PORTONE_WEBHOOK_SECRET`, with or without `whsec_`).
pub struct WebhookSecret(standardwebhooks::Webhook);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

impl WebhookSecret {
    /// # Errors
    /// When the secret (after an optional `whsec_`) is not base64 or is empty; the message never
    /// contains it.
    pub fn parse(secret: &SecretString) -> Result<Self, &'static str> {
        let text = secret.expose_secret().trim();
        if text.strip_prefix("whsec_").unwrap_or(text).is_empty() {
            return Err("PORTONE_WEBHOOK_SECRET is empty");
        }
        standardwebhooks::Webhook::new(text)
            .map(Self)
            .map_err(|_| "PORTONE_WEBHOOK_SECRET is not base64 (optionally prefixed with whsec_)")
    }

    /// Checks `headers` against the raw `body` at `now`.
    ///
    /// # Errors
    /// [`SignatureError`] naming the first check that failed.
    pub fn verify(
        &self,
        headers: &SignatureHeaders,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), SignatureError> {
        let (Some(id), Some(timestamp), Some(signatures)) =
            (&headers.id, &headers.timestamp, &headers.signature)
        else {
            let missing = [
                ("webhook-id", &headers.id),
                ("webhook-timestamp", &headers.timestamp),
            ]
            .into_iter()
            .chain([("webhook-signature", &headers.signature)])
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name)
            .collect();
            return Err(SignatureError::MissingHeaders(missing));
        };
        let timestamp: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::InvalidTimestamp)?;
        // In i128, so no header value can overflow the difference (i64::MIN - now would).
        let age = i128::from(now.timestamp()) - i128::from(timestamp);
        if age > i128::from(TOLERANCE_SECONDS) {
            return Err(SignatureError::TimestampTooOld);
        }
        if -age > i128::from(TOLERANCE_SECONDS) {
            return Err(SignatureError::TimestampTooNew);
        }
        // A non-UTF-8 body cannot have been signed by PortOne (the crate signs text).
        let expected = self
            .0
            .sign(id, timestamp, body)
            .map_err(|_| SignatureError::NoMatchingSignature)?;
        let expected = expected
            .split_once(',')
            .map_or("", |(_, signature)| signature)
            .as_bytes();
        let matches = signatures
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .any(|(_, signature)| bool::from(signature.as_bytes().ct_eq(expected)));
        if matches {
            Ok(())
        } else {
            Err(SignatureError::NoMatchingSignature)
        }
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
