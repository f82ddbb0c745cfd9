-- Subscription events: an outbox. Every state change writes its event row in the same SQL call,
-- so in the same transaction, as the change itself: a change and its event are stored together
-- or not at all. `dedupe_key` makes each change's event unique, so replayed or concurrent
-- webhooks produce one event. The service delivers pending events to the app (Standard Webhooks,
-- https://www.standardwebhooks.com), claiming them with `for update skip locked` so replicas
-- never send one event at the same moment.
--
-- Only adds: new tables and functions; the writing functions are replaced with the same
-- signatures and answers, plus the event; overloads that take the change's time are added next to
-- the ones without it.

create table if not exists public.subscription_event (
  id uuid primary key,
  type text not null,
  subscription_id text not null,
  customer_id text,
  occurred_at timestamptz not null,
  data jsonb not null,
  -- One event per change: `<type>:<what changed>`.
  dedupe_key text not null unique,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  -- When the next delivery may start; while one runs, the end of its lease.
  next_attempt_at timestamptz not null,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now()
);

create index if not exists subscription_event_due on public.subscription_event (next_attempt_at)
  where status = 'pending';
create index if not exists subscription_event_of_subscription
  on public.subscription_event (subscription_id, occurred_at desc);

create table if not exists public.subscription_event_attempt (
  event_id uuid not null references public.subscription_event (id) on delete cascade,
  attempt integer not null check (attempt >= 1),
  attempted_at timestamptz not null,
  -- `delivered`, or why not: `http_<status>`, `timeout`, `connect_error`.
  result text not null,
  http_status integer,
  error text,
  primary key (event_id, attempt)
);

alter table public.subscription_event enable row level security;
alter table public.subscription_event_attempt enable row level security;
revoke all on table public.subscription_event from public, anon, authenticated;
revoke all on table public.subscription_event_attempt from public, anon, authenticated;
grant select, insert, update on table public.subscription_event to service_role;
grant select, insert on table public.subscription_event_attempt to service_role;
-- A signed-in customer reads their own events (and may follow them with Supabase Realtime).
grant select (id, type, subscription_id, customer_id, occurred_at, data)
  on table public.subscription_event to authenticated;

do $$
begin
  if not exists (select from pg_policies where schemaname = 'public' and tablename = 'subscription_event'
                 and policyname = 'subscription_event_select_own') then
    create policy subscription_event_select_own on public.subscription_event for select to authenticated
      using (customer_id = (select auth.uid())::text);
  end if;
  -- Supabase Realtime's publication, where it exists (`postgres_changes` respects RLS).
  if exists (select from pg_publication where pubname = 'supabase_realtime')
     and not exists (select from pg_publication_tables where pubname = 'supabase_realtime'
                     and schemaname = 'public' and tablename = 'subscription_event') then
    alter publication supabase_realtime add table public.subscription_event;
  end if;
end
$$;

-- The read model of one subscription as it stands at `p_at`: `public.subscription_v2`'s row,
-- with the time-dependent columns (`status`, `next_charge`, `no_charge_reason`) computed at
-- `p_at` instead of now (an event's `data` is the subscription after its change, at its time).
create or replace function public.subscription_at(p_subscription_id text, p_at timestamptz)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(v) || jsonb_build_object(
    'status', st.value,
    'next_charge', case when st.value in ('active', 'past_due', 'trialing') and pc.payment_id is not null then
      jsonb_build_object(
        'at', pc.at,
        'amount', coalesce(l.next_amount, l.amount),
        'currency', coalesce(l.next_currency, l.currency),
        'order_name', coalesce(l.next_order_name, l.order_name),
        'payment_id', pc.payment_id,
        'plan_id', coalesce(l.next_plan_id, l.plan_id)
      )
    end,
    'no_charge_reason', case
      when st.value = 'refunded' then 'refunded'
      when st.value in ('canceling', 'ended') then 'cancelled'
      when st.value = 'lapsed' then 'lapsed'
      when pc.payment_id is null then 'retries_exhausted'
    end
  )
  from public.subscription_v2 as v
  join public.payment as l on l.transaction_key = v.transaction_key
  cross join lateral (select public.subscription_status(l, p_at) as value) as st
  cross join lateral (
    select
      case when l.renewed_by is null and l.lapsed_at is null then
        case
          when l.retry_payment_id is not null and l.retry_at is not null then l.retry_payment_id
          when l.renewal_attempts = 0 then l.next_schedule_id
        end
      end as payment_id,
      case when l.renewed_by is null and l.lapsed_at is null then
        case
          when l.retry_payment_id is not null and l.retry_at is not null then l.retry_at
          when l.renewal_attempts = 0 then l.next_schedule_at
        end
      end as at
  ) as pc
  where v.subscription_id = p_subscription_id;
$$;

-- Writes the event `p_type` of subscription `p_subscription_id` at `p_at`, unless `p_dedupe_key`
-- was written before: `data` is `{subscription: <read model at p_at>}` and `p_data`. Pending, due
-- at once. Answers 1 when it wrote the event, 0 when it existed.
create or replace function public.emit_event(
  p_type text,
  p_subscription_id text,
  p_at timestamptz,
  p_data jsonb,
  p_dedupe_key text
)
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  with written as (
    insert into public.subscription_event (
      id, type, subscription_id, customer_id, occurred_at, data, dedupe_key, next_attempt_at
    )
    select
      gen_random_uuid(), p_type, p_subscription_id,
      coalesce(s ->> 'customer_id', p_data #>> '{month,customer_id}'), p_at,
      jsonb_build_object('subscription', s) || p_data, p_dedupe_key, p_at
    from (select public.subscription_at(p_subscription_id, p_at) as s) as read_model
    on conflict (dedupe_key) do nothing
    returning 1
  )
  select count(*)::integer from written;
$$;

-- A month row as an event carries it: its columns, never a billing key (months hold none).
create or replace function public.event_month(p_row jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('month', p_row - 'inserted' - 'renewed' - 'payment_method');
$$;

-- Records a paid (or trial) month, as before, and its events: `subscription.created` for a
-- subscription's first month, else `subscription.renewed`, and `subscription.recovered` when the
-- month it renews was in dunning. Written only by the call that inserted the month.
create or replace function public.record_month(p_month jsonb)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row jsonb;
  v_subscription text;
  v_key text;
  v_at timestamptz;
begin
  select r into v_row
  from public.insert_month(pg_catalog.jsonb_populate_record(null::public.payment, p_month)) as r;
  if v_row is null then
    return;
  end if;
  v_subscription := coalesce(v_row ->> 'subscription_id', v_row ->> 'transaction_key');
  v_key := v_row ->> 'transaction_key';
  v_at := (v_row ->> 'start_at')::timestamptz;
  if (v_row ->> 'inserted')::boolean then
    if jsonb_typeof(v_row -> 'renewed') is distinct from 'object' then
      perform public.emit_event('subscription.created', v_subscription, v_at,
        public.event_month(v_row), 'created:' || v_subscription);
    else
      perform public.emit_event('subscription.renewed', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object('renewed_key', v_row #>> '{renewed,transaction_key}'),
        'renewed:' || v_key);
      if coalesce((v_row #>> '{renewed,renewal_attempts}')::integer, 0) > 0 then
        perform public.emit_event('subscription.recovered', v_subscription, v_at,
          public.event_month(v_row) || jsonb_build_object(
            'renewed_key', v_row #>> '{renewed,transaction_key}',
            'failed_attempts', (v_row #>> '{renewed,renewal_attempts}')::integer),
          'recovered:' || v_key);
      end if;
    end if;
  end if;
  return next v_row || pg_catalog.jsonb_build_object('payment_method', (
    select pg_catalog.to_jsonb(m) from public.payment_method as m where m.subscription_id = v_subscription
  ));
end;
$$;

-- Records a declined charge, as before, and `subscription.payment_failed` (attempt n of N, the
-- next retry's time, PortOne's reason) when this call recorded it.
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

  if v_inserted then
    perform public.emit_event('subscription.payment_failed',
      coalesce(v_month.subscription_id, v_month.transaction_key), p_failed_at,
      jsonb_build_object('attempt', jsonb_build_object(
        'renewed_key', p_renewed_key, 'attempt', p_attempt, 'retry_limit', p_retry_limit,
        'payment_id', p_payment_id, 'failure_reason', p_failure_reason, 'pg_code', p_pg_code,
        'pg_message', p_pg_message, 'failed_at', p_failed_at,
        'next_retry_at', case when p_retry_payment_id is null then null else p_retry_at end
      )),
      'payment_failed:' || p_payment_id);
  end if;

  return next to_jsonb(v_month) || jsonb_build_object('inserted', v_inserted);
end;
$$;

-- Lapses a month now, as before, and `subscription.lapsed` (one per month: also what the
-- periodic pass writes when a grace runs out).
create or replace function public.mark_lapsed(p_transaction_key text, p_lapsed_at timestamptz)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_month public.payment;
begin
  update public.payment as p
  set lapsed_at = least(coalesce(p.lapsed_at, p_lapsed_at), p_lapsed_at)
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  perform public.emit_event('subscription.lapsed', coalesce(v_month.subscription_id, v_month.transaction_key),
    p_lapsed_at, public.event_month(to_jsonb(v_month)), 'lapsed:' || v_month.transaction_key);
  return next to_jsonb(v_month);
end;
$$;

-- Cancel at period end and resume, as before, and `subscription.canceled` or
-- `subscription.resumed` when this call changed `canceled_at`.
create or replace function public.set_subscription_state(
  p_transaction_key text,
  p_canceled_at timestamptz,
  p_resumed_at timestamptz
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_before timestamptz;
  v_month public.payment;
begin
  select p.canceled_at into v_before from public.payment as p
  where p.transaction_key = p_transaction_key for update;
  update public.payment as p set canceled_at = p_canceled_at, resumed_at = p_resumed_at
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  if v_before is null and p_canceled_at is not null then
    perform public.emit_event('subscription.canceled', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_canceled_at, public.event_month(to_jsonb(v_month)),
      'canceled:' || v_month.transaction_key || ':' || p_canceled_at::text);
  elsif v_before is not null and p_canceled_at is null then
    perform public.emit_event('subscription.resumed', coalesce(v_month.subscription_id, v_month.transaction_key),
      coalesce(p_resumed_at, v_before), public.event_month(to_jsonb(v_month)),
      'resumed:' || v_month.transaction_key || ':' || coalesce(p_resumed_at, v_before)::text);
  end if;
  return next to_jsonb(v_month);
end;
$$;

-- A plan change at `p_at`, with `subscription.plan_changed`.
create or replace function public.set_next_terms(p_transaction_key text, p_terms jsonb, p_at timestamptz)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_month public.payment;
begin
  update public.payment as p set
    next_amount = (p_terms ->> 'next_amount')::bigint,
    next_order_name = p_terms ->> 'next_order_name',
    next_currency = p_terms ->> 'next_currency',
    next_plan_id = p_terms ->> 'next_plan_id'
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  perform public.emit_event('subscription.plan_changed', coalesce(v_month.subscription_id, v_month.transaction_key),
    p_at, jsonb_build_object('next_terms', p_terms),
    'plan_changed:' || v_month.transaction_key || ':' || p_at::text);
  return next to_jsonb(v_month);
end;
$$;

-- A refund's total at `p_at`, with `subscription.refunded` when the total grew.
create or replace function public.record_refund(p_transaction_key text, p_refunded_amount bigint, p_at timestamptz)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_before bigint;
  v_month public.payment;
begin
  select coalesce(p.refunded_amount, 0) into v_before from public.payment as p
  where p.transaction_key = p_transaction_key for update;
  update public.payment as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_refunded_amount)
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  if p_refunded_amount > v_before then
    perform public.emit_event('subscription.refunded', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_at, public.event_month(to_jsonb(v_month)) || jsonb_build_object(
        'refund', jsonb_build_object('refunded_total', p_refunded_amount, 'amount', p_refunded_amount - v_before, 'full', false)),
      'refunded:' || v_month.transaction_key || ':' || p_refunded_amount::text);
  end if;
  return next to_jsonb(v_month);
end;
$$;

-- A month's payment cancelled at PortOne at `p_at`, with `subscription.refunded` (full).
create or replace function public.cancel_payment(p_transaction_key text, p_at timestamptz)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_before text;
  v_month public.payment;
begin
  select p.status into v_before from public.payment as p where p.transaction_key = p_transaction_key for update;
  update public.payment as p set status = 'Cancelled'
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  if v_before is distinct from 'Cancelled' then
    perform public.emit_event('subscription.refunded', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_at, public.event_month(to_jsonb(v_month)) || jsonb_build_object(
        'refund', jsonb_build_object('refunded_total', v_month.amount, 'full', true)),
      'refunded:' || v_month.transaction_key || ':full');
  end if;
  return next to_jsonb(v_month);
end;
$$;

-- Sets a subscription's card, as before, and `subscription.payment_method_updated` when it
-- replaced another card (a start's first card is part of `subscription.created`).
create or replace function public.set_payment_method(p_method jsonb)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_before text;
  v_method public.payment_method;
begin
  select m.billing_key into v_before from public.payment_method as m
  where m.subscription_id = p_method ->> 'subscription_id' for update;
  insert into public.payment_method as m (subscription_id, customer_id, billing_key, issuer, brand, number, updated_at)
  values (
    p_method ->> 'subscription_id', p_method ->> 'customer_id', p_method ->> 'billing_key',
    p_method ->> 'issuer', p_method ->> 'brand', p_method ->> 'number', (p_method ->> 'updated_at')::timestamptz
  )
  on conflict (subscription_id) do update set
    customer_id = excluded.customer_id, billing_key = excluded.billing_key, issuer = excluded.issuer,
    brand = excluded.brand, number = excluded.number, updated_at = excluded.updated_at
  returning * into v_method;
  if v_before is not null and v_before is distinct from v_method.billing_key then
    perform public.emit_event('subscription.payment_method_updated', v_method.subscription_id, v_method.updated_at,
      jsonb_build_object('payment_method', jsonb_build_object(
        'issuer', v_method.issuer, 'brand', v_method.brand, 'number', v_method.number)),
      'payment_method_updated:' || v_method.subscription_id || ':' || v_method.updated_at::text);
  end if;
  return next to_jsonb(v_method);
end;
$$;

-- The events time itself causes, up to `p_at`, each once: `subscription.ended` (a canceling
-- subscription reached `end_at`), `subscription.lapsed` (its last grace ran out, renewed by
-- nothing), `subscription.trial_will_end` (3 days before a trial ends). Answers how many it
-- wrote. Only latest months (`renewed_by` null) that have not had the event yet are read.
create or replace function public.emit_due_events(p_at timestamptz)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_month public.payment;
  v_written integer := 0;
begin
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status <> 'Cancelled'
      and p.canceled_at is not null and p.end_at < p_at
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'ended:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.ended',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at,
      public.event_month(to_jsonb(v_month)), 'ended:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status <> 'Cancelled' and p.canceled_at is null
      and (p.lapsed_at <= p_at or p.end_grace_at < p_at)
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'lapsed:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.lapsed',
      coalesce(v_month.subscription_id, v_month.transaction_key),
      least(coalesce(v_month.lapsed_at, v_month.end_grace_at), v_month.end_grace_at),
      public.event_month(to_jsonb(v_month)), 'lapsed:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status = 'Trial' and p.canceled_at is null
      and p.end_at - interval '3 days' <= p_at and p_at < p.end_at
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'trial_will_end:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.trial_will_end',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at - interval '3 days',
      public.event_month(to_jsonb(v_month)), 'trial_will_end:' || v_month.transaction_key);
  end loop;
  return v_written;
end;
$$;

-- Claims up to `p_limit` due pending events for one delivery each, oldest due first, for
-- `p_lease_seconds`: their `next_attempt_at` moves to the lease's end, so no other replica claims
-- them meanwhile (and a replica that dies mid-delivery lets them go when the lease ends).
create or replace function public.claim_events(p_now timestamptz, p_limit integer, p_lease_seconds integer)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.subscription_event as e
  set next_attempt_at = p_now + make_interval(secs => p_lease_seconds)
  from (
    select d.id from public.subscription_event as d
    where d.status = 'pending' and d.next_attempt_at <= p_now
    order by d.next_attempt_at, d.occurred_at
    limit p_limit
    for update skip locked
  ) as claimed
  where e.id = claimed.id
  returning to_jsonb(e);
$$;

-- The outcome of delivery attempt `attempts + 1` of `p_id`: delivered, or failed with the next
-- attempt's time (`p_next_attempt_at`; null: no attempt is left, the event is `failed`).
create or replace function public.settle_event(
  p_id uuid,
  p_attempted_at timestamptz,
  p_result text,
  p_http_status integer,
  p_error text,
  p_next_attempt_at timestamptz
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_event public.subscription_event;
begin
  update public.subscription_event as e set
    attempts = e.attempts + 1,
    status = case
      when p_result = 'delivered' then 'delivered'
      when p_next_attempt_at is null then 'failed'
      else 'pending'
    end,
    delivered_at = case when p_result = 'delivered' then p_attempted_at else e.delivered_at end,
    last_error = case when p_result = 'delivered' then e.last_error else p_error end,
    next_attempt_at = coalesce(p_next_attempt_at, e.next_attempt_at)
  where e.id = p_id
  returning * into v_event;
  if not found then
    return;
  end if;
  insert into public.subscription_event_attempt (event_id, attempt, attempted_at, result, http_status, error)
  values (p_id, v_event.attempts, p_attempted_at, p_result, p_http_status, p_error)
  on conflict do nothing;
  return next to_jsonb(v_event);
end;
$$;

-- Sends event `p_id` again from `p_now`, whatever its status: pending and due at once.
create or replace function public.redeliver_event(p_id uuid, p_now timestamptz)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.subscription_event as e set status = 'pending', next_attempt_at = p_now
  where e.id = p_id
  returning to_jsonb(e);
$$;

-- Events newest first, of one subscription and/or in one status, each with its attempts.
create or replace function public.subscription_events(p_subscription_id text, p_status text, p_limit integer)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', coalesce((
    select jsonb_agg(to_jsonb(a) - 'event_id' order by a.attempt)
    from public.subscription_event_attempt as a where a.event_id = e.id
  ), '[]'::jsonb))
  from public.subscription_event as e
  where (p_subscription_id is null or e.subscription_id = p_subscription_id)
    and (p_status is null or e.status = p_status)
  order by e.occurred_at desc, e.created_at desc
  limit p_limit;
$$;

-- How many events wait, and since when the oldest (for the metrics).
create or replace function public.pending_events()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('pending', count(*), 'oldest_occurred_at', min(e.occurred_at))
  from public.subscription_event as e where e.status = 'pending';
$$;

revoke execute on function public.subscription_at(text, timestamptz) from public, anon, authenticated;
revoke execute on function public.emit_event(text, text, timestamptz, jsonb, text) from public, anon, authenticated;
revoke execute on function public.event_month(jsonb) from public, anon, authenticated;
revoke execute on function public.record_month(jsonb) from public, anon, authenticated;
revoke execute on function public.set_next_terms(text, jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function public.record_refund(text, bigint, timestamptz) from public, anon, authenticated;
revoke execute on function public.cancel_payment(text, timestamptz) from public, anon, authenticated;
revoke execute on function public.emit_due_events(timestamptz) from public, anon, authenticated;
revoke execute on function public.claim_events(timestamptz, integer, integer) from public, anon, authenticated;
revoke execute on function public.settle_event(uuid, timestamptz, text, integer, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.redeliver_event(uuid, timestamptz) from public, anon, authenticated;
revoke execute on function public.subscription_events(text, text, integer) from public, anon, authenticated;
revoke execute on function public.pending_events() from public, anon, authenticated;
grant execute on function public.subscription_at(text, timestamptz) to service_role;
grant execute on function public.emit_event(text, text, timestamptz, jsonb, text) to service_role;
grant execute on function public.event_month(jsonb) to service_role;
grant execute on function public.record_month(jsonb) to service_role;
grant execute on function public.set_next_terms(text, jsonb, timestamptz) to service_role;
grant execute on function public.record_refund(text, bigint, timestamptz) to service_role;
grant execute on function public.cancel_payment(text, timestamptz) to service_role;
grant execute on function public.emit_due_events(timestamptz) to service_role;
grant execute on function public.claim_events(timestamptz, integer, integer) to service_role;
grant execute on function public.settle_event(uuid, timestamptz, text, integer, text, timestamptz) to service_role;
grant execute on function public.redeliver_event(uuid, timestamptz) to service_role;
grant execute on function public.subscription_events(text, text, integer) to service_role;
grant execute on function public.pending_events() to service_role;

create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', 20261209000000::bigint);
$$;
