-- A refund stops a subscription as a cancel does. Only adds: a table, one function body with the
-- same signature and answer, and `ready()` reading the version from that table.
--
-- A full refund revokes the pending charge, but a schedule that ran anyway (the revoke raced the
-- charge, or failed) is still money taken: `insert_month` records it, as before. Until now the
-- recorded renewal of a refunded month began a live subscription again (status `active`, and its
-- next month scheduled). Now it inherits the stop: `canceled_at` is the moment it was paid, so the
-- subscription shows `canceling` until that period's `end_at`, then `ended`, and nothing renews
-- it.

-- The schema version `public.ready()` answers, one row that every later migration raises to its
-- own number (`GET /readyz` refuses a database behind the release). Until now each migration
-- re-created `ready()` to change the number.
create table if not exists public.schema_version (
  id boolean primary key default true check (id),
  version bigint not null
);
alter table public.schema_version enable row level security;
revoke all on table public.schema_version from public, anon, authenticated;
grant select on table public.schema_version to service_role;

insert into public.schema_version (id, version) values (true, 20261211000000)
on conflict (id) do update set version = greatest(public.schema_version.version, excluded.version);

create or replace function public.ready()
returns setof jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object('ready', true, 'schema', v.version) from public.schema_version as v;
$$;

create or replace function public.insert_month(p_row public.payment)
returns setof jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
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
  if v_renewed.transaction_key is not null then
    -- The stop of a canceled month, or of a refunded one from the moment this renewal was paid.
    p_row.canceled_at := coalesce(
      v_renewed.canceled_at,
      case when v_renewed.status = 'Cancelled' then p_row.start_at end
    );
    p_row.lapsed_at := case when v_renewed.lapsed_at is not null then p_row.end_grace_at else p_row.lapsed_at end;
    p_row.subscription_id := coalesce(v_renewed.subscription_id, v_renewed.transaction_key);
  end if;
  p_row.subscription_id := coalesce(p_row.subscription_id, p_row.transaction_key);

  insert into public.payment select (p_row).*
  -- No arbiter, as in record_paid_payment: concurrent deliveries collide on either unique key.
  on conflict do nothing
  returning * into v_row;
  v_inserted := found;

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
$$;
