-- A page of subscription events for `GET /api/events`: a customer's own (by `customer_id`), or
-- for the app's server of one subscription and/or customer, newest first, after a cursor
-- (keyset pagination on `(occurred_at, id)`, so a page never skips or repeats an event while new
-- ones arrive).

create index if not exists subscription_event_of_customer
  on public.subscription_event (customer_id, occurred_at desc, id desc);

create or replace function public.subscription_event_page(
  p_subscription_id text, p_customer_id text, p_before_at timestamptz, p_before_id uuid, p_limit integer)
returns setof jsonb
language sql
stable
set search_path = ''
as $$
  select to_jsonb(e) || jsonb_build_object('delivery_attempts', '[]'::jsonb)
  from public.subscription_event as e
  where (p_subscription_id is null or e.subscription_id = p_subscription_id)
    and (p_customer_id is null or e.customer_id = p_customer_id)
    and (p_before_at is null or (e.occurred_at, e.id) < (p_before_at, p_before_id))
  order by e.occurred_at desc, e.id desc
  limit p_limit;
$$;

revoke execute on function public.subscription_event_page(text, text, timestamptz, uuid, integer) from public, anon, authenticated;
grant execute on function public.subscription_event_page(text, text, timestamptz, uuid, integer) to service_role;

update public.schema_version set version = greatest(version, 20261215000000);
