-- Unweighted gaussian lr and crlr keep least-squares sums instead of the
-- rows (src/core/stream.c): the model must be the one the rows give.  The
-- row path is forced by a weight argument of ones (the same least squares)
-- and by "vcov": "robust" (the same coefficients); in parallel plans the
-- workers' sums travel as bytes and merge in the leader.
-- y lies around 1e5 and one feature is a year, so the sums must not lose
-- the digits that centring keeps.
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.61);
CREATE TABLE gst AS
SELECT id, g, 'k' || (g * 7 % 31) AS tg, s, grp, x, y, yn, round(y)::int AS yi
FROM (SELECT i AS id, g, s, (ARRAY['a', 'b', 'c'])[1 + (i * 5) % 3] AS grp,
             CASE WHEN i = 17 THEN NULL ELSE ARRAY[2000 + 10 * z1, 50 + z2, z3] END AS x,
             1e5 + 3 * (10 * z1) - 2 * z2 + z3 + 1.2 * s + 0.8 * sin(g) + 4 * e AS y,
             round((1e5 + 3 * (10 * z1) - 2 * z2 + z3 + 1.2 * s + 0.8 * sin(g) + 4 * e)::numeric, 6) AS yn
      FROM (SELECT i, (i % 30) + 1 AS g, (random() < 0.4)::int AS s,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z3,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS e
            FROM generate_series(1, 3000) AS i) AS r) AS q;

-- The largest relative difference of two models: estimates and standard
-- errors of the coefficients (relative to the largest of each column),
-- random effects and their errors, the fit statistics.
CREATE FUNCTION gst_rel(a bytea, b bytea, with_se bool DEFAULT true) RETURNS float8
LANGUAGE sql STABLE AS $$
  WITH c AS (SELECT p.estimate AS e1, q.estimate AS e2, p.std_error AS s1, q.std_error AS s2
             FROM fairglmm_coefficients(a) p FULL JOIN fairglmm_coefficients(b) q USING (term)),
  r AS (SELECT p.effect AS e1, q.effect AS e2, p.std_error AS s1, q.std_error AS s2,
               p.n AS n1, q.n AS n2
        FROM fairglmm_random_effects(a) p FULL JOIN fairglmm_random_effects(b) q USING (stratum)),
  st AS (SELECT key, (fairglmm_info(a)->'fit_statistics'->>key)::float8 AS v1,
                (fairglmm_info(b)->'fit_statistics'->>key)::float8 AS v2
         FROM jsonb_object_keys(fairglmm_info(a)->'fit_statistics') AS key
         WHERE jsonb_typeof(fairglmm_info(a)->'fit_statistics'->key) = 'number'
         UNION ALL
         SELECT key, (fairglmm_info(a)->>key)::float8, (fairglmm_info(b)->>key)::float8
         FROM unnest(ARRAY['objective', 'rows_used', 'rows_skipped', 'n_strata']) AS key)
  SELECT greatest(
    (SELECT max(abs(e1 - e2)) / max(abs(e1)) FROM c),
    CASE WHEN with_se THEN (SELECT max(abs(s1 - s2)) / max(abs(s1)) FROM c) ELSE 0 END,
    coalesce((SELECT max(abs(e1 - e2)) / max(abs(e1)) + max(abs(n1 - n2)) FROM r), 0),
    CASE WHEN with_se THEN coalesce((SELECT max(abs(s1 - s2)) / max(abs(s1)) FROM r), 0) ELSE 0 END,
    (SELECT max(abs(v1 - v2) / greatest(abs(v1), 1e-300)) FROM st))
$$;

CREATE FUNCTION gst_workers(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int;
END $$;

-- the same fits through the sums (no weight) and through the rows (weights of 1)
CREATE TABLE gst_fits AS
SELECT 'lr float8' AS name,
       fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS m,
       fairglmm_fit(y, x, g, s, 1.0, 0, 0, '{"method": "lr"}') AS r FROM gst
UNION ALL SELECT 'lr numeric, l2',
       fairglmm_fit(yn, x, g, s, 0, 0, '{"method": "lr", "l2": 2}'),
       fairglmm_fit(yn, x, g, s, 1.0, 0, 0, '{"method": "lr", "l2": 2}') FROM gst
UNION ALL SELECT 'lr integer as gaussian, vcov none',
       fairglmm_fit(yi, x, g, s, 0, 0, '{"method": "lr", "family": "gaussian", "vcov": "none"}'),
       fairglmm_fit(yi, x, g, s, 1.0, 0, 0, '{"method": "lr", "family": "gaussian", "vcov": "none"}') FROM gst
UNION ALL SELECT 'crlr float8',
       fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}'),
       fairglmm_fit(y, x, g, s, 1.0, 0, 1, '{"method": "crlr"}') FROM gst
