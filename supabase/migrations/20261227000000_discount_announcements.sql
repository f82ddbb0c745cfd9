-- The app is told when the admin applies or removes a discount: `announce_discount` writes
-- `subscription.discount_applied` or `subscription.discount_ended` (with `coupon_id`) for the
-- month's subscription, once the change took effect (the service calls it after the pending charge
-- moved). Each call is one more change: its key counts the earlier ones, as plan changes' do.
create or replace function public.announce_discount(
  p_transaction_key text, p_type text, p_coupon_id text, p_at timestamptz
)
returns setof jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_month public.payment;
  v_subscription text;
begin
  if p_type not in ('subscription.discount_applied', 'subscription.discount_ended') then
    raise exception 'not a discount event: %', p_type using errcode = '22023';
  end if;
  select * into v_month from public.payment as p where p.transaction_key = p_transaction_key;
  if not found then
    return;
  end if;
  v_subscription := coalesce(v_month.subscription_id, v_month.transaction_key);
  perform public.emit_event(p_type, v_subscription, p_at,
    public.event_month(to_jsonb(v_month)) || jsonb_build_object('coupon_id', p_coupon_id),
    public.next_change_key(v_subscription,
      replace(p_type, 'subscription.', '') || ':' || v_month.transaction_key));
  return next to_jsonb(v_month);
end;
$$;

revoke execute on function public.announce_discount(text, text, text, timestamptz) from public, anon, authenticated;
grant execute on function public.announce_discount(text, text, text, timestamptz) to service_role;

update public.schema_version set version = greatest(version, 20261227000000);
