//! Settings from the environment (and `.env` when present), checked all at once at startup.
//!
//! Every variable is documented in `.env.example`. A problem stops startup with one message that
//! lists each one (exit code 2, see `main.rs`); secret values never appear in it.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

/// PortOne's production API (`shared/portone/README.md` §1: the schema's only server).
pub const DEFAULT_PORTONE_API_BASE_URL: &str = "https://api.portone.io";

/// Everything the service needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `PORTONE_API_SECRET` (or the seed's `PORTONE_V2_API_SECRET`): the V2 API secret.
    pub portone_api_secret: SecretString,
    /// `PORTONE_API_BASE_URL`, default [`DEFAULT_PORTONE_API_BASE_URL`].
    pub portone_api_base_url: Url,
    /// `PORTONE_STORE_ID`: sent as `storeId` when set.
    pub portone_store_id: Option<String>,
    /// `SUPABASE_URL` (or `NEXT_PUBLIC_SUPABASE_URL`): the project URL, `https://<ref>.supabase.co`.
    pub supabase_url: Url,
    /// `SUPABASE_SERVICE_ROLE_KEY`: server-side key; never the anon key.
    pub supabase_service_role_key: SecretString,
    /// `HOST`, default `0.0.0.0`.
    pub host: IpAddr,
    /// `PORT`, default 3000.
    pub port: u16,
    /// `UPSTREAM_CONNECT_TIMEOUT_MS`, default 3000: TCP+TLS connect to PortOne or Supabase.
    pub upstream_connect_timeout: Duration,
    /// `UPSTREAM_TIMEOUT_MS`, default 8000: one whole upstream request. Three calls in a row stay
    /// inside PortOne's 30 s webhook read timeout.
    pub upstream_timeout: Duration,
}

/// Every configuration problem found, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map). Empty values count as unset.
    ///
    /// # Errors
    /// [`ConfigError`] listing every missing or malformed variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let mut required = |names: &[&str], what: &str| {
            let found = names.iter().find_map(|name| get(name));
            if found.is_none() {
                problems.push(format!("{} is missing ({what})", names.join(" or ")));
            }
            found
        };
        let secret = required(
            &["PORTONE_API_SECRET", "PORTONE_V2_API_SECRET"],
            "PortOne V2 API secret",
        );
        let supabase_url = required(
            &["SUPABASE_URL", "NEXT_PUBLIC_SUPABASE_URL"],
            "Supabase project URL",
        );
        let service_key = required(&["SUPABASE_SERVICE_ROLE_KEY"], "Supabase service-role key");

        let base_url = get("PORTONE_API_BASE_URL").unwrap_or_else(|| DEFAULT_PORTONE_API_BASE_URL.to_owned());
        let base_url = parse_url("PORTONE_API_BASE_URL", &base_url, &mut problems);
        let supabase_url = supabase_url.and_then(|url| parse_url("SUPABASE_URL", &url, &mut problems));
        let host = parse_or(get("HOST"), "HOST", "0.0.0.0".parse().ok(), &mut problems);
        let port = parse_or(get("PORT"), "PORT", Some(3000), &mut problems);
        let connect_ms = parse_or(
            get("UPSTREAM_CONNECT_TIMEOUT_MS"),
            "UPSTREAM_CONNECT_TIMEOUT_MS",
            Some(3000u64),
            &mut problems,
        );
        let timeout_ms = parse_or(
            get("UPSTREAM_TIMEOUT_MS"),
            "UPSTREAM_TIMEOUT_MS",
            Some(8000u64),
            &mut problems,
        );

        match (
            secret,
            base_url,
            supabase_url,
            service_key,
            host,
            port,
            connect_ms,
            timeout_ms,
        ) {
            (
                Some(secret),
                Some(base),
                Some(supabase),
                Some(key),
                Some(host),
                Some(port),
                Some(c),
                Some(t),
            ) if problems.is_empty() => Ok(Self {
                portone_api_secret: SecretString::from(secret),
                portone_api_base_url: base,
                portone_store_id: get("PORTONE_STORE_ID"),
                supabase_url: supabase,
                supabase_service_role_key: SecretString::from(key),
                host,
                port,
                upstream_connect_timeout: Duration::from_millis(c),
                upstream_timeout: Duration::from_millis(t),
            }),
            _ => Err(ConfigError(problems)),
        }
    }
}

fn parse_url(name: &str, value: &str, problems: &mut Vec<String>) -> Option<Url> {
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        _ => {
            problems.push(format!("{name} must be an http(s) URL, got {value:?}"));
            None
        }
    }
}

/// `value` parsed as `T`, `default` when unset; a malformed value is a problem (shown, since none
/// of these is secret).
fn parse_or<T: std::str::FromStr>(
    value: Option<String>,
    name: &str,
    default: Option<T>,
    problems: &mut Vec<String>,
) -> Option<T> {
    match value {
        None => default,
        Some(text) => match text.parse() {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                problems.push(format!("{name} is malformed: {text:?}"));
                None
            }
        },
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
