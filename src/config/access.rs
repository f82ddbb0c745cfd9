//! Who may call the API besides the app's server: signed-in customers with their Supabase access
//! token, browser pages of the allowed origins (CORS), and how often one customer may trigger a
//! charge.

use reqwest::Url;
use secrecy::SecretString;

use super::interval;
use super::reader::Reader;

pub use crate::domain::charge_limit::{
    ChargeLimit, DEFAULT_CHARGE_LIMIT, DEFAULT_CHARGE_WINDOW, MAX_CHARGE_WINDOW,
};

/// How Supabase access tokens are verified (<https://supabase.com/docs/guides/auth/jwts>).
#[derive(Debug, Clone)]
pub struct UserTokenSettings {
    /// The `iss` every token must carry: `{SUPABASE_URL}/auth/v1`.
    pub issuer: String,
    /// The project's signing keys (ES256, RS256): `{SUPABASE_URL}/auth/v1/.well-known/jwks.json`
    /// (<https://supabase.com/docs/guides/auth/signing-keys>).
    pub jwks_url: Url,
    /// `SUPABASE_JWT_SECRET`: the legacy shared secret (HS256), for projects still on it. Unset:
    /// HS256 tokens are refused.
    pub legacy_secret: Option<SecretString>,
    /// `SUPABASE_ALLOW_ANONYMOUS_USERS`: accept the tokens of Supabase's anonymous users
    /// (`is_anonymous: true`, <https://supabase.com/docs/guides/auth/auth-anonymous>). Off by
    /// default: an anonymous user is a browser session, not a customer who can be billed.
    pub allow_anonymous: bool,
}

impl UserTokenSettings {
    /// The settings of the Supabase project at `project_url` (`https://<ref>.supabase.co`).
    ///
    /// # Errors
    /// When `project_url` cannot be a base URL.
    pub fn for_project(project_url: &Url, legacy_secret: Option<SecretString>) -> Result<Self, String> {
        let base = project_url.as_str().trim_end_matches('/');
        let issuer = format!("{base}/auth/v1");
        let jwks_url = Url::parse(&format!("{issuer}/.well-known/jwks.json")).map_err(|e| e.to_string())?;
        Ok(Self {
            issuer,
            jwks_url,
            legacy_secret,
            allow_anonymous: false,
        })
    }
}

/// Everything about callers other than PortOne.
#[derive(Debug, Clone, Default)]
pub struct AccessSettings {
    /// `None` when `SUPABASE_URL` is unset: only the admin token is accepted.
    pub user_tokens: Option<UserTokenSettings>,
    /// `CORS_ALLOWED_ORIGINS`: exact origins (`https://app.example.com`), none by default.
    pub cors_origins: Vec<String>,
    /// `None` when `CHARGE_LIMIT_PER_CUSTOMER=0`.
    pub charge_limit: Option<ChargeLimit>,
}

/// An origin as browsers send it: `scheme://host[:port]`, no path, no trailing slash.
fn is_origin(text: &str) -> bool {
    let Ok(url) = Url::parse(text) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && !text.ends_with('/')
        && url.query().is_none()
        && url.username().is_empty()
}

/// Every access setting, for production.
pub(super) fn read<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> AccessSettings {
    AccessSettings {
        user_tokens: read_user_tokens(env),
        ..read_browser_access(env)
    }
}

/// `SUPABASE_URL` (or `NEXT_PUBLIC_SUPABASE_URL`), `SUPABASE_JWT_SECRET` and
/// `SUPABASE_ALLOW_ANONYMOUS_USERS`.
fn read_user_tokens<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> Option<UserTokenSettings> {
    let project = env
        .optional("SUPABASE_URL")
        .or_else(|| env.optional("NEXT_PUBLIC_SUPABASE_URL"));
    let legacy_secret = env.optional("SUPABASE_JWT_SECRET").map(SecretString::from);
    let allow_anonymous = env.flag("SUPABASE_ALLOW_ANONYMOUS_USERS").unwrap_or(false);
    match project {
        Some(url) => env.url_value("SUPABASE_URL", &url).and_then(|url| {
            UserTokenSettings::for_project(&url, legacy_secret)
                .map(|settings| UserTokenSettings {
                    allow_anonymous,
                    ..settings
                })
                .map_err(|problem| env.problem(format!("SUPABASE_URL cannot verify tokens: {problem}")))
                .ok()
        }),
        None => {
            if legacy_secret.is_some() {
                env.problem(
                    "SUPABASE_JWT_SECRET needs SUPABASE_URL: a token's issuer is checked against it"
                        .to_owned(),
                );
            }
            None
        }
    }
}

