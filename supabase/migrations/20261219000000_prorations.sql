-- Upgrades that take effect now (issue 26). A plan or seat change whose price per period goes
-- up is charged the difference for the rest of the period at once; the charge is a row of
-- `proration`, never a month. The row is written `pending` before PortOne is asked to charge
-- (`begin_proration`), so a charge whose answer was lost is finished by the same request sent
-- again or by its `Transaction.Paid` webhook (`settle_proration`, once). Settling puts the new
-- terms in effect on the month (`current_plan_id`, `current_quantity`, `current_amount`; the
-- month's own columns keep what its payment charged) and as its next-charge terms, and writes
-- `subscription.plan_changed` with the change. The read model shows the terms in effect and a
-- change waiting for the period's end (`pending_change`).

alter table public.payment
  add column if not exists current_plan_id text,
  add column if not exists current_quantity integer check (current_quantity between 1 and 10000),
  add column if not exists current_amount bigint check (current_amount >= 0);

create table if not exists public.proration (
  payment_id text primary key,
  subscription_id text not null,
  month_key text not null references public.payment (transaction_key),
  customer_id text,
  from_plan_id text,
  from_quantity integer not null check (from_quantity between 1 and 10000),
  from_amount bigint not null check (from_amount >= 0),
  to_plan_id text,
  to_quantity integer not null check (to_quantity between 1 and 10000),
  to_amount bigint not null check (to_amount >= 0),
  order_name text not null,
  currency text not null,
  amount bigint not null check (amount >= 0),
  period_start timestamptz not null,
  period_end timestamptz not null,
  request_hash text not null,
  status text not null default 'pending' check (status in ('pending', 'paid', 'failed')),
  failure_reason text,
  paid_at timestamptz,
  rescheduled_at timestamptz,
  refunded_amount bigint check (refunded_amount >= 0),
  created_at timestamptz not null default now()
);

create index if not exists proration_subscription on public.proration (subscription_id, created_at);
-- At most one pending proration per period: concurrent changes of one subscription are
-- serialised here, so neither is computed on terms the other is replacing.
create unique index if not exists proration_one_pending on public.proration (month_key)
  where status = 'pending';

alter table public.proration enable row level security;
revoke all on table public.proration from public, anon, authenticated;
grant select, insert, update on table public.proration to service_role;
grant select on table public.proration to authenticated;
-- A customer reads their own prorations with supabase-js (https://supabase.com/docs/guides/database/postgres/row-level-security).
do $$
begin
  if not exists (select 1 from pg_policies
                 where schemaname = 'public' and tablename = 'proration'
                   and policyname = 'proration_select_own') then
    create policy proration_select_own on public.proration for select to authenticated
      using (customer_id = (select auth.uid())::text);
  end if;
end
$$;

create or replace function public.begin_proration(p_proration jsonb)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
declare
  v_row public.proration;
  v_month public.payment;
begin
  select * into v_row from public.proration as p where p.payment_id = p_proration ->> 'payment_id';
  if found then
    return next jsonb_build_object('outcome', 'stored', 'proration', to_jsonb(v_row));
    return;
  end if;
  -- The month is locked, so a settle of another change cannot slip between the check and the
  -- insert.
  select * into v_month from public.payment as m where m.transaction_key = p_proration ->> 'month_key'
  for update;
  if exists (select 1 from public.proration as p
             where p.month_key = p_proration ->> 'month_key' and p.status = 'pending') then
    return next jsonb_build_object('outcome', 'busy');
    return;
  end if;
  if v_month.transaction_key is null or v_month.renewed_by is not null
     or (case when v_month.current_amount is null then v_month.plan_id else v_month.current_plan_id end)
        is distinct from (p_proration ->> 'from_plan_id')
     or coalesce(v_month.current_quantity, v_month.quantity) <> (p_proration ->> 'from_quantity')::integer
     or coalesce(v_month.current_amount, v_month.amount) <> (p_proration ->> 'from_amount')::bigint then
    return next jsonb_build_object('outcome', 'stale');
    return;
  end if;
  insert into public.proration
  select * from pg_catalog.jsonb_populate_record(null::public.proration, p_proration)
  on conflict (payment_id) do nothing
  returning * into v_row;
  if not found then
    select * into v_row from public.proration as p where p.payment_id = p_proration ->> 'payment_id';
  end if;
  return next jsonb_build_object('outcome', 'stored', 'proration', to_jsonb(v_row));
end;
$function$;

create or replace function public.fail_proration(p_payment_id text, p_reason text, p_at timestamp with time zone)
returns setof jsonb
language sql
set search_path = ''
as $function$
  update public.proration as p
  set status = case when p.status = 'pending' then 'failed' else p.status end,
      failure_reason = case when p.status = 'pending' then p_reason else p.failure_reason end
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

create or replace function public.settle_proration(p_payment_id text, p_paid_at timestamp with time zone, p_at timestamp with time zone)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
declare
  v_row public.proration;
  v_month public.payment;
  v_terms jsonb;
begin
  select * into v_row from public.proration as p where p.payment_id = p_payment_id for update;
  if not found or v_row.status = 'failed' then
    return;
  end if;
  if v_row.status = 'paid' then
    select * into v_month from public.payment as m where m.transaction_key = v_row.month_key;
    return next jsonb_build_object('proration', to_jsonb(v_row), 'month', to_jsonb(v_month), 'applied', false);
    return;
  end if;
  update public.proration as p set status = 'paid', paid_at = p_paid_at
  where p.payment_id = p_payment_id
  returning * into v_row;
  update public.payment as m set
    current_plan_id = v_row.to_plan_id,
    current_quantity = v_row.to_quantity,
    current_amount = v_row.to_amount,
    next_amount = v_row.to_amount,
    next_order_name = v_row.order_name,
    next_currency = v_row.currency,
    next_plan_id = v_row.to_plan_id,
    next_quantity = v_row.to_quantity
  where m.transaction_key = v_row.month_key
  returning * into v_month;
  v_terms := jsonb_build_object(
    'next_amount', v_row.to_amount, 'next_order_name', v_row.order_name,
    'next_currency', v_row.currency, 'next_plan_id', v_row.to_plan_id,
    'next_quantity', v_row.to_quantity);
  perform public.emit_event('subscription.plan_changed', v_row.subscription_id, p_at,
    jsonb_build_object('next_terms', v_terms, 'change', jsonb_build_object(
      'from_plan_id', v_row.from_plan_id, 'from_quantity', v_row.from_quantity,
      'to_plan_id', v_row.to_plan_id, 'to_quantity', v_row.to_quantity,
      'effective_at', v_row.paid_at, 'amount_due_now', v_row.amount,
      'proration_payment_id', v_row.payment_id)),
    'plan_changed:' || v_row.payment_id);
  return next jsonb_build_object('proration', to_jsonb(v_row), 'month', to_jsonb(v_month), 'applied', true);
end;
$function$;

create or replace function public.mark_proration_rescheduled(p_payment_id text, p_at timestamp with time zone)
returns setof jsonb
language sql
set search_path = ''
as $function$
  update public.proration as p set rescheduled_at = coalesce(p.rescheduled_at, p_at)
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

create or replace function public.subscription_prorations(p_subscription_id text)
returns setof jsonb
language sql
stable
set search_path = ''
as $function$
  select to_jsonb(p) from public.proration as p
  where p.subscription_id = p_subscription_id
  order by p.created_at, p.payment_id;
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
        'plan_id', coalesce(l.next_plan_id, l.plan_id),
        'quantity', coalesce(l.next_quantity, l.quantity)
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

revoke execute on function public.begin_proration(jsonb) from public, anon, authenticated;
revoke execute on function public.fail_proration(text, text, timestamptz) from public, anon, authenticated;
revoke execute on function public.settle_proration(text, timestamptz, timestamptz) from public, anon, authenticated;
revoke execute on function public.mark_proration_rescheduled(text, timestamptz) from public, anon, authenticated;
revoke execute on function public.subscription_prorations(text) from public, anon, authenticated;
grant execute on function public.begin_proration(jsonb) to service_role;
grant execute on function public.fail_proration(text, text, timestamptz) to service_role;
grant execute on function public.settle_proration(text, timestamptz, timestamptz) to service_role;
grant execute on function public.mark_proration_rescheduled(text, timestamptz) to service_role;
grant execute on function public.subscription_prorations(text) to service_role;

update public.schema_version set version = greatest(version, 20261219000000);
