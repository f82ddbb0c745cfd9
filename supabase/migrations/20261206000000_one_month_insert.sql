-- One month insert for every entry point. Only adds functions and replaces three bodies (their
-- signatures and answers are unchanged, so a replica on an older release keeps working).
--
-- The insert lived in three copies (record_paid_payment, record_paid_month,
-- record_subscription_month), each repeating the lock on the renewed month, what a renewal
-- inherits, and the answer. Now:
-- * `public.insert_month(p_row public.payment)` holds that logic once. It takes a whole row, so a
--   new column needs no change here; a change to what a renewal inherits replaces this one small
--   function.
-- * `public.record_month(p_month jsonb)` is what the service calls: the month as the table's
--   columns (unknown keys are ignored, missing ones are null).
-- * The three old functions become thin wrappers over `record_month`.

-- Records one month idempotently and returns the stored row as jsonb with `inserted`, and
-- `renewed`: the month this payment renews (the row whose first charge or pending retry it is),
-- marked `renewed_by` this payment. That month is locked first, so a concurrent
-- record_failed_attempt of it waits.
--
-- A renewal of a month that was canceled or lapsed is still recorded (the money was taken) and
-- inherits the stop (`canceled_at`, or `lapsed_at` at its own grace), so nothing renews it; every
-- renewal inherits the subscription.
--
-- Two statements on purpose (see record_paid_payment): the second `select` sees a row that a
-- concurrent delivery committed while this one waited on the unique index.
create or replace function public.insert_month(p_row public.payment)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_key uuid := public.uuid_or_null(p_row.transaction_key);
  v_renewed public.payment;
  v_row public.payment;
  v_inserted boolean := false;
begin
  if v_key is not null then
    select * into v_renewed from public.payment as r
    where r.next_schedule_id = v_key or r.retry_payment_id = v_key
    for update;
  end if;

  -- The columns a bare row leaves null but the table fills by default.
  p_row.id := nextval('public.payment_id_seq'::regclass);
  p_row.created_at := coalesce(p_row.created_at, now());
  p_row.renewal_attempts := coalesce(p_row.renewal_attempts, 0);
  if v_renewed.transaction_key is not null then
    p_row.canceled_at := v_renewed.canceled_at;
    p_row.lapsed_at := case when v_renewed.lapsed_at is not null then p_row.end_grace_at else p_row.lapsed_at end;
    p_row.subscription_id := coalesce(v_renewed.subscription_id, v_renewed.transaction_key);
  end if;
  p_row.subscription_id := coalesce(p_row.subscription_id, p_row.transaction_key);

  insert into public.payment select (p_row).*
  -- No arbiter, as in record_paid_payment: concurrent deliveries collide on either unique key.
  on conflict do nothing
  returning * into v_row;
  v_inserted := found;

  if not v_inserted then
    select * into v_row from public.payment as p where p.transaction_key = p_row.transaction_key;
    if not found then
      raise unique_violation using
        message = 'duplicate key value violates unique constraint "payment_next_schedule_id_key"',
        detail = format('Key (next_schedule_id)=(%s) already exists.', p_row.next_schedule_id);
    end if;
  end if;

  if v_renewed.transaction_key is not null and v_renewed.renewed_by is null then
    update public.payment as r set renewed_by = p_row.transaction_key
    where r.transaction_key = v_renewed.transaction_key
    returning * into v_renewed;
  end if;

  return next to_jsonb(v_row) || jsonb_build_object(
    'inserted', v_inserted,
    'renewed', case when v_renewed.transaction_key is null then null else to_jsonb(v_renewed) end
  );
end;
$$;

-- The month as the table's columns (`id` and `created_at` are the table's own).
create or replace function public.record_month(p_month jsonb)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from public.insert_month(pg_catalog.jsonb_populate_record(null::public.payment, p_month));
$$;

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
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from public.record_month(pg_catalog.jsonb_build_object(
    'transaction_key', p_transaction_key, 'amount', p_amount, 'status', p_status,
    'start_at', p_start_at, 'end_at', p_end_at, 'end_grace_at', p_end_grace_at,
    'next_schedule_at', p_next_schedule_at, 'next_schedule_id', p_next_schedule_id,
    'customer_id', p_customer_id, 'order_name', p_order_name, 'currency', p_currency
  ));
$$;

create or replace function public.record_paid_month(
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
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from public.record_subscription_month(
    p_transaction_key, p_amount, p_status, p_start_at, p_end_at, p_end_grace_at, p_next_schedule_at,
    p_next_schedule_id, null, null, null
  );
$$;

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
language sql
volatile
security invoker
set search_path = ''
as $$
  select * from public.record_paid_month(
    p_transaction_key, p_amount, p_status, p_start_at, p_end_at, p_end_grace_at, p_next_schedule_at,
    p_next_schedule_id
  );
$$;

revoke execute on function public.insert_month(public.payment) from public, anon, authenticated;
revoke execute on function public.record_month(jsonb) from public, anon, authenticated;
grant execute on function public.insert_month(public.payment) to service_role;
grant execute on function public.record_month(jsonb) to service_role;

-- Readiness names the schema it answers for: `GET /readyz` refuses a database whose migrations
-- are behind the release (it compares this number with the one it needs). Each later migration
-- replaces this one small function with its own number.
create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', 20261206000000::bigint);
$$;
