-- Wake the event sender when a subscription event commits: a statement-level trigger sends
-- `NOTIFY subscription_event` (delivered at commit, once per transaction and payload; PostgreSQL
-- docs, "NOTIFY"). A service over direct PostgreSQL listens and delivers at once; the poll stays
-- the fallback, so a lost notification only delays an event.

create or replace function public.notify_subscription_event()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('subscription_event', '');
  return null;
end;
$$;

revoke execute on function public.notify_subscription_event() from public, anon, authenticated;

drop trigger if exists subscription_event_notify on public.subscription_event;
create trigger subscription_event_notify
  after insert on public.subscription_event
  for each statement execute function public.notify_subscription_event();

update public.schema_version set version = greatest(version, 20261217000000);
