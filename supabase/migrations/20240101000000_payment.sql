-- The `payment` ledger of paid subscription months (seed `api-readme.ko.md`, issue 2).
--
-- Differences from the seed's table, on purpose:
-- * `amount` is bigint: PortOne's `amount.total` is an int64; an integer column would refuse a
--   payment over 2,147,483,647 and PortOne would retry it forever.
-- * `transaction_key` and `next_schedule_id` are unique: a retried webhook cannot record twice.
-- * `created_at` is not null.
-- * Row level security is on with no policy, and only `service_role` has grants: the seed wrote
--   with the public anon key, which let anyone who loads the web app insert payments.

create table if not exists public.payment (
  id bigserial primary key,
  transaction_key text not null,
  amount bigint not null check (amount >= 0),
  status text not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  end_grace_at timestamptz not null,
  next_schedule_at timestamptz not null,
  next_schedule_id uuid not null,
  created_at timestamptz not null default now(),
  constraint payment_transaction_key_key unique (transaction_key),
  constraint payment_next_schedule_id_key unique (next_schedule_id)
);

alter table public.payment enable row level security;

revoke all on table public.payment from public, anon, authenticated;
revoke all on sequence public.payment_id_seq from public, anon, authenticated;
grant select, insert, update on table public.payment to service_role;
grant usage on sequence public.payment_id_seq to service_role;

-- Records one paid month idempotently and returns the stored row, as JSON, with `inserted`.
--
-- Two statements on purpose: `insert … on conflict do nothing returning` returns nothing when the
-- row exists, and a single `with ins as (…) … union select …` statement cannot see a row that a
-- concurrent delivery committed while this one waited on the unique index (the statement's READ
-- COMMITTED snapshot predates it), so it would come back empty under a duplicate storm. The
-- second `select` is a new statement with a new snapshot, and sees that row.
--
-- Rows are returned as `jsonb` (`setof`, zero or one element) so the PostgREST adapter and the
-- direct PostgreSQL adapter read one and the same shape, whatever columns later migrations add.
create or replace function public.record_paid_payment(
  p_transaction_key text,
  p_amount bigint,
  p_status text,
  p_start_at timestamptz,
  p_end_at timestamptz,
  p_end_grace_at timestamptz,
  p_next_schedule_at timestamptz,
  p_next_schedule_id uuid
)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  return query
    insert into public.payment as p (
      transaction_key, amount, status, start_at, end_at, end_grace_at, next_schedule_at, next_schedule_id
    ) values (
      p_transaction_key, p_amount, p_status, p_start_at, p_end_at, p_end_grace_at, p_next_schedule_at,
      p_next_schedule_id
    )
    -- No arbiter on purpose: `on conflict (transaction_key)` would only absorb conflicts on that
    -- index, and two concurrent deliveries of one payment also collide on next_schedule_id (it is
    -- derived from transaction_key), which would then raise 23505 instead of doing nothing.
    on conflict do nothing
    returning to_jsonb(p) || '{"inserted": true}'::jsonb;
  if found then
    return;
  end if;

  return query
    select to_jsonb(p) || '{"inserted": false}'::jsonb
    from public.payment as p
    where p.transaction_key = p_transaction_key;
  if found then
    return;
  end if;

  -- The insert conflicted, but not on transaction_key: another payment already holds this
  -- next_schedule_id. That is a real conflict, reported as the constraint would.
  raise unique_violation using
    message = 'duplicate key value violates unique constraint "payment_next_schedule_id_key"',
    detail = format('Key (next_schedule_id)=(%s) already exists.', p_next_schedule_id);
end;
$$;

revoke execute on function public.record_paid_payment(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid) from public, anon, authenticated;
grant execute on function public.record_paid_payment(text, bigint, text, timestamptz, timestamptz, timestamptz, timestamptz, uuid) to service_role;
