-- Readiness: the trivial query `GET /readyz` sends through the same path every webhook's write
-- takes (an RPC as service_role), so a replica is ready only when storage answers, its key is
-- accepted, and the migrations up to this one are applied. Only adds.
create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true);
$$;

revoke execute on function public.ready() from public, anon, authenticated;
grant execute on function public.ready() to service_role;
