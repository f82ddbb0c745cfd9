-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.archive_plan(p_id text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.plan as p
  set active = false, updated_at = case when p.active then p_at else p.updated_at end
  where p.id = p_id
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.plan_by_id(p_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.plan as p where p.id = p_id;
$function$;

CREATE OR REPLACE FUNCTION public.plans()
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.plan as p order by p.sort_order, p.id;
$function$;

CREATE OR REPLACE FUNCTION public.upsert_plan(p_plan jsonb, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  insert into public.plan as p (id, name, amount, currency, trial_days, features, sort_order,
                               interval_unit, interval_count, created_at, updated_at)
  values (
    p_plan ->> 'id', p_plan ->> 'name', (p_plan ->> 'amount')::bigint, p_plan ->> 'currency',
    (p_plan ->> 'trial_days')::integer, coalesce(p_plan -> 'features', '{}'::jsonb),
    coalesce((p_plan ->> 'sort_order')::integer, 0),
    p_plan ->> 'interval', (p_plan ->> 'interval_count')::integer, p_at, p_at
  )
  on conflict (id) do update set
    name = excluded.name,
    amount = excluded.amount,
    currency = excluded.currency,
    trial_days = excluded.trial_days,
    features = excluded.features,
    sort_order = excluded.sort_order,
    interval_unit = excluded.interval_unit,
    interval_count = excluded.interval_count,
    updated_at = case
      when (p.name, p.amount, p.currency, p.trial_days, p.features, p.sort_order, p.interval_unit,
            p.interval_count)
           is distinct from (excluded.name, excluded.amount, excluded.currency, excluded.trial_days,
                             excluded.features, excluded.sort_order, excluded.interval_unit,
                             excluded.interval_count)
      then p_at else p.updated_at end
  returning to_jsonb(p) || jsonb_build_object('inserted', p.xmax::text = '0');
$function$;
