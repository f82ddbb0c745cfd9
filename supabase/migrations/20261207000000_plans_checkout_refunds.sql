-- Starting a subscription: a plan catalog, the first charge, trials and refunds. Only adds tables,
-- columns and functions, and replaces function bodies and the `subscription` view (existing
-- columns unchanged, new ones appended), so a replica on the previous release keeps working.
--
-- * `public.plan`: the merchant's price list. `anon` and `authenticated` may read active plans
--   (a pricing page needs no server); only `service_role` writes.
-- * `payment.plan_id`: the plan a month was charged on (from the charge's PortOne `customData`);
--   `payment.next_plan_id`: a plan change's plan, with the other next-charge terms.
-- * `payment.refunded_amount`: how much of the month's payment was refunded, in its currency's unit.
-- * A trial is a month of its own: `status` 'Trial', `amount` 0, `end_at` the trial's end, its
--   next-charge terms the plan's; its first charge renews it, as any renewal does.
-- * `public.payment_method`: the billing key (and the card's summary) a subscription's next
--   charges use, kept apart from the months because `authenticated` may read its own months and
--   must never read a billing key.
-- * `public.checkout`: one row per `POST /api/subscriptions` `Idempotency-Key` and customer, so a
--   repeated or concurrent request never charges twice.
-- * `public.subscription_v2`: the read model with the plan, the trial, refunds and the card.

create table if not exists public.plan (
  id text primary key check (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
  name text not null check (length(btrim(name)) > 0),
  amount bigint not null check (amount > 0),
  currency text not null,
  trial_days integer not null default 0 check (trial_days between 0 and 365),
  active boolean not null default true,
  features jsonb not null default '{}'::jsonb check (jsonb_typeof(features) = 'object'),
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.plan enable row level security;
revoke all on table public.plan from public, anon, authenticated;
grant select on table public.plan to anon, authenticated;
grant select, insert, update on table public.plan to service_role;

do $$
begin
  if not exists (select from pg_policies where schemaname = 'public' and tablename = 'plan'
                 and policyname = 'plan_select_active') then
    create policy plan_select_active on public.plan for select to anon, authenticated using (active);
  end if;
end
$$;

alter table public.payment
  add column if not exists plan_id text,
  add column if not exists next_plan_id text,
  add column if not exists refunded_amount bigint check (refunded_amount >= 0);

create table if not exists public.payment_method (
  subscription_id text primary key,
  customer_id text,
  billing_key text not null,
  issuer text,
  brand text,
  number text,
  updated_at timestamptz not null
);

alter table public.payment_method enable row level security;
revoke all on table public.payment_method from public, anon, authenticated;
grant select, insert, update on table public.payment_method to service_role;
-- A signed-in customer sees their own card's summary, never its billing key: the column is not
-- granted.
grant select (subscription_id, customer_id, issuer, brand, number, updated_at)
  on table public.payment_method to authenticated;

do $$
begin
  if not exists (select from pg_policies where schemaname = 'public' and tablename = 'payment_method'
                 and policyname = 'payment_method_select_own') then
    create policy payment_method_select_own on public.payment_method for select to authenticated
      using (customer_id = (select auth.uid())::text);
  end if;
end
$$;

create table if not exists public.checkout (
  customer_id text not null,
  idempotency_key text not null,
  request_hash text not null,
  payment_id text not null,
  state text not null default 'started' check (state in ('started', 'completed')),
  locked_until timestamptz,
  response_status integer,
  response jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (customer_id, idempotency_key)
);

alter table public.checkout enable row level security;
revoke all on table public.checkout from public, anon, authenticated;
grant select, insert, update, delete on table public.checkout to service_role;

-- Every plan, archived ones too, by sort order then id.
create or replace function public.plans()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p) from public.plan as p order by p.sort_order, p.id;
$$;

create or replace function public.plan_by_id(p_id text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p) from public.plan as p where p.id = p_id;
$$;

-- Creates or replaces a plan's terms (`PUT /api/plans/{id}`): the same body twice changes
-- nothing, `updated_at` included. An archived plan stays archived. `inserted` says which.
create or replace function public.upsert_plan(p_plan jsonb, p_at timestamptz)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into public.plan as p (id, name, amount, currency, trial_days, features, sort_order, created_at, updated_at)
  values (
    p_plan ->> 'id', p_plan ->> 'name', (p_plan ->> 'amount')::bigint, p_plan ->> 'currency',
    (p_plan ->> 'trial_days')::integer, coalesce(p_plan -> 'features', '{}'::jsonb),
    coalesce((p_plan ->> 'sort_order')::integer, 0), p_at, p_at
  )
  on conflict (id) do update set
    name = excluded.name,
    amount = excluded.amount,
    currency = excluded.currency,
    trial_days = excluded.trial_days,
    features = excluded.features,
    sort_order = excluded.sort_order,
    updated_at = case
      when (p.name, p.amount, p.currency, p.trial_days, p.features, p.sort_order)
           is distinct from (excluded.name, excluded.amount, excluded.currency, excluded.trial_days,
                             excluded.features, excluded.sort_order)
      then p_at else p.updated_at end
  returning to_jsonb(p) || jsonb_build_object('inserted', p.xmax::text = '0');
$$;

-- Archives a plan: no new subscription starts on it. Idempotent.
create or replace function public.archive_plan(p_id text, p_at timestamptz)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.plan as p
  set active = false, updated_at = case when p.active then p_at else p.updated_at end
  where p.id = p_id
  returning to_jsonb(p);
$$;

-- A month's next-charge terms, all at once (a plan change): the keys of `p_terms` are the
-- `next_…` columns; a missing or null one keeps the month's own term.
create or replace function public.set_next_terms(p_transaction_key text, p_terms jsonb)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p set
    next_amount = (p_terms ->> 'next_amount')::bigint,
    next_order_name = p_terms ->> 'next_order_name',
    next_currency = p_terms ->> 'next_currency',
    next_plan_id = p_terms ->> 'next_plan_id'
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

-- The refunded total of a month, as PortOne reports it after a refund: it only grows, so a late
-- or replayed webhook cannot lower it.
create or replace function public.record_refund(p_transaction_key text, p_refunded_amount bigint)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_refunded_amount)
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

create or replace function public.payment_method_of(p_subscription_id text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(m) from public.payment_method as m where m.subscription_id = p_subscription_id;
$$;

-- Sets the billing key (and card) a subscription's next charges use.
create or replace function public.set_payment_method(p_method jsonb)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into public.payment_method as m (subscription_id, customer_id, billing_key, issuer, brand, number, updated_at)
  values (
    p_method ->> 'subscription_id', p_method ->> 'customer_id', p_method ->> 'billing_key',
    p_method ->> 'issuer', p_method ->> 'brand', p_method ->> 'number', (p_method ->> 'updated_at')::timestamptz
  )
  on conflict (subscription_id) do update set
    customer_id = excluded.customer_id, billing_key = excluded.billing_key, issuer = excluded.issuer,
    brand = excluded.brand, number = excluded.number, updated_at = excluded.updated_at
  returning to_jsonb(m);
$$;

-- Claims `p_key` of `p_customer_id` for one checkout, under a per-customer lock so two starts
-- of one customer never run at once. Answers one row, `claim`:
-- * `claimed`: go on (a new key, or one whose earlier holder's lock expired without finishing);
-- * `completed`: answered before; `response_status` and `response` are what to answer again;
-- * `in_progress`: another request with this key is running;
-- * `busy`: another key of this customer is running;
-- * `mismatch`: this key was used with another request body.
create or replace function public.claim_checkout(
  p_customer_id text,
  p_key text,
  p_request_hash text,
  p_payment_id text,
  p_seconds integer
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v public.checkout;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('checkout:' || p_customer_id, 0));
  select * into v from public.checkout as c
  where c.customer_id = p_customer_id and c.idempotency_key = p_key;
  if found then
    if v.request_hash <> p_request_hash then
      return next jsonb_build_object('claim', 'mismatch');
      return;
    end if;
    if v.state = 'completed' then
      return next jsonb_build_object('claim', 'completed', 'response_status', v.response_status,
                                     'response', v.response);
      return;
    end if;
    if v.locked_until > now() then
      return next jsonb_build_object('claim', 'in_progress');
      return;
    end if;
  end if;
  if exists (
    select 1 from public.checkout as c
    where c.customer_id = p_customer_id and c.idempotency_key <> p_key
      and c.state = 'started' and c.locked_until > now()
  ) then
    return next jsonb_build_object('claim', 'busy');
    return;
  end if;
  insert into public.checkout as c (customer_id, idempotency_key, request_hash, payment_id, locked_until)
  values (p_customer_id, p_key, p_request_hash, p_payment_id, now() + make_interval(secs => p_seconds))
  on conflict (customer_id, idempotency_key) do update
    set locked_until = excluded.locked_until, updated_at = now();
  return next jsonb_build_object('claim', 'claimed');
end;
$$;

-- Stores a checkout's answer: later requests with its key get it again.
create or replace function public.complete_checkout(
  p_customer_id text,
  p_key text,
  p_response_status integer,
  p_response jsonb
)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.checkout as c
  set state = 'completed', response_status = p_response_status, response = p_response,
      locked_until = null, updated_at = now()
  where c.customer_id = p_customer_id and c.idempotency_key = p_key
  returning jsonb_build_object('claim', 'completed');
$$;

-- Gives a claim back without an answer (nothing was charged, or PortOne's answer is unknown):
-- the same key may be sent again.
create or replace function public.release_checkout(p_customer_id text, p_key text)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  delete from public.checkout as c
  where c.customer_id = p_customer_id and c.idempotency_key = p_key and c.state = 'started'
  returning jsonb_build_object('claim', 'released');
$$;

-- The status rules with `trialing` (the same rules as `SubscriptionStatus::of`): a trial month
-- nothing failed on is trialing until its first charge renews it.
create or replace function public.subscription_status(p public.payment, p_at timestamptz)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p.status = 'Cancelled' then 'refunded'
    when p.canceled_at is not null and p_at <= p.end_at then 'canceling'
    when p.canceled_at is not null then 'ended'
    when p.lapsed_at is not null and p.lapsed_at <= p_at then 'lapsed'
    when p_at > p.end_grace_at then 'lapsed'
    when p.renewal_attempts > 0 then 'past_due'
    when p.status = 'Trial' then 'trialing'
    else 'active'
  end;
$$;

-- The read model as this release answers it over HTTP: `public.subscription`'s columns (its
-- `next_charge` also while `trialing`, with the charge's `plan_id`; `months` counting paid months
-- only), then `plan_id`, `trial_end_at`, `refunded_amount` and `payment_method` (the card's issuer,
-- brand and masked number; never its billing key). A new view rather than a wider
-- `public.subscription`, so every migration can still be applied again in order: an older file's
-- `create or replace view` could not narrow a widened view.
create or replace view public.subscription_v2 with (security_invoker = true) as
select
  latest.subscription_id,
  latest.customer_id,
  status.value as status,
  latest.transaction_key,
  latest.order_name,
  latest.amount,
  latest.currency,
  latest.start_at,
  latest.end_at,
  latest.end_grace_at,
  latest.canceled_at,
  case when status.value in ('active', 'past_due', 'trialing') and pending.payment_id is not null then
    jsonb_build_object(
      'at', pending.at,
      'amount', coalesce(latest.next_amount, latest.amount),
      'currency', coalesce(latest.next_currency, latest.currency),
      'order_name', coalesce(latest.next_order_name, latest.order_name),
      'payment_id', pending.payment_id,
      'plan_id', coalesce(latest.next_plan_id, latest.plan_id)
    )
  end as next_charge,
  case
    when status.value = 'refunded' then 'refunded'
    when status.value in ('canceling', 'ended') then 'cancelled'
    when status.value = 'lapsed' then 'lapsed'
    when pending.payment_id is null then 'retries_exhausted'
  end as no_charge_reason,
  latest.renewal_attempts,
  latest.retry_limit,
  latest.last_failure_reason,
  latest.lapsed_at,
  coalesce((
    select jsonb_agg(jsonb_build_object(
      'renewed_key', a.renewed_key, 'attempt', a.attempt, 'payment_id', a.payment_id,
      'failure_reason', a.failure_reason, 'pg_code', a.pg_code, 'pg_message', a.pg_message,
      'failed_at', a.failed_at
    ) order by a.attempt)
    from public.renewal_attempt as a
    where a.renewed_key = latest.transaction_key
  ), '[]'::jsonb) as attempts,
  (select count(*)::integer from public.payment as m
   where m.subscription_id = latest.subscription_id and m.status <> 'Trial') as months,
  latest.plan_id,
  (select t.end_at from public.payment as t
   where t.subscription_id = latest.subscription_id and t.status = 'Trial'
   order by t.start_at limit 1) as trial_end_at,
  latest.refunded_amount,
  (select jsonb_build_object('issuer', m.issuer, 'brand', m.brand, 'number', m.number)
   from public.payment_method as m where m.subscription_id = latest.subscription_id) as payment_method
from (
  select distinct on (p.subscription_id) p as month
  from public.payment as p
  where p.subscription_id is not null
  order by p.subscription_id, p.start_at desc, p.id desc
) as newest
cross join lateral (select (newest.month).*) as latest
cross join lateral (select public.subscription_status(newest.month, now()) as value) as status
cross join lateral (
  select
    case when latest.renewed_by is null and latest.lapsed_at is null then
      case
        when latest.retry_payment_id is not null and latest.retry_at is not null then latest.retry_payment_id
        when latest.renewal_attempts = 0 then latest.next_schedule_id
      end
    end as payment_id,
    case when latest.renewed_by is null and latest.lapsed_at is null then
      case
        when latest.retry_payment_id is not null and latest.retry_at is not null then latest.retry_at
        when latest.renewal_attempts = 0 then latest.next_schedule_at
      end
    end as at
) as pending;

revoke all on table public.subscription_v2 from public, anon, authenticated;
grant select on table public.subscription_v2 to authenticated, service_role;

-- Readiness answers for this schema.
create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', 20261207000000::bigint);
$$;

revoke execute on function public.plans() from public;
revoke execute on function public.plan_by_id(text) from public;
revoke execute on function public.upsert_plan(jsonb, timestamptz) from public, anon, authenticated;
revoke execute on function public.archive_plan(text, timestamptz) from public, anon, authenticated;
revoke execute on function public.set_next_terms(text, jsonb) from public, anon, authenticated;
revoke execute on function public.record_refund(text, bigint) from public, anon, authenticated;
revoke execute on function public.payment_method_of(text) from public, anon, authenticated;
revoke execute on function public.set_payment_method(jsonb) from public, anon, authenticated;
revoke execute on function public.claim_checkout(text, text, text, text, integer) from public, anon, authenticated;
revoke execute on function public.complete_checkout(text, text, integer, jsonb) from public, anon, authenticated;
revoke execute on function public.release_checkout(text, text) from public, anon, authenticated;
grant execute on function public.plans() to service_role;
grant execute on function public.plan_by_id(text) to service_role;
grant execute on function public.upsert_plan(jsonb, timestamptz) to service_role;
grant execute on function public.archive_plan(text, timestamptz) to service_role;
grant execute on function public.set_next_terms(text, jsonb) to service_role;
grant execute on function public.record_refund(text, bigint) to service_role;
grant execute on function public.payment_method_of(text) to service_role;
grant execute on function public.set_payment_method(jsonb) to service_role;
grant execute on function public.claim_checkout(text, text, text, text, integer) to service_role;
grant execute on function public.complete_checkout(text, text, integer, jsonb) to service_role;
grant execute on function public.release_checkout(text, text) to service_role;
