-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.announce_discount(p_transaction_key text, p_type text, p_coupon_id text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_month public.payment;
  v_subscription text;
begin
  if p_type not in ('subscription.discount_applied', 'subscription.discount_ended') then
    raise exception 'not a discount event: %', p_type using errcode = '22023';
  end if;
  select * into v_month from public.payment as p where p.transaction_key = p_transaction_key;
  if not found then
    return;
  end if;
  v_subscription := coalesce(v_month.subscription_id, v_month.transaction_key);
  perform public.emit_event(p_type, v_subscription, p_at,
    public.event_month(to_jsonb(v_month)) || jsonb_build_object('coupon_id', p_coupon_id),
    public.next_change_key(v_subscription,
      replace(p_type, 'subscription.', '') || ':' || v_month.transaction_key));
  return next to_jsonb(v_month);
end;
$function$;

CREATE OR REPLACE FUNCTION public.archive_coupon(p_id text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.coupon as c
  set archived_at = coalesce(c.archived_at, p_at),
      updated_at = case when c.archived_at is null then p_at else c.updated_at end
  where c.id = p_id
  returning to_jsonb(c);
$function$;

CREATE OR REPLACE FUNCTION public.coupon_by_id(p_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(c) from public.coupon as c where c.id = p_id;
$function$;

CREATE OR REPLACE FUNCTION public.coupons()
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(c) from public.coupon as c order by c.created_at, c.id;
$function$;

CREATE OR REPLACE FUNCTION public.discount_off(p_list bigint, p_discount jsonb)
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select case
    when p_discount is null or jsonb_typeof(p_discount) <> 'object' then 0
    when p_discount ? 'percent_off' then
      least(p_list, (p_list * (p_discount ->> 'percent_off')::bigint + 50) / 100)
    when p_discount ? 'amount_off' then least(p_list, (p_discount ->> 'amount_off')::bigint)
    else 0
  end;
$function$;

CREATE OR REPLACE FUNCTION public.history_line(p_row jsonb)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.promotion_code_by_code(p_code text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) || jsonb_build_object('coupon', to_jsonb(c))
  from public.promotion_code as p
  join public.coupon as c on c.id = p.coupon_id
  where p.code_key = lower(p_code);
$function$;

CREATE OR REPLACE FUNCTION public.promotion_codes()
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.promotion_code as p order by p.created_at, p.code_key;
$function$;

CREATE OR REPLACE FUNCTION public.redeem_coupon(p_key text, p_coupon_id text, p_code text, p_customer_id text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_coupon public.coupon;
  v_code public.promotion_code;
begin
  if exists (select from public.coupon_redemption as r where r.redemption_key = p_key) then
    return next jsonb_build_object('redeemed', true, 'replayed', true);
    return;
  end if;
  select * into v_coupon from public.coupon as c where c.id = p_coupon_id for update;
  if not found then
    return next jsonb_build_object('redeemed', false);
    return;
  end if;
  if p_code is not null then
    select * into v_code from public.promotion_code as p where p.code_key = lower(p_code) for update;
    if not found or v_code.coupon_id <> p_coupon_id
       or v_code.times_redeemed >= coalesce(v_code.max_redemptions, 2147483647) then
      return next jsonb_build_object('redeemed', false);
      return;
    end if;
  end if;
  -- A concurrent repeat of the same key waited on the locks above; it finds the first's row.
  if exists (select from public.coupon_redemption as r where r.redemption_key = p_key) then
    return next jsonb_build_object('redeemed', true, 'replayed', true);
    return;
  end if;
  if v_coupon.times_redeemed >= coalesce(v_coupon.max_redemptions, 2147483647) then
    return next jsonb_build_object('redeemed', false);
    return;
  end if;
  update public.coupon as c set times_redeemed = c.times_redeemed + 1 where c.id = p_coupon_id;
  if p_code is not null then
    update public.promotion_code as p set times_redeemed = p.times_redeemed + 1
    where p.code_key = lower(p_code);
  end if;
  insert into public.coupon_redemption (redemption_key, coupon_id, code_key, customer_id, redeemed_at)
  values (p_key, p_coupon_id, lower(p_code), p_customer_id, p_at);
  return next jsonb_build_object('redeemed', true, 'replayed', false);
end;
$function$;

CREATE OR REPLACE FUNCTION public.release_redemption(p_key text)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_redemption public.coupon_redemption;
begin
  delete from public.coupon_redemption as r where r.redemption_key = p_key returning * into v_redemption;
  if not found then
    return next jsonb_build_object('released', false);
    return;
  end if;
  update public.coupon as c set times_redeemed = greatest(c.times_redeemed - 1, 0)
  where c.id = v_redemption.coupon_id;
  if v_redemption.code_key is not null then
    update public.promotion_code as p set times_redeemed = greatest(p.times_redeemed - 1, 0)
    where p.code_key = v_redemption.code_key;
  end if;
  return next jsonb_build_object('released', true);
end;
$function$;

CREATE OR REPLACE FUNCTION public.set_next_discount(p_transaction_key text, p_discount jsonb)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p set next_discount = nullif(p_discount, 'null'::jsonb)
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.upsert_coupon(p_coupon jsonb, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  insert into public.coupon as c (id, name, percent_off, amount_off, currency, duration,
                                  duration_in_periods, max_redemptions, redeem_by, plan_ids,
                                  created_at, updated_at)
  values (
    p_coupon ->> 'id', p_coupon ->> 'name', (p_coupon ->> 'percent_off')::smallint,
    (p_coupon ->> 'amount_off')::bigint, p_coupon ->> 'currency', p_coupon ->> 'duration',
    (p_coupon ->> 'duration_in_periods')::integer, (p_coupon ->> 'max_redemptions')::integer,
    (p_coupon ->> 'redeem_by')::timestamptz,
    coalesce(array(select pg_catalog.jsonb_array_elements_text(p_coupon -> 'plan_ids')), '{}'),
    p_at, p_at
  )
  on conflict (id) do update set
    name = excluded.name,
    percent_off = excluded.percent_off,
    amount_off = excluded.amount_off,
    currency = excluded.currency,
    duration = excluded.duration,
    duration_in_periods = excluded.duration_in_periods,
    max_redemptions = excluded.max_redemptions,
    redeem_by = excluded.redeem_by,
    plan_ids = excluded.plan_ids,
    updated_at = case
      when (c.name, c.percent_off, c.amount_off, c.currency, c.duration, c.duration_in_periods,
            c.max_redemptions, c.redeem_by, c.plan_ids)
           is distinct from (excluded.name, excluded.percent_off, excluded.amount_off,
                             excluded.currency, excluded.duration, excluded.duration_in_periods,
                             excluded.max_redemptions, excluded.redeem_by, excluded.plan_ids)
      then p_at else c.updated_at end
  returning to_jsonb(c) || jsonb_build_object('inserted', c.xmax::text = '0');
$function$;

CREATE OR REPLACE FUNCTION public.upsert_promotion_code(p_code jsonb, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  insert into public.promotion_code as p (code_key, code, coupon_id, max_redemptions, expires_at,
                                          first_subscription_only, created_at, updated_at)
  values (
    lower(p_code ->> 'code'), p_code ->> 'code', p_code ->> 'coupon_id',
    (p_code ->> 'max_redemptions')::integer, (p_code ->> 'expires_at')::timestamptz,
    coalesce((p_code ->> 'first_subscription_only')::boolean, false), p_at, p_at
  )
  on conflict (code_key) do update set
    code = excluded.code,
    coupon_id = excluded.coupon_id,
    max_redemptions = excluded.max_redemptions,
    expires_at = excluded.expires_at,
    first_subscription_only = excluded.first_subscription_only,
    updated_at = case
      when (p.code, p.coupon_id, p.max_redemptions, p.expires_at, p.first_subscription_only)
           is distinct from (excluded.code, excluded.coupon_id, excluded.max_redemptions,
                             excluded.expires_at, excluded.first_subscription_only)
      then p_at else p.updated_at end
  returning to_jsonb(p) || jsonb_build_object('inserted', p.xmax::text = '0');
$function$;
