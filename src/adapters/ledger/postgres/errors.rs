//! sqlx errors by what the caller can do about them.

use crate::ports::{LedgerError, Unavailable};

/// What a SQLSTATE that means "the database is not available right now" is, or `None` for a real
/// rejection: connection exceptions (08…), too many connections (53300), statement cancelled by
/// `statement_timeout` (57014), shutdown and startup (57P01–57P03).
fn transient(code: &str, message: &str) -> Option<Unavailable> {
    match code {
        _ if code.starts_with("08") => Some(Unavailable::Unreachable),
        "53300" => Some(Unavailable::Busy),
        "57014" | "57P01" | "57P02" | "57P03" => Some(Unavailable::ServerUnavailable {
            code: code.to_owned(),
            message: message.to_owned(),
        }),
        _ => None,
    }
}

/// Maps an error (a `sqlx::Error` with `.context`) to the port's enum. The context chain goes
/// into the detail that is logged; PostgreSQL's own code and message into what is answered.
pub(super) fn ledger_error(error: anyhow::Error) -> LedgerError {
    let chain = format!("{error:#}");
    let Some(sqlx_error) = error.downcast_ref::<sqlx::Error>() else {
        return LedgerError::unavailable(Unavailable::Unreachable, chain);
    };
    match sqlx_error {
        sqlx::Error::Database(database) => {
            let code = database.code().map(|code| code.into_owned()).unwrap_or_default();
            match transient(&code, database.message()) {
                Some(kind) => LedgerError::unavailable(kind, chain),
                None => LedgerError::Rejected {
                    code,
                    message: database.message().to_owned(),
                },
            }
        }
        sqlx::Error::RowNotFound
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::TypeNotFound { .. } => LedgerError::InvalidResponse(chain),
        sqlx::Error::PoolTimedOut => LedgerError::unavailable(Unavailable::Busy, chain),
        // Io, Tls, PoolClosed, WorkerCrashed, Protocol, …: not reachable right now.
        _ => LedgerError::unavailable(Unavailable::Unreachable, chain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeout_is_busy_and_io_unreachable_with_the_chain_kept_for_the_log() {
        let timeout = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("Failed to record payment p");
        assert!(matches!(
            ledger_error(timeout),
            LedgerError::Unavailable { kind: Unavailable::Busy, detail } if detail.contains("Failed to record")
        ));
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(
            ledger_error(io.into()),
            LedgerError::Unavailable {
                kind: Unavailable::Unreachable,
                ..
            }
        ));
    }

    #[test]
    fn transient_sqlstates_are_recognised() {
        assert_eq!(transient("08006", "m"), Some(Unavailable::Unreachable));
        assert_eq!(transient("53300", "m"), Some(Unavailable::Busy));
        for code in ["57014", "57P01"] {
            assert_eq!(
                transient(code, "m"),
                Some(Unavailable::ServerUnavailable {
                    code: code.to_owned(),
                    message: "m".to_owned()
                })
            );
        }
        for code in ["23505", "42501", "42883"] {
            assert_eq!(transient(code, "m"), None, "{code}");
        }
    }
}
