-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.claim_events(p_now timestamp with time zone, p_limit integer, p_lease_seconds integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.emit_due_events(p_at timestamp with time zone)
 RETURNS integer
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  select (r ->> 'written')::integer from public.emit_time_events(p_at) as r;
$function$;

CREATE OR REPLACE FUNCTION public.emit_event(p_type text, p_subscription_id text, p_at timestamp with time zone, p_data jsonb, p_dedupe_key text)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_written integer;
  v_at timestamptz := p_at;
  v_latest timestamptz;
begin
  -- A subscription's events happen in the order they are written: an event whose own time is
  -- not after the latest one's takes the next millisecond, so an app that ignores an event older
  -- than what it has never drops a correction (a renewal recorded after a lapse, a trial
  -- warning written late).
  select max(e.occurred_at) into v_latest from public.subscription_event as e
  where e.subscription_id = p_subscription_id;
  if v_latest is not null and v_at <= v_latest then
    v_at := v_latest + interval '1 millisecond';
  end if;
  with written as (
    insert into public.subscription_event (
      id, type, subscription_id, customer_id, occurred_at, data, dedupe_key, next_attempt_at
    )
    select
      gen_random_uuid(), p_type, p_subscription_id,
      coalesce(s ->> 'customer_id', p_data #>> '{month,customer_id}'), v_at,
      jsonb_build_object('subscription', s) || p_data, p_dedupe_key, v_at
    from (select public.subscription_at(p_subscription_id, v_at) as s) as read_model
    on conflict (dedupe_key) do nothing
    returning 1
  )
  select count(*)::integer into v_written from written;
  return v_written;
end;
$function$;

CREATE OR REPLACE FUNCTION public.emit_time_events(p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
      and p.lapsed_at <= p_at and p.lapsed_at >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'lapsed:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.lapsed',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.lapsed_at,
      public.event_month(to_jsonb(v_month)), 'lapsed:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status = 'Trial' and p.canceled_at is null
      and p.end_at - interval '3 days' <= p_at and p.end_at - interval '3 days' >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'trial_will_end:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.trial_will_end',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at - interval '3 days',
      public.event_month(to_jsonb(v_month)), 'trial_will_end:' || v_month.transaction_key);
  end loop;
  return next jsonb_build_object('written', v_written);
end;
$function$;

CREATE OR REPLACE FUNCTION public.event_by_id(p_id uuid)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', coalesce((
    select jsonb_agg(to_jsonb(a) - 'event_id' order by a.attempt)
    from public.subscription_event_attempt as a where a.event_id = e.id
  ), '[]'::jsonb))
  from public.subscription_event as e
  where e.id = p_id;
$function$;

CREATE OR REPLACE FUNCTION public.event_month(p_row jsonb)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select jsonb_build_object('month', p_row - 'inserted' - 'renewed' - 'payment_method');
$function$;

CREATE OR REPLACE FUNCTION public.next_change_key(p_subscription_id text, p_prefix text)
 RETURNS text
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select p_prefix || ':' || (count(*) + 1)::text
  from public.subscription_event as e
  where e.subscription_id = p_subscription_id
    and left(e.dedupe_key, length(p_prefix) + 1) = p_prefix || ':';
$function$;

CREATE OR REPLACE FUNCTION public.notify_subscription_event()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
begin
  perform pg_catalog.pg_notify('subscription_event', '');
  return null;
end;
$function$;

CREATE OR REPLACE FUNCTION public.pending_events()
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select jsonb_build_object('pending', count(*), 'oldest_occurred_at', min(e.occurred_at))
  from public.subscription_event as e where e.status = 'pending';
$function$;

CREATE OR REPLACE FUNCTION public.prune_events(p_before timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  with deleted as (
    delete from public.subscription_event as e
    where e.status = 'delivered' and e.occurred_at < p_before
    returning 1
  )
  select jsonb_build_object('deleted', count(*)) from deleted;
$function$;

CREATE OR REPLACE FUNCTION public.redeliver_event(p_id uuid, p_now timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.subscription_event as e set status = 'pending', next_attempt_at = p_now
  where e.id = p_id
  returning to_jsonb(e);
$function$;

CREATE OR REPLACE FUNCTION public.settle_event(p_id uuid, p_attempted_at timestamp with time zone, p_result text, p_http_status integer, p_error text, p_next_attempt_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.subscription_at(p_subscription_id text, p_at timestamp with time zone)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO ''
AS $function$
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
        'amount', coalesce(l.next_amount, l.amount) - nd.off,
        'currency', coalesce(l.next_currency, l.currency),
        'order_name', coalesce(l.next_order_name, l.order_name),
        'payment_id', pc.payment_id,
        'plan_id', coalesce(l.next_plan_id, l.plan_id),
        'quantity', coalesce(l.next_quantity, l.quantity)
      ) || case when nd.off > 0 then
        jsonb_build_object('list_amount', coalesce(l.next_amount, l.amount), 'discount', l.next_discount)
      else '{}'::jsonb end
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
    'plan_id', case when l.current_amount is null then l.plan_id else l.current_plan_id end,
    'quantity', coalesce(l.current_quantity, l.quantity),
    'pending_change', case when st.value in ('active', 'past_due', 'trialing') and pc.payment_id is not null and (
        coalesce(l.next_plan_id, l.plan_id)
          is distinct from (case when l.current_amount is null then l.plan_id else l.current_plan_id end)
        or coalesce(l.next_quantity, l.quantity) <> coalesce(l.current_quantity, l.quantity)
        or (l.status <> 'Trial' and coalesce(l.next_amount, l.amount) <> coalesce(l.current_amount, l.amount)))
      then jsonb_build_object(
        'plan_id', coalesce(l.next_plan_id, l.plan_id),
        'quantity', coalesce(l.next_quantity, l.quantity),
        'amount', coalesce(l.next_amount, l.amount),
        'effective_at', l.end_at)
    end,
    'trial_end_at', (select t.end_at from public.payment as t
                     where t.subscription_id = l.subscription_id and t.status = 'Trial'
                     order by t.start_at limit 1),
    'refunded_amount', l.refunded_amount,
    'interval', l.period_interval,
    'interval_count', l.period_interval_count,
    'anchor_at', l.anchor_at,
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
    select public.discount_off(coalesce(l.next_amount, l.amount), l.next_discount) as off
  ) as nd
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
$function$;

CREATE OR REPLACE FUNCTION public.subscription_event_page(p_subscription_id text, p_customer_id text, p_before_at timestamp with time zone, p_before_id uuid, p_limit integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', '[]'::jsonb)
  from public.subscription_event as e
  where (p_subscription_id is null or e.subscription_id = p_subscription_id)
    and (p_customer_id is null or e.customer_id = p_customer_id)
    and (p_before_at is null or (e.occurred_at, e.id) < (p_before_at, p_before_id))
  order by e.occurred_at desc, e.id desc
  limit p_limit;
$function$;

CREATE OR REPLACE FUNCTION public.subscription_events(p_subscription_id text, p_status text, p_limit integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', coalesce((
    select jsonb_agg(to_jsonb(a) - 'event_id' order by a.attempt)
    from public.subscription_event_attempt as a where a.event_id = e.id
  ), '[]'::jsonb))
  from public.subscription_event as e
  where (p_subscription_id is null or e.subscription_id = p_subscription_id)
    and (p_status is null or e.status = p_status)
  order by e.occurred_at desc, e.created_at desc
  limit p_limit;
$function$;
