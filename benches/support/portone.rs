//! What the benchmarks' PortOne stand-ins answer, shaped as PortOne's schema says.

use poem::http::StatusCode;
use poem::Response;

/// 200 with a JSON body.
pub fn json_response(body: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .body(body)
}

/// A `PaidPayment` `id` with every required field (as tests/fixtures/portone/paid_payment.json):
/// 10,000 KRW, billing key `billing-key`, customer `c-1`.
pub fn paid_payment(id: &str) -> String {
    format!(
        r#"{{"status":"PAID","id":"{id}","transactionId":"tx","merchantId":"m","storeId":"s","channel":{{"type":"TEST","pgProvider":"TOSSPAYMENTS","pgMerchantId":"t"}},"version":"V2","billingKey":"billing-key","requestedAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z","statusChangedAt":"2024-01-01T00:00:00Z","orderName":"월간 구독","amount":{{"total":10000,"taxFree":0,"discount":0,"paid":10000,"cancelled":0,"cancelledTaxFree":0}},"currency":"KRW","customer":{{"id":"c-1"}},"origin":{{"platformType":"API","ipAddress":"127.0.0.1"}},"paidAt":"2024-01-01T00:00:00Z","disputes":[]}}"#
    )
}
