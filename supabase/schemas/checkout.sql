-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.claim_checkout(p_customer_id text, p_key text, p_request_hash text, p_payment_id text, p_seconds integer)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.complete_checkout(p_customer_id text, p_key text, p_response_status integer, p_response jsonb)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.checkout as c
  set state = 'completed', response_status = p_response_status, response = p_response,
      locked_until = null, updated_at = now()
  where c.customer_id = p_customer_id and c.idempotency_key = p_key
  returning jsonb_build_object('claim', 'completed');
$function$;

CREATE OR REPLACE FUNCTION public.release_checkout(p_customer_id text, p_key text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  delete from public.checkout as c
  where c.customer_id = p_customer_id and c.idempotency_key = p_key and c.state = 'started'
  returning jsonb_build_object('claim', 'released');
$function$;

CREATE OR REPLACE FUNCTION public.take_charge_slot(p_customer_id text, p_limit integer, p_window_seconds integer, p_now timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
$function$;
