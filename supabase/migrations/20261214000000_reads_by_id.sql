-- Reads by id, a card summary kept once, and three unused functions dropped.
--
-- * `event_by_id`: one event with its delivery attempts (redelivery used to list up to 10,000
--   events of the subscription to find it).
-- * `keep_payment_method`: stores a subscription's card summary unless one is stored (a read of a
--   webhook-born subscription asked PortOne for the paying card on every read; now the first read
--   stores it, and a card update's method is never overwritten by the card it replaced).
-- * `record_paid_payment`, `record_paid_month`, `record_subscription_month`: wrappers of
--   `record_month` that no release calls any more.

create or replace function public.event_by_id(p_id uuid)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', coalesce((
    select jsonb_agg(to_jsonb(a) - 'event_id' order by a.attempt)
    from public.subscription_event_attempt as a where a.event_id = e.id
  ), '[]'::jsonb))
  from public.subscription_event as e
  where e.id = p_id;
$$;

create or replace function public.keep_payment_method(p_method jsonb)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
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
$$;

revoke execute on function public.event_by_id(uuid) from public, anon, authenticated;
revoke execute on function public.keep_payment_method(jsonb) from public, anon, authenticated;
grant execute on function public.event_by_id(uuid) to service_role;
grant execute on function public.keep_payment_method(jsonb) to service_role;

drop function if exists public.record_paid_payment(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid);
drop function if exists public.record_paid_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid);
drop function if exists public.record_subscription_month(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid, text, text, text);

update public.schema_version set version = greatest(version, 20261214000000);
