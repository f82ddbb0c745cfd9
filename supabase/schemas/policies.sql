-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

create policy payment_select_own on public.payment for SELECT to authenticated
  using ((customer_id = (( SELECT auth.uid() AS uid))::text));

create policy payment_method_select_own on public.payment_method for SELECT to authenticated
  using ((customer_id = (( SELECT auth.uid() AS uid))::text));

create policy plan_select_active on public.plan for SELECT to anon, authenticated
  using (active);

create policy proration_select_own on public.proration for SELECT to authenticated
  using ((customer_id = (( SELECT auth.uid() AS uid))::text));

create policy renewal_attempt_select_own on public.renewal_attempt for SELECT to authenticated
  using ((EXISTS ( SELECT 1
   FROM payment p
  WHERE ((p.transaction_key = renewal_attempt.renewed_key) AND (p.customer_id = (( SELECT auth.uid() AS uid))::text)))));

create policy subscription_event_select_own on public.subscription_event for SELECT to authenticated
  using ((customer_id = (( SELECT auth.uid() AS uid))::text));
