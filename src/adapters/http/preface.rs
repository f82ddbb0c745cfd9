//! Which HTTP version a new connection speaks, told by peeking at its first bytes.
//!
//! hyper-util's `auto` builder tells HTTP/1 from HTTP/2 by *reading* up to 24 bytes and handing
//! them back to hyper through its `Rewind` wrapper, whose first read returns those 24 bytes alone.
//! hyper's HTTP/1 reader then finds half a request head in its 8 KiB buffer and grows it, by
//! doubling, to 16 KiB for the life of every connection (heaptrack, `cargo bench --bench load`:
//! 4.2 MiB of read buffers for 256 connections). Peeking leaves the bytes in the socket, so the
//! builder is told the version (`http1_only` / `http2_only`) and hyper reads the request itself,
//! into one 8 KiB buffer. A client that has sent only part of the preface so far is peeked at
//! again until the rest arrives or the caller's timeout passes (hyper-util's own version read has
//! no timeout: a client could hold a connection forever by sending `PRI` and no more).

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;

/// The connection preface of HTTP/2 with prior knowledge (RFC 9113, section 3.4): a client
/// speaking HTTP/2 without TLS opens with these 24 bytes.
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How often a connection that has sent part of the HTTP/2 preface is peeked at again. A peek
/// returns at once while any bytes wait unread, so it cannot wait for the rest by itself.
const PARTIAL_PREFACE_POLL: Duration = Duration::from_millis(10);

/// What a connection's first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spoken {
    /// Anything but the HTTP/2 preface, or nothing (the peer closed): hyper's HTTP/1 server
    /// answers or closes it.
    Http1,
    /// The whole HTTP/2 preface.
    Http2,
}

/// Waits for `stream`'s first bytes and tells the version from them, consuming nothing. Callers
/// bound it with a timeout: it waits as long as the client sends nothing, or part of the preface.
///
/// # Errors
/// The socket's, when it cannot be read.
pub async fn peek(stream: &TcpStream) -> io::Result<Spoken> {
    let mut first = [0_u8; H2_PREFACE.len()];
    loop {
        let peeked = stream.peek(&mut first).await?;
        match spoken(&first[..peeked]) {
            Some(spoken) => return Ok(spoken),
            None => tokio::time::sleep(PARTIAL_PREFACE_POLL).await,
        }
    }
}

/// The version `first` (a connection's first bytes, as many as have arrived) tells; `None` for a
/// beginning of the preface, not all of it yet.
fn spoken(first: &[u8]) -> Option<Spoken> {
    if first.is_empty() || !H2_PREFACE.starts_with(first) {
        Some(Spoken::Http1)
    } else if first.len() == H2_PREFACE.len() {
        Some(Spoken::Http2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_line_is_http1() {
        assert_eq!(spoken(b"POST /api/portone HTTP/1.1\r\n"), Some(Spoken::Http1));
        assert_eq!(spoken(b"G"), Some(Spoken::Http1));
    }

    #[test]
    fn the_whole_preface_is_http2() {
        assert_eq!(spoken(H2_PREFACE), Some(Spoken::Http2));
    }

    #[test]
    fn part_of_the_preface_is_undecided() {
        assert_eq!(spoken(b"PRI * HTTP/2"), None);
        assert_eq!(spoken(b"P"), None);
    }

    #[test]
    fn a_closed_connection_goes_to_http1_which_closes_it() {
        assert_eq!(spoken(b""), Some(Spoken::Http1));
    }

    #[test]
    fn a_near_miss_is_http1() {
        assert_eq!(spoken(b"PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n"), Some(Spoken::Http1));
    }
}