UNION ALL SELECT 'crlr text strata, categories, small lambda',
       fairglmm_fit(y, x, tg, grp, 0, 0.05, '{"method": "crlr"}'),
       fairglmm_fit(y, x, tg, grp, 1.0, 0, 0.05, '{"method": "crlr"}') FROM gst
UNION ALL SELECT 'crlr real, l2, vcov none',
       fairglmm_fit(y::real, x, g, s, 0, 3, '{"method": "crlr", "l2": 0.5, "vcov": "none"}'),
       fairglmm_fit(y::real, x, g, s, 1.0, 0, 3, '{"method": "crlr", "l2": 0.5, "vcov": "none"}') FROM gst;
SELECT name, gst_rel(m, r) < 1e-10 AS sums_equal_rows,
       fairglmm_info(m)->'rows_used' AS rows_used, fairglmm_info(m)->'rows_skipped' AS rows_skipped,
       fairglmm_info(m)->'fit_statistics' ? 'residual_variance' AS has_sigma2,
       (SELECT count(*) FROM fairglmm_random_effects(m)) AS strata,
       (SELECT count(*) FROM jsonb_array_elements(fairglmm_info(m)->'sensitive_attributes')) AS attrs
FROM gst_fits ORDER BY name;

-- "vcov": "robust" keeps the rows: the same coefficients and random effects
SELECT gst_rel(fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}'),
               fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "vcov": "robust"}'), false) < 1e-10
       AS robust_same_estimates
FROM gst;
-- the sums are used (verbose names them)
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "verbose": true}') IS NOT NULL AS fitted FROM gst;
-- the row path's errors
SELECT fairglmm_fit(5.0::float8, x, g, s, 0, 1, '{"method": "crlr"}') FROM gst;
SELECT fairglmm_fit(y, ARRAY[x[1], 2 * x[1] + 1], g, s, 0, 0, '{"method": "lr"}') FROM gst;
SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM gst WHERE false;
-- a model made from sums scores like the one made from rows
SELECT max(abs(fairglmm_predict(m, x, g) - fairglmm_predict(r, x, g))) / 1e5 < 1e-12 AS same_predictions
FROM gst, gst_fits WHERE name = 'crlr float8' AND x IS NOT NULL;

-- parallel plans: the workers' sums merged in the leader equal the serial sums
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE gst SET (parallel_workers = 2);
SELECT gst_workers($$SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM gst$$) > 0 AS workers_ran;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "verbose": true}') IS NOT NULL AS fitted FROM gst;
SELECT name, gst_rel(m, p) < 1e-10 AS parallel_equals_serial, gst_rel(r, p) < 1e-10 AS parallel_equals_rows
FROM gst_fits JOIN (
  SELECT 'lr float8' AS name, fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS p FROM gst
  UNION ALL SELECT 'lr numeric, l2', fairglmm_fit(yn, x, g, s, 0, 0, '{"method": "lr", "l2": 2}') FROM gst
  UNION ALL SELECT 'lr integer as gaussian, vcov none',
                   fairglmm_fit(yi, x, g, s, 0, 0, '{"method": "lr", "family": "gaussian", "vcov": "none"}') FROM gst
  UNION ALL SELECT 'crlr float8', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM gst
  UNION ALL SELECT 'crlr text strata, categories, small lambda',
                   fairglmm_fit(y, x, tg, grp, 0, 0.05, '{"method": "crlr"}') FROM gst
  UNION ALL SELECT 'crlr real, l2, vcov none',
                   fairglmm_fit(y::real, x, g, s, 0, 3, '{"method": "crlr", "l2": 0.5, "vcov": "none"}') FROM gst
) AS q USING (name) ORDER BY name;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
ALTER TABLE gst RESET (parallel_workers);
DROP TABLE gst_fits;
DROP TABLE gst;
DROP FUNCTION gst_rel(bytea, bytea, bool);
DROP FUNCTION gst_workers(text);
