-- Plan intervals (day, week, month, year) and the period rule each month keeps: a plan's
-- interval, and for month and year intervals the anchor (the first period's start), so a plan
-- edited later never moves a running subscription. Rows without them keep the route spec's 30
-- days. The read model (`subscription_at`, the events' `subscription`) shows them.

alter table public.plan
  add column if not exists interval_unit text
    check (interval_unit in ('day', 'week', 'month', 'year')),
  add column if not exists interval_count integer
    check (interval_count between 1 and 366);

alter table public.payment
  add column if not exists period_interval text
    check (period_interval in ('day', 'week', 'month', 'year')),
  add column if not exists period_interval_count integer
    check (period_interval_count between 1 and 366),
  add column if not exists anchor_at timestamptz;

create or replace function public.upsert_plan(p_plan jsonb, p_at timestamp with time zone)
returns setof jsonb
language sql
set search_path = ''
as $function$
  insert into public.plan as p (id, name, amount, currency, trial_days, features, sort_order,
                               interval_unit, interval_count, created_at, updated_at)
  values (
    p_plan ->> 'id', p_plan ->> 'name', (p_plan ->> 'amount')::bigint, p_plan ->> 'currency',
    (p_plan ->> 'trial_days')::integer, coalesce(p_plan -> 'features', '{}'::jsonb),
    coalesce((p_plan ->> 'sort_order')::integer, 0),
    p_plan ->> 'interval', (p_plan ->> 'interval_count')::integer, p_at, p_at
  )
  on conflict (id) do update set
    name = excluded.name,
    amount = excluded.amount,
    currency = excluded.currency,
    trial_days = excluded.trial_days,
    features = excluded.features,
    sort_order = excluded.sort_order,
    interval_unit = excluded.interval_unit,
    interval_count = excluded.interval_count,
    updated_at = case
      when (p.name, p.amount, p.currency, p.trial_days, p.features, p.sort_order, p.interval_unit,
            p.interval_count)
           is distinct from (excluded.name, excluded.amount, excluded.currency, excluded.trial_days,
                             excluded.features, excluded.sort_order, excluded.interval_unit,
                             excluded.interval_count)
      then p_at else p.updated_at end
  returning to_jsonb(p) || jsonb_build_object('inserted', p.xmax::text = '0');
$function$;

create or replace function public.subscription_at(p_subscription_id text, p_at timestamp with time zone)
returns jsonb
language plpgsql
stable
set search_path = ''
as $function$
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

revoke execute on function public.upsert_plan(jsonb, timestamptz) from public, anon, authenticated;
grant execute on function public.upsert_plan(jsonb, timestamptz) to service_role;

update public.schema_version set version = greatest(version, 20261216000000);
