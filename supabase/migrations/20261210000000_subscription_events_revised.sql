-- Revises the subscription events of `20261209000000_subscription_events.sql`, which stays as it
-- was applied. Same signatures and answers everywhere, except the time pass, which answers rows
-- now and so has a name of its own (`emit_time_events`; `emit_due_events` calls it). Only adds:
-- indexes, grants, function bodies, new functions.

-- The time pass reads latest months by the boundary that just passed.
create index if not exists payment_latest_end_idx on public.payment (end_at)
  where renewed_by is null;
create index if not exists payment_latest_grace_idx on public.payment (end_grace_at)
  where renewed_by is null;

-- Retention deletes delivered events and their attempts.
grant delete on table public.subscription_event to service_role;
grant delete on table public.subscription_event_attempt to service_role;
-- A signed-in customer reads their own events, every column (Supabase Realtime sends whole rows);
-- nothing in them is secret: `data` never holds a billing key. Delivery attempts stay private.
grant select on table public.subscription_event to authenticated;

-- The read model of one subscription as it stands at `p_at`: the columns of
-- `public.subscription_v2`, computed from this subscription's own rows (indexed by
-- `subscription_id`; the view itself computes every subscription before it filters), with the
-- time-dependent ones (`status`, `next_charge`, `no_charge_reason`) at `p_at` instead of now: an
-- event's `data` is the subscription after its change, at its time. PL/pgSQL, so its plan is
-- cached per connection (an SQL function's body is planned on every call).
create or replace function public.subscription_at(p_subscription_id text, p_at timestamptz)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return (select jsonb_build_object(
    'subscription_id', l.subscription_id,
    'customer_id', l.customer_id,
    'status', st.value,
    'transaction_key', l.transaction_key,
    'order_name', l.order_name,
    'amount', l.amount,
    'currency', l.currency,
    'start_at', l.start_at,
    'end_at', l.end_at,
    'end_grace_at', l.end_grace_at,
    'canceled_at', l.canceled_at,
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
    end,
    'renewal_attempts', l.renewal_attempts,
    'retry_limit', l.retry_limit,
    'last_failure_reason', l.last_failure_reason,
    'lapsed_at', l.lapsed_at,
    'attempts', coalesce((
      select jsonb_agg(jsonb_build_object(
        'renewed_key', a.renewed_key, 'attempt', a.attempt, 'payment_id', a.payment_id,
        'failure_reason', a.failure_reason, 'pg_code', a.pg_code, 'pg_message', a.pg_message,
        'failed_at', a.failed_at
      ) order by a.attempt)
      from public.renewal_attempt as a
      where a.renewed_key = l.transaction_key
    ), '[]'::jsonb),
    'months', (select count(*)::integer from public.payment as m
               where m.subscription_id = l.subscription_id and m.status <> 'Trial'),
    'plan_id', l.plan_id,
    'trial_end_at', (select t.end_at from public.payment as t
                     where t.subscription_id = l.subscription_id and t.status = 'Trial'
                     order by t.start_at limit 1),
    'refunded_amount', l.refunded_amount,
    'payment_method', (select jsonb_build_object('issuer', m.issuer, 'brand', m.brand, 'number', m.number)
                       from public.payment_method as m where m.subscription_id = l.subscription_id)
  )
  from (
    select * from public.payment as p
    where p.subscription_id = p_subscription_id
    order by p.start_at desc, p.id desc
    limit 1
  ) as l
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
  ) as pc);
end;
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
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_written integer;
begin
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
  select count(*)::integer into v_written from written;
  return v_written;
end;
$$;

