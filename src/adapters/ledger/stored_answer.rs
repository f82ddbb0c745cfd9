//! How a start's answer is stored for its repeats (`public.checkout.response_status` and
//! `response`): the [`Answer`] serialized as its documented body, with how it ended kept as the
//! HTTP status it was first answered with. The status encoding predates [`Ending`] and is kept,
//! so rows written by earlier releases are answered again unchanged.

use serde_json::Value;

use crate::domain::answer::{Answer, Ending};
use crate::ports::{LedgerError, StoredAnswer};

/// The `response_status` column's value of `ending`.
pub(in crate::adapters::ledger) fn status_of(ending: Ending) -> u16 {
    match ending {
        Ending::Done => 201,
        Ending::Declined => 402,
        Ending::NotOwned => 403,
        Ending::NotFound => 404,
        Ending::Conflict => 409,
        Ending::KeyReused => 422,
        Ending::Limited => 429,
        Ending::UpstreamFailed => 502,
    }
}

fn ending_of(status: u16) -> Ending {
    Ending::ALL
        .into_iter()
        .find(|ending| status_of(*ending) == status)
        .unwrap_or(Ending::UpstreamFailed)
}

/// The `response` column's value of `answer`.
///
/// # Errors
/// [`LedgerError::InvalidResponse`] when it cannot be serialized (it always can: its parts are
/// plain data).
pub(in crate::adapters::ledger) fn document_of(answer: &Answer) -> Result<Value, LedgerError> {
    serde_json::to_value(answer).map_err(|e| LedgerError::InvalidResponse(e.to_string()))
}

/// The stored answer of a row's `response_status` and `response`.
pub(in crate::adapters::ledger) fn stored(status: u16, document: Value) -> StoredAnswer {
    StoredAnswer {
        ending: ending_of(status),
        document,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ending_reads_back_from_its_status() {
        for ending in Ending::ALL {
            assert_eq!(ending_of(status_of(ending)), ending);
        }
    }
}
