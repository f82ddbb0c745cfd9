-- Subscriptions the web app can read. Only adds: columns, a trigger, functions, a view, policies.
--
-- * Every month also stores PortOne's `customer.id` (`customer_id`: the app's user id, as the
--   integration guide issues billing keys with `customerId: user.id`), `order_name` and
--   `currency`; never the billing key (PortOne holds it).
-- * `subscription_id`: the first month's `transaction_key`, shared by every month of one chain;
--   a renewal (or a successful retry) inherits it from the month it renews.
-- * `next_amount`, `next_order_name`, `next_currency`: a plan change at period end; the next
--   charge uses them, and the month it pays for records what PortOne charged.
-- * `public.subscription`: one row per subscription (its latest month, status, next charge),
--   `security_invoker`, so row level security decides what a caller sees.
-- * A logged-in user (`authenticated`) may select their own months, attempts and subscriptions
--   (`customer_id = auth.uid()::text`); nobody but `service_role` may write; `anon` reads nothing.

alter table public.payment
  add column if not exists customer_id text,
  add column if not exists order_name text,
  add column if not exists currency text,
  add column if not exists subscription_id text,
  add column if not exists next_amount bigint check (next_amount > 0),
  add column if not exists next_order_name text,
  add column if not exists next_currency text;

create index if not exists payment_subscription_id_idx on public.payment (subscription_id, start_at desc);
create index if not exists payment_customer_id_idx on public.payment (customer_id);

-- Every insert, whichever function makes it (an older release's too), gets its subscription:
-- that of the month it renews (its first charge or pending retry), else its own key.
create or replace function public.payment_subscription_id()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_key uuid := public.uuid_or_null(new.transaction_key);
begin
  if new.subscription_id is null then
    select coalesce(r.subscription_id, r.transaction_key) into new.subscription_id
    from public.payment as r
    where v_key is not null and (r.next_schedule_id = v_key or r.retry_payment_id = v_key)
    limit 1;
    new.subscription_id := coalesce(new.subscription_id, new.transaction_key);
  end if;
  return new;
end;
$$;

drop trigger if exists payment_subscription_id on public.payment;
create trigger payment_subscription_id before insert on public.payment
  for each row execute function public.payment_subscription_id();

-- Existing chains: each month that renews no other month starts one; its renewals follow
-- `renewed_by`.
with recursive chain (transaction_key, subscription_id) as (
  select p.transaction_key, p.transaction_key
  from public.payment as p
  where p.subscription_id is null
    and not exists (select 1 from public.payment as r where r.renewed_by = p.transaction_key)
  union all
  select n.transaction_key, c.subscription_id
  from chain as c
  join public.payment as m on m.transaction_key = c.transaction_key
  join public.payment as n on n.transaction_key = m.renewed_by
)
update public.payment as p
set subscription_id = chain.subscription_id
from chain
where p.transaction_key = chain.transaction_key and p.subscription_id is null;

-- record_paid_month, with the month's customer, order name and currency.
create or replace function public.record_subscription_month(
  p_transaction_key text,
  p_amount bigint,
  p_status text,
  p_start_at timestamptz,
  p_end_at timestamptz,
  p_end_grace_at timestamptz,
  p_next_schedule_at timestamptz,
  p_next_schedule_id uuid,
  p_customer_id text,
  p_order_name text,
  p_currency text
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_key uuid := public.uuid_or_null(p_transaction_key);
  v_renewed public.payment;
  v_row public.payment;
  v_inserted boolean := false;
begin
  if v_key is not null then
    select * into v_renewed from public.payment as r
    where r.next_schedule_id = v_key or r.retry_payment_id = v_key
    for update;
  end if;

  insert into public.payment as p (
    transaction_key, amount, status, start_at, end_at, end_grace_at, next_schedule_at, next_schedule_id,
    canceled_at, lapsed_at, customer_id, order_name, currency, subscription_id
  ) values (
    p_transaction_key, p_amount, p_status, p_start_at, p_end_at, p_end_grace_at, p_next_schedule_at,
    p_next_schedule_id, v_renewed.canceled_at,
    case when v_renewed.lapsed_at is not null then p_end_grace_at end,
    p_customer_id, p_order_name, p_currency,
    coalesce(v_renewed.subscription_id, v_renewed.transaction_key, p_transaction_key)
  )
  on conflict do nothing
  returning * into v_row;
  v_inserted := found;

  if not v_inserted then
    select * into v_row from public.payment as p where p.transaction_key = p_transaction_key;
    if not found then
      raise unique_violation using
        message = 'duplicate key value violates unique constraint "payment_next_schedule_id_key"',
        detail = format('Key (next_schedule_id)=(%s) already exists.', p_next_schedule_id);
    end if;
  end if;

  if v_renewed.transaction_key is not null and v_renewed.renewed_by is null then
    update public.payment as r set renewed_by = p_transaction_key
    where r.transaction_key = v_renewed.transaction_key
    returning * into v_renewed;
  end if;

  return next to_jsonb(v_row) || jsonb_build_object(
    'inserted', v_inserted,
    'renewed', case when v_renewed.transaction_key is null then null else to_jsonb(v_renewed) end
  );
end;
$$;

-- The months of the subscription `p_key` names (its subscription_id, or any month's
-- transaction_key), newest first, each with the failed attempts of its renewal.
create or replace function public.subscription_months(p_key text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
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
$$;

-- Every month of every subscription that has a month of `p_customer_id`, by subscription, newest
-- first.
create or replace function public.customer_subscription_months(p_customer_id text)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p) || jsonb_build_object('attempts', coalesce((
    select jsonb_agg(to_jsonb(a) order by a.attempt) from public.renewal_attempt as a
    where a.renewed_key = p.transaction_key
  ), '[]'::jsonb))
  from public.payment as p
  where p.subscription_id in (
    select c.subscription_id from public.payment as c where c.customer_id = p_customer_id
  )
  order by p.subscription_id, p.start_at desc, p.id desc;
$$;

-- A plan change: the next charge's terms (null keeps the month's own).
create or replace function public.set_next_terms(
  p_transaction_key text,
  p_next_amount bigint,
  p_next_order_name text,
  p_next_currency text
)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p
  set next_amount = p_next_amount, next_order_name = p_next_order_name, next_currency = p_next_currency
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$$;

-- A subscription's status at `p_at`, from its latest month, first rule first (the same rules as
-- `SubscriptionStatus::of` in `src/domain/subscription.rs`):
-- refunded; canceling / ended (cancelled, before or after end_at); lapsed (lapsed_at passed, or
-- the grace passed with nothing renewing it); past_due (a charge of its renewal failed); active.
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
    else 'active'
  end;
