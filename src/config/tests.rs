use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const REST: [(&str, &str); 4] = [
    ("PORTONE_V2_API_SECRET", "portone-secret"),
    ("NEXT_PUBLIC_SUPABASE_URL", "https://abc.supabase.co"),
    ("SUPABASE_SERVICE_ROLE_KEY", "service-key"),
    ("PORTONE_WEBHOOK_SECRET", WEBHOOK_SECRET),
];

#[test]
fn reads_the_seed_names_and_applies_defaults() {
    let config = config(&REST).unwrap();
    assert_eq!(config.portone_api_secret.expose_secret(), "portone-secret");
    assert_eq!(config.portone_api_base_url.as_str(), "https://api.portone.io/");
    assert_eq!(config.port, 3000);
    assert_eq!(config.host.to_string(), "0.0.0.0");
    assert_eq!(config.portone_store_id, None);
    assert_eq!(config.upstream_timeout, Duration::from_secs(8));
    assert_eq!(
        config.webhook_deadline, None,
        "unset: the service's default applies"
    );
    assert_eq!(config.limits, Limits::default());
    assert!(matches!(
        config.webhook_signatures,
        WebhookSignatures::Required(ref secret) if secret.expose_secret() == WEBHOOK_SECRET
    ));
    let StorageConfig::SupabaseRest {
        url,
        service_role_key,
    } = config.storage
    else {
        panic!("expected the REST adapter");
    };
    assert_eq!(url.as_str(), "https://abc.supabase.co/");
    assert_eq!(service_role_key.expose_secret(), "service-key");
}

#[test]
fn database_url_selects_postgres_even_when_rest_settings_exist() {
    let mut vars = REST.to_vec();
    vars.push((
        "DATABASE_URL",
        "postgres://postgres:pw@db.abc.supabase.co:6543/postgres",
    ));
    vars.push(("DATABASE_ACQUIRE_TIMEOUT_MS", "750"));
    let config = config(&vars).unwrap();
    assert!(config
        .storage
        .describe()
        .contains("SUPABASE_URL is also set and ignored"));
    let StorageConfig::Postgres {
        settings,
        rest_also_set: true,
    } = config.storage
    else {
        panic!("expected the Postgres adapter");
    };
    assert_eq!(settings.acquire_timeout, Duration::from_millis(750));
    assert_eq!(settings.max_connections, 10);
    assert_eq!(settings.statement_timeout, Duration::from_secs(5));
}

