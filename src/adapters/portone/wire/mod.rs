//! PortOne's JSON shapes, read tolerantly: unknown fields and enum values never fail a parse
//! (PortOne's backward-compatibility policy, REST API overview, section "하위호환성",
//! <https://developers.portone.io/api/rest-v2>: outputs may gain fields, enum values and `oneOf`
//! cases), missing required ones do.

mod amount_input;
mod charges;
mod custom_data;
mod payment;
mod schedule;

pub(super) use charges::{
    BillingKeyInfoDto, CancelPaymentBody, CancelPaymentResponse, PayWithBillingKeyBody,
    PayWithBillingKeyResponse,
};
pub(super) use payment::PaymentDto;
pub(super) use schedule::{
    CreatePaymentScheduleBody, CreatePaymentScheduleResponse, ListSchedulesBody, RevokeBody, RevokeResponse,
    ScheduleDto, ScheduleListDto,
};

use crate::ports::GatewayError;

fn invalid(error: impl std::fmt::Display) -> GatewayError {
    GatewayError::InvalidResponse(error.to_string())
}
