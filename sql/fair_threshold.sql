-- Method fair_threshold (the coordinate descent of src/core/threshold.c)
-- through SQL: the objective never rises with more sweeps and the last
-- equals the unlimited fit; the fit is deterministic (the same bytes but the
-- creation time) and a path's fits are single fits; lambda_f = 0 keeps the
-- crlr least squares; what the model reports against plain SQL; a larger
-- lambda_f lowers the disparity on this data; errors.
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.16);
-- 300 rows, 6 strata; x1 is a proxy of s in mean and in spread, so the
-- groups' predictions differ in shape and the descent has work to do
CREATE TABLE ft AS
SELECT id, g, s, ARRAY[x1, x2] AS x, 1 + x1 + 0.6 * x2 + 0.5 * s::int + 0.3 * (g - 3.5) + e AS y
FROM (SELECT id, g, s, 0.4 * s::int + (1 + 0.7 * s::int) * z1 AS x1, z2 AS x2, e
      FROM (SELECT i AS id, 1 + i % 6 AS g, random() < 0.4 AS s,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS e
            FROM generate_series(1, 300) AS i) AS r) AS q;
SELECT count(*), count(DISTINCT g) AS strata, avg(s::int) BETWEEN 0.3 AND 0.5 AS share_ok FROM ft;

-- A model's bytes with its creation time and the checksum over it zeroed.
-- From the end: the checksum (4), the thresholds (8 each), the rest of the
-- continuous-outcome part (48), the extension version and its length byte,
-- then created_at (8).
CREATE FUNCTION ft_created_at_offset(m bytea) RETURNS int LANGUAGE sql STABLE AS $$
  SELECT length(m) - 4 - 8 * jsonb_array_length(i -> 'thresholds') - 48
         - length(i ->> 'extension_version') - 1 - 8
  FROM fairglmm_info(m) AS i
$$;
CREATE FUNCTION ft_masked(m bytea) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT overlay(substr(m, 1, length(m) - 4) PLACING '\x0000000000000000'::bytea
                 FROM ft_created_at_offset(m) + 1 FOR 8)
$$;
-- The largest difference between two models' coefficients and random effects.
CREATE FUNCTION ft_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT greatest(
    (SELECT max(abs(p.estimate - q.estimate))
     FROM fairglmm_coefficients(a) p FULL JOIN fairglmm_coefficients(b) q USING (term)),
    coalesce((SELECT max(abs(p.effect - q.effect))
              FROM fairglmm_random_effects(a) p FULL JOIN fairglmm_random_effects(b) q USING (stratum)), 0))
$$;

