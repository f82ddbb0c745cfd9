-- The per-customer limit of charge-triggering calls, kept in the database so every replica counts
-- the same calls (it was a counter in each process: N replicas allowed N times the limit), and
-- the lease end of a running checkout, so a repeat is told when to come back. Only adds: a
-- table, a function, and one function body with the same signature.

-- One row per counted call (a start, a card update). Rows older than the window are deleted by
-- the next count of the same customer.
create table if not exists public.charge_attempt (
  customer_id text not null,
  at timestamptz not null
);
create index if not exists charge_attempt_customer_at_idx on public.charge_attempt (customer_id, at);
alter table public.charge_attempt enable row level security;
revoke all on table public.charge_attempt from public, anon, authenticated;
grant select, insert, delete on table public.charge_attempt to service_role;

-- Counts one call of `p_customer_id` at `p_now` (the service's clock) unless `p_limit` calls were
-- counted in the `p_window_seconds` before it: `{taken: true}`, or `{taken: false,
-- retry_after_seconds}` (until the oldest counted call leaves the window, rounded up, at least 1).
-- A per-customer advisory lock makes it atomic across connections and replicas.
create or replace function public.take_charge_slot(
  p_customer_id text,
  p_limit integer,
  p_window_seconds integer,
  p_now timestamptz
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_window interval := make_interval(secs => p_window_seconds);
  v_count integer;
  v_oldest timestamptz;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('charge:' || p_customer_id, 0));
  delete from public.charge_attempt as a
  where a.customer_id = p_customer_id and a.at <= p_now - v_window;
  select count(*), min(a.at) into v_count, v_oldest
  from public.charge_attempt as a
  where a.customer_id = p_customer_id;
  if v_count < p_limit then
    insert into public.charge_attempt (customer_id, at) values (p_customer_id, p_now);
    return next jsonb_build_object('taken', true);
    return;
  end if;
  return next jsonb_build_object(
    'taken', false,
    'retry_after_seconds', greatest(1, ceil(extract(epoch from (v_oldest + v_window - p_now)))::bigint)
  );
end;
$$;

revoke execute on function public.take_charge_slot(text, integer, integer, timestamptz) from public, anon, authenticated;
grant execute on function public.take_charge_slot(text, integer, integer, timestamptz) to service_role;

-- As before, and `retry_after_seconds` with `in_progress` and `busy`: until the running claim's
-- lease ends (a repeat after a crash used to be told 1 second, and came back for a minute).
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
  v_busy_until timestamptz;
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
      return next jsonb_build_object('claim', 'in_progress', 'retry_after_seconds',
        greatest(1, ceil(extract(epoch from (v.locked_until - now())))::bigint));
      return;
    end if;
  end if;
  select max(c.locked_until) into v_busy_until from public.checkout as c
  where c.customer_id = p_customer_id and c.idempotency_key <> p_key
    and c.state = 'started' and c.locked_until > now();
  if v_busy_until is not null then
    return next jsonb_build_object('claim', 'busy', 'retry_after_seconds',
      greatest(1, ceil(extract(epoch from (v_busy_until - now())))::bigint));
    return;
  end if;
  insert into public.checkout as c (customer_id, idempotency_key, request_hash, payment_id, locked_until)
  values (p_customer_id, p_key, p_request_hash, p_payment_id, now() + make_interval(secs => p_seconds))
  on conflict (customer_id, idempotency_key) do update
    set locked_until = excluded.locked_until, updated_at = now();
  return next jsonb_build_object('claim', 'claimed');
end;
$$;

update public.schema_version set version = greatest(version, 20261212000000);
