//! The use cases, generic over the [`Ports`](crate::ports::Ports) bundle, so the same code runs
//! against PortOne and Supabase in production and against stand-ins in tests:
//! - [`flows::PaymentFlows`]: what a payment comes to (paid: record the month and schedule the
//!   next; failed: record the attempt and retry or lapse; cancelled and partially cancelled:
//!   refunds), shared by the webhook, checkout, card update and the reconciler;
//! - [`WebhookService`]: one PortOne webhook in (signature, body), one checklist out;
//! - [`checkout::Checkout`] and [`card_update::CardUpdate`]: a customer's start and new card,
//!   each ending in one [`Answer`](crate::domain::answer::Answer) (shared `run` machinery);
//! - [`SubscriptionService`]: reads, cancel, resume, plan change, refunds and the admin
//!   schedule operations;
//! - [`plans::PlanCatalog`], [`events::EventDelivery`] and [`reconcile::Reconciler`].
//!
//! No service knows HTTP: each answers typed outcomes, and `adapters::http` picks the statuses
//! and shapes. [`Services`] holds them all over one `Arc` of the ports.

mod billing_key;
mod caller;
pub mod card_update;
pub mod checkout;
pub mod coupons;
mod deadline;
pub mod events;
pub mod example;
mod failure;
pub mod flows;
mod limits;
mod messages;
mod outcome;
mod payer;
pub mod plans;
mod proration;
mod read_back;
pub mod readiness;
pub mod reconcile;
mod renewal;
mod revoke;
mod run;
mod step_data;
mod steps;
mod subscriptions;
mod verdict;
mod webhook;

pub use crate::domain::signature::{SignatureHeaders, WebhookSecret};
pub use caller::Caller;
pub use deadline::DEFAULT_WEBHOOK_DEADLINE;
/// Why a coupon or promotion code was refused, in Korean.
pub use messages::checkout::code_refused as coupon_refusal_message;
pub use outcome::{EventKind, Verdict, WebhookOutcome};
pub use subscriptions::{
    ChangePreview, ChangeTarget, PlanChange, PlanError, RefundRequest, Refunded, ScheduleLookup,
    SubscriptionChange, SubscriptionDetail, SubscriptionError, SubscriptionService, SubscriptionSummary,
    UpstreamFailure,
};
pub use webhook::{BodyFormat, WebhookInput, WebhookService};

use crate::domain::amount::Amount;
use crate::domain::proration::DEFAULT_MIN_PRORATION_AMOUNT;
use std::sync::Arc;

use crate::domain::charge_limit::ChargeLimit;
use crate::ports::Ports;
use card_update::CardUpdate;
use checkout::Checkout;
use coupons::CouponCatalog;
use events::{DeliverySettings, EventDelivery};
use plans::PlanCatalog;
use reconcile::{ReconcileSettings, Reconciler};

/// The services of one process, over one shared set of ports; what the HTTP layer serves.
pub struct Services<P> {
    pub webhooks: Arc<WebhookService<P>>,
    pub subscriptions: Arc<SubscriptionService<P>>,
    pub reconciler: Arc<Reconciler<P>>,
    pub checkout: Arc<Checkout<P>>,
    pub cards: Arc<CardUpdate<P>>,
    pub plans: Arc<PlanCatalog<P>>,
    pub coupons: Arc<CouponCatalog<P>>,
    pub events: Arc<EventDelivery<P>>,
    /// What the subscription service was configured with, kept to build it again.
    charge_limit: Option<ChargeLimit>,
    min_proration: Amount,
}

impl<P: Ports> Services<P> {
    /// `webhooks`, configured, and the subscription service and reconciler (default settings)
    /// over the same ports.
    pub fn new(webhooks: WebhookService<P>) -> Self {
        let flows = webhooks.flows().clone();
        let ports = Arc::clone(flows.ports());
        Self {
            reconciler: Arc::new(Reconciler::new(flows.clone(), ReconcileSettings::default())),
            checkout: Arc::new(Checkout::new(flows.clone())),
            cards: Arc::new(CardUpdate::new(flows)),
            plans: Arc::new(PlanCatalog::new(Arc::clone(&ports))),
            coupons: Arc::new(CouponCatalog::new(Arc::clone(&ports))),
            events: Arc::new(EventDelivery::new(
                Arc::clone(&ports),
                None,
                DeliverySettings::default(),
            )),
            subscriptions: Arc::new(SubscriptionService::new(ports)),
            webhooks: Arc::new(webhooks),
            charge_limit: None,
            min_proration: Amount::new(DEFAULT_MIN_PRORATION_AMOUNT).unwrap_or_default(),
        }
    }

    /// Delivers events to `sink` (the app's webhook endpoint; `None`: stores them only), as
    /// `settings` say.
    pub fn with_event_delivery(
        mut self,
        sink: Option<Arc<dyn crate::ports::EventSink>>,
        settings: DeliverySettings,
    ) -> Self {
        let ports = Arc::clone(self.webhooks.flows().ports());
        self.events = Arc::new(EventDelivery::new(ports, sink, settings));
        self
    }

    /// Limits each customer's charge-triggering calls (starts, card updates) to `limit`, counted
    /// in storage across replicas; `None`: no limit.
    pub fn with_charge_limit(mut self, limit: Option<ChargeLimit>) -> Self {
        let flows = self.webhooks.flows();
        self.checkout = Arc::new(Checkout::new(flows.clone()).with_charge_limit(limit));
        self.cards = Arc::new(CardUpdate::new(flows.clone()).with_charge_limit(limit));
        self.charge_limit = limit;
        self.subscriptions = Arc::new(self.subscription_service());
        self
    }

    /// The subscription service with the limit and minimum configured so far.
    fn subscription_service(&self) -> SubscriptionService<P> {
        let ports = Arc::clone(self.webhooks.flows().ports());
        SubscriptionService::new(ports)
            .with_charge_limit(self.charge_limit)
            .with_min_proration(self.min_proration)
    }

    /// Charges no upgrade's proration below `min` (`MIN_PRORATION_AMOUNT`).
    pub fn with_min_proration(mut self, min: Amount) -> Self {
        self.min_proration = min;
        self.subscriptions = Arc::new(self.subscription_service());
        self
    }

    /// Reconciles with `settings` instead of the defaults.
    pub fn with_reconcile_settings(mut self, settings: ReconcileSettings) -> Self {
        self.reconciler = Arc::new(Reconciler::new(self.webhooks.flows().clone(), settings));
        self
    }
}

impl<P> Clone for Services<P> {
    fn clone(&self) -> Self {
        Self {
            webhooks: self.webhooks.clone(),
            subscriptions: self.subscriptions.clone(),
            reconciler: self.reconciler.clone(),
            checkout: self.checkout.clone(),
            cards: self.cards.clone(),
            plans: self.plans.clone(),
            coupons: self.coupons.clone(),
            events: self.events.clone(),
            charge_limit: self.charge_limit,
            min_proration: self.min_proration,
        }
    }
}
