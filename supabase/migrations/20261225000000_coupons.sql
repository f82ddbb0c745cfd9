-- Coupons, promotion codes and their redemptions; the discount each month's charge got and the
-- one its next charge gets. Terms follow Stripe's coupons and promotion codes
-- (https://docs.stripe.com/api/coupons/object, https://docs.stripe.com/api/promotion_codes/object).

-- What a month's charge was discounted by (a Discount as the service writes it: coupon_id,
-- percent_off or amount_off with currency, periods_left counting this charge), how much that took
-- off (the list price is amount + discount_amount), and the discount the next charge gets.
alter table public.payment
  add column if not exists discount jsonb,
  add column if not exists discount_amount bigint check (discount_amount >= 0),
  add column if not exists next_discount jsonb;

create table if not exists public.coupon (
  id text primary key,
  name text not null,
  percent_off smallint check (percent_off between 1 and 100),
  amount_off bigint check (amount_off > 0),
  currency text,
  duration text not null check (duration in ('once', 'repeating', 'forever')),
  duration_in_periods integer check (duration_in_periods > 0),
  max_redemptions integer check (max_redemptions > 0),
  redeem_by timestamptz,
  plan_ids text[] not null default '{}',
  times_redeemed integer not null default 0 check (times_redeemed >= 0),
  archived_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((percent_off is null) <> (amount_off is null)),
  check ((amount_off is null) = (currency is null))
);

