//! How a flow ended, for the HTTP status: a leaf that the flows, their failures and the answer
//! all name.

/// How the webhook ended, for the HTTP status (decided in one place, the HTTP adapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every step succeeded or was skipped on purpose: 200.
    Done,
    /// The body could not be parsed or validated: 400.
    BadRequest,
    /// The body is over the size limit: 413.
    PayloadTooLarge,
    /// The signature is missing or wrong: 401, nothing fetched or written.
    Unauthorized,
    /// PortOne's record contradicts the webhook (a `Paid` webhook for a payment that is not
    /// `PAID`, or `Cancelled` for one not `CANCELLED`): 409, so PortOne retries and the console
    /// shows it.
    PaymentStatusMismatch,
    /// PortOne or storage failed: 500, so PortOne retries.
    UpstreamFailed,
    /// Too many webhooks in flight: 503 with `Retry-After`, so PortOne resends later.
    Overloaded,
}
