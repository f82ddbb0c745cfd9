-- Seats (issue 26): each month keeps the quantity it was charged for (the plan's amount times
-- it is the month's `amount`), and a quantity change waiting for the period's end is kept with
-- the other next-charge terms. Rows from before seats hold one seat. The read model
-- (`subscription_at`) shows the quantity of the period and of the next charge.

alter table public.payment
  add column if not exists quantity integer not null default 1
    check (quantity between 1 and 10000),
  add column if not exists next_quantity integer
    check (next_quantity between 1 and 10000);

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
    'plan_id', l.plan_id,
    'quantity', l.quantity,
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

create or replace function public.set_next_terms(p_transaction_key text, p_terms jsonb, p_at timestamp with time zone)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
declare
  v_month public.payment;
begin
  update public.payment as p set
    next_amount = (p_terms ->> 'next_amount')::bigint,
    next_order_name = p_terms ->> 'next_order_name',
    next_currency = p_terms ->> 'next_currency',
    next_plan_id = p_terms ->> 'next_plan_id',
    next_quantity = (p_terms ->> 'next_quantity')::integer
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
$function$;

create or replace function public.insert_month(p_row payment)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
declare
  v_key uuid := public.uuid_or_null(p_row.transaction_key);
  v_renewed public.payment;
  v_row public.payment;
  v_inserted boolean := false;
begin
  if v_key is not null then
    select * into v_renewed from public.payment as r
    where r.next_schedule_id = v_key or r.retry_payment_id = v_key
    for update;
  end if;

  -- The columns a bare row leaves null but the table fills by default.
  p_row.id := nextval('public.payment_id_seq'::regclass);
  p_row.created_at := coalesce(p_row.created_at, now());
  p_row.renewal_attempts := coalesce(p_row.renewal_attempts, 0);
  -- A row written without seats (an older caller of record_month) holds one.
  p_row.quantity := coalesce(p_row.quantity, 1);
  if v_renewed.transaction_key is not null then
    -- The stop of a canceled month, or of a refunded one from the moment this renewal was paid.
    p_row.canceled_at := coalesce(
      v_renewed.canceled_at,
      case when v_renewed.status = 'Cancelled' then p_row.start_at end
    );
    -- A lapse is inherited only when it had happened by the time this was paid: a payment
    -- inside the last grace (a customer's new card, charged then) recovers the subscription.
    p_row.lapsed_at := case
      when v_renewed.lapsed_at is not null and v_renewed.lapsed_at <= p_row.start_at then p_row.end_grace_at
      else p_row.lapsed_at
    end;
    p_row.subscription_id := coalesce(v_renewed.subscription_id, v_renewed.transaction_key);
  end if;
  p_row.subscription_id := coalesce(p_row.subscription_id, p_row.transaction_key);

  insert into public.payment select (p_row).*
  -- No arbiter, as in record_paid_payment: concurrent deliveries collide on either unique key.
  on conflict do nothing
  returning * into v_row;
  v_inserted := found;

  if not v_inserted then
    select * into v_row from public.payment as p where p.transaction_key = p_row.transaction_key;
    if not found then
      raise unique_violation using
        message = 'duplicate key value violates unique constraint "payment_next_schedule_id_key"',
        detail = format('Key (next_schedule_id)=(%s) already exists.', p_row.next_schedule_id);
    end if;
  end if;

  if v_renewed.transaction_key is not null and v_renewed.renewed_by is null then
    update public.payment as r set renewed_by = p_row.transaction_key
    where r.transaction_key = v_renewed.transaction_key
    returning * into v_renewed;
  end if;

  return next to_jsonb(v_row) || jsonb_build_object(
    'inserted', v_inserted,
    'renewed', case when v_renewed.transaction_key is null then null else to_jsonb(v_renewed) end
  );
end;
$function$;

update public.schema_version set version = greatest(version, 20261218000000);
