-- A subscription lapses only once PortOne confirmed that its pending charge was not paid (a lost
-- webhook used to make a paying customer `lapsed` at the end of the grace, and the app revoked
-- their access). Only adds: index, functions, and bodies with the same signatures and answers.
--
-- * `subscription_status`: `lapsed` needs `lapsed_at`; a grace that ran out without it is
--   `past_due` (being confirmed). The service's grace pass (every minute, with the time pass)
--   reads `grace_ended`, asks PortOne about each pending charge, runs the paid or failed flow
--   when PortOne has one, and otherwise sets `lapsed_at` (`mark_lapsed`, which writes
--   `subscription.lapsed`).
-- * `emit_time_events` writes `subscription.lapsed` only for a confirmed lapse whose moment
--   passed (retries exhausted), and `subscription.trial_will_end` late as long as the trial is not
--   renewed.
-- * `emit_event`: a subscription's events happen in the order they are written.
-- * `insert_month` inherits a lapse only when it had happened by the time the charge was paid.
-- * `open_recovery_charge`: a customer's new card in the last grace is charged under a payment id
--   the month's renewal waits for.

create or replace function public.subscription_status(p public.payment, p_at timestamptz)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p.status = 'Cancelled' then 'refunded'
    when p.canceled_at is not null and p_at <= p.end_at then 'canceling'
    when p.canceled_at is not null then 'ended'
    when p.lapsed_at is not null and p.lapsed_at <= p_at then 'lapsed'
    when p.renewal_attempts > 0 or p_at > p.end_grace_at then 'past_due'
    when p.status = 'Trial' then 'trialing'
    else 'active'
  end;
$$;

create or replace function public.emit_event(
  p_type text,
  p_subscription_id text,
  p_at timestamptz,
  p_data jsonb,
  p_dedupe_key text
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_written integer;
  v_at timestamptz := p_at;
  v_latest timestamptz;
begin
  -- A subscription's events happen in the order they are written: an event whose own time is
  -- not after the latest one's takes the next millisecond, so an app that ignores an event older
  -- than what it has never drops a correction (a renewal recorded after a lapse, a trial
  -- warning written late).
  select max(e.occurred_at) into v_latest from public.subscription_event as e
  where e.subscription_id = p_subscription_id;
  if v_latest is not null and v_at <= v_latest then
    v_at := v_latest + interval '1 millisecond';
  end if;
  with written as (
    insert into public.subscription_event (
      id, type, subscription_id, customer_id, occurred_at, data, dedupe_key, next_attempt_at
    )
    select
      gen_random_uuid(), p_type, p_subscription_id,
      coalesce(s ->> 'customer_id', p_data #>> '{month,customer_id}'), v_at,
      jsonb_build_object('subscription', s) || p_data, p_dedupe_key, v_at
    from (select public.subscription_at(p_subscription_id, v_at) as s) as read_model
    on conflict (dedupe_key) do nothing
    returning 1
  )
  select count(*)::integer into v_written from written;
  return v_written;
end;
$$;


create or replace function public.emit_time_events(p_at timestamptz)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_month public.payment;
  v_written integer := 0;
begin
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status <> 'Cancelled'
      and p.canceled_at is not null and p.end_at < p_at and p.end_at >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'ended:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.ended',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at + interval '1 millisecond',
      public.event_month(to_jsonb(v_month)), 'ended:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status <> 'Cancelled' and p.canceled_at is null
      and p.lapsed_at <= p_at and p.lapsed_at >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'lapsed:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.lapsed',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.lapsed_at,
      public.event_month(to_jsonb(v_month)), 'lapsed:' || v_month.transaction_key);
  end loop;
  for v_month in
    select * from public.payment as p
    where p.renewed_by is null and p.status = 'Trial' and p.canceled_at is null
      and p.end_at - interval '3 days' <= p_at
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'trial_will_end:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.trial_will_end',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at - interval '3 days',
      public.event_month(to_jsonb(v_month)), 'trial_will_end:' || v_month.transaction_key);
  end loop;
  return next jsonb_build_object('written', v_written);
end;
$$;


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
    -- The stop of a canceled month, or of a refunded one from the moment this renewal was paid.
    p_row.canceled_at := coalesce(
      v_renewed.canceled_at,
      case when v_renewed.status = 'Cancelled' then p_row.start_at end
    );
    -- A lapse is inherited only when it had happened by the time this was paid: a payment
    -- inside the last grace (a customer's new card, charged then) recovers the subscription.
    p_row.lapsed_at := case
      when v_renewed.lapsed_at is not null and v_renewed.lapsed_at <= p_row.start_at then p_row.end_grace_at
      else p_row.lapsed_at
    end;
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

-- Latest months whose grace ran out before `p_at` with nothing renewing, stopping or lapsing
-- them: the grace pass asks PortOne about each. Oldest grace first (the latest-months grace index).
create or replace function public.grace_ended(p_at timestamptz, p_limit integer)
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select to_jsonb(p)
  from public.payment as p
  where p.renewed_by is null and p.end_grace_at < p_at
    and p.lapsed_at is null and p.canceled_at is null and p.status <> 'Cancelled'
  order by p.end_grace_at, p.transaction_key
  limit p_limit;
$$;

-- Names `p_payment_id` the charge a month's renewal waits for, at `p_at`, when every retry failed
-- and its last grace still runs; the stored month, or nothing when it is not in that state.
create or replace function public.open_recovery_charge(
  p_transaction_key text,
  p_payment_id uuid,
  p_at timestamptz
)
returns setof jsonb
language sql
volatile
security invoker
set search_path = ''
as $$
  update public.payment as p
  set retry_payment_id = p_payment_id, retry_at = p_at
  where p.transaction_key = p_transaction_key
    and p.renewal_attempts > 0 and p.renewed_by is null and p.lapsed_at > p_at
  returning to_jsonb(p);
$$;

revoke execute on function public.grace_ended(timestamptz, integer) from public, anon, authenticated;
revoke execute on function public.open_recovery_charge(text, uuid, timestamptz) from public, anon, authenticated;
grant execute on function public.grace_ended(timestamptz, integer) to service_role;
grant execute on function public.open_recovery_charge(text, uuid, timestamptz) to service_role;

-- The latest lapse of each month, for the time pass's confirmed lapses.
create index if not exists payment_latest_lapsed_idx on public.payment (lapsed_at)
  where renewed_by is null and lapsed_at is not null;
-- A subscription's latest event, for `emit_event`'s order.
create index if not exists subscription_event_subscription_occurred_idx
  on public.subscription_event (subscription_id, occurred_at);

update public.schema_version set version = greatest(version, 20261213000000);
