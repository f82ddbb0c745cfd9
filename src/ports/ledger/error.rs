//! Storage failures, by what the caller can do about them.

use std::fmt;

/// Why storage could not answer, in words fit for a response: the kind, never the transport's
/// own error chain (that names hosts and ports and goes to the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// No answer within the client's bound on one call.
    Timeout,
    /// The connection failed: refused, reset, DNS, TLS.
    Unreachable,
    /// The connection closed before the whole answer arrived.
    Interrupted,
    /// Every pooled connection was busy, or the server refused more (`53300`).
    Busy,
    /// The server answered that it cannot serve right now: PostgREST's 5xx `PGRST…` codes,
    /// PostgreSQL shutting down or starting (`57P01`–`57P03`), a statement cancelled (`57014`).
    /// `code` and `message` are the server's own (for QA; they name no host).
    ServerUnavailable { code: String, message: String },
    /// The webhook's own deadline passed before storage answered.
    Deadline,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Unreachable => "unreachable",
            Self::Interrupted => "answer cut short",
            Self::Busy => "no free connection",
            Self::ServerUnavailable { code, .. } => return write!(f, "server unavailable, {code}"),
            Self::Deadline => "webhook deadline passed",
        })
    }
}

/// Storage failures, by what the caller can do about them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Storage could not be reached or did not answer in time; retrying later may work.
    /// `detail` is for logs only: it may carry the client's error chain.
    #[error("storage is unavailable ({kind}): {detail}")]
    Unavailable { kind: Unavailable, detail: String },
    /// Storage refused the request (permissions, constraint, missing function or table), with
    /// PostgreSQL's SQLSTATE or PostgREST's `PGRST…` code and its message.
    #[error("storage rejected the request ({code}): {message}")]
    Rejected { code: String, message: String },
    /// Storage answered with something that is not a payment row.
    #[error("storage answered unexpectedly: {0}")]
    InvalidResponse(String),
}

impl LedgerError {
    /// An [`LedgerError::Unavailable`] of `kind`, with `detail` for the log.
    pub fn unavailable(kind: Unavailable, detail: impl Into<String>) -> Self {
        Self::Unavailable {
            kind,
            detail: detail.into(),
        }
    }
}