-- The key of the next change of a kind that can repeat (cancel, resume, plan change, card
-- update): `<prefix>:<n>`, n counting the earlier ones. The callers hold the changed row's lock,
-- so two changes never count the same n, and a change that did not happen (a repeat the
-- service answers without calling storage) writes nothing.
create or replace function public.next_change_key(p_subscription_id text, p_prefix text)
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select p_prefix || ':' || (count(*) + 1)::text
  from public.subscription_event as e
  where e.subscription_id = p_subscription_id
    and left(e.dedupe_key, length(p_prefix) + 1) = p_prefix || ':';
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
      public.next_change_key(coalesce(v_month.subscription_id, v_month.transaction_key),
        'canceled:' || v_month.transaction_key));
  elsif v_before is not null and p_canceled_at is null then
    perform public.emit_event('subscription.resumed', coalesce(v_month.subscription_id, v_month.transaction_key),
      coalesce(p_resumed_at, v_before), public.event_month(to_jsonb(v_month)),
      public.next_change_key(coalesce(v_month.subscription_id, v_month.transaction_key),
        'resumed:' || v_month.transaction_key));
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
    public.next_change_key(coalesce(v_month.subscription_id, v_month.transaction_key),
      'plan_changed:' || v_month.transaction_key));
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
  -- A refund of the whole payment is told by `cancel_payment` (the month becomes `Cancelled`).
  if p_refunded_amount > v_before and p_refunded_amount < v_month.amount then
    perform public.emit_event('subscription.refunded', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_at, public.event_month(to_jsonb(v_month)) || jsonb_build_object(
        'refund', jsonb_build_object('refunded_total', p_refunded_amount, 'amount', p_refunded_amount - v_before, 'full', false)),
      'refunded:' || v_month.transaction_key || ':' || p_refunded_amount::text);
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
      public.next_change_key(v_method.subscription_id, 'payment_method_updated:' || v_method.subscription_id));
  end if;
  return next to_jsonb(v_method);
end;
$$;

-- The events time itself causes, up to `p_at`, each once: `subscription.ended` (a canceling
-- subscription reached `end_at`), `subscription.lapsed` (its last grace ran out, renewed by
-- nothing), `subscription.trial_will_end` (3 days before a trial ends). An event happens at the
-- first instant of the new state (the status rules keep `canceling` through `end_at` and the
-- grace through `end_grace_at`: one millisecond later, the precision of every stored time), so
-- its read model shows it. Only latest months (`renewed_by` null) without the event yet, whose
-- boundary passed in the last 30 days, are read (an index range, not every month that ever ended;
-- the pass runs every minute, so a service down for less than 30 days misses nothing). Answers
-- how many it wrote (`{written}`).
create or replace function public.emit_time_events(p_at timestamptz)
returns setof jsonb
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
      and p.canceled_at is not null and p.end_at < p_at and p.end_at >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'ended:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.ended',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at + interval '1 millisecond',
      public.event_month(to_jsonb(v_month)), 'ended:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status <> 'Cancelled' and p.canceled_at is null
      and (p.lapsed_at <= p_at or p.end_grace_at < p_at) and p.end_grace_at >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'lapsed:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.lapsed',
      coalesce(v_month.subscription_id, v_month.transaction_key),
      least(coalesce(v_month.lapsed_at, v_month.end_grace_at + interval '1 millisecond'),
            v_month.end_grace_at + interval '1 millisecond'),
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
  return next jsonb_build_object('written', v_written);
end;
$$;

-- Deletes delivered events (with their attempts) that happened before `p_before`: the outbox
-- keeps pending and failed ones whatever their age. Answers how many it deleted (`{deleted}`).
create or replace function public.prune_events(p_before timestamptz)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  with deleted as (
    delete from public.subscription_event as e
    where e.status = 'delivered' and e.occurred_at < p_before
    returning 1
  )
  select jsonb_build_object('deleted', count(*)) from deleted;
$$;

-- The time pass of the first events migration, answering how many it wrote as before.
create or replace function public.emit_due_events(p_at timestamptz)
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  select (r ->> 'written')::integer from public.emit_time_events(p_at) as r;
$$;

revoke execute on function public.next_change_key(text, text) from public, anon, authenticated;
revoke execute on function public.emit_time_events(timestamptz) from public, anon, authenticated;
revoke execute on function public.prune_events(timestamptz) from public, anon, authenticated;
grant execute on function public.next_change_key(text, text) to service_role;
grant execute on function public.emit_time_events(timestamptz) to service_role;
grant execute on function public.prune_events(timestamptz) to service_role;

create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', 20261210000000::bigint);
$$;