/// `CORS_ALLOWED_ORIGINS` and the charge limit, without user tokens: also what sandbox mode
/// reads (it verifies tokens of its own).
pub(super) fn read_browser_access<F: Fn(&str) -> Option<String>>(env: &mut Reader<F>) -> AccessSettings {
    let cors_origins: Vec<String> = env
        .optional("CORS_ALLOWED_ORIGINS")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    for origin in &cors_origins {
        if !is_origin(origin) {
            env.problem(format!(
                "CORS_ALLOWED_ORIGINS takes exact origins such as https://app.example.com (no path, no \
                 trailing slash, no wildcard), got {origin:?}"
            ));
        }
    }
    let per_window = env.parsed("CHARGE_LIMIT_PER_CUSTOMER", Some(DEFAULT_CHARGE_LIMIT));
    let window = match env.optional("CHARGE_LIMIT_WINDOW") {
        None => Some(DEFAULT_CHARGE_WINDOW),
        Some(text) => {
            let window = interval::parse(&text).filter(|window| *window <= MAX_CHARGE_WINDOW);
            if window.is_none() {
                env.problem(format!(
                    "CHARGE_LIMIT_WINDOW must be a positive interval of at most a day, such as 10m or 600s, got {text:?}"
                ));
            }
            window
        }
    };
    let charge_limit = match (per_window, window) {
        (Some(0), _) | (None, _) | (_, None) => None,
        (Some(per_window), Some(window)) => Some(ChargeLimit { per_window, window }),
    };
    AccessSettings {
        user_tokens: None,
        cors_origins,
        charge_limit,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn read_from(vars: &[(&str, &str)]) -> (AccessSettings, Vec<String>) {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut env =
            Reader::new(move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
        let settings = read(&mut env);
        let problems = env.finish().err().map(|e| e.0).unwrap_or_default();
        (settings, problems)
    }

    #[test]
    fn the_project_url_gives_the_issuer_and_the_key_set() {
        let (settings, problems) = read_from(&[("SUPABASE_URL", "https://abc.supabase.co/")]);
        assert!(problems.is_empty(), "{problems:?}");
        let tokens = settings.user_tokens.expect("user tokens");
        assert_eq!(tokens.issuer, "https://abc.supabase.co/auth/v1");
        assert_eq!(
            tokens.jwks_url.as_str(),
            "https://abc.supabase.co/auth/v1/.well-known/jwks.json"
        );
        assert!(tokens.legacy_secret.is_none());
        assert_eq!(settings.charge_limit, Some(ChargeLimit::default()));
        assert!(settings.cors_origins.is_empty());
    }

    #[test]
    fn a_legacy_secret_without_a_project_is_a_problem() {
        let (settings, problems) = read_from(&[("SUPABASE_JWT_SECRET", "s")]);
        assert!(settings.user_tokens.is_none());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("SUPABASE_JWT_SECRET needs SUPABASE_URL"));
        assert!(!problems[0].contains("\"s\""), "the secret is never shown");
    }

    #[test]
    fn origins_are_exact_and_the_limit_can_be_turned_off() {
        let (settings, problems) = read_from(&[
            (
                "CORS_ALLOWED_ORIGINS",
                "https://app.example.com, http://localhost:3000",
            ),
            ("CHARGE_LIMIT_PER_CUSTOMER", "0"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            settings.cors_origins,
            ["https://app.example.com", "http://localhost:3000"]
        );
        assert_eq!(settings.charge_limit, None);
        for bad in [
            "*",
            "https://app.example.com/",
            "https://app.example.com/path",
            "app.example.com",
        ] {
            let (_, problems) = read_from(&[("CORS_ALLOWED_ORIGINS", bad)]);
            assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
        }
    }

    #[test]
    fn the_window_takes_an_interval() {
        let (settings, problems) =
            read_from(&[("CHARGE_LIMIT_PER_CUSTOMER", "3"), ("CHARGE_LIMIT_WINDOW", "1h")]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            settings.charge_limit,
            Some(ChargeLimit {
                per_window: 3,
                window: Duration::from_secs(3600)
            })
        );
        let (_, problems) = read_from(&[("CHARGE_LIMIT_WINDOW", "soon")]);
        assert_eq!(problems.len(), 1);
    }
}
