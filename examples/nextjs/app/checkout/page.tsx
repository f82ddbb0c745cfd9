"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { idempotencyKey } from "@portone-subscriptions/client";
import { useConfig } from "@/lib/config";
import { billing, issueBillingKey } from "@/lib/billing";
import { storedSession } from "@/lib/session";

interface Outcome {
  status: number;
  code: string;
  message: string;
  replayed: boolean;
  /** What the first charge took, in won, once started. */
  amount?: number;
}

/**
 * Checkout: issue a billing key for the user's card, then `POST /api/subscriptions` with an
 * `Idempotency-Key` made once per click. "다시 보내기" sends the same key again: the service answers
 * what the first request did (`Idempotent-Replayed: true`) and never charges twice. A promotion
 * code (`SPRING50` in the sandbox) is sent as `promotion_code`; the service checks and counts it
 * before charging, and answers why it was refused (`PROMOTION_CODE_*`).
 */
export default function Checkout() {
  const config = useConfig();
  const [plan, setPlan] = useState("");
  const [code, setCode] = useState("");
  const [attempt, setAttempt] = useState<{ key: string; billingKey: string; code: string } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => setPlan(new URLSearchParams(window.location.search).get("plan") ?? ""), []);

  async function send(current: { key: string; billingKey: string; code: string }) {
    setBusy(true);
    const { data, error, response } = await billing(config).POST("/api/subscriptions", {
      params: { header: { "Idempotency-Key": current.key } },
      body: { plan_id: plan, billing_key: current.billingKey, promotion_code: current.code || undefined },
    });
    const body = data ?? error;
    setOutcome({
      status: response.status,
      code: body?.code ?? "",
      message: body?.message ?? "",
      replayed: response.headers.get("idempotent-replayed") === "true",
      amount: data?.subscription?.amount,
    });
    setBusy(false);
  }

  async function subscribe() {
    setBusy(true);
    try {
      // The code is part of the request: "다시 보내기" repeats it with the same key.
      const current = { key: idempotencyKey(), billingKey: await issueBillingKey(config), code: code.trim() };
      setAttempt(current);
      await send(current);
    } catch (problem) {
      setOutcome({ status: 0, code: "CLIENT_ERROR", message: String(problem), replayed: false });
      setBusy(false);
    }
  }

  if (config.mode === "sandbox" && typeof window !== "undefined" && !storedSession()) {
    return (
      <p>
        <Link href={`/signin?next=${encodeURIComponent(`/checkout?plan=${plan}`)}`}>로그인</Link> 후 구독할 수 있습니다.
      </p>
    );
  }
  return (
    <main>
      <h1>구독하기: {plan}</h1>
      <label>
        할인 코드 <input name="promotion_code" value={code} onChange={(event) => setCode(event.target.value)} placeholder="SPRING50" />
      </label>
      <button onClick={subscribe} disabled={busy || !plan}>
        카드 등록하고 구독 시작
      </button>
      {attempt && (
        <button onClick={() => send(attempt)} disabled={busy}>
          다시 보내기 (같은 요청)
        </button>
      )}
      {outcome && (
        <section data-testid="checkout-outcome" data-status={outcome.status} data-code={outcome.code} data-replayed={String(outcome.replayed)}>
          <p>
            {outcome.status} {outcome.code}
            {outcome.replayed ? " (이전 응답을 다시 받음, 추가 결제 없음)" : ""}
          </p>
          {outcome.amount !== undefined && (
            <p data-testid="charged">첫 결제: {outcome.amount.toLocaleString("ko-KR")}원</p>
          )}
          <p>{outcome.message}</p>
          <Link href="/account">내 구독 보기</Link>
        </section>
      )}
    </main>
  );
}
