import type { SubscriptionEvent } from "@portone-subscriptions/client";

/** The customer's own events, newest first (`GET /api/events`). */
export function Events({ events }: { events: SubscriptionEvent[] }) {
  return (
    <section>
      <h2>이벤트</h2>
      <ol data-testid="events">
        {events.map((event) => (
          <li key={event.id} data-type={event.type}>
            {event.type} · {new Date(event.occurred_at).toLocaleString("ko-KR", { timeZone: "Asia/Seoul" })}
          </li>
        ))}
      </ol>
    </section>
  );
}
