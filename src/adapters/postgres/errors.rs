//! sqlx errors by what the caller can do about them.

use crate::ports::LedgerError;

/// SQLSTATEs that mean "the database is not available right now": connection exceptions (08…),
/// statement timeout / cancel (57014), shutdown and startup (57P01–57P03), too many connections
/// (53300). Everything else the database says is a rejection with its code.
fn is_transient(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57014" | "57P01" | "57P02" | "57P03" | "53300")
}

/// Maps an error (a `sqlx::Error` with `.context`) to the port's enum, keeping the context chain.
pub(super) fn ledger_error(error: anyhow::Error) -> LedgerError {
    let chain = format!("{error:#}");
    let Some(sqlx_error) = error.downcast_ref::<sqlx::Error>() else {
        return LedgerError::Unavailable(chain);
    };
    match sqlx_error {
        sqlx::Error::Database(database) => {
            let code = database.code().map(|code| code.into_owned()).unwrap_or_default();
            if is_transient(&code) {
                LedgerError::Unavailable(chain)
            } else {
                LedgerError::Rejected {
                    code,
                    message: database.message().to_owned(),
                }
            }
        }
        sqlx::Error::RowNotFound
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::TypeNotFound { .. } => LedgerError::InvalidResponse(chain),
        // Io, Tls, PoolTimedOut, PoolClosed, WorkerCrashed, Protocol, …: not reachable right now.
        _ => LedgerError::Unavailable(chain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeout_and_io_are_unavailable() {
        let timeout = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("Failed to record payment p");
        assert!(
            matches!(ledger_error(timeout), LedgerError::Unavailable(m) if m.contains("Failed to record"))
        );
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(ledger_error(io.into()), LedgerError::Unavailable(_)));
    }

    #[test]
    fn transient_sqlstates_are_recognised() {
        for code in ["08006", "57014", "57P01", "53300"] {
            assert!(is_transient(code), "{code}");
        }
        for code in ["23505", "42501", "42883"] {
            assert!(!is_transient(code), "{code}");
        }
    }
}
