use std::collections::HashMap;

use secrecy::ExposeSecret;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn reads_the_seed_names_and_applies_defaults() {
    let config = config(&[
        ("PORTONE_V2_API_SECRET", "portone-secret"),
        ("NEXT_PUBLIC_SUPABASE_URL", "https://abc.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "service-key"),
    ])
    .unwrap();
    assert_eq!(config.portone_api_secret.expose_secret(), "portone-secret");
    assert_eq!(config.portone_api_base_url.as_str(), "https://api.portone.io/");
    assert_eq!(config.port, 3000);
    assert_eq!(config.host.to_string(), "0.0.0.0");
    assert_eq!(config.portone_store_id, None);
    assert_eq!(config.upstream_timeout, Duration::from_secs(8));
}

#[test]
fn lists_every_problem_at_once() {
    let error = config(&[("PORT", "eighty"), ("PORTONE_API_BASE_URL", "ftp://x")]).unwrap_err();
    let text = error.to_string();
    for expected in [
        "PORTONE_API_SECRET or PORTONE_V2_API_SECRET is missing",
        "SUPABASE_URL or NEXT_PUBLIC_SUPABASE_URL is missing",
        "SUPABASE_SERVICE_ROLE_KEY is missing",
        "PORT is malformed",
        "PORTONE_API_BASE_URL must be an http(s) URL",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

#[test]
fn debug_output_never_shows_secrets() {
    let config = config(&[
        ("PORTONE_API_SECRET", "very-secret-value"),
        ("SUPABASE_URL", "https://abc.supabase.co"),
        ("SUPABASE_SERVICE_ROLE_KEY", "service-secret-value"),
    ])
    .unwrap();
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("very-secret-value") && !debug.contains("service-secret-value"),
        "{debug}"
    );
}
