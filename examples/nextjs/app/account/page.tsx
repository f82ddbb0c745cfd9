"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { SubscriptionDetail, SubscriptionEvent } from "@portone-subscriptions/client";
import { useConfig } from "@/lib/config";
import { billing, issueBillingKey } from "@/lib/billing";
import { Events } from "./events";
import { Summary } from "./summary";

interface Problem {
  status: number;
  code: string;
  message: string;
}

/**
 * "My subscription": the signed-in user's latest subscription (or `?id=`), its next charge,
 * card and billing history, cancel, resume, card update, and their events. Every call carries
 * the user's access token; the service answers only their own subscriptions.
 */
export default function Account() {
  const config = useConfig();
  const [detail, setDetail] = useState<SubscriptionDetail | null>(null);
  const [events, setEvents] = useState<SubscriptionEvent[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [seats, setSeats] = useState(1);
  // One Idempotency-Key per intended change: sent again after a lost answer, it charges once.
  const seatKey = useRef<{ quantity: number; key: string } | null>(null);

  const load = useCallback(async () => {
    const client = billing(config);
    let id = new URLSearchParams(window.location.search).get("id");
    if (!id) {
      const { data, error, response } = await client.GET("/api/subscriptions");
      if (error) return fail(response.status, error);
      id = data.subscriptions[0]?.subscription.subscription_id ?? null;
    }
    if (!id) {
      setDetail(null);
      setLoaded(true);
      return;
    }
    const { data, error, response } = await client.GET("/api/subscriptions/{subscription_id}", {
      params: { path: { subscription_id: id } },
    });
    if (error) return fail(response.status, error);
    setDetail(data);
    setSeats(data.subscription.quantity);
    const feed = await client.GET("/api/events", { params: { query: { limit: 20 } } });
    setEvents(feed.data?.events ?? []);
    setLoaded(true);
  }, [config]);

  function fail(status: number, error: { code: string; message: string }) {
    setProblem({ status, code: error.code, message: error.message });
    setLoaded(true);
  }

  useEffect(() => {
    load();
  }, [load]);

  async function act(action: "cancel" | "resume") {
    if (!detail) return;
    const path = action === "cancel" ? "/api/subscriptions/{subscription_id}/cancel" : "/api/subscriptions/{subscription_id}/resume";
    const { data, error, response } = await billing(config).POST(path, {
      params: { path: { subscription_id: detail.subscription.subscription_id } },
    });
    if (error) return fail(response.status, error);
    setNotice(`${data.code}: ${data.message}`);
    await load();
  }

  async function changeSeats() {
    if (!detail) return;
    if (seatKey.current?.quantity !== seats) seatKey.current = { quantity: seats, key: crypto.randomUUID() };
    const { data, error, response } = await billing(config).POST("/api/subscriptions/{subscription_id}/quantity", {
      params: {
        path: { subscription_id: detail.subscription.subscription_id },
        header: { "Idempotency-Key": seatKey.current.key },
      },
      body: { quantity: seats },
    });
    if (error) return fail(response.status, error);
    const charged = data.proration ? ` (지금 ${data.proration.amount.toLocaleString("ko-KR")}원 결제)` : "";
    setNotice(`${data.code}: ${data.message}${charged}`);
    seatKey.current = null;
    await load();
  }

  async function updateCard() {
    if (!detail) return;
    const billingKey = await issueBillingKey(config);
    const { data, error, response } = await billing(config).POST("/api/subscriptions/{subscription_id}/payment-method", {
      params: { path: { subscription_id: detail.subscription.subscription_id } },
      body: { billing_key: billingKey },
    });
    const body = data ?? error;
    if (!response.ok) return fail(response.status, body ?? { code: "UNKNOWN", message: "" });
    setNotice(`${body?.code}: ${body?.message}`);
    await load();
  }

  if (problem) {
    return (
      <p role="alert" data-testid="problem" data-status={problem.status} data-code={problem.code}>
        {problem.status} {problem.code}: {problem.message}
      </p>
    );
  }
  if (!loaded) return <p>불러오는 중…</p>;
  if (!detail) return <p data-testid="no-subscription">구독이 없습니다.</p>;
  const status = detail.subscription.status;
  return (
    <main>
      <h1>내 구독</h1>
      {notice && <p data-testid="notice">{notice}</p>}
      <Summary detail={detail} />
      <p style={{ display: "flex", gap: "0.5rem" }}>
        {(status === "active" || status === "trialing" || status === "past_due") && <button onClick={() => act("cancel")}>해지 예약</button>}
        {status === "canceling" && <button onClick={() => act("resume")}>해지 취소 (재개)</button>}
        <button onClick={updateCard}>카드 변경</button>
      </p>
      {status === "active" && (
        <p style={{ display: "flex", gap: "0.5rem" }}>
          <input
            aria-label="좌석 수"
            type="number"
            min={1}
            max={10000}
            value={seats}
            onChange={(event) => setSeats(Number(event.target.value))}
          />
          <button onClick={changeSeats}>좌석 변경</button>
        </p>
      )}
      <Events events={events} />
    </main>
  );
}
