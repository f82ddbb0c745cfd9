-- Generated from supabase/migrations by `UPDATE_SCHEMAS=1 cargo test --test api schemas`: the
-- current definitions, as PostgreSQL prints them. Do not edit: add a migration.

create or replace view public.billing_history with (security_invoker = true) as
 SELECT m.subscription_id,
    m.customer_id,
    'period'::text AS kind,
    m.transaction_key AS payment_id,
    m.billing_number AS number,
    m.amount,
    m.currency,
    m.plan_id,
    m.quantity,
    m.start_at,
    m.end_at,
    m.start_at AS charged_at,
    m.refunded_amount,
    m.receipt_url,
        CASE
            WHEN m.status = 'Cancelled'::text THEN 'cancelled'::text
            ELSE 'paid'::text
        END AS status
   FROM payment m
  WHERE m.status <> 'Trial'::text
UNION ALL
 SELECT p.subscription_id,
    p.customer_id,
    'proration'::text AS kind,
    p.payment_id,
    p.billing_number AS number,
    p.amount,
    p.currency,
    p.to_plan_id AS plan_id,
    p.to_quantity AS quantity,
    p.paid_at AS start_at,
    p.period_end AS end_at,
    p.paid_at AS charged_at,
    p.refunded_amount,
    NULL::text AS receipt_url,
    'paid'::text AS status
   FROM proration p
  WHERE p.status = 'paid'::text;

create or replace view public.billing_history_v2 with (security_invoker = true) as
 SELECT m.subscription_id,
    m.customer_id,
    'period'::text AS kind,
    m.transaction_key AS payment_id,
    m.billing_number AS number,
    m.amount,
    m.currency,
    m.plan_id,
    m.quantity,
    m.start_at,
    m.end_at,
    m.start_at AS charged_at,
    m.refunded_amount,
    m.receipt_url,
        CASE
            WHEN m.status = 'Cancelled'::text THEN 'cancelled'::text
            ELSE 'paid'::text
        END AS status,
    m.amount + COALESCE(m.discount_amount, 0::bigint) AS list_amount,
    COALESCE(m.discount_amount, 0::bigint) AS discount_amount,
        CASE
            WHEN COALESCE(m.discount_amount, 0::bigint) > 0 THEN m.discount ->> 'coupon_id'::text
            ELSE NULL::text
        END AS coupon_id
   FROM payment m
  WHERE m.status <> 'Trial'::text
UNION ALL
 SELECT p.subscription_id,
    p.customer_id,
    'proration'::text AS kind,
    p.payment_id,
    p.billing_number AS number,
    p.amount,
    p.currency,
    p.to_plan_id AS plan_id,
    p.to_quantity AS quantity,
    p.paid_at AS start_at,
    p.period_end AS end_at,
    p.paid_at AS charged_at,
    p.refunded_amount,
    NULL::text AS receipt_url,
    'paid'::text AS status,
    p.amount AS list_amount,
    0::bigint AS discount_amount,
    NULL::text AS coupon_id
   FROM proration p
  WHERE p.status = 'paid'::text;

