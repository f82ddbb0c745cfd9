//! One value that holds an implementation of every port.

use super::{Clock, Ledger, PaymentGateway, RandomSource};

/// The ports a service runs on. Implemented by [`Adapters`]; a service holds one `Arc<impl
/// Ports>`, so both services of a process share the same connections, clock and random source.
pub trait Ports: Send + Sync + 'static {
    type Gateway: PaymentGateway;
    type Ledger: Ledger;
    type Clock: Clock;
    type Random: RandomSource;

    fn gateway(&self) -> &Self::Gateway;
    fn ledger(&self) -> &Self::Ledger;
    fn clock(&self) -> &Self::Clock;
    fn random(&self) -> &Self::Random;
}

/// Any four port implementations, bundled.
#[derive(Debug)]
pub struct Adapters<G, L, C, R> {
    pub gateway: G,
    pub ledger: L,
    pub clock: C,
    pub random: R,
}

impl<G, L, C, R> Ports for Adapters<G, L, C, R>
where
    G: PaymentGateway,
    L: Ledger,
    C: Clock,
    R: RandomSource,
{
    type Gateway = G;
    type Ledger = L;
    type Clock = C;
    type Random = R;

    fn gateway(&self) -> &G {
        &self.gateway
    }

    fn ledger(&self) -> &L {
        &self.ledger
    }

    fn clock(&self) -> &C {
        &self.clock
    }

    fn random(&self) -> &R {
        &self.random
    }
}
