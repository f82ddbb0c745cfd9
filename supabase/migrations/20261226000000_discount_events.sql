-- Discounts in what the app reads and is told: the read model's next charge is priced with the
-- month's next discount (`list_amount` and `discount` beside the discounted `amount`), the
-- `subscription.created` and `subscription.renewed` events carry the billing-history line of the
-- month they record (`data.line`), and the month that uses up a coupon writes
-- `subscription.discount_ended`. Function bodies are repeated whole: an applied migration is never
-- edited.

-- What `p_discount` (a Discount as the service writes it) takes off `p_list`, in the currency's
-- unit: a percent rounded half up, a fixed amount, never more than `p_list`; 0 without one.
create or replace function public.discount_off(p_list bigint, p_discount jsonb)
returns bigint
language sql
immutable
set search_path = ''
as $$
  select case
    when p_discount is null or jsonb_typeof(p_discount) <> 'object' then 0
    when p_discount ? 'percent_off' then
      least(p_list, (p_list * (p_discount ->> 'percent_off')::bigint + 50) / 100)
    when p_discount ? 'amount_off' then least(p_list, (p_discount ->> 'amount_off')::bigint)
    else 0
  end;
$$;

-- A recorded month as a billing-history line (the service's `history_line`): amounts in the
-- currency's unit, the VAT split (supply = round(amount / 1.1), exactly) only for KRW.
create or replace function public.history_line(p_row jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object(
    'kind', 'period',
    'payment_id', p_row ->> 'transaction_key',
    'number', p_row -> 'billing_number',
    'amount', a,
    'list_amount', a + d,
    'discount_amount', d,
    'coupon_id', case when d > 0 then p_row #> '{discount,coupon_id}' else 'null'::jsonb end,
    'supply_amount', case when p_row ->> 'currency' = 'KRW' then to_jsonb(s) else 'null'::jsonb end,
    'vat', case when p_row ->> 'currency' = 'KRW' then to_jsonb(a - s) else 'null'::jsonb end,
    'currency', p_row -> 'currency',
    'plan_id', p_row -> 'plan_id',
    'quantity', coalesce((p_row ->> 'quantity')::integer, 1),
    'receipt_url', p_row -> 'receipt_url'
  )
  from (select (p_row ->> 'amount')::bigint as a, coalesce((p_row ->> 'discount_amount')::bigint, 0) as d) as v
  -- round(a / 1.1) = floor((20a + 11) / 22), in numeric so no amount overflows.
  cross join lateral (select div(20 * v.a::numeric + 11, 22)::bigint as s) as split;
$$;

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

CREATE OR REPLACE FUNCTION public.record_month(p_month jsonb)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
        public.event_month(v_row) || jsonb_build_object('line', public.history_line(v_row)),
        'created:' || v_subscription);
    else
      perform public.emit_event('subscription.renewed', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object(
          'renewed_key', v_row #>> '{renewed,transaction_key}', 'line', public.history_line(v_row)),
        'renewed:' || v_key);
      if coalesce((v_row #>> '{renewed,renewal_attempts}')::integer, 0) > 0 then
        perform public.emit_event('subscription.recovered', v_subscription, v_at,
          public.event_month(v_row) || jsonb_build_object(
            'renewed_key', v_row #>> '{renewed,transaction_key}',
            'failed_attempts', (v_row #>> '{renewed,renewal_attempts}')::integer),
          'recovered:' || v_key);
      end if;
    end if;
    -- The coupon's last discounted period: the next charge is at the list price.
    if jsonb_typeof(v_row -> 'discount') = 'object' and jsonb_typeof(v_row -> 'next_discount') is distinct from 'object' then
      perform public.emit_event('subscription.discount_ended', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object('coupon_id', v_row #>> '{discount,coupon_id}'),
        'discount_ended:' || v_key);
    end if;
  end if;
  return next v_row || pg_catalog.jsonb_build_object('payment_method', (
    select pg_catalog.to_jsonb(m) from public.payment_method as m where m.subscription_id = v_subscription
  ));
end;
$function$;

revoke execute on function public.discount_off(bigint, jsonb) from public, anon;
grant execute on function public.discount_off(bigint, jsonb) to authenticated, service_role;
revoke execute on function public.history_line(jsonb) from public, anon, authenticated;
grant execute on function public.history_line(jsonb) to service_role;

update public.schema_version set version = greatest(version, 20261226000000);
