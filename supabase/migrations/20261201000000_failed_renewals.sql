-- Failed renewals and their retries ("dunning"). Only adds: columns, one table, new functions.
--
-- A month's renewal is charged first at `next_schedule_at` (payment id `next_schedule_id`). When
-- that charge fails, the service records the attempt in `renewal_attempt` and schedules retry 1
-- under a payment id of its own; when that fails, retry 2; and so on, as many as its policy
-- allows. The month's columns say where its renewal stands:
-- * `renewal_attempts`: how many charges failed so far (0: none);
-- * `retry_limit`: N, the retries the policy allowed when the first charge failed;
-- * `retry_payment_id`, `retry_at`: the pending (or last) retry;
-- * `last_failure_reason`: PortOne's `failure.reason` of the latest failure;
-- * `lapsed_at`: when the subscription lapses (every retry failed: the last grace) or lapsed
--   (no retry can succeed: the billing key is gone);
-- * `renewed_by`: the `transaction_key` of the month that renewed this one.
-- While a retry is pending, `end_grace_at` is moved to the retry's Seoul day at 23:59:59 KST.

alter table public.payment
  add column if not exists renewal_attempts integer not null default 0 check (renewal_attempts >= 0),
  add column if not exists retry_limit integer check (retry_limit >= 0),
  add column if not exists retry_payment_id uuid,
  add column if not exists retry_at timestamptz,
  add column if not exists last_failure_reason text,
  add column if not exists lapsed_at timestamptz,
  add column if not exists renewed_by text;

create unique index if not exists payment_retry_payment_id_key
  on public.payment (retry_payment_id) where retry_payment_id is not null;

-- Months renewed before this migration: the renewing month holds the renewed one's
-- next_schedule_id as its transaction_key.
update public.payment as p
set renewed_by = n.transaction_key
from public.payment as n
where p.renewed_by is null
  and n.transaction_key = p.next_schedule_id::text;

create table if not exists public.renewal_attempt (
  id bigserial primary key,
  renewed_key text not null references public.payment (transaction_key),
  attempt integer not null check (attempt >= 0),
  payment_id text not null,
  failure_reason text,
  pg_code text,
  pg_message text,
  failed_at timestamptz not null,
  created_at timestamptz not null default now(),
  constraint renewal_attempt_payment_id_key unique (payment_id),
  constraint renewal_attempt_attempt_key unique (renewed_key, attempt)
);

alter table public.renewal_attempt enable row level security;
revoke all on table public.renewal_attempt from public, anon, authenticated;
revoke all on sequence public.renewal_attempt_id_seq from public, anon, authenticated;
grant select, insert on table public.renewal_attempt to service_role;
grant usage on sequence public.renewal_attempt_id_seq to service_role;

