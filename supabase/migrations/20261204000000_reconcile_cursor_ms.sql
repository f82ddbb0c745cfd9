-- Open renewals are paged in millisecond order. Only adds (and replaces `open_renewals`, whose
-- signature and answer are unchanged, so a replica still on the previous version keeps working).
--
-- Why: the pass's cursor is the last month's pending charge as the service reads it, truncated
-- to the millisecond (the contract's precision), while `timestamptz` keeps microseconds. A row
-- written with microseconds (a backfill, the dashboard, `now()`) sorted after a cursor that is
-- its own truncated time, so a page boundary among months sharing a millisecond read some of
-- them twice and the pass healed them twice. Ordering and comparing at the cursor's precision
-- makes the cursor exact.
--
-- And a page costs one index range scan from the cursor: the previous `p_after_at is null or …`
-- kept the row comparison out of the index condition of the function's generic plan, so every
-- page scanned (and discarded) all the months before its cursor; a pass over 100,000
-- subscriptions took minutes. A null cursor is now `-infinity`, which every month is after.

-- `pending_charge_at` truncated to the millisecond. `timezone('UTC', …)` and `date_trunc` on a
-- plain `timestamp` are immutable, which the index needs; the result is the same instant.
create or replace function public.pending_charge_ms(p public.payment)
returns timestamptz
language sql
immutable
set search_path = ''
as $$
  select pg_catalog.timezone('UTC', pg_catalog.date_trunc('milliseconds',
    pg_catalog.timezone('UTC', public.pending_charge_at(p))));
$$;

create index if not exists payment_open_renewals_ms_idx
  on public.payment (public.pending_charge_ms(payment), transaction_key)
  where renewed_by is null and lapsed_at is null and canceled_at is null and status <> 'Cancelled';

-- Open renewals whose pending charge (to the millisecond) is in [p_from, p_until), after the
-- cursor (p_after_at, p_after_key), at most p_limit, in (pending charge, transaction_key) order.
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
    and public.pending_charge_ms(p) >= p_from
    and public.pending_charge_ms(p) < p_until
    and (public.pending_charge_ms(p), p.transaction_key)
      > (coalesce(p_after_at, '-infinity'::timestamptz), coalesce(p_after_key, ''))
  order by public.pending_charge_ms(p), p.transaction_key
  limit p_limit;
$$;

revoke execute on function public.pending_charge_ms(public.payment) from public, anon, authenticated;
grant execute on function public.pending_charge_ms(public.payment) to service_role;
