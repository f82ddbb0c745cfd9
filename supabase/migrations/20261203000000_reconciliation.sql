-- Reconciliation: what a pass reads (open renewals in pages, the owners of orphan schedules) and
-- the lease that keeps replicas from running two passes at once. Only adds.
--
-- A month's renewal is "open" while nothing renewed it, it did not lapse, and it was neither
-- cancelled at period end nor refunded. Its pending charge is the first charge
-- (`next_schedule_id` at `next_schedule_at`) or, during dunning, the pending retry.

-- When the month's pending charge is due; null when none is pending (renewed, lapsed, or every
-- retry failed). The same rule as `PaymentRecord::pending_charge`.
create or replace function public.pending_charge_at(p public.payment)
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select case when p.renewed_by is null and p.lapsed_at is null then
    case
      when p.retry_payment_id is not null and p.retry_at is not null then p.retry_at
      when p.renewal_attempts = 0 then p.next_schedule_at
    end
  end;
$$;

-- One row per subscription at most (its latest month), ordered as the pass reads them.
create index if not exists payment_open_renewals_idx
  on public.payment (public.pending_charge_at(payment), transaction_key)
  where renewed_by is null and lapsed_at is null and canceled_at is null and status <> 'Cancelled';

-- Open renewals whose pending charge is in [p_from, p_until), after the cursor
-- (p_after_at, p_after_key), at most p_limit, in (pending charge, transaction_key) order.
create or replace function public.open_renewals(
  p_from timestamptz,
  p_until timestamptz,
  p_after_at timestamptz,
  p_after_key text,
  p_limit integer
)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p)
  from public.payment as p
  where p.renewed_by is null and p.lapsed_at is null and p.canceled_at is null and p.status <> 'Cancelled'
    and public.pending_charge_at(p) >= p_from
    and public.pending_charge_at(p) < p_until
    and (p_after_at is null or (public.pending_charge_at(p), p.transaction_key) > (p_after_at, p_after_key))
  order by public.pending_charge_at(p), p.transaction_key
  limit p_limit;
$$;

-- The months that stopped (cancelled at period end, refunded, or lapsed) and whose first charge
-- or retry is one of `p_payment_ids`: a live schedule of one of these is an orphan.
create or replace function public.stopped_months_for(p_payment_ids uuid[])
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p)
  from public.payment as p
  where (p.next_schedule_id = any (p_payment_ids) or p.retry_payment_id = any (p_payment_ids))
    and p.renewed_by is null
    and (p.canceled_at is not null or p.status = 'Cancelled' or p.lapsed_at is not null);
$$;

-- One holder at a time per name, until `expires_at` (the database's clock). Advisory locks would
-- not do: they belong to a session, and PostgREST runs each call on whichever pooled connection.
create table if not exists public.reconcile_lease (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null
);

alter table public.reconcile_lease enable row level security;
revoke all on table public.reconcile_lease from public, anon, authenticated;
grant select, insert, update, delete on table public.reconcile_lease to service_role;

-- Claims (or, for its holder, extends) the lease for `p_seconds`; a row when it is the caller's,
-- none while another holder's has not expired.
create or replace function public.claim_lease(p_name text, p_holder text, p_seconds integer)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into public.reconcile_lease as l (name, holder, expires_at)
  values (p_name, p_holder, now() + make_interval(secs => p_seconds))
  on conflict (name) do update
    set holder = excluded.holder, expires_at = excluded.expires_at
    where l.expires_at < now() or l.holder = excluded.holder
  returning to_jsonb(l);
$$;

-- Gives the lease back; a row when the caller held it.
create or replace function public.release_lease(p_name text, p_holder text)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  delete from public.reconcile_lease as l
  where l.name = p_name and l.holder = p_holder
  returning to_jsonb(l);
$$;

revoke execute on function public.pending_charge_at(public.payment) from public, anon, authenticated;
revoke execute on function public.open_renewals(timestamptz, timestamptz, timestamptz, text, integer) from public, anon, authenticated;
revoke execute on function public.stopped_months_for(uuid[]) from public, anon, authenticated;
revoke execute on function public.claim_lease(text, text, integer) from public, anon, authenticated;
revoke execute on function public.release_lease(text, text) from public, anon, authenticated;
grant execute on function public.pending_charge_at(public.payment) to service_role;
grant execute on function public.open_renewals(timestamptz, timestamptz, timestamptz, text, integer) to service_role;
grant execute on function public.stopped_months_for(uuid[]) to service_role;
grant execute on function public.claim_lease(text, text, integer) to service_role;
grant execute on function public.release_lease(text, text) to service_role;
