-- Card updates: a subscription's next charges go to the card stored in public.payment_method (a
-- trial's, a checkout's, or a customer's new card). The paid webhook schedules the next month, so
-- it needs that card: record_month now answers it along with the month, in the same call, so a
-- paid webhook still makes one storage round trip. Same signature and return type; the answer
-- gains one key, `payment_method` (null when none is stored). Only the service role calls it.

create or replace function public.record_month(p_month jsonb)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  select r || pg_catalog.jsonb_build_object('payment_method', (
    select pg_catalog.to_jsonb(m) from public.payment_method as m
    where m.subscription_id = coalesce(r ->> 'subscription_id', r ->> 'transaction_key')
  ))
  from public.insert_month(pg_catalog.jsonb_populate_record(null::public.payment, p_month)) as r;
$$;

revoke execute on function public.record_month(jsonb) from public, anon, authenticated;
grant execute on function public.record_month(jsonb) to service_role;

create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', 20261208000000::bigint);
$$;
