-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.cancel_payment(p_transaction_key text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p set status = 'Cancelled'
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.cancel_payment(p_transaction_key text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_before text;
  v_month public.payment;
begin
  select p.status into v_before from public.payment as p where p.transaction_key = p_transaction_key for update;
  update public.payment as p set status = 'Cancelled'
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  if v_before is distinct from 'Cancelled' then
    perform public.emit_event('subscription.refunded', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_at, public.event_month(to_jsonb(v_month)) || jsonb_build_object(
        'refund', jsonb_build_object('refunded_total', v_month.amount, 'full', true)),
      'refunded:' || v_month.transaction_key || ':full');
  end if;
  return next to_jsonb(v_month);
end;
$function$;

CREATE OR REPLACE FUNCTION public.insert_month(p_row payment)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
  -- A row written without seats (an older caller of record_month) holds one.
  p_row.quantity := coalesce(p_row.quantity, 1);
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
  -- A charge's number is drawn only when its row is written, in the same transaction, so the
  -- year's numbers have no gaps.
  if v_inserted and v_row.status <> 'Trial' then
    update public.payment as p set billing_number = public.next_billing_number(v_row.start_at)
    where p.id = v_row.id
    returning * into v_row;
  end if;

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
$function$;

CREATE OR REPLACE FUNCTION public.mark_lapsed(p_transaction_key text, p_lapsed_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_month public.payment;
begin
  update public.payment as p
  set lapsed_at = least(coalesce(p.lapsed_at, p_lapsed_at), p_lapsed_at)
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  perform public.emit_event('subscription.lapsed', coalesce(v_month.subscription_id, v_month.transaction_key),
    p_lapsed_at, public.event_month(to_jsonb(v_month)), 'lapsed:' || v_month.transaction_key);
  return next to_jsonb(v_month);
end;
$function$;

CREATE OR REPLACE FUNCTION public.next_billing_number(p_at timestamp with time zone)
 RETURNS text
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  insert into public.billing_number_counter as c (year, last)
  values (extract(year from p_at at time zone 'Asia/Seoul')::integer, 1)
  on conflict (year) do update set last = c.last + 1
  returning c.year::text || '-' || case when length(c.last::text) >= 6 then c.last::text
                                        else lpad(c.last::text, 6, '0') end;
$function$;

CREATE OR REPLACE FUNCTION public.open_recovery_charge(p_transaction_key text, p_payment_id uuid, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p
  set retry_payment_id = p_payment_id, retry_at = p_at
  where p.transaction_key = p_transaction_key
    and p.renewal_attempts > 0 and p.renewed_by is null and p.lapsed_at > p_at
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.payment_by_next_schedule_id(p_next_schedule_id uuid)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.payment as p where p.next_schedule_id = p_next_schedule_id;
$function$;

CREATE OR REPLACE FUNCTION public.payment_by_transaction_key(p_transaction_key text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.payment as p where p.transaction_key = p_transaction_key;
$function$;

CREATE OR REPLACE FUNCTION public.payment_subscription_id()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_key uuid := public.uuid_or_null(new.transaction_key);
begin
  if new.subscription_id is null then
    select coalesce(r.subscription_id, r.transaction_key) into new.subscription_id
    from public.payment as r
    where v_key is not null and (r.next_schedule_id = v_key or r.retry_payment_id = v_key)
    limit 1;
    new.subscription_id := coalesce(new.subscription_id, new.transaction_key);
  end if;
  return new;
end;
$function$;

CREATE OR REPLACE FUNCTION public.record_failed_attempt(p_renewed_key text, p_attempt integer, p_payment_id text, p_failure_reason text, p_pg_code text, p_pg_message text, p_failed_at timestamp with time zone, p_retry_limit integer, p_retry_payment_id uuid, p_retry_at timestamp with time zone, p_retry_grace timestamp with time zone, p_lapsed_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_month public.payment;
  v_inserted boolean;
begin
  select * into v_month from public.payment as p where p.transaction_key = p_renewed_key for update;
  if not found then
    return;
  end if;

  insert into public.renewal_attempt (
    renewed_key, attempt, payment_id, failure_reason, pg_code, pg_message, failed_at
  ) values (
    p_renewed_key, p_attempt, p_payment_id, p_failure_reason, p_pg_code, p_pg_message, p_failed_at
  )
  on conflict do nothing;
  v_inserted := found;

  if v_inserted and p_attempt >= v_month.renewal_attempts
     and v_month.renewed_by is null and v_month.lapsed_at is null then
    update public.payment as p set
      renewal_attempts = p_attempt + 1,
      retry_limit = p_retry_limit,
      retry_payment_id = coalesce(p_retry_payment_id, p.retry_payment_id),
      retry_at = case when p_retry_payment_id is null then p.retry_at else p_retry_at end,
      end_grace_at = greatest(p.end_grace_at, coalesce(p_retry_grace, p.end_grace_at)),
      last_failure_reason = p_failure_reason,
      lapsed_at = p_lapsed_at
    where p.transaction_key = p_renewed_key
    returning * into v_month;
  end if;

  if v_inserted then
    perform public.emit_event('subscription.payment_failed',
      coalesce(v_month.subscription_id, v_month.transaction_key), p_failed_at,
      jsonb_build_object('attempt', jsonb_build_object(
        'renewed_key', p_renewed_key, 'attempt', p_attempt, 'retry_limit', p_retry_limit,
        'payment_id', p_payment_id, 'failure_reason', p_failure_reason, 'pg_code', p_pg_code,
        'pg_message', p_pg_message, 'failed_at', p_failed_at,
        'next_retry_at', case when p_retry_payment_id is null then null else p_retry_at end
      )),
      'payment_failed:' || p_payment_id);
  end if;

  return next to_jsonb(v_month) || jsonb_build_object('inserted', v_inserted);
end;
$function$;

CREATE OR REPLACE FUNCTION public.record_month(p_month jsonb)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_row jsonb;
  v_subscription text;
  v_key text;
  v_at timestamptz;
begin
  select r into v_row
  from public.insert_month(pg_catalog.jsonb_populate_record(null::public.payment, p_month)) as r;
  if v_row is null then
    return;
  end if;
  v_subscription := coalesce(v_row ->> 'subscription_id', v_row ->> 'transaction_key');
  v_key := v_row ->> 'transaction_key';
  v_at := (v_row ->> 'start_at')::timestamptz;
  if (v_row ->> 'inserted')::boolean then
    if jsonb_typeof(v_row -> 'renewed') is distinct from 'object' then
      perform public.emit_event('subscription.created', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object('line', public.history_line(v_row)),
        'created:' || v_subscription);
    else
      perform public.emit_event('subscription.renewed', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object(
          'renewed_key', v_row #>> '{renewed,transaction_key}', 'line', public.history_line(v_row)),
        'renewed:' || v_key);
      if coalesce((v_row #>> '{renewed,renewal_attempts}')::integer, 0) > 0 then
        perform public.emit_event('subscription.recovered', v_subscription, v_at,
          public.event_month(v_row) || jsonb_build_object(
            'renewed_key', v_row #>> '{renewed,transaction_key}',
            'failed_attempts', (v_row #>> '{renewed,renewal_attempts}')::integer),
          'recovered:' || v_key);
      end if;
    end if;
    -- The coupon's last discounted period: the next charge is at the list price.
    if jsonb_typeof(v_row -> 'discount') = 'object' and jsonb_typeof(v_row -> 'next_discount') is distinct from 'object' then
      perform public.emit_event('subscription.discount_ended', v_subscription, v_at,
        public.event_month(v_row) || jsonb_build_object('coupon_id', v_row #>> '{discount,coupon_id}'),
        'discount_ended:' || v_key);
    end if;
  end if;
  return next v_row || pg_catalog.jsonb_build_object('payment_method', (
    select pg_catalog.to_jsonb(m) from public.payment_method as m where m.subscription_id = v_subscription
  ));
end;
$function$;

CREATE OR REPLACE FUNCTION public.record_refund(p_transaction_key text, p_refunded_amount bigint)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.payment as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_refunded_amount)
  where p.transaction_key = p_transaction_key
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.record_refund(p_transaction_key text, p_refunded_amount bigint, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_before bigint;
  v_month public.payment;
begin
  select coalesce(p.refunded_amount, 0) into v_before from public.payment as p
  where p.transaction_key = p_transaction_key for update;
  update public.payment as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_refunded_amount)
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  -- A refund of the whole payment is told by `cancel_payment` (the month becomes `Cancelled`).
  if p_refunded_amount > v_before and p_refunded_amount < v_month.amount then
    perform public.emit_event('subscription.refunded', coalesce(v_month.subscription_id, v_month.transaction_key),
      p_at, public.event_month(to_jsonb(v_month)) || jsonb_build_object(
        'refund', jsonb_build_object('refunded_total', p_refunded_amount, 'amount', p_refunded_amount - v_before, 'full', false)),
      'refunded:' || v_month.transaction_key || ':' || p_refunded_amount::text);
  end if;
  return next to_jsonb(v_month);
end;
$function$;

CREATE OR REPLACE FUNCTION public.renewal_of_payment(p_payment_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select found.row from (
    select 1 as rank, to_jsonb(p) || jsonb_build_object('attempt', a.attempt) as row
    from public.renewal_attempt as a
    join public.payment as p on p.transaction_key = a.renewed_key
    where a.payment_id = p_payment_id
    union all
    select 2, to_jsonb(p) || jsonb_build_object('attempt', 0)
    from public.payment as p
    where p.next_schedule_id = public.uuid_or_null(p_payment_id)
    union all
    select 3, to_jsonb(p) || jsonb_build_object('attempt', p.renewal_attempts)
    from public.payment as p
    where p.retry_payment_id = public.uuid_or_null(p_payment_id)
  ) as found
  order by found.rank
  limit 1;
$function$;

CREATE OR REPLACE FUNCTION public.uuid_or_null(p_id text)
 RETURNS uuid
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select case
    when p_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then p_id::uuid
  end;
$function$;
