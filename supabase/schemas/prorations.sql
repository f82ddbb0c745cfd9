-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

CREATE OR REPLACE FUNCTION public.begin_proration(p_proration jsonb)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_row public.proration;
  v_month public.payment;
begin
  select * into v_row from public.proration as p where p.payment_id = p_proration ->> 'payment_id';
  if found then
    return next jsonb_build_object('outcome', 'stored', 'proration', to_jsonb(v_row));
    return;
  end if;
  -- The month is locked, so a settle of another change cannot slip between the check and the
  -- insert.
  select * into v_month from public.payment as m where m.transaction_key = p_proration ->> 'month_key'
  for update;
  if exists (select 1 from public.proration as p
             where p.month_key = p_proration ->> 'month_key' and p.status = 'pending') then
    return next jsonb_build_object('outcome', 'busy');
    return;
  end if;
  if v_month.transaction_key is null or v_month.renewed_by is not null
     or (case when v_month.current_amount is null then v_month.plan_id else v_month.current_plan_id end)
        is distinct from (p_proration ->> 'from_plan_id')
     or coalesce(v_month.current_quantity, v_month.quantity) <> (p_proration ->> 'from_quantity')::integer
     or coalesce(v_month.current_amount, v_month.amount) <> (p_proration ->> 'from_amount')::bigint then
    return next jsonb_build_object('outcome', 'stale');
    return;
  end if;
  insert into public.proration
  select * from pg_catalog.jsonb_populate_record(null::public.proration, p_proration)
  on conflict (payment_id) do nothing
  returning * into v_row;
  if not found then
    select * into v_row from public.proration as p where p.payment_id = p_proration ->> 'payment_id';
  end if;
  return next jsonb_build_object('outcome', 'stored', 'proration', to_jsonb(v_row));
end;
$function$;

CREATE OR REPLACE FUNCTION public.fail_proration(p_payment_id text, p_reason text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.proration as p
  set status = case when p.status = 'pending' then 'failed' else p.status end,
      failure_reason = case when p.status = 'pending' then p_reason else p.failure_reason end
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.mark_proration_rescheduled(p_payment_id text, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.proration as p set rescheduled_at = coalesce(p.rescheduled_at, p_at)
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.record_proration_refund(p_payment_id text, p_total bigint)
 RETURNS SETOF jsonb
 LANGUAGE sql
 SET search_path TO ''
AS $function$
  update public.proration as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_total)
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

CREATE OR REPLACE FUNCTION public.settle_proration(p_payment_id text, p_paid_at timestamp with time zone, p_at timestamp with time zone)
 RETURNS SETOF jsonb
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
  v_row public.proration;
  v_month public.payment;
  v_terms jsonb;
begin
  select * into v_row from public.proration as p where p.payment_id = p_payment_id for update;
  if not found or v_row.status = 'failed' then
    return;
  end if;
  if v_row.status = 'paid' then
    select * into v_month from public.payment as m where m.transaction_key = v_row.month_key;
    return next jsonb_build_object('proration', to_jsonb(v_row), 'month', to_jsonb(v_month), 'applied', false);
    return;
  end if;
  update public.proration as p set status = 'paid', paid_at = p_paid_at,
    billing_number = case when p.amount > 0 then public.next_billing_number(p_paid_at) end
  where p.payment_id = p_payment_id
  returning * into v_row;
  update public.payment as m set
    current_plan_id = v_row.to_plan_id,
    current_quantity = v_row.to_quantity,
    current_amount = v_row.to_amount,
    next_amount = v_row.to_amount,
    next_order_name = v_row.order_name,
    next_currency = v_row.currency,
    next_plan_id = v_row.to_plan_id,
    next_quantity = v_row.to_quantity
  where m.transaction_key = v_row.month_key
  returning * into v_month;
  v_terms := jsonb_build_object(
    'next_amount', v_row.to_amount, 'next_order_name', v_row.order_name,
    'next_currency', v_row.currency, 'next_plan_id', v_row.to_plan_id,
    'next_quantity', v_row.to_quantity);
  perform public.emit_event('subscription.plan_changed', v_row.subscription_id, p_at,
    jsonb_build_object('next_terms', v_terms, 'change', jsonb_build_object(
      'from_plan_id', v_row.from_plan_id, 'from_quantity', v_row.from_quantity,
      'to_plan_id', v_row.to_plan_id, 'to_quantity', v_row.to_quantity,
      'effective_at', v_row.paid_at, 'amount_due_now', v_row.amount,
      'proration_payment_id', v_row.payment_id)),
    'plan_changed:' || v_row.payment_id);
  return next jsonb_build_object('proration', to_jsonb(v_row), 'month', to_jsonb(v_month), 'applied', true);
end;
$function$;

CREATE OR REPLACE FUNCTION public.subscription_prorations(p_subscription_id text)
 RETURNS SETOF jsonb
 LANGUAGE sql
 STABLE
 SET search_path TO ''
AS $function$
  select to_jsonb(p) from public.proration as p
  where p.subscription_id = p_subscription_id
  order by p.created_at, p.payment_id;
$function$;
