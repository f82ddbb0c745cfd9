-- The time pass (`emit_time_events`) stays flat as history grows (issue 28): each of its three
-- queries reads a partial index of the months it can concern (live, not renewed), so renewed
-- history is never scanned; and a trial's `trial_will_end` is looked for within the same 30-day
-- window as `ended` and `lapsed` (a pass runs every 15 minutes, so a due event is written long
-- before it would leave the window).

create index if not exists payment_time_pass_ended on public.payment (end_at)
  where renewed_by is null and canceled_at is not null and status <> 'Cancelled';
create index if not exists payment_time_pass_lapsed on public.payment (lapsed_at)
  where renewed_by is null and canceled_at is null and status <> 'Cancelled';
create index if not exists payment_time_pass_trial on public.payment (end_at)
  where renewed_by is null and canceled_at is null and status = 'Trial';

create or replace function public.emit_time_events(p_at timestamp with time zone)
returns setof jsonb
language plpgsql
set search_path = ''
as $function$
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
      and p.end_at - interval '3 days' <= p_at and p.end_at - interval '3 days' >= p_at - interval '30 days'
      and not exists (select from public.subscription_event as e where e.dedupe_key = 'trial_will_end:' || p.transaction_key)
  loop
    v_written := v_written + public.emit_event('subscription.trial_will_end',
      coalesce(v_month.subscription_id, v_month.transaction_key), v_month.end_at - interval '3 days',
      public.event_month(to_jsonb(v_month)), 'trial_will_end:' || v_month.transaction_key);
  end loop;
  return next jsonb_build_object('written', v_written);
end;
$function$;

update public.schema_version set version = greatest(version, 20261224000000);
