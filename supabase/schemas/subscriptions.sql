-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.customer_subscription_months(p_customer_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) || jsonb_build_object('attempts', coalesce((
    select jsonb_agg(to_jsonb(a) order by a.attempt) from public.renewal_attempt as a
    where a.renewed_key = p.transaction_key
  ), '[]'::jsonb))
  from public.payment as p
  where p.subscription_id in (
    select c.subscription_id from public.payment as c where c.customer_id = p_customer_id
  )
  order by p.subscription_id, p.start_at desc, p.id desc;
$function$;

CREATE OR REPLACE FUNCTION public.keep_payment_method(p_method jsonb)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  with inserted as (
    insert into public.payment_method as m (subscription_id, customer_id, billing_key, issuer, brand, number, updated_at)
    values (
      p_method ->> 'subscription_id', p_method ->> 'customer_id', p_method ->> 'billing_key',
      p_method ->> 'issuer', p_method ->> 'brand', p_method ->> 'number', (p_method ->> 'updated_at')::timestamptz
    )
    on conflict (subscription_id) do nothing
    returning *
  )
  select to_jsonb(i) from inserted as i
  union all
  select to_jsonb(m) from public.payment_method as m
  where m.subscription_id = p_method ->> 'subscription_id' and not exists (select from inserted);
$function$;

CREATE OR REPLACE FUNCTION public.payment_method_of(p_subscription_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(m) from public.payment_method as m where m.subscription_id = p_subscription_id;
$function$;

CREATE OR REPLACE FUNCTION public.pending_charge_at(p payment)
 RETURNS timestamp with time zone
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select case when p.renewed_by is null and p.lapsed_at is null then
    case
      when p.retry_payment_id is not null and p.retry_at is not null then p.retry_at
      when p.renewal_attempts = 0 then p.next_schedule_at
    end
  end;
$function$;

CREATE OR REPLACE FUNCTION public.set_next_terms(p_transaction_key text, p_next_amount bigint, p_next_order_name text, p_next_currency text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p
  set next_amount = p_next_amount, next_order_name = p_next_order_name, next_currency = p_next_currency
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.set_next_terms(p_transaction_key text, p_terms jsonb)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p set
    next_amount = (p_terms ->> 'next_amount')::bigint,
    next_order_name = p_terms ->> 'next_order_name',
    next_currency = p_terms ->> 'next_currency',
    next_plan_id = p_terms ->> 'next_plan_id'
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.set_next_terms(p_transaction_key text, p_terms jsonb, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_month public.payment;
  v_data jsonb;
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
  v_data := jsonb_build_object('next_terms', p_terms - 'change');
  if p_terms ? 'change' then
    v_data := v_data || jsonb_build_object('change', p_terms -> 'change');
  end if;
  perform public.emit_event('subscription.plan_changed', coalesce(v_month.subscription_id, v_month.transaction_key),
    p_at, v_data,
    public.next_change_key(coalesce(v_month.subscription_id, v_month.transaction_key),
      'plan_changed:' || v_month.transaction_key));
  return next to_jsonb(v_month);
end;
$function$;

CREATE OR REPLACE FUNCTION public.set_payment_method(p_method jsonb)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.set_subscription_state(p_transaction_key text, p_canceled_at timestamp with time zone, p_resumed_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.subscription_months(p_key text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  with target as (
    select p.subscription_id from public.payment as p
    where p.subscription_id = p_key or p.transaction_key = p_key
    limit 1
  )
  select to_jsonb(p) || jsonb_build_object('attempts', coalesce((
    select jsonb_agg(to_jsonb(a) order by a.attempt) from public.renewal_attempt as a
    where a.renewed_key = p.transaction_key
  ), '[]'::jsonb))
  from public.payment as p
  join target on p.subscription_id = target.subscription_id
  order by p.start_at desc, p.id desc;
$function$;

CREATE OR REPLACE FUNCTION public.subscription_status(p payment, p_at timestamp with time zone)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select case
    when p.status = 'Cancelled' then 'refunded'
    when p.canceled_at is not null and p_at <= p.end_at then 'canceling'
    when p.canceled_at is not null then 'ended'
    when p.lapsed_at is not null and p.lapsed_at <= p_at then 'lapsed'
    when p.renewal_attempts > 0 or p_at > p.end_grace_at then 'past_due'
    when p.status = 'Trial' then 'trialing'
    else 'active'
  end;
$function$;
