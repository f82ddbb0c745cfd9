-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.claim_lease(p_name text, p_holder text, p_seconds integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  insert into public.reconcile_lease as l (name, holder, expires_at)
  values (p_name, p_holder, now() + make_interval(secs => p_seconds))
  on conflict (name) do update
    set holder = excluded.holder, expires_at = excluded.expires_at
    where l.expires_at < now() or l.holder = excluded.holder
  returning to_jsonb(l);
$function$;

CREATE OR REPLACE FUNCTION public.grace_ended(p_at timestamp with time zone, p_limit integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p)
  from public.payment as p
  where p.renewed_by is null and p.end_grace_at < p_at
    and p.lapsed_at is null and p.canceled_at is null and p.status <> 'Cancelled'
  order by p.end_grace_at, p.transaction_key
  limit p_limit;
$function$;

CREATE OR REPLACE FUNCTION public.open_renewals(p_from timestamp with time zone, p_until timestamp with time zone, p_after_at timestamp with time zone, p_after_key text, p_limit integer)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p)
  from public.payment as p
  where p.renewed_by is null and p.lapsed_at is null and p.canceled_at is null and p.status <> 'Cancelled'
    and public.pending_charge_ms(p) >= p_from
    and public.pending_charge_ms(p) < p_until
    and (public.pending_charge_ms(p), p.transaction_key)
      > (coalesce(p_after_at, '-infinity'::timestamptz), coalesce(p_after_key, ''))
  order by public.pending_charge_ms(p), p.transaction_key
  limit p_limit;
$function$;

CREATE OR REPLACE FUNCTION public.pending_charge_ms(p payment)
 RETURNS timestamp with time zone
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
  select pg_catalog.timezone('UTC', pg_catalog.date_trunc('milliseconds',
    pg_catalog.timezone('UTC', public.pending_charge_at(p))));
$function$;

CREATE OR REPLACE FUNCTION public.release_lease(p_name text, p_holder text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  delete from public.reconcile_lease as l
  where l.name = p_name and l.holder = p_holder
  returning to_jsonb(l);
$function$;

CREATE OR REPLACE FUNCTION public.stopped_months_for(p_payment_ids uuid[])
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p)
  from public.payment as p
  where (p.next_schedule_id = any (p_payment_ids) or p.retry_payment_id = any (p_payment_ids))
    and p.renewed_by is null
    and (p.canceled_at is not null or p.status = 'Cancelled' or p.lapsed_at is not null);
$function$;