create or replace view public.subscription with (security_invoker = true) as
 SELECT latest.subscription_id,
    latest.customer_id,
    status.value AS status,
    latest.transaction_key,
    latest.order_name,
    latest.amount,
    latest.currency,
    latest.start_at,
    latest.end_at,
    latest.end_grace_at,
    latest.canceled_at,
        CASE
            WHEN (status.value = ANY (ARRAY['active'::text, 'past_due'::text])) AND pending.payment_id IS NOT NULL THEN jsonb_build_object('at', pending.at, 'amount', COALESCE(latest.next_amount, latest.amount), 'currency', COALESCE(latest.next_currency, latest.currency), 'order_name', COALESCE(latest.next_order_name, latest.order_name), 'payment_id', pending.payment_id)
            ELSE NULL::jsonb
        END AS next_charge,
        CASE
            WHEN status.value = 'refunded'::text THEN 'refunded'::text
            WHEN status.value = ANY (ARRAY['canceling'::text, 'ended'::text]) THEN 'cancelled'::text
            WHEN status.value = 'lapsed'::text THEN 'lapsed'::text
            WHEN pending.payment_id IS NULL THEN 'retries_exhausted'::text
            ELSE NULL::text
        END AS no_charge_reason,
    latest.renewal_attempts,
    latest.retry_limit,
    latest.last_failure_reason,
    latest.lapsed_at,
    COALESCE(( SELECT jsonb_agg(jsonb_build_object('renewed_key', a.renewed_key, 'attempt', a.attempt, 'payment_id', a.payment_id, 'failure_reason', a.failure_reason, 'pg_code', a.pg_code, 'pg_message', a.pg_message, 'failed_at', a.failed_at) ORDER BY a.attempt) AS jsonb_agg
           FROM renewal_attempt a
          WHERE a.renewed_key = latest.transaction_key), '[]'::jsonb) AS attempts,
    ( SELECT count(*)::integer AS count
           FROM payment m
          WHERE m.subscription_id = latest.subscription_id) AS months
   FROM ( SELECT DISTINCT ON (p.subscription_id) p.*::payment AS month
           FROM payment p
          WHERE p.subscription_id IS NOT NULL
          ORDER BY p.subscription_id, p.start_at DESC, p.id DESC) newest
     CROSS JOIN LATERAL ( SELECT (newest.month).id AS id,
            (newest.month).transaction_key AS transaction_key,
            (newest.month).amount AS amount,
            (newest.month).status AS status,
            (newest.month).start_at AS start_at,
            (newest.month).end_at AS end_at,
            (newest.month).end_grace_at AS end_grace_at,
            (newest.month).next_schedule_at AS next_schedule_at,
            (newest.month).next_schedule_id AS next_schedule_id,
            (newest.month).created_at AS created_at,
            (newest.month).canceled_at AS canceled_at,
            (newest.month).resumed_at AS resumed_at,
            (newest.month).renewal_attempts AS renewal_attempts,
            (newest.month).retry_limit AS retry_limit,
            (newest.month).retry_payment_id AS retry_payment_id,
            (newest.month).retry_at AS retry_at,
            (newest.month).last_failure_reason AS last_failure_reason,
            (newest.month).lapsed_at AS lapsed_at,
            (newest.month).renewed_by AS renewed_by,
            (newest.month).customer_id AS customer_id,
            (newest.month).order_name AS order_name,
            (newest.month).currency AS currency,
            (newest.month).subscription_id AS subscription_id,
            (newest.month).next_amount AS next_amount,
            (newest.month).next_order_name AS next_order_name,
            (newest.month).next_currency AS next_currency) latest
     CROSS JOIN LATERAL ( SELECT subscription_status(newest.month, now()) AS value) status
     CROSS JOIN LATERAL ( SELECT
                CASE
                    WHEN latest.renewed_by IS NULL AND latest.lapsed_at IS NULL THEN
                    CASE
                        WHEN latest.retry_payment_id IS NOT NULL AND latest.retry_at IS NOT NULL THEN latest.retry_payment_id
                        WHEN latest.renewal_attempts = 0 THEN latest.next_schedule_id
                        ELSE NULL::uuid
                    END
                    ELSE NULL::uuid
                END AS payment_id,
                CASE
                    WHEN latest.renewed_by IS NULL AND latest.lapsed_at IS NULL THEN
                    CASE
                        WHEN latest.retry_payment_id IS NOT NULL AND latest.retry_at IS NOT NULL THEN latest.retry_at
                        WHEN latest.renewal_attempts = 0 THEN latest.next_schedule_at
                        ELSE NULL::timestamp with time zone
                    END
                    ELSE NULL::timestamp with time zone
                END AS at) pending;

