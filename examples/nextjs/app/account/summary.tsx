import type { SubscriptionDetail } from "@portone-subscriptions/client";

const won = (amount: number) => `${amount.toLocaleString("ko-KR")}원`;
const seoul = (at: string) => new Date(at).toLocaleString("ko-KR", { timeZone: "Asia/Seoul" });

/** Status, current period, next charge, card and billing history of one subscription. */
export function Summary({ detail }: { detail: SubscriptionDetail }) {
  const { subscription, payment_method: card, payments } = detail;
  return (
    <section>
      <p>
        <span data-testid="subscription-id" hidden>{subscription.subscription_id}</span>
        상태: <strong data-testid="status">{subscription.status}</strong> · {subscription.order_name ?? ""}
      </p>
      <p>
        이용 기간: {seoul(subscription.start_at)} ~ {seoul(subscription.end_at)}
      </p>
      <p data-testid="next-charge">
        다음 결제:{" "}
        {subscription.next_charge
          ? `${seoul(subscription.next_charge.at)} · ${won(subscription.next_charge.amount)}`
          : `없음 (${subscription.no_charge_reason})`}
      </p>
      {subscription.next_charge?.discount && (
        <p data-testid="discount">
          할인 {subscription.next_charge.discount.coupon_id}: 정가 {won(subscription.next_charge.list_amount ?? 0)}
          {subscription.next_charge.discount.periods_left !== null
            ? ` · ${subscription.next_charge.discount.periods_left}회 남음`
            : " · 계속"}
        </p>
      )}
      <p data-testid="seats">좌석: {subscription.quantity}</p>
      {subscription.pending_change && (
        <p data-testid="pending-change">
          {seoul(subscription.pending_change.effective_at)}부터 좌석 {subscription.pending_change.quantity} ·{" "}
          {won(subscription.pending_change.amount)}
        </p>
      )}
      <p data-testid="card">카드: {card ? `${card.issuer ?? ""} ${card.brand ?? ""} ${card.number ?? ""}` : "확인할 수 없음"}</p>
      <h2>결제 내역</h2>
      <table data-testid="payments">
        <tbody>
          {payments.map((payment) => (
            <tr key={`${payment.kind}-${payment.payment_id}`} data-kind={payment.kind}>
              <td>{payment.number}</td>
              <td>{seoul(payment.start_at)}</td>
              <td>{payment.kind === "proration" ? "변경 차액" : payment.kind === "refund" ? "환불" : payment.order_name}</td>
              <td>
                {won(payment.amount)}
                {payment.discount_amount > 0 ? ` (정가 ${won(payment.list_amount)}, ${payment.coupon_id} 할인 ${won(payment.discount_amount)})` : ""}
              </td>
              <td>{payment.vat !== null ? `공급가액 ${won(payment.supply_amount ?? 0)} · 부가세 ${won(payment.vat)}` : ""}</td>
              <td>{payment.status}</td>
              <td>{payment.refunded_amount ? `환불 ${won(payment.refunded_amount)}` : ""}</td>
              <td>{payment.receipt_url && <a href={payment.receipt_url}>영수증</a>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
