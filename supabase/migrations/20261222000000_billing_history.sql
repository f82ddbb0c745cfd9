-- A billing history (issue 27): every charge gets a number, `{year}-{n:06}` counted per Seoul
-- year with no gaps (drawn in the transaction that records the charge: `insert_month` for a
-- period, `settle_proration` for an upgrade's charge; a trial has none), and keeps PortOne's
-- `receiptUrl`. `public.billing_history` lists a customer's lines (their own, by RLS of the
-- tables beneath) for supabase-js.

alter table public.payment
  add column if not exists receipt_url text,
  add column if not exists billing_number text unique;
alter table public.proration
  add column if not exists billing_number text unique;

create table if not exists public.billing_number_counter (
  year integer primary key,
  last integer not null check (last > 0)
);
alter table public.billing_number_counter enable row level security;
revoke all on table public.billing_number_counter from public, anon, authenticated;
grant select, insert, update on table public.billing_number_counter to service_role;

create or replace function public.next_billing_number(p_at timestamp with time zone)
returns text
language sql
set search_path = ''
as $function$
  insert into public.billing_number_counter as c (year, last)
  values (extract(year from p_at at time zone 'Asia/Seoul')::integer, 1)
  on conflict (year) do update set last = c.last + 1
  returning c.year::text || '-' || case when length(c.last::text) >= 6 then c.last::text
                                        else lpad(c.last::text, 6, '0') end;
$function$;

create or replace function public.insert_month(p_row payment)
returns SETOF jsonb
language plpgsql
set search_path = ''
as $function$
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

create or replace function public.settle_proration(p_payment_id text, p_paid_at timestamp with time zone, p_at timestamp with time zone)
returns SETOF jsonb
language plpgsql
set search_path = ''
as $function$
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

create or replace view public.billing_history with (security_invoker = true) as
  select m.subscription_id, m.customer_id, 'period'::text as kind, m.transaction_key as payment_id,
         m.billing_number as number, m.amount, m.currency, m.plan_id, m.quantity,
         m.start_at, m.end_at, m.start_at as charged_at, m.refunded_amount, m.receipt_url,
         case when m.status = 'Cancelled' then 'cancelled' else 'paid' end as status
  from public.payment as m
  where m.status <> 'Trial'
  union all
  select p.subscription_id, p.customer_id, 'proration', p.payment_id, p.billing_number, p.amount,
         p.currency, p.to_plan_id, p.to_quantity, p.paid_at, p.period_end, p.paid_at,
         p.refunded_amount, null, 'paid'
  from public.proration as p
  where p.status = 'paid';

grant select on public.billing_history to authenticated, service_role;
revoke execute on function public.next_billing_number(timestamptz) from public, anon, authenticated;
grant execute on function public.next_billing_number(timestamptz) to service_role;

update public.schema_version set version = greatest(version, 20261222000000);