create or replace view public.subscription_v2 with (security_invoker = true) as
 SELECT latest.subscription_id,
    latest.customer_id,
    status.value AS status,
    latest.transaction_key,
    latest.order_name,
    latest.amount,
    latest.currency,
    latest.start_at,
    latest.end_at,
    latest.end_grace_at,
    latest.canceled_at,
        CASE
            WHEN (status.value = ANY (ARRAY['active'::text, 'past_due'::text, 'trialing'::text])) AND pending.payment_id IS NOT NULL THEN jsonb_build_object('at', pending.at, 'amount', COALESCE(latest.next_amount, latest.amount), 'currency', COALESCE(latest.next_currency, latest.currency), 'order_name', COALESCE(latest.next_order_name, latest.order_name), 'payment_id', pending.payment_id, 'plan_id', COALESCE(latest.next_plan_id, latest.plan_id))
            ELSE NULL::jsonb
        END AS next_charge,
        CASE
            WHEN status.value = 'refunded'::text THEN 'refunded'::text
            WHEN status.value = ANY (ARRAY['canceling'::text, 'ended'::text]) THEN 'cancelled'::text
            WHEN status.value = 'lapsed'::text THEN 'lapsed'::text
            WHEN pending.payment_id IS NULL THEN 'retries_exhausted'::text
            ELSE NULL::text
        END AS no_charge_reason,
    latest.renewal_attempts,
    latest.retry_limit,
    latest.last_failure_reason,
    latest.lapsed_at,
    COALESCE(( SELECT jsonb_agg(jsonb_build_object('renewed_key', a.renewed_key, 'attempt', a.attempt, 'payment_id', a.payment_id, 'failure_reason', a.failure_reason, 'pg_code', a.pg_code, 'pg_message', a.pg_message, 'failed_at', a.failed_at) ORDER BY a.attempt) AS jsonb_agg
           FROM renewal_attempt a
          WHERE a.renewed_key = latest.transaction_key), '[]'::jsonb) AS attempts,
    ( SELECT count(*)::integer AS count
           FROM payment m
          WHERE m.subscription_id = latest.subscription_id AND m.status <> 'Trial'::text) AS months,
    latest.plan_id,
    ( SELECT t.end_at
           FROM payment t
          WHERE t.subscription_id = latest.subscription_id AND t.status = 'Trial'::text
          ORDER BY t.start_at
         LIMIT 1) AS trial_end_at,
    latest.refunded_amount,
    ( SELECT jsonb_build_object('issuer', m.issuer, 'brand', m.brand, 'number', m.number) AS jsonb_build_object
           FROM payment_method m
          WHERE m.subscription_id = latest.subscription_id) AS payment_method
   FROM ( SELECT DISTINCT ON (p.subscription_id) p.*::payment AS month
           FROM payment p
          WHERE p.subscription_id IS NOT NULL
          ORDER BY p.subscription_id, p.start_at DESC, p.id DESC) newest
     CROSS JOIN LATERAL ( SELECT (newest.month).id AS id,
            (newest.month).transaction_key AS transaction_key,
            (newest.month).amount AS amount,
            (newest.month).status AS status,
            (newest.month).start_at AS start_at,
            (newest.month).end_at AS end_at,
            (newest.month).end_grace_at AS end_grace_at,
            (newest.month).next_schedule_at AS next_schedule_at,
            (newest.month).next_schedule_id AS next_schedule_id,
            (newest.month).created_at AS created_at,
            (newest.month).canceled_at AS canceled_at,
            (newest.month).resumed_at AS resumed_at,
            (newest.month).renewal_attempts AS renewal_attempts,
            (newest.month).retry_limit AS retry_limit,
            (newest.month).retry_payment_id AS retry_payment_id,
            (newest.month).retry_at AS retry_at,
            (newest.month).last_failure_reason AS last_failure_reason,
            (newest.month).lapsed_at AS lapsed_at,
            (newest.month).renewed_by AS renewed_by,
            (newest.month).customer_id AS customer_id,
            (newest.month).order_name AS order_name,
            (newest.month).currency AS currency,
            (newest.month).subscription_id AS subscription_id,
            (newest.month).next_amount AS next_amount,
            (newest.month).next_order_name AS next_order_name,
            (newest.month).next_currency AS next_currency,
            (newest.month).plan_id AS plan_id,
            (newest.month).next_plan_id AS next_plan_id,
            (newest.month).refunded_amount AS refunded_amount) latest
     CROSS JOIN LATERAL ( SELECT subscription_status(newest.month, now()) AS value) status
     CROSS JOIN LATERAL ( SELECT
                CASE
                    WHEN latest.renewed_by IS NULL AND latest.lapsed_at IS NULL THEN
                    CASE
                        WHEN latest.retry_payment_id IS NOT NULL AND latest.retry_at IS NOT NULL THEN latest.retry_payment_id
                        WHEN latest.renewal_attempts = 0 THEN latest.next_schedule_id
                        ELSE NULL::uuid
                    END
                    ELSE NULL::uuid
                END AS payment_id,
                CASE
                    WHEN latest.renewed_by IS NULL AND latest.lapsed_at IS NULL THEN
                    CASE
                        WHEN latest.retry_payment_id IS NOT NULL AND latest.retry_at IS NOT NULL THEN latest.retry_at
                        WHEN latest.renewal_attempts = 0 THEN latest.next_schedule_at
                        ELSE NULL::timestamp with time zone
                    END
                    ELSE NULL::timestamp with time zone
                END AS at) pending;

create or replace view public.subscription_v3 with (security_invoker = true) as
 SELECT s.subscription_id,
    s.customer_id,
    subscription_at(s.subscription_id, now()) AS subscription
   FROM ( SELECT DISTINCT ON (p.subscription_id) p.subscription_id,
            p.customer_id
           FROM payment p
          WHERE p.subscription_id IS NOT NULL
          ORDER BY p.subscription_id, p.start_at DESC, p.id DESC) s;