-- ---------------------------------------------------------------------------
-- The objective never rises with more sweeps
-- ---------------------------------------------------------------------------
-- lambda_f = 1 needs several sweeps here; a limit below them is a WARNING
SELECT (fairglmm_info(fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold", "max_sweeps": 1}'))
        ->> 'converged')::boolean AS converged
FROM ft;
SET client_min_messages = error;
CREATE TABLE ft_sweeps AS
SELECT k, fairglmm_fit(y, x, g, s, 1, 1, jsonb_build_object('method', 'fair_threshold', 'max_sweeps', k)) AS m
FROM ft, generate_series(1, 12) AS k GROUP BY k;
RESET client_min_messages;
CREATE TABLE ft_full AS
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold"}') AS m FROM ft;
CREATE VIEW ft_trace AS
SELECT k, (i ->> 'sweeps')::int AS sweeps, (i ->> 'converged')::boolean AS converged,
       (i ->> 'objective')::float8 AS objective, m
FROM ft_sweeps, fairglmm_info(m) AS i;
-- the unlimited fit's sweeps: more than three, so the limits below cut it
SELECT (fairglmm_info(m) ->> 'sweeps')::int BETWEEN 4 AND 12 AS several_sweeps,
       (fairglmm_info(m) ->> 'converged')::boolean AS converged
FROM ft_full;
-- a limit of k sweeps makes min(k, the unlimited fit's) sweeps; it converges
-- exactly when the limit is not below the unlimited fit's
SELECT bool_and(t.sweeps = least(t.k, (fairglmm_info(f.m) ->> 'sweeps')::int)) AS sweeps_ok,
       bool_and(t.converged = (t.k >= (fairglmm_info(f.m) ->> 'sweeps')::int)) AS converged_ok
FROM ft_trace t, ft_full f;
-- never rising, and falling at every sweep but the last (which changes nothing)
SELECT bool_and(objective <= prev) AS never_rises,
       count(*) FILTER (WHERE objective < prev) = (SELECT (fairglmm_info(m) ->> 'sweeps')::int - 2 FROM ft_full)
         AS falls_until_the_last
FROM (SELECT objective, lag(objective) OVER (ORDER BY k) AS prev FROM ft_trace) AS q
WHERE prev IS NOT NULL;
-- the first sweep already improves on least squares (lambda_f = 0)
SELECT (SELECT objective FROM ft_trace WHERE k = 1)
       < (fairglmm_info(f.m) ->> 'objective')::float8 + (fairglmm_info(f.m) ->> 'threshold_disparity')::float8
         AS first_sweep_improves
FROM (SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_threshold"}') AS m FROM ft) AS f;
-- the last limited fit is the unlimited one: objective, coefficients,
-- random effects, disparities all equal (the bytes differ in max_sweeps)
SELECT t.objective = (fairglmm_info(f.m) ->> 'objective')::float8 AS same_objective,
       ft_diff(t.m, f.m) = 0 AS same_coefficients,
       (fairglmm_info(t.m) - 'options' - 'created_at') = (fairglmm_info(f.m) - 'options' - 'created_at')
         AS same_info
FROM ft_trace t, ft_full f WHERE t.k = 12;

-- ---------------------------------------------------------------------------
-- Deterministic: the same bytes but the creation time
-- ---------------------------------------------------------------------------
CREATE TABLE ft_twice AS
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold"}') AS m FROM ft;
-- the masked bytes are the creation time: microseconds since 1970, little-endian
SELECT abs((SELECT sum(get_byte(m, ft_created_at_offset(m) + b)::numeric * 256 ^ b)
            FROM generate_series(0, 7) AS b) / 1e6
           - extract(epoch FROM (fairglmm_info(m) ->> 'created_at')::timestamptz)) < 1e-6 AS mask_is_created_at
FROM ft_twice;
SELECT length(a.m) = length(b.m) AS same_length, ft_masked(a.m) = ft_masked(b.m) AS same_bytes,
       (fairglmm_info(a.m) - 'created_at') = (fairglmm_info(b.m) - 'created_at') AS same_info
FROM ft_full a, ft_twice b;
-- rows in another order: the least-squares start differs in its last bits
-- (sums in another order), the descent takes the same steps
SELECT (fairglmm_info(q.m) ->> 'sweeps') = (fairglmm_info(f.m) ->> 'sweeps') AS same_sweeps,
       abs((fairglmm_info(q.m) ->> 'objective')::float8 - (fairglmm_info(f.m) ->> 'objective')::float8)
         < 1e-10 AS same_objective,
       ft_diff(q.m, f.m) < 1e-8 AS same_coefficients
FROM (SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold"}' ORDER BY id DESC) AS m FROM ft) AS q,
     ft_full AS f;
-- a path's fits: the same bytes as single fits
SELECT r.rho, ft_masked(r.model) = ft_masked(f.m) AS path_equals_fit
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 1, 5]::float8[], 1, '{"method": "fair_threshold"}') AS p
      FROM ft) AS q,
     fairglmm_path_report(q.p) AS r,
     LATERAL (SELECT fairglmm_fit(y, x, g, s, r.rho, 1, '{"method": "fair_threshold"}') AS m FROM ft) AS f
ORDER BY r.rho;

-- ---------------------------------------------------------------------------
-- lambda_f = 0 keeps the crlr least squares
-- ---------------------------------------------------------------------------
SELECT ft_diff(t.m, c.m) < 1e-12 AS crlr_coefficients,
       abs((fairglmm_info(t.m) #>> '{fit_statistics,rmse}')::float8
           - (fairglmm_info(c.m) #>> '{fit_statistics,rmse}')::float8) < 1e-12 AS crlr_rmse,
       (fairglmm_info(t.m) ->> 'sweeps')::int AS sweeps
FROM (SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_threshold"}') AS m FROM ft) AS t,
     (SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') AS m FROM ft) AS c;

-- ---------------------------------------------------------------------------
-- What the model reports, against plain SQL on the training rows
-- ---------------------------------------------------------------------------
-- objective = (RSS / 2 + lambda sum b^2) / (TSS / 2) + lambda_f threshold_disparity;
-- threshold_disparity = parity_gap at the model's thresholds; parity_ks
-- (over every threshold) = the reporting aggregate, and never below it
WITH f AS (SELECT m, fairglmm_info(m) AS i FROM ft_full),
p AS (SELECT ft.*, fairglmm_predict(f.m, ft.x, ft.g) AS yhat FROM ft, f),
sums AS (SELECT sum((y - yhat) ^ 2) AS rss, sum((y - (SELECT avg(y) FROM ft)) ^ 2) AS tss,
                parity_ks(yhat, s) AS ks,
                parity_gap(yhat, s, (SELECT array_agg(t::float8) FROM f, jsonb_array_elements_text(f.i -> 'thresholds') AS t))
                  AS gap
         FROM p),
b AS (SELECT sum(effect ^ 2) AS bb FROM f, fairglmm_random_effects(f.m))
SELECT jsonb_array_length(i -> 'thresholds') AS thresholds,
       abs((i ->> 'objective')::float8 - ((rss / 2 + 1 * bb) / (tss / 2) + 1 * (i ->> 'threshold_disparity')::float8))
         < 1e-10 AS objective_ok,
       abs((i ->> 'threshold_disparity')::float8 - gap) < 1e-12 AS threshold_disparity_ok,
       abs((i ->> 'parity_ks')::float8 - ks) < 1e-12 AS parity_ks_ok,
       (i ->> 'parity_ks')::float8 >= (i ->> 'threshold_disparity')::float8 AS ks_at_least_gap,
       abs((i #>> '{fit_statistics,rmse}')::float8 - sqrt(rss / 300)) < 1e-10 AS rmse_ok,
       abs((i #>> '{fit_statistics,r_squared}')::float8 - (1 - rss / tss)) < 1e-10 AS r_squared_ok
FROM f, sums, b;
-- the objective is not smooth: no standard errors
SELECT bool_and(c.std_error IS NULL) AS no_std_errors,
       (SELECT count(*) FROM fairglmm_vcov(f.m)) AS vcov_entries
FROM ft_full AS f, fairglmm_coefficients(f.m) AS c GROUP BY f.m;
-- option "thresholds": fewer thresholds, at quantiles of the training y
SELECT jsonb_array_length(i -> 'thresholds') AS thresholds,
       abs((i -> 'thresholds' ->> 4)::float8
           - (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY y) FROM ft)) < 0.1 AS middle_near_median
FROM (SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold", "thresholds": 9}')) AS i
      FROM ft) AS q;

-- ---------------------------------------------------------------------------
-- lambda_f against the disparity on this data
-- ---------------------------------------------------------------------------
-- The descent is local, so neither disparity need fall between every two
-- lambda_f (here threshold_disparity is 0.0896 at 0.5 and 0.0903 at 1), but
-- from 0.1 to 5 both fall well, and the fit term rises.
WITH f AS (SELECT lf, fairglmm_info(fairglmm_fit(y, x, g, s, lf, 1, '{"method": "fair_threshold"}')) AS i
           FROM ft, (VALUES (0.1::float8), (5)) AS v(lf) GROUP BY lf),
small AS (SELECT * FROM f WHERE lf = 0.1), large AS (SELECT * FROM f WHERE lf = 5)
SELECT (large.i ->> 'threshold_disparity')::float8 < (small.i ->> 'threshold_disparity')::float8 / 1.5
         AS threshold_disparity_falls,
       (large.i ->> 'parity_ks')::float8 < (small.i ->> 'parity_ks')::float8 / 1.5 AS parity_ks_falls,
       (large.i #>> '{fit_statistics,rmse}')::float8 > (small.i #>> '{fit_statistics,rmse}')::float8
         AS rmse_rises
FROM small, large;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
SELECT fairglmm_fit(y > 1, x, g, s, 1, 1, '{"method": "fair_threshold"}') FROM ft;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_threshold", "c": 0.05}') FROM ft;
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_threshold", "max_sweeps": 0}') FROM ft;
SELECT fairglmm_fit(y, x, g, s, -1, 1, '{"method": "fair_threshold"}') FROM ft;
