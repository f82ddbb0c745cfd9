//! [`BillingKeys`] over PortOne's REST API: `getBillingKeyInfo`.

use super::{errors, retry, wire, PortOneClient, GET_BILLING_KEY};
use crate::domain::billing_key::BillingKey;
use crate::ports::{BillingKeyInfo, BillingKeys, GatewayError};

impl BillingKeys for PortOneClient {
    async fn get_billing_key(&self, billing_key: &BillingKey) -> Result<BillingKeyInfo, GatewayError> {
        let url = self.url(&["billing-keys", billing_key.expose()]);
        const OPERATION: &str = GET_BILLING_KEY;
        retry::with_retries(
            retry::DEFAULT_RETRIES,
            retry::lookup_is_retryable,
            OPERATION,
            || async {
                let body = errors::send(OPERATION, self.authorized(self.http.get(&url))).await?;
                wire::BillingKeyInfoDto::parse(&body)
            },
        )
        .await
    }
}
