"use client";

import { createBillingClient, type BillingClient } from "@portone-subscriptions/client";
import type { AppConfig } from "./config";
import { accessToken, userId } from "./session";

/** The typed client of the billing service, sending the signed-in user's access token. */
export function billing(config: AppConfig): BillingClient {
  return createBillingClient({ baseUrl: config.billingApiUrl, accessToken: () => accessToken(config) });
}

/**
 * A billing key for the signed-in user's card. Sandbox: the simulator issues one at once.
 * Production: PortOne's browser SDK opens the card form (`requestIssueBillingKey`,
 * https://developers.portone.io/sdk/ko/v2-sdk/billing-key-request-v2) for the customer whose
 * `customerId` is the user's id, which the service checks against the token.
 */
export async function issueBillingKey(config: AppConfig, declines = 0): Promise<string> {
  const customer = await userId(config);
  if (!customer) throw new Error("sign in first");
  if (config.mode === "sandbox") {
    const answer = await fetch(`${config.billingApiUrl}/sandbox/billing-keys`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customer_id: customer, decline_charges: declines }),
    });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.message);
    return body.billing_key as string;
  }
  const PortOne = (await import("@portone/browser-sdk/v2")).default;
  const issued = await PortOne.requestIssueBillingKey({
    storeId: config.portoneStoreId ?? "",
    channelKey: config.portoneChannelKey ?? "",
    billingKeyMethod: "CARD",
    issueName: "정기 결제 카드 등록",
    customer: { customerId: customer },
  });
  if (!issued || issued.code !== undefined) throw new Error(issued?.message ?? "billing key not issued");
  return issued.billingKey;
}
