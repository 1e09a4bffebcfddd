-- fairglmm_path and option "target" (choosing rho): each model of a path
-- equals the single fit at its rho; fairglmm_path_report's columns; the
-- target search reaches the target and a rho 1 % smaller does not, on the
-- setup data, where the training disparate impact grows with rho; errors.
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;

-- The largest difference between two models' fixed and random effects.
CREATE FUNCTION path_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT greatest(
    (SELECT max(abs(x.estimate - y.estimate))
     FROM fairglmm_coefficients(a) x JOIN fairglmm_coefficients(b) y USING (term)),
    coalesce((SELECT max(abs(x.effect - y.effect))
              FROM fairglmm_random_effects(a) x JOIN fairglmm_random_effects(b) y USING (stratum)), 0))
$$;

-- every entry of a path equals the single fit at its rho (to 1e-8, solved to tol 1e-13)
CREATE TABLE path_fits AS
SELECT m.method, r.*
FROM (VALUES ('fair_lr'), ('fair_crlr'), ('fair_glmm')) AS m(method),
     LATERAL (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 0.5, 2, 10, 1]::float8[], 1,
                                   jsonb_build_object('method', m.method, 'tol', 1e-13)) AS p
              FROM d) AS q,
     LATERAL fairglmm_path_report(q.p) WITH ORDINALITY AS r;
SELECT method, rho,
       path_diff(model, (SELECT fairglmm_fit(y, x, g, s, rho, 1,
                                             jsonb_build_object('method', method, 'tol', 1e-13))
                         FROM d)) < 1e-8 AS equals_single_fit
FROM path_fits ORDER BY method, rho;

-- the weighted form, against the weighted single fit
WITH p AS (SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 3]::float8[], 1,
                                '{"method": "fair_glmm", "tol": 1e-13}') AS p FROM d)
SELECT r.rho,
       path_diff(r.model, (SELECT fairglmm_fit(y, x, g, s, 1 + (id % 3)::float8, r.rho, 1,
                                               '{"method": "fair_glmm", "tol": 1e-13}') FROM d)) < 1e-8
         AS equals_weighted_fit
FROM p, fairglmm_path_report(p.p) AS r;

-- the report: rows in the order given, each column what the model records
SELECT method, count(*) AS models,
       array_agg(rho ORDER BY ordinality) AS rhos,
       bool_and(objective = (fairglmm_info(model)->>'objective')::float8) AS objective_ok,
       bool_and(loglik < 0) AS loglik_ok,
       bool_and(train_accuracy BETWEEN 0.5 AND 1) AS accuracy_ok,
       bool_and(train_disparate_impact = (fairglmm_info(model)->>'train_disparate_impact')::float8) AS di_ok,
       bool_and(jsonb_array_length(covariances) = 1) AS one_term,
       bool_and(iterations >= 1) AS iterations_ok,
       bool_and((fairglmm_info(model)->>'rho')::float8 = rho) AS model_rho_ok
FROM path_fits
GROUP BY method ORDER BY method;
-- the covariance shrinks and the disparate impact grows along the path
SELECT method,
       bool_and(abs((covariances->>0)::float8) < abs((prev->>0)::float8)) AS covariance_shrinks,
       bool_and(train_disparate_impact >= prev_di) AS di_grows
FROM (SELECT method, rho, covariances, train_disparate_impact,
             lag(covariances) OVER w AS prev, lag(train_disparate_impact) OVER w AS prev_di
      FROM path_fits WINDOW w AS (PARTITION BY method ORDER BY rho)) AS q
WHERE prev IS NOT NULL
GROUP BY method ORDER BY method;

-- a parallel path equals the serial one
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE d SET (parallel_workers = 2);
SELECT r.rho, path_diff(r.model, f.model) < 1e-8 AS parallel_equals_serial
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 2]::float8[], 1, '{"method": "fair_glmm", "tol": 1e-13}') AS p
      FROM d) AS q,
     fairglmm_path_report(q.p) AS r
