-- An upgrade's prorated charge is refundable like any payment (issue 26): the refunded total
-- PortOne reports is kept on the proration (it only grows), so the billing history shows it.

create or replace function public.record_proration_refund(p_payment_id text, p_total bigint)
returns setof jsonb
language sql
set search_path = ''
as $function$
  update public.proration as p
  set refunded_amount = greatest(coalesce(p.refunded_amount, 0), p_total)
  where p.payment_id = p_payment_id
  returning to_jsonb(p);
$function$;

revoke execute on function public.record_proration_refund(text, bigint) from public, anon, authenticated;
grant execute on function public.record_proration_refund(text, bigint) to service_role;

update public.schema_version set version = greatest(version, 20261221000000);
