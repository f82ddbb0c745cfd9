//! Swagger UI tags of the production API.

/// Swagger UI tags.
#[derive(poem_openapi::Tags)]
pub enum ApiTags {
    /// PortOne webhooks (body versions 2024-04-25 and 2024-01-01).
    Webhook,
    /// Start, read, cancel, resume, change and refund subscriptions (Bearer `ADMIN_API_TOKEN`).
    Subscription,
    /// The plan catalog (Bearer `ADMIN_API_TOKEN`).
    Plan,
    /// Coupons and promotion codes (Bearer `ADMIN_API_TOKEN`).
    Coupon,
    /// PortOne payment schedules (Bearer `ADMIN_API_TOKEN`).
    Admin,
    /// Liveness.
    Health,
}
