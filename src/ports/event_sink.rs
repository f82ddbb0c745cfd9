//! Where subscription events go: the app's webhook endpoint. A port so the delivery pass is
//! tested without HTTP, and so the pass never knows how an event is signed or sent.

use futures_util::future::BoxFuture;

use crate::domain::event::{DeliveryResult, SubscriptionEvent};

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The app answered 2xx.
    Delivered { status: u16 },
    /// The app answered another status.
    Refused { status: u16 },
    /// No answer within the attempt's timeout.
    Timeout,
    /// The connection failed (refused, reset, DNS, TLS); what happened, without the URL.
    Unreachable(String),
}

impl Delivery {
    /// The stored result.
    pub fn result(&self) -> DeliveryResult {
        match self {
            Self::Delivered { .. } => DeliveryResult::Delivered,
            Self::Refused { status } => DeliveryResult::Http(*status),
            Self::Timeout => DeliveryResult::Timeout,
            Self::Unreachable(_) => DeliveryResult::ConnectError,
        }
    }

    /// The metric label: `delivered`, `http_4xx`, `http_5xx`, `http_other`, `timeout`,
    /// `connect_error` (a bounded set, whatever the app answers).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Delivered { .. } => "delivered",
            Self::Refused { status } if (400..500).contains(status) => "http_4xx",
            Self::Refused { status } if (500..600).contains(status) => "http_5xx",
            Self::Refused { .. } => "http_other",
            Self::Timeout => "timeout",
            Self::Unreachable(_) => "connect_error",
        }
    }

    /// Every [`Self::label`], for the series exported at zero.
    pub const LABELS: [&'static str; 6] = [
        "delivered",
        "http_4xx",
        "http_5xx",
        "http_other",
        "timeout",
        "connect_error",
    ];

    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Delivered { status } | Self::Refused { status } => Some(*status),
            _ => None,
        }
    }
}

/// Sends one event, once. Object-safe (boxed futures): the delivery pass holds one of any kind.
pub trait EventSink: Send + Sync + 'static {
    /// One attempt to deliver `event`; never fails otherwise than by its [`Delivery`].
    fn deliver<'a>(&'a self, event: &'a SubscriptionEvent) -> BoxFuture<'a, Delivery>;
}