$$;

-- One row per subscription, now: what `Subscription::at` answers over HTTP, column for column.
create or replace view public.subscription with (security_invoker = true) as
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
  case when status.value in ('active', 'past_due') and pending.payment_id is not null then
    jsonb_build_object(
      'at', pending.at,
      'amount', coalesce(latest.next_amount, latest.amount),
      'currency', coalesce(latest.next_currency, latest.currency),
      'order_name', coalesce(latest.next_order_name, latest.order_name),
      'payment_id', pending.payment_id
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
  (select count(*)::integer from public.payment as m where m.subscription_id = latest.subscription_id) as months
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

-- Read access for the app's logged-in users: their own rows only.
do $$
begin
  if not exists (select from pg_policies where schemaname = 'public' and tablename = 'payment'
                 and policyname = 'payment_select_own') then
    create policy payment_select_own on public.payment for select to authenticated
      using (customer_id = (select auth.uid())::text);
  end if;
  if not exists (select from pg_policies where schemaname = 'public' and tablename = 'renewal_attempt'
                 and policyname = 'renewal_attempt_select_own') then
    create policy renewal_attempt_select_own on public.renewal_attempt for select to authenticated
      using (exists (
        select 1 from public.payment as p
        where p.transaction_key = renewal_attempt.renewed_key
          and p.customer_id = (select auth.uid())::text
      ));
  end if;
end
$$;

revoke all on table public.subscription from public, anon, authenticated;
grant select on table public.payment to authenticated;
grant select on table public.renewal_attempt to authenticated;
grant select on table public.subscription to authenticated, service_role;

revoke execute on function public.payment_subscription_id() from public, anon, authenticated;
revoke execute on function public.record_subscription_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid, text, text, text) from public, anon, authenticated;
revoke execute on function public.subscription_months(text) from public, anon, authenticated;
revoke execute on function public.customer_subscription_months(text) from public, anon, authenticated;
revoke execute on function public.set_next_terms(text, bigint, text, text) from public, anon, authenticated;
revoke execute on function public.subscription_status(public.payment, timestamptz) from public, anon;
grant execute on function public.record_subscription_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid, text, text, text) to service_role;
grant execute on function public.subscription_months(text) to service_role;
grant execute on function public.customer_subscription_months(text) to service_role;
grant execute on function public.set_next_terms(text, bigint, text, text) to service_role;
grant execute on function public.subscription_status(public.payment, timestamptz) to authenticated, service_role;