#[test]
fn lists_every_problem_at_once() {
    let error = config(&[("PORT", "eighty"), ("PORTONE_API_BASE_URL", "ftp://x")]).unwrap_err();
    let text = error.to_string();
    for expected in [
        "PORTONE_API_SECRET or PORTONE_V2_API_SECRET is missing",
        "storage is not configured: set DATABASE_URL, or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY",
        "PORT is malformed",
        "PORTONE_API_BASE_URL must be an http(s) URL",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn malformed_database_url_is_reported_without_its_password() {
    let mut vars = REST.to_vec();
    vars.push(("DATABASE_URL", "mysql://root:hunter2@localhost/db"));
    let text = config(&vars).unwrap_err().to_string();
    assert!(
        text.contains("DATABASE_URL must start with postgres://"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn debug_output_never_shows_secrets() {
    let mut vars = REST.to_vec();
    vars.push(("PORTONE_API_SECRET", "very-secret-value"));
    let rest = format!("{:?}", config(&vars).unwrap());
    vars.push(("DATABASE_URL", "postgres://u:db-password-value@h/db"));
    let postgres = format!("{:?}", config(&vars).unwrap());
    for debug in [rest, postgres] {
        for secret in ["very-secret-value", "service-key", "db-password-value"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
}

#[test]
fn webhook_secret_and_admin_token_are_checked_without_echoing_them() {
    let mut vars = REST[..3].to_vec();
    vars.push(("PORTONE_WEBHOOK_SECRET", "whsec_not*base64"));
    vars.push(("ADMIN_API_TOKEN", "short-token"));
    let text = config(&vars).unwrap_err().to_string();
    assert!(text.contains("PORTONE_WEBHOOK_SECRET is not base64"), "{text}");
    assert!(
        text.contains("ADMIN_API_TOKEN must be at least 16 characters"),
        "{text}"
    );
    assert!(
        !text.contains("not*base64") && !text.contains("short-token"),
        "{text}"
    );

    let mut vars = REST.to_vec();
    vars.push(("ADMIN_API_TOKEN", "a-long-enough-admin-token"));
    let config = config(&vars).unwrap();
    assert!(config.admin_api_token.is_some());
}

#[test]
fn a_missing_webhook_secret_stops_startup_unless_the_operator_opts_out_by_name() {
    let without_secret = REST[..3].to_vec();
    let text = config(&without_secret).unwrap_err().to_string();
    assert!(text.contains("PORTONE_WEBHOOK_SECRET is missing"), "{text}");
    assert!(text.contains("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS=true"), "{text}");

    let mut opted_out = without_secret.clone();
    opted_out.push((UNSAFE_UNSIGNED_WEBHOOKS_VAR, "true"));
    assert!(matches!(
        config(&opted_out).unwrap().webhook_signatures,
        WebhookSignatures::UnsafeDisabled
    ));

    let mut declined = without_secret.clone();
    declined.push((UNSAFE_UNSIGNED_WEBHOOKS_VAR, "false"));
    assert!(config(&declined).is_err());
    let mut garbled = without_secret;
    garbled.push((UNSAFE_UNSIGNED_WEBHOOKS_VAR, "sure"));
    let text = config(&garbled).unwrap_err().to_string();
    assert!(
        text.contains("UNSAFE_ACCEPT_UNSIGNED_WEBHOOKS must be true or false"),
        "{text}"
    );

    // A secret wins over the opt-out: signatures are still checked.
    let mut both = REST.to_vec();
    both.push((UNSAFE_UNSIGNED_WEBHOOKS_VAR, "true"));
    assert!(matches!(
        config(&both).unwrap().webhook_signatures,
        WebhookSignatures::Required(_)
    ));
}

#[test]
fn sandbox_needs_nothing_and_names_the_token_it_uses() {
    let settings = SandboxSettings::from_lookup(|_| None).unwrap();
    assert!(settings.portone_webhook_secret.is_none());
    assert_eq!(settings.admin_api_token.expose_secret(), SANDBOX_ADMIN_TOKEN);
    assert_eq!(settings.banner_token(), SANDBOX_ADMIN_TOKEN);
    let own = SandboxSettings::from_lookup(|name| {
        (name == "ADMIN_API_TOKEN").then(|| "my-own-admin-token-123".to_owned())
    })
    .unwrap();
    assert_eq!(own.admin_api_token.expose_secret(), "my-own-admin-token-123");
    assert_eq!(own.banner_token(), "$ADMIN_API_TOKEN");
}

#[test]
fn the_mode_comes_from_the_arguments_or_sandbox() {
    let none = |_: &str| None;
    let args = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert_eq!(Mode::from_args(args(&[]), none), Ok(Mode::Serve));
    assert_eq!(Mode::from_args(args(&["--sandbox"]), none), Ok(Mode::Sandbox));
    for value in ["true", "1", "yes", " true "] {
        assert_eq!(
            Mode::from_args(args(&[]), |_: &str| Some(value.to_owned())),
            Ok(Mode::Sandbox)
        );
    }
    assert_eq!(
        Mode::from_args(args(&[]), |_: &str| Some("no".to_owned())),
        Ok(Mode::Serve)
    );
    assert_eq!(
        Mode::from_args(args(&["reconcile"]), none),
        Ok(Mode::Reconcile {
            dry_run: false,
            fix_orphans: false
        })
    );
    assert_eq!(
        Mode::from_args(args(&["reconcile", "--fix-orphans", "--dry-run"]), none),
        Ok(Mode::Reconcile {
            dry_run: true,
            fix_orphans: true
        })
    );
    assert!(Mode::from_args(args(&["reconcile", "--force"]), none).is_err());
    assert!(Mode::from_args(args(&["--sandbx"]), none).is_err());
}

#[test]
fn reconcile_settings_and_the_interval_are_read() {
    let config = config(&REST).unwrap();
    assert_eq!(
        config.reconcile_interval,
        Some(Duration::from_secs(900)),
        "every 15 minutes by default"
    );
    assert_eq!(
        config.reconcile_margin, None,
        "unset: the reconciler's default applies"
    );
    let read = |extra: &[(&'static str, &'static str)]| {
        let mut vars = REST.to_vec();
        vars.extend_from_slice(extra);
        super::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    };
    assert_eq!(
        read(&[("RECONCILE_INTERVAL", "off")]).unwrap().reconcile_interval,
        None
    );
    assert!(read(&[("RECONCILE_INTERVAL", "2d")]).is_err(), "at most a day");
    let mut vars = REST.to_vec();
    vars.extend([
        ("RECONCILE_INTERVAL", "1h"),
        ("RECONCILE_MARGIN_SECONDS", "120"),
        ("RECONCILE_CONCURRENCY", "8"),
    ]);
    let config =
        super::Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
            .unwrap();
    assert_eq!(config.reconcile_interval, Some(Duration::from_secs(3600)));
    assert_eq!(config.reconcile_margin, Some(Duration::from_secs(120)));
    assert_eq!(config.reconcile_concurrency, Some(8));
    for (value, seconds) in [("90s", 90), ("2h", 7200), ("300", 300), ("1d", 86_400)] {
        assert_eq!(
            super::interval::parse(value),
            Some(Duration::from_secs(seconds)),
            "{value}"
        );
    }
    for bad in ["", "0", "fast", "-5m", "5 minutes", "0s"] {
        assert_eq!(super::interval::parse(bad), None, "{bad}");
    }
}

#[test]
fn dunning_days_default_to_one_three_seven_blank_means_none_and_bad_lists_are_problems() {
    assert_eq!(config(&REST).unwrap().dunning.days(), [1, 3, 7]);
    let with = |value: &'static str| {
        let mut vars = REST.to_vec();
        vars.push((DUNNING_RETRY_DAYS_VAR, value));
        config(&vars)
    };
    assert_eq!(with("2, 5").unwrap().dunning.days(), [2, 5]);
    assert_eq!(with("").unwrap().dunning.retries(), 0);
    assert_eq!(with("  ").unwrap().dunning.retries(), 0);
    for bad in ["1,,3", "three", "3,1", "0", "1,400"] {
        let text = with(bad).unwrap_err().to_string();
        assert!(text.contains("DUNNING_RETRY_DAYS is malformed"), "{bad}: {text}");
    }
}

#[test]
fn events_need_a_signing_secret_with_their_url_and_keep_at_least_31_days() {
    let base: Vec<(&str, &str)> = REST.to_vec();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut vars = base.clone();
        vars.extend_from_slice(extra);
        config(&vars)
    };
    let unset = with(&[]).unwrap();
    assert!(unset.app_webhook.is_none() && unset.event_retention.is_none());
    let set = with(&[
        ("APP_WEBHOOK_URL", "https://app.example.com/api/billing-events"),
        ("APP_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("EVENT_RETENTION_DAYS", "31"),
    ])
    .unwrap();
    assert_eq!(
        set.app_webhook.map(|a| a.url.to_string()),
        Some("https://app.example.com/api/billing-events".to_owned())
    );
    assert_eq!(set.event_retention, Some(Duration::from_secs(31 * 86_400)));
    for (extra, problem) in [
        (
            &[("APP_WEBHOOK_URL", "https://app.example.com/x")][..],
            "APP_WEBHOOK_URL needs APP_WEBHOOK_SECRET",
        ),
        (
            &[
                ("APP_WEBHOOK_URL", "https://app.example.com/x"),
                ("APP_WEBHOOK_SECRET", "whsec_!!"),
            ][..],
            "APP_WEBHOOK_SECRET must be a Standard Webhooks secret",
        ),
        (
            &[("EVENT_RETENTION_DAYS", "7")][..],
            "EVENT_RETENTION_DAYS must be between 31 and 3650",
        ),
        (
            &[("EVENT_RETENTION_DAYS", "100000000")][..],
            "EVENT_RETENTION_DAYS must be between 31 and 3650",
        ),
        (
            &[("EVENT_RETENTION_DAYS", "107000000000")][..],
            "EVENT_RETENTION_DAYS must be between 31 and 3650",
        ),
    ] {
        let error = with(extra).unwrap_err();
        assert!(error.to_string().contains(problem), "{error}");
        assert!(!error.to_string().contains("whsec_!!"), "a secret is never shown");
    }
}
