-- Training every method through SQL; optimality and limits checked against
-- plain SQL sums (kkt_residual, from setup.sql), not against the solver.
CREATE TABLE models AS
SELECT method, rho, lambda,
       fairglmm_fit(y, x, g, s, rho, lambda, jsonb_build_object('method', method)) AS m
FROM d, (VALUES ('lr', 0.0, 0.0), ('fair_lr', 0.8, 0.0), ('crlr', 0.0, 1.0),
                ('fair_crlr', 0.8, 1.0), ('fair_crlr', 0.0, 1.0), ('fair_crlr', 50.0, 1.0),
                ('crlr', 0.0, 1e9), ('fair_lr', 0.0, 0.0)) AS v(method, rho, lambda)
GROUP BY method, rho, lambda;

-- every fit converged, to a point where the exact gradient vanishes
SELECT method, rho, lambda,
       (fairglmm_info(m) ->> 'converged')::boolean AS converged,
       kkt_residual(m, rho, lambda) < 1e-9 AS kkt_ok,
       (fairglmm_info(m) ->> 'gradient_norm')::float8 < 1e-6 AS grad_small
FROM models ORDER BY method, rho, lambda;

-- fair_* with rho = 0 is the unfair method
SELECT a.method, max(abs(ca.estimate - cb.estimate)) < 1e-10 AS same_fixed_effects
FROM models a JOIN models b ON b.rho = 0 AND a.rho = 0 AND a.lambda = b.lambda
     AND b.method = substr(a.method, 6)
     CROSS JOIN LATERAL fairglmm_coefficients(a.m) ca
     JOIN LATERAL fairglmm_coefficients(b.m) cb ON cb.term = ca.term
WHERE a.method LIKE 'fair_%'
GROUP BY a.method ORDER BY 1;

-- a very large lambda drives b to 0 and crlr to lr
SELECT max(abs(effect)) < 1e-6 AS b_vanishes
FROM models, fairglmm_random_effects(m) WHERE method = 'crlr' AND lambda = 1e9;
SELECT max(abs(c1.estimate - c2.estimate)) < 1e-5 AS crlr_equals_lr
FROM models m1, models m2, fairglmm_coefficients(m1.m) c1, fairglmm_coefficients(m2.m) c2
WHERE m1.method = 'crlr' AND m1.lambda = 1e9 AND m2.method = 'lr' AND c1.term = c2.term;

-- abs(cov) falls as rho grows
WITH f AS (
  SELECT rho, abs((fairglmm_info(fairglmm_fit(y, x, g, s, rho, 1.0, '{"method": "fair_crlr"}'))
                   ->> 'train_covariance')::float8) AS abs_cov
  FROM d, unnest(ARRAY[0, 0.1, 1, 10, 100]) AS rho GROUP BY rho)
SELECT bool_and(abs_cov < prev) AS decreasing
FROM (SELECT abs_cov, lag(abs_cov) OVER (ORDER BY rho) AS prev FROM f) AS q WHERE prev IS NOT NULL;

-- the constrained form: abs(cov) <= c, a positive multiplier when active,
-- and the KKT conditions of J + sign(cov) * multiplier * cov
WITH c AS (
  SELECT method, bound, fairglmm_fit(y, x, g, s, 0, 1, jsonb_build_object('method', method, 'c', bound)) AS m
  FROM d, (VALUES ('fair_lr'), ('fair_crlr')) AS v(method), unnest(ARRAY[0.01, 0.05, 10]) AS bound
  GROUP BY method, bound),
i AS (SELECT method, bound, m, fairglmm_info(m) AS info FROM c)
SELECT method, bound,
       abs((info ->> 'train_covariance')::float8) <= bound AS feasible,
       (info ->> 'multiplier')::float8 > 0 AS active,
       kkt_residual(m, 0, CASE WHEN method = 'fair_lr' THEN 0 ELSE 1 END,
                    sign((info ->> 'train_covariance')::float8) * (info ->> 'multiplier')::float8
                    / (info ->> 'rows_used')::float8) < 1e-8 AS kkt_ok
FROM i ORDER BY method, bound;

-- fair_crlr is more fair than crlr on training data
SELECT (SELECT (fairglmm_info(m) ->> 'train_disparate_impact')::float8 FROM models
        WHERE method = 'fair_crlr' AND rho = 50)
     > (SELECT (fairglmm_info(m) ->> 'train_disparate_impact')::float8 FROM models
        WHERE method = 'crlr' AND lambda = 1) AS fairer;