-- `p_id` as a uuid, or null when it is not one (a first checkout's own payment id).
create or replace function public.uuid_or_null(p_id text)
returns uuid
language sql
immutable
set search_path = ''
as $$
  select case
    when p_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_id::uuid
  end;
$$;

-- Records one paid month idempotently, as record_paid_payment does, and also marks the month it
-- renews (the row whose first charge or pending retry this payment is): `renewed_by` names this
-- payment. The answer carries that month as `renewed`, so the paid flow needs no second call.
--
-- A renewal of a month that was cancelled or lapsed is still recorded (the money was taken), and
-- inherits the stop: `canceled_at`, or `lapsed_at` at its own grace, so nothing renews it.
--
-- The renewed month is locked first: a concurrent record_failed_attempt of the same month waits.
create or replace function public.record_paid_month(
  p_transaction_key text,
  p_amount bigint,
  p_status text,
  p_start_at timestamptz,
  p_end_at timestamptz,
  p_end_grace_at timestamptz,
  p_next_schedule_at timestamptz,
  p_next_schedule_id uuid
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_key uuid := public.uuid_or_null(p_transaction_key);
  v_renewed public.payment;
  v_row public.payment;
  v_inserted boolean := false;
begin
  if v_key is not null then
    select * into v_renewed from public.payment as r
    where r.next_schedule_id = v_key or r.retry_payment_id = v_key
    for update;
  end if;

  insert into public.payment as p (
    transaction_key, amount, status, start_at, end_at, end_grace_at, next_schedule_at, next_schedule_id,
    canceled_at, lapsed_at
  ) values (
    p_transaction_key, p_amount, p_status, p_start_at, p_end_at, p_end_grace_at, p_next_schedule_at,
    p_next_schedule_id, v_renewed.canceled_at,
    case when v_renewed.lapsed_at is not null then p_end_grace_at end
  )
  -- No arbiter, as in record_paid_payment: concurrent deliveries collide on either unique key.
  on conflict do nothing
  returning * into v_row;
  v_inserted := found;

  if not v_inserted then
    select * into v_row from public.payment as p where p.transaction_key = p_transaction_key;
    if not found then
      raise unique_violation using
        message = 'duplicate key value violates unique constraint "payment_next_schedule_id_key"',
        detail = format('Key (next_schedule_id)=(%s) already exists.', p_next_schedule_id);
    end if;
  end if;

  if v_renewed.transaction_key is not null and v_renewed.renewed_by is null then
    update public.payment as r set renewed_by = p_transaction_key
    where r.transaction_key = v_renewed.transaction_key
    returning * into v_renewed;
  end if;

  return next to_jsonb(v_row) || jsonb_build_object(
    'inserted', v_inserted,
    'renewed', case when v_renewed.transaction_key is null then null else to_jsonb(v_renewed) end
  );
end;
$$;

-- The month `p_payment_id` was meant to renew, with `attempt`: 0 for its first charge, n for its
-- retry n. Recorded attempts first (a replay of an older attempt keeps its number).
create or replace function public.renewal_of_payment(p_payment_id text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select found.row from (
    select 1 as rank, to_jsonb(p) || jsonb_build_object('attempt', a.attempt) as row
    from public.renewal_attempt as a
    join public.payment as p on p.transaction_key = a.renewed_key
    where a.payment_id = p_payment_id
    union all
    select 2, to_jsonb(p) || jsonb_build_object('attempt', 0)
    from public.payment as p
    where p.next_schedule_id = public.uuid_or_null(p_payment_id)
    union all
    select 3, to_jsonb(p) || jsonb_build_object('attempt', p.renewal_attempts)
    from public.payment as p
    where p.retry_payment_id = public.uuid_or_null(p_payment_id)
  ) as found
  order by found.rank
  limit 1;
$$;

-- Records one failed attempt idempotently and, when it is the month's latest and the month is
-- still waiting for its renewal, moves the month on: the next retry becomes pending (its grace
-- extends `end_grace_at`), or, with no retry left, `lapsed_at` is set. Returns the month as
-- stored, with `inserted`. The month row is locked first, so concurrent or replayed failures of
-- one renewal are applied one at a time, and only the first of each attempt counts.
create or replace function public.record_failed_attempt(
  p_renewed_key text,
  p_attempt integer,
  p_payment_id text,
  p_failure_reason text,
  p_pg_code text,
  p_pg_message text,
  p_failed_at timestamptz,
  p_retry_limit integer,
  p_retry_payment_id uuid,
  p_retry_at timestamptz,
  p_retry_grace timestamptz,
  p_lapsed_at timestamptz
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_month public.payment;
  v_inserted boolean;
begin
  select * into v_month from public.payment as p where p.transaction_key = p_renewed_key for update;
  if not found then
    return;
  end if;

  insert into public.renewal_attempt (
    renewed_key, attempt, payment_id, failure_reason, pg_code, pg_message, failed_at
  ) values (
    p_renewed_key, p_attempt, p_payment_id, p_failure_reason, p_pg_code, p_pg_message, p_failed_at
  )
  on conflict do nothing;
  v_inserted := found;

  if v_inserted and p_attempt >= v_month.renewal_attempts
     and v_month.renewed_by is null and v_month.lapsed_at is null then
    update public.payment as p set
      renewal_attempts = p_attempt + 1,
      retry_limit = p_retry_limit,
      retry_payment_id = coalesce(p_retry_payment_id, p.retry_payment_id),
      retry_at = case when p_retry_payment_id is null then p.retry_at else p_retry_at end,
      end_grace_at = greatest(p.end_grace_at, coalesce(p_retry_grace, p.end_grace_at)),
      last_failure_reason = p_failure_reason,
      lapsed_at = p_lapsed_at
    where p.transaction_key = p_renewed_key
    returning * into v_month;
  end if;

  return next to_jsonb(v_month) || jsonb_build_object('inserted', v_inserted);
end;
$$;

-- Lapses a month now (no retry can succeed), unless it lapsed earlier. Idempotent.
create or replace function public.mark_lapsed(p_transaction_key text, p_lapsed_at timestamptz)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p
  set lapsed_at = least(coalesce(p.lapsed_at, p_lapsed_at), p_lapsed_at)
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

revoke execute on function public.uuid_or_null(text) from public, anon, authenticated;
revoke execute on function public.record_paid_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid) from public, anon, authenticated;
revoke execute on function public.renewal_of_payment(text) from public, anon, authenticated;
revoke execute on function public.record_failed_attempt(text, integer, text, text, text, text, timestamptz, integer, uuid, timestamptz, timestamptz, timestamptz) from public, anon, authenticated;
revoke execute on function public.mark_lapsed(text, timestamptz) from public, anon, authenticated;
grant execute on function public.uuid_or_null(text) to service_role;
grant execute on function public.record_paid_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid) to service_role;
grant execute on function public.renewal_of_payment(text) to service_role;
grant execute on function public.record_failed_attempt(text, integer, text, text, text, text, timestamptz, integer, uuid, timestamptz, timestamptz, timestamptz) to service_role;
grant execute on function public.mark_lapsed(text, timestamptz) to service_role;