JOIN path_fits f ON f.method = 'fair_glmm' AND f.rho = r.rho
ORDER BY r.rho;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
ALTER TABLE d RESET (parallel_workers);

-- option "target": the smallest rho reaching the training level, to 1 %
CREATE TABLE target_fits AS
SELECT t.method, t.metric, t.level, t.notion, q.m,
       (fairglmm_info(q.m)->>'target_rho')::float8 AS rho,
       (fairglmm_info(q.m)->>'target_reached')::float8 AS reached
FROM (VALUES ('fair_lr', 'disparate_impact', 0.8, 'demographic_parity'),
             ('fair_glmm', 'disparate_impact', 0.9, 'demographic_parity'),
             ('fair_lr', 'equal_opportunity_ratio', 0.9, 'equal_opportunity')) AS t(method, metric, level, notion),
     LATERAL (SELECT fairglmm_fit(y, x, g, s, 0, 1,
                                  jsonb_build_object('method', t.method, 'fairness', t.notion,
                                                     'target', jsonb_build_object(t.metric, t.level))) AS m
              FROM d) AS q;
SELECT method, metric, level, rho > 0 AS rho_positive, reached >= level AS reached,
       fairglmm_info(m)->'options'->'target' = jsonb_build_object(metric, level) AS option_recorded,
       (fairglmm_info(m)->>'rho')::float8 = rho AS model_rho
FROM target_fits ORDER BY method, metric;
-- the training disparate impact of the model found, and of a fit 1 % below its rho
SELECT method, level,
       (fairglmm_info(m)->>'train_disparate_impact')::float8 = reached AS info_agrees,
       (SELECT (fairglmm_info(fairglmm_fit(y, x, g, s, 0.99 * rho, 1,
                                           jsonb_build_object('method', method)))->>'train_disparate_impact')::float8
        FROM d) < level AS smaller_rho_misses
FROM target_fits WHERE metric = 'disparate_impact' ORDER BY method;
-- the equal opportunity ratio: true positive rates of the two groups, recomputed,
-- for the model found and for a fit 1 % below its rho
SELECT level,
       abs((SELECT min(tpr) / max(tpr) FROM
             (SELECT avg((fairglmm_predict(t.m, x) >= 0.5)::int) AS tpr FROM d WHERE y GROUP BY s) AS r)
           - t.reached) < 1e-12 AS ratio_recomputed,
       (SELECT min(tpr) / max(tpr) FROM
         (SELECT avg((fairglmm_predict(f.m, x) >= 0.5)::int) AS tpr FROM d WHERE y GROUP BY s) AS r) < level
         AS smaller_rho_misses
FROM target_fits AS t, LATERAL (SELECT fairglmm_fit(y, x, g, s, 0.99 * t.rho, 1,
                                               '{"method": "fair_lr", "fairness": "equal_opportunity"}') AS m
                           FROM d) AS f
WHERE metric = 'equal_opportunity_ratio';

-- errors
SELECT fairglmm_path(y, x, g, s, ARRAY[]::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[1, 'NaN']::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[1, -1]::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[1, NULL]::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[[1, 2]]::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, NULL::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, array_fill(1::float8, ARRAY[1001]), 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[1, id]::float8[], 1, '{"method": "fair_lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[1]::float8[], 1, '{"method": "lr"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "c": 0.1}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.8}}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr"}') FROM d WHERE false;
SELECT fairglmm_path_report('\x00');
SELECT fairglmm_path_report((SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_lr"}') FROM d));
SELECT fairglmm_path_report(overlay(p placing '\x00' from 40 for 1))
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr"}') AS p FROM d) AS q;
-- an unreachable target names the best level reached
\set VERBOSITY default
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 1}}') FROM d;
\set VERBOSITY terse
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "target": {"disparate_impact": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "c": 0.1, "target": {"disparate_impact": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"accuracy": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": "high"}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": 0.8}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.8, "equalized_odds_ratio": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target_metric": 1}') FROM d;

DROP TABLE path_fits, target_fits;
DROP FUNCTION path_diff(bytea, bytea);
