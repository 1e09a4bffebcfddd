-- fairglmm_fit as a parallel aggregate: the plan has a Partial Aggregate
-- under Gather, workers really run, and the model equals the serial one.
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.41);
CREATE TABLE par AS
SELECT i AS id, g, g::bigint AS g8, 'region ' || (g % 37) AS tg, s,
       ARRAY[z1 + 0.5 * s, z2, z1 * z2] AS x,
       (u < 1 / (1 + exp(-(0.2 + 0.7 * z1 - 0.5 * z2 + 0.3 * z1 * z2 + 0.8 * s + sin(g))))) AS y
FROM (SELECT i, (i * 7) % 211 AS g, (random() < 0.45)::int AS s,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
             sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
             random() AS u
      FROM generate_series(1, 60000) AS i) AS q;
-- a few rows that must be skipped, wherever they land
INSERT INTO par VALUES (60001, NULL, NULL, NULL, 1, ARRAY[0.1, 0.2, 0.3], true),
                       (60002, 3, 3, 'region 3', 0, ARRAY[0.1, NULL, 0.3], false),
                       (60003, 4, 4, 'region 4', NULL, ARRAY[0.1, 0.2, 0.3], true);
ANALYZE par;

-- Workers launched by a query, from EXPLAIN ANALYZE (the plan runs).
CREATE FUNCTION workers_launched(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int;
END $$;

-- Largest difference between two models' coefficients, random effects and counts.
CREATE FUNCTION model_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql AS $$
  SELECT greatest(
    (SELECT max(abs(x.estimate - y.estimate))
     FROM fairglmm_coefficients(a) WITH ORDINALITY AS x(term, estimate, se, z, p, lo, hi, odds, k)
     FULL JOIN fairglmm_coefficients(b) WITH ORDINALITY AS y(term, estimate, se, z, p, lo, hi, odds, k) USING (k)),
    coalesce((SELECT max(abs(x.effect - y.effect) + abs(x.n - y.n))
              FROM fairglmm_random_effects(a) AS x
              FULL JOIN fairglmm_random_effects(b) AS y USING (stratum)), 0),
    (SELECT abs((fairglmm_info(a)->>'rows_used')::float8 - (fairglmm_info(b)->>'rows_used')::float8)
          + abs((fairglmm_info(a)->>'rows_skipped')::float8 - (fairglmm_info(b)->>'rows_skipped')::float8)
          + abs((fairglmm_info(a)->>'n_strata')::float8 - (fairglmm_info(b)->>'n_strata')::float8)))
$$;

-- the serial models
CREATE TABLE serial AS
SELECT 'fair_crlr' AS name, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS m FROM par
UNION ALL
SELECT 'crlr bigint', fairglmm_fit(y::int, x, g8, s, 0, 2, '{"method": "crlr", "feature_names": ["a", "b", "ab"]}') FROM par
UNION ALL
SELECT 'fair_crlr text c', fairglmm_fit(y, x, tg, s = 1, 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM par
UNION ALL
SELECT 'lr', fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM par;

-- now let the planner use workers even for this small table
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

EXPLAIN (COSTS OFF)
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM par;
SELECT workers_launched($$SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM par$$) > 0
       AS workers_ran;

-- each model fitted in parallel equals the serial one to 1e-8
SELECT name, model_diff(m, p) < 1e-8 AS equal, fairglmm_info(p)->>'rows_skipped' AS skipped
FROM serial JOIN (
  SELECT 'fair_crlr' AS name, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS p FROM par
  UNION ALL
  SELECT 'crlr bigint', fairglmm_fit(y::int, x, g8, s, 0, 2, '{"method": "crlr", "feature_names": ["a", "b", "ab"]}') FROM par
  UNION ALL
  SELECT 'fair_crlr text c', fairglmm_fit(y, x, tg, s = 1, 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM par
  UNION ALL
  SELECT 'lr', fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM par) AS q USING (name)
ORDER BY name;

-- feature names survive the trip through the workers
SELECT fairglmm_info(fairglmm_fit(y::int, x, g8, s, 0, 2, '{"method": "crlr", "feature_names": ["a", "b", "ab"]}'))->'options'->'feature_names'
FROM par;

-- GROUP BY: one model per group, each equal to its serial fit
EXPLAIN (COSTS OFF)
SELECT g % 2 AS half, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM par GROUP BY 1;
CREATE TABLE par_groups AS
SELECT g % 2 AS half, fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') AS p FROM par GROUP BY 1;
SET max_parallel_workers_per_gather = 0;
SELECT half, model_diff(p, (SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}')
                            FROM par WHERE g % 2 = half)) < 1e-8 AS equal
FROM par_groups WHERE half IS NOT NULL ORDER BY half;
SET max_parallel_workers_per_gather = 2;

-- errors raised in a worker or while combining reach the client unchanged
SELECT fairglmm_fit(CASE WHEN id = 45678 THEN 2 ELSE y::int END, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM par;
SELECT fairglmm_fit(y, x, g, s, CASE WHEN id < 30000 THEN 0.8 ELSE 0.9 END, 1, '{"method": "fair_crlr"}') FROM par;
SELECT fairglmm_fit(y, CASE WHEN id = 59999 THEN ARRAY[1.0, 2.0] ELSE x END, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM par;
SELECT 1 AS still_usable;

-- the other fairglmm functions are parallel safe too
SELECT proname, bool_and(proparallel = 's') AS parallel_safe
FROM pg_proc WHERE proname IN ('fairglmm_predict', 'fairglmm_classify', 'fairglmm_info', 'disparate_impact', 'fairglmm_fit')
GROUP BY proname ORDER BY proname;
CREATE TABLE one_model AS SELECT m FROM serial WHERE name = 'fair_crlr';
EXPLAIN (COSTS OFF)
SELECT disparate_impact(fairglmm_classify((SELECT m FROM one_model), x, g), s) FROM par;
SELECT abs(disparate_impact(fairglmm_classify((SELECT m FROM one_model), x, g), s)
           - (SELECT fairglmm_info(m)->>'train_disparate_impact' FROM one_model)::float8) < 1e-12 AS di_matches
FROM par WHERE s IS NOT NULL AND g IS NOT NULL AND id <> 60002;
RESET ALL;
