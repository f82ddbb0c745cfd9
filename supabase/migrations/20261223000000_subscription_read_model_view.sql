-- The read model for supabase-js, exactly as the API answers it (issue 26/27 follow-up): one row
-- per subscription with `subscription`, the object `GET /api/subscriptions/{id}` answers as
-- `subscription` (seats in effect, a pending change, the interval and anchor included), built by
-- `subscription_at` at the time of the read. `security_invoker`, and `subscription_at` reads
-- under the caller's RLS, so a signed-in customer sees their own subscriptions and nobody else's
-- (https://supabase.com/docs/guides/database/postgres/row-level-security).

grant execute on function public.subscription_at(text, timestamptz) to authenticated;

create or replace view public.subscription_v3 with (security_invoker = true) as
  select s.subscription_id, s.customer_id, public.subscription_at(s.subscription_id, now()) as subscription
  from (
    select distinct on (p.subscription_id) p.subscription_id, p.customer_id
    from public.payment as p
    where p.subscription_id is not null
    order by p.subscription_id, p.start_at desc, p.id desc
  ) as s;

revoke all on table public.subscription_v3 from public, anon;
grant select on table public.subscription_v3 to authenticated, service_role;

update public.schema_version set version = greatest(version, 20261223000000);
