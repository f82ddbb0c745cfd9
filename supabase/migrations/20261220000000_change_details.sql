-- A plan or seat change at the period's end tells the app what changed (issue 26): the service
-- sends the change in `p_terms.change` (from and to plan and quantity, when it takes effect, the
-- amount charged now), which `subscription.plan_changed` carries as `data.change`, as an upgrade's
-- event (`settle_proration`) does. The columns set are the same as before.

create or replace function public.set_next_terms(p_transaction_key text, p_terms jsonb, p_at timestamp with time zone)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
declare
  v_month public.payment;
  v_data jsonb;
begin
  update public.payment as p set
    next_amount = (p_terms ->> 'next_amount')::bigint,
    next_order_name = p_terms ->> 'next_order_name',
    next_currency = p_terms ->> 'next_currency',
    next_plan_id = p_terms ->> 'next_plan_id',
    next_quantity = (p_terms ->> 'next_quantity')::integer
  where p.transaction_key = p_transaction_key
  returning * into v_month;
  if not found then
    return;
  end if;
  v_data := jsonb_build_object('next_terms', p_terms - 'change');
  if p_terms ? 'change' then
    v_data := v_data || jsonb_build_object('change', p_terms -> 'change');
  end if;
  perform public.emit_event('subscription.plan_changed', coalesce(v_month.subscription_id, v_month.transaction_key),
    p_at, v_data,
    public.next_change_key(coalesce(v_month.subscription_id, v_month.transaction_key),
      'plan_changed:' || v_month.transaction_key));
  return next to_jsonb(v_month);
end;
$function$;

update public.schema_version set version = greatest(version, 20261220000000);
