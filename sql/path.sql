-- fairglmm_path and option "target" (choosing rho): each model of a path
-- equals the single fit at its rho; fairglmm_path_report's columns; the
-- target search reaches the target and a rho 1 % smaller does not, on the
-- setup data, where the training disparate impact grows with rho; option
-- "folds" (cross-validation): the report's held-out metrics, recomputed in
-- SQL for folds of one stratum each, serial = parallel; errors.
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
       bool_and((fairglmm_info(model)->>'rho')::float8 = rho) AS model_rho_ok,
       bool_and(num_nulls(cv_accuracy, cv_disparate_impact, cv_equal_opportunity_ratio,
                          cv_equalized_odds_ratio, cv_log_loss) = 5) AS no_cv
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

-- option "folds": the path's models are still the fits on every row, and
-- the report adds the held-out metrics of each rho
CREATE TABLE cv_fits AS
SELECT t.method, t.fold_by, r.*
FROM (VALUES ('fair_lr', 'strata'), ('fair_crlr', 'strata'), ('fair_crlr', 'rows'),
             ('fair_glmm', 'rows')) AS t(method, fold_by),
     LATERAL (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 0.5, 2, 10]::float8[], 1,
                                   jsonb_build_object('method', t.method, 'tol', 1e-13, 'folds', 5,
                                                      'fold_by', t.fold_by)) AS p
              FROM d) AS q,
     LATERAL fairglmm_path_report(q.p) WITH ORDINALITY AS r;
SELECT c.method, c.fold_by, c.rho,
       (SELECT path_diff(c.model, f.model) < 1e-8 FROM path_fits f
        WHERE f.method = c.method AND f.rho = c.rho) AS equals_path_fit,
       (fairglmm_info(c.model)->'options'->>'folds')::int AS folds_recorded,
       round(c.cv_accuracy::numeric, 2) AS cv_accuracy,
       round(c.cv_disparate_impact::numeric, 2) AS cv_di,
       round(c.cv_log_loss::numeric, 2) AS cv_log_loss,
       c.cv_accuracy <= c.train_accuracy + 0.02 AS not_above_training,
       c.cv_equal_opportunity_ratio BETWEEN 0 AND 1 AND c.cv_equalized_odds_ratio BETWEEN 0 AND 1
         AND c.cv_equalized_odds_ratio <= c.cv_equal_opportunity_ratio AS ratios_ok
FROM cv_fits c ORDER BY c.method, c.fold_by, c.rho;
-- the held-out disparate impact grows with rho, as the training one does
SELECT method, fold_by,
       bool_and(cv_disparate_impact >= prev) AS cv_di_grows
FROM (SELECT method, fold_by, cv_disparate_impact,
             lag(cv_disparate_impact) OVER (PARTITION BY method, fold_by ORDER BY rho) AS prev
      FROM cv_fits) AS q
WHERE prev IS NOT NULL GROUP BY method, fold_by ORDER BY method, fold_by;

-- Folds of one stratum each (30 folds of the 30 strata): leave one stratum
-- out, whatever the shuffle.  The metrics recomputed here: a path on the
-- rows of the other strata, each held-out row scored with its stratum's
-- random intercept left out (the population prediction), pooled.
CREATE TABLE cv_loso AS
SELECT r.rho, r.cv_accuracy, r.cv_disparate_impact, r.cv_equal_opportunity_ratio,
       r.cv_equalized_odds_ratio, r.cv_log_loss
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 3]::float8[], 1,
                           '{"method": "fair_crlr", "tol": 1e-13, "folds": 30}') AS p FROM d) AS q,
     fairglmm_path_report(q.p) AS r;
CREATE TABLE cv_held_out AS
SELECT r.rho, d.y, d.s, fairglmm_predict(r.model, d.x) AS p
FROM generate_series(1, 30) AS k,
     LATERAL (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 3]::float8[], 1,
                                   '{"method": "fair_crlr", "tol": 1e-13}') AS p
              FROM d WHERE g <> k) AS q,
     LATERAL fairglmm_path_report(q.p) AS r,
     d
WHERE d.g = k;
WITH rates AS (
  SELECT rho, s, avg((p >= 0.5)::int) AS selection,
         avg((p >= 0.5)::int) FILTER (WHERE y) AS tpr,
         avg((p >= 0.5)::int) FILTER (WHERE NOT y) AS fpr
  FROM cv_held_out GROUP BY rho, s),
ratios AS (
  SELECT rho, min(selection) / max(selection) AS di, min(tpr) / max(tpr) AS eo,
         least(min(tpr) / max(tpr), min(fpr) / max(fpr)) AS eodds
  FROM rates GROUP BY rho),
pooled AS (
  SELECT rho, count(*) AS n, avg(((p >= 0.5) = y)::int) AS accuracy,
         avg(-ln(CASE WHEN y THEN p ELSE 1 - p END)) AS log_loss
  FROM cv_held_out GROUP BY rho)
SELECT c.rho, p.n,
       abs(c.cv_accuracy - p.accuracy) < 1e-12 AS accuracy_ok,
       abs(c.cv_disparate_impact - r.di) < 1e-12 AS di_ok,
       abs(c.cv_equal_opportunity_ratio - r.eo) < 1e-12 AS eo_ok,
       abs(c.cv_equalized_odds_ratio - r.eodds) < 1e-12 AS eodds_ok,
       abs(c.cv_log_loss - p.log_loss) < 1e-8 AS log_loss_ok