-- info: everything the model records
SELECT jsonb_pretty(fairglmm_info(m) - 'coefficients' - 'objective' - 'gradient_norm'
                    - 'train_accuracy' - 'train_disparate_impact' - 'train_covariance' - 'iterations'
                    - 'created_at' - 'fit_statistics')
FROM models WHERE method = 'fair_crlr' AND rho = 0.8;
SELECT (fairglmm_info(m) ->> 'created_at')::timestamptz <= now() AS created_before_now,
       (fairglmm_info(m) #>> '{fit_statistics,loglik}')::float8 < 0 AS loglik_negative,
       (fairglmm_info(m) #>> '{fit_statistics,df}')::float8 BETWEEN 4 AND 34 AS df_between_p_and_strata
FROM models WHERE method = 'fair_crlr' AND rho = 0.8;
SELECT (fairglmm_info(m) -> 'coefficients') ?& ARRAY['intercept', 'x1', 'x2', 'x3'] AS named,
       (fairglmm_info(m) ->> 'iterations')::int BETWEEN 1 AND 20 AS iterations_ok,
       (fairglmm_info(m) ->> 'train_accuracy')::float8 BETWEEN 0.6 AND 0.9 AS accuracy_ok
FROM models WHERE method = 'fair_crlr' AND rho = 0.8;

-- coefficients and random effects
SELECT term FROM models, fairglmm_coefficients(m) WHERE method = 'lr';
SELECT count(*) AS strata, sum(n) AS rows, min(stratum::int), max(stratum::int)
FROM models, fairglmm_random_effects(m) WHERE method = 'crlr' AND lambda = 1;
SELECT count(*) AS lr_has_no_random_effects FROM models, fairglmm_random_effects(m) WHERE method = 'lr';

-- feature names
SELECT term FROM fairglmm_coefficients((
  SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["age", "income", "score"]}') FROM d));

-- every argument type combination gives the same model
WITH f AS (
  SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS a,
         fairglmm_fit(y::int, x, g::bigint, s::boolean, 0.8, 1, '{"method": "fair_crlr"}') AS b,
         fairglmm_fit(y, x, g::text, s, 0.8, 1, '{"method": "fair_crlr"}') AS c
  FROM d)
SELECT (SELECT max(abs(p.estimate - q.estimate)) FROM fairglmm_coefficients(a) p
        JOIN fairglmm_coefficients(b) q USING (term)) < 1e-12 AS int_bigint_same,
       (SELECT max(abs(p.estimate - q.estimate)) FROM fairglmm_coefficients(a) p
        JOIN fairglmm_coefficients(c) q USING (term)) < 1e-10 AS text_strata_same,
       fairglmm_info(c) ->> 'strata_type' AS text_type
FROM f;

-- row order does not matter (to rounding)
WITH f AS (
  SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}' ORDER BY id) AS a,
         fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}' ORDER BY md5(id::text)) AS b
  FROM d)
SELECT max(abs(p.estimate - q.estimate)) < 1e-10 AS order_invariant
FROM f, fairglmm_coefficients(a) p JOIN fairglmm_coefficients(b) q USING (term);

-- GROUP BY: one model per group
SELECT s, (fairglmm_info(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}')) ->> 'rows_used')::int AS rows
FROM d GROUP BY s ORDER BY s;

-- rows with a NULL are skipped and counted; strata only matter where used
CREATE TABLE dn AS SELECT * FROM d;
UPDATE dn SET y = NULL WHERE id % 100 = 1;
UPDATE dn SET x = NULL WHERE id % 100 = 2;
UPDATE dn SET x[2] = NULL WHERE id % 100 = 3;
UPDATE dn SET s = NULL WHERE id % 100 = 4;
UPDATE dn SET g = NULL WHERE id % 100 = 5;
SELECT method, fairglmm_info(m) ->> 'rows_used' AS used, fairglmm_info(m) ->> 'rows_skipped' AS skipped
FROM (SELECT method, fairglmm_fit(y, x, g, s, 0, 1, jsonb_build_object('method', method)) AS m
      FROM dn, (VALUES ('lr'), ('crlr')) AS v(method) GROUP BY method) AS q ORDER BY method;

-- no rows gives NULL, as aggregates do; only NULL rows gives NULL with a notice
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}') IS NULL AS no_rows FROM d WHERE false;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}') IS NULL AS all_null FROM dn WHERE y IS NULL;

-- an intercept-only model (empty x) matches the closed form logit(mean y)
SELECT abs(estimate - (SELECT ln(avg(y::int) / (1 - avg(y::int))) FROM d)) < 1e-10 AS closed_form
FROM fairglmm_coefficients((SELECT fairglmm_fit(y, '{}'::float8[], g, s, 0, 0, '{"method": "lr"}') FROM d));
