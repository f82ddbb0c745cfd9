-- Cancellation and resumption of subscriptions (issue 4; seed guide §7, §8).
--
-- * `canceled_at`: set when the customer cancels at period end; the period stays valid until
--   `end_at`, and no next payment is scheduled while it is set.
-- * `resumed_at`: set when a cancelled subscription is resumed before `end_grace_at`.
--
-- PortOne's `schedule.id` is not stored: revoking looks it up by billing key around
-- `next_schedule_at` (GET /payment-schedules), which keeps every renewal at three upstream calls
-- (fetch, record, schedule); cancellations are rare and can afford the extra lookup.
alter table public.payment
  add column if not exists canceled_at timestamptz,
  add column if not exists resumed_at timestamptz;

-- Every function below returns the affected row as jsonb (zero or one element), like
-- record_paid_payment, so both storage adapters read one shape.

create or replace function public.payment_by_transaction_key(p_transaction_key text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p) from public.payment as p where p.transaction_key = p_transaction_key;
$$;

create or replace function public.payment_by_next_schedule_id(p_next_schedule_id uuid)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p) from public.payment as p where p.next_schedule_id = p_next_schedule_id;
$$;

-- Idempotent: a second call finds the status already 'Cancelled' and changes nothing.
create or replace function public.cancel_payment(p_transaction_key text)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p set status = 'Cancelled'
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

create or replace function public.set_subscription_state(
  p_transaction_key text,
  p_canceled_at timestamptz,
  p_resumed_at timestamptz
)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p set canceled_at = p_canceled_at, resumed_at = p_resumed_at
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

revoke execute on function public.payment_by_transaction_key(text) from public, anon, authenticated;
revoke execute on function public.payment_by_next_schedule_id(uuid) from public, anon, authenticated;
revoke execute on function public.cancel_payment(text) from public, anon, authenticated;
revoke execute on function public.set_subscription_state(text, timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function public.payment_by_transaction_key(text) to service_role;
grant execute on function public.payment_by_next_schedule_id(uuid) to service_role;
grant execute on function public.cancel_payment(text) to service_role;
grant execute on function public.set_subscription_state(text, timestamptz, timestamptz) to service_role;