FROM cv_loso c JOIN pooled p USING (rho) JOIN ratios r USING (rho) ORDER BY c.rho;

-- weighted, and in parallel: the same metrics as serially
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE d SET (parallel_workers = 2);
EXPLAIN (COSTS OFF)
SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 2]::float8[], 1,
                     '{"method": "fair_glmm", "folds": 4}') FROM d;
CREATE TABLE cv_parallel AS
SELECT 'strata' AS fold_by, r.*
FROM (SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 2]::float8[], 1,
                           '{"method": "fair_glmm", "tol": 1e-13, "folds": 4, "fold_seed": 7}') AS p
      FROM d) AS q, fairglmm_path_report(q.p) AS r
UNION ALL
SELECT 'rows', r.*
FROM (SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 2]::float8[], 1,
                           '{"method": "fair_glmm", "tol": 1e-13, "folds": 4, "fold_by": "rows", "fold_seed": 7}') AS p
      FROM d) AS q, fairglmm_path_report(q.p) AS r;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
ALTER TABLE d RESET (parallel_workers);
SELECT p.fold_by, p.rho,
       abs(p.cv_accuracy - s.cv_accuracy) < 1e-9 AND abs(p.cv_disparate_impact - s.cv_disparate_impact) < 1e-9
         AND abs(p.cv_equal_opportunity_ratio - s.cv_equal_opportunity_ratio) < 1e-9
         AND abs(p.cv_equalized_odds_ratio - s.cv_equalized_odds_ratio) < 1e-9
         AND abs(p.cv_log_loss - s.cv_log_loss) < 1e-9 AS parallel_equals_serial,
       path_diff(p.model, s.model) < 1e-8 AS same_models
FROM cv_parallel p,
     LATERAL (SELECT r.* FROM (SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 2]::float8[], 1,
                                                    jsonb_build_object('method', 'fair_glmm', 'tol', 1e-13,
                                                                       'folds', 4, 'fold_by', p.fold_by,
                                                                       'fold_seed', 7)) AS q
                               FROM d) AS q, fairglmm_path_report(q.q) AS r
              WHERE r.rho = p.rho) AS s
ORDER BY p.fold_by, p.rho;
-- another seed deals other folds
SELECT bool_or(r.cv_log_loss <> c.cv_log_loss) AS seed_matters
FROM cv_parallel c,
     LATERAL (SELECT fairglmm_path(y, x, g, s, 1 + (id % 3)::float8, ARRAY[0, 2]::float8[], 1,
                                   jsonb_build_object('method', 'fair_glmm', 'tol', 1e-13, 'folds', 4,
                                                      'fold_by', c.fold_by, 'fold_seed', 8)) AS p
              FROM d) AS q,
     LATERAL fairglmm_path_report(q.p) AS r
WHERE r.rho = c.rho;

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
-- option "folds"
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 1}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 0}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 2.5}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 101}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": "5"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 5, "fold_by": "clusters"}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 5, "fold_seed": -1}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 5, "target": {"disparate_impact": 0.8}}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "folds": 5}') FROM d;
SELECT fairglmm_path(y, x, g, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 31}') FROM d;
\set VERBOSITY default
-- fair_lr collects strata for folds of whole strata, and needs one in every row
SELECT fairglmm_path(y, x, NULL::int, s, ARRAY[0]::float8[], 1, '{"method": "fair_lr", "folds": 5}') FROM d;
SELECT fairglmm_path(y, x, CASE WHEN id = 7 THEN NULL ELSE g END, s, ARRAY[0]::float8[], 1,
                     '{"method": "fair_lr", "folds": 5}') FROM d;
-- y = 0 only in stratum 1: the fold that holds stratum 1 out trains on one class
SELECT fairglmm_path(CASE WHEN g = 1 THEN y ELSE true END, x, g, s, ARRAY[0]::float8[], 1,
                     '{"method": "fair_lr", "folds": 30}') FROM d;
\set VERBOSITY terse
-- folds of rows need no strata (fair_lr then ignores them); a method with
-- strata skips a row without one, as fairglmm_fit does
SELECT num_nulls(cv_accuracy) = 0 AS cross_validated
FROM fairglmm_path_report((SELECT fairglmm_path(y, x, NULL::int, s, ARRAY[0]::float8[], 1,
                                                '{"method": "fair_lr", "folds": 3, "fold_by": "rows"}') FROM d));
SELECT (fairglmm_info(model)->>'rows_skipped')::int AS skipped, num_nulls(cv_accuracy) = 0 AS cross_validated
FROM fairglmm_path_report((SELECT fairglmm_path(y, x, CASE WHEN id = 7 THEN NULL ELSE g END, s, ARRAY[0]::float8[], 1,
                                                '{"method": "fair_crlr", "folds": 3}') FROM d));
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

DROP TABLE path_fits, target_fits, cv_fits, cv_loso, cv_held_out, cv_parallel;
DROP FUNCTION path_diff(bytea, bytea);