-- A customer-facing code, matched case-insensitively by `code_key` (lower case).
create table if not exists public.promotion_code (
  code_key text primary key,
  code text not null,
  coupon_id text not null references public.coupon (id),
  max_redemptions integer check (max_redemptions > 0),
  expires_at timestamptz,
  first_subscription_only boolean not null default false,
  active boolean not null default true,
  times_redeemed integer not null default 0 check (times_redeemed >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (code_key = lower(code))
);

-- One row per redemption, keyed by what redeemed it (a checkout's first payment id, an admin's
-- application to a subscription), so a repeat of the same request never counts twice.
create table if not exists public.coupon_redemption (
  redemption_key text primary key,
  coupon_id text not null references public.coupon (id),
  code_key text references public.promotion_code (code_key),
  customer_id text,
  redeemed_at timestamptz not null
);

alter table public.coupon enable row level security;
alter table public.promotion_code enable row level security;
alter table public.coupon_redemption enable row level security;
-- Codes are the merchant's: listing them needs the admin token, so no role but service_role
-- reads these tables.
revoke all on table public.coupon, public.promotion_code, public.coupon_redemption from public, anon, authenticated;
grant select, insert, update, delete on table public.coupon, public.promotion_code, public.coupon_redemption to service_role;

create or replace function public.upsert_coupon(p_coupon jsonb, p_at timestamptz)
returns setof jsonb
language sql
set search_path = ''
as $$
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
$$;

create or replace function public.coupons()
returns setof jsonb
language sql
stable
set search_path = ''
as $$
  select to_jsonb(c) from public.coupon as c order by c.created_at, c.id;
$$;

create or replace function public.coupon_by_id(p_id text)
returns setof jsonb
language sql
stable
set search_path = ''
as $$
  select to_jsonb(c) from public.coupon as c where c.id = p_id;
$$;

create or replace function public.archive_coupon(p_id text, p_at timestamptz)
returns setof jsonb
language sql
set search_path = ''
as $$
  update public.coupon as c
  set archived_at = coalesce(c.archived_at, p_at),
      updated_at = case when c.archived_at is null then p_at else c.updated_at end
  where c.id = p_id
  returning to_jsonb(c);
$$;

create or replace function public.upsert_promotion_code(p_code jsonb, p_at timestamptz)
returns setof jsonb
language sql
set search_path = ''
as $$
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
$$;

create or replace function public.promotion_codes()
returns setof jsonb
language sql
stable
set search_path = ''
as $$
  select to_jsonb(p) from public.promotion_code as p order by p.created_at, p.code_key;
$$;

-- A code (matched case-insensitively) with its coupon under `coupon`.
create or replace function public.promotion_code_by_code(p_code text)
returns setof jsonb
language sql
stable
set search_path = ''
as $$
  select to_jsonb(p) || jsonb_build_object('coupon', to_jsonb(c))
  from public.promotion_code as p
  join public.coupon as c on c.id = p.coupon_id
  where p.code_key = lower(p_code);
$$;

-- Counts one redemption of `p_coupon_id` (through the code `p_code`, when given), atomically:
-- both rows are locked, both limits checked, both counters moved and the redemption written in
-- one transaction, so concurrent checkouts never take more than the limit. A repeat of
-- `p_key` counts nothing and answers as the first did. `{"redeemed": false}`: a limit was
-- reached.
create or replace function public.redeem_coupon(
  p_key text, p_coupon_id text, p_code text, p_customer_id text, p_at timestamptz
)
returns setof jsonb
language plpgsql
set search_path = ''
as $$
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
$$;

-- Gives back the redemption `p_key` (its charge was declined): the counters move back once.
create or replace function public.release_redemption(p_key text)
returns setof jsonb
language plpgsql
set search_path = ''
as $$
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
$$;

-- The discount the next charge of the month `p_transaction_key` gets (an admin's coupon applied to
-- a running subscription, from its next charge); `null` removes it.
create or replace function public.set_next_discount(p_transaction_key text, p_discount jsonb)
returns setof jsonb
language sql
set search_path = ''
as $$
  update public.payment as p set next_discount = nullif(p_discount, 'null'::jsonb)
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

-- The billing history with the list price, the discount and its coupon. A view of its own:
-- replacing `billing_history` with more columns would make re-running its own migration fail.
create or replace view public.billing_history_v2 with (security_invoker = true) as
 select m.subscription_id,
    m.customer_id,
    'period'::text as kind,
    m.transaction_key as payment_id,
    m.billing_number as number,
    m.amount,
    m.currency,
    m.plan_id,
    m.quantity,
    m.start_at,
    m.end_at,
    m.start_at as charged_at,
    m.refunded_amount,
    m.receipt_url,
    case when m.status = 'Cancelled' then 'cancelled' else 'paid' end as status,
    m.amount + coalesce(m.discount_amount, 0) as list_amount,
    coalesce(m.discount_amount, 0) as discount_amount,
    case when coalesce(m.discount_amount, 0) > 0 then m.discount ->> 'coupon_id' end as coupon_id
   from public.payment m
  where m.status <> 'Trial'
union all
 select p.subscription_id,
    p.customer_id,
    'proration'::text as kind,
    p.payment_id,
    p.billing_number as number,
    p.amount,
    p.currency,
    p.to_plan_id as plan_id,
    p.to_quantity as quantity,
    p.paid_at as start_at,
    p.period_end as end_at,
    p.paid_at as charged_at,
    p.refunded_amount,
    null::text as receipt_url,
    'paid'::text as status,
    p.amount as list_amount,
    0::bigint as discount_amount,
    null::text as coupon_id
   from public.proration p
  where p.status = 'paid';

grant select on public.billing_history_v2 to authenticated, service_role;

do $$
declare
  v_function text;
begin
  foreach v_function in array array[
    'upsert_coupon(jsonb, timestamptz)', 'coupons()', 'coupon_by_id(text)',
    'archive_coupon(text, timestamptz)', 'upsert_promotion_code(jsonb, timestamptz)',
    'promotion_codes()', 'promotion_code_by_code(text)',
    'redeem_coupon(text, text, text, text, timestamptz)', 'release_redemption(text)',
    'set_next_discount(text, jsonb)'
  ] loop
    execute format('revoke execute on function public.%s from public, anon, authenticated', v_function);
    execute format('grant execute on function public.%s to service_role', v_function);
  end loop;
end;
$$;

update public.schema_version set version = greatest(version, 20261225000000);
