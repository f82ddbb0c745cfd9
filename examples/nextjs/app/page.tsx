"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import type { Plan } from "@portone-subscriptions/client";
import { createBillingClient } from "@portone-subscriptions/client";
import { useConfig } from "@/lib/config";

/** "월 9,900원", "연 199,000원", "3개월마다 …", or the route spec's "30일마다" without an interval. */
function price(plan: Plan): string {
  const amount = `${plan.amount.toLocaleString("ko-KR")}원`;
  const unit = { day: "일", week: "주", month: "개월", year: "년" } as const;
  if (!plan.interval) return `30일마다 ${amount}`;
  if (plan.interval_count === 1 && plan.interval === "month") return `월 ${amount}`;
  if (plan.interval_count === 1 && plan.interval === "year") return `연 ${amount}`;
  return `${plan.interval_count}${unit[plan.interval as keyof typeof unit]}마다 ${amount}`;
}

/** The public pricing page: `GET /api/plans` without a token answers the active plans. */
export default function Pricing() {
  const config = useConfig();
  const [plans, setPlans] = useState<Plan[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const publicClient = createBillingClient({ baseUrl: config.billingApiUrl });
    publicClient.GET("/api/plans").then(({ data, error }) => {
      if (data) setPlans(data.plans);
      else setProblem(error?.message ?? "요금제를 불러오지 못했습니다.");
    });
  }, [config.billingApiUrl]);

  if (problem) return <p role="alert">{problem}</p>;
  if (!plans) return <p>불러오는 중…</p>;
  return (
    <main>
      <h1>요금제</h1>
      <ul data-testid="plans" style={{ listStyle: "none", padding: 0 }}>
        {plans.map((plan) => (
          <li key={plan.id} data-plan={plan.id} style={{ border: "1px solid #ddd", padding: "1rem", marginBottom: "1rem" }}>
            <h2>{plan.name}</h2>
            <p>
              {price(plan)}
              {plan.trial_days > 0 ? ` · ${plan.trial_days}일 무료 체험` : ""}
            </p>
            <Link href={`/checkout?plan=${encodeURIComponent(plan.id)}`}>구독하기</Link>
          </li>
        ))}
      </ul>
    </main>
  );
}
