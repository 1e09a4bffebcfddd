-- Continuous outcomes (option "family": "gaussian"): which types of y fit
-- which family, least squares checked against plain SQL (first-order
-- conditions, the closed form of simple regression, RMSE and R^2), numeric
-- = float8 = integer outcomes, errors, scoring and introspection of gaussian
-- models, serial = parallel, weights, and fairglmm_path.
\set VERBOSITY terse
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.29);
-- 2000 rows, 25 strata (also as text), a binary and a three-category
-- sensitive attribute; y has six decimals, so numeric and float8 agree exactly
CREATE TABLE gs AS
SELECT id, g, 'r' || g AS tg, s, grp, x, yn, yn::float8 AS y, round(50 + 10 * yn)::int AS score,
       yn > 2 AS yb, 0.5 + (id % 4) AS w
FROM (SELECT i AS id, g, s, (ARRAY['a', 'b', 'c'])[1 + (i * 7) % 3] AS grp,
             ARRAY[z1 + 0.5 * s, z2] AS x,
             round((2 + 1.5 * (z1 + 0.5 * s) - 0.8 * z2 + 1.2 * s + 0.7 * sin(g) + 0.9 * e)::numeric, 6) AS yn
      FROM (SELECT i, (i % 25) + 1 AS g, (random() < 0.4)::int AS s,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
                   sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS e
            FROM generate_series(1, 2000) AS i) AS r) AS q;
SELECT count(*), count(DISTINCT g), avg(y) BETWEEN 2 AND 3.5 AS y_mean_ok,
       avg(yb::int) BETWEEN 0.3 AND 0.7 AS yb_share_ok
FROM gs;

-- The largest difference between two models' coefficients and random effects.
CREATE FUNCTION gs_diff(a bytea, b bytea) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT greatest(
    (SELECT max(abs(p.estimate - q.estimate))
     FROM fairglmm_coefficients(a) p FULL JOIN fairglmm_coefficients(b) q USING (term)),
    coalesce((SELECT max(abs(p.effect - q.effect) + abs(p.n - q.n))
              FROM fairglmm_random_effects(a) p FULL JOIN fairglmm_random_effects(b) q USING (stratum)), 0))
$$;

-- Largest absolute gradient component, divided by N, of the least-squares
-- objective (1/2) sum (y - eta)^2 + lambda ||b||^2 + (rho/N)(a'delta)^2 at
-- model m on gs (binary s, integer strata), from plain SQL sums.
CREATE FUNCTION gs_kkt(m bytea, rho float8, lambda float8) RETURNS float8
LANGUAGE sql STABLE AS $$
WITH coef AS (
  SELECT row_number() OVER () - 1 AS j, estimate FROM fairglmm_coefficients(m)),
re AS (
  SELECT stratum::int AS g, effect FROM fairglmm_random_effects(m)),
rows AS (
  SELECT gs.g, gs.s, gs.y, gs.x, eta_from_export(m, gs.x, gs.g) AS eta FROM gs),
tot AS (
  SELECT count(*)::float8 AS n, avg(s) AS s_bar FROM rows),
r AS (
  SELECT rows.*, eta - y AS resid, s - s_bar AS ds,
         2 * rho / n * (SELECT sum((s - s_bar) * eta) FROM rows, tot) AS k
  FROM rows, tot),
fixed AS (
  SELECT j, sum(resid * xj) + max(k) * sum(ds * xj) AS grad
  FROM r, LATERAL (SELECT 0 AS j, 1.0::float8 AS xj
                   UNION ALL SELECT j, x[j] FROM generate_series(1, array_length(r.x, 1)) AS j) AS f
  GROUP BY j),
strata AS (
  SELECT r.g, sum(resid) + 2 * lambda * max(re.effect) + max(k) * sum(ds) AS grad
  FROM r JOIN re USING (g) GROUP BY r.g)
SELECT greatest((SELECT max(abs(grad)) FROM fixed),
                coalesce((SELECT max(abs(grad)) FROM strata), 0)) / (SELECT n FROM tot)
$$;

-- Workers launched by a query, from EXPLAIN ANALYZE.
CREATE FUNCTION gs_workers(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO plan;
  RETURN (regexp_match(plan::text, '"Workers Launched": (\d+)'))[1]::int;
END $$;

-- ---------------------------------------------------------------------------
-- The family follows from the type of y unless option "family" says otherwise
-- ---------------------------------------------------------------------------
CREATE TABLE gs_types AS
SELECT 'float8' AS y_type, fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') AS m FROM gs
UNION ALL SELECT 'numeric', fairglmm_fit(yn, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs
UNION ALL SELECT 'real', fairglmm_fit(y::real, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs
UNION ALL SELECT 'integer', fairglmm_fit(yb::int, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs
UNION ALL SELECT 'integer, family gaussian', fairglmm_fit(score, x, g, s, 0, 1, '{"method": "crlr", "family": "gaussian"}') FROM gs
UNION ALL SELECT 'boolean', fairglmm_fit(yb, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs
UNION ALL SELECT 'float8 0/1, family binomial', fairglmm_fit(yb::int::float8, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM gs
UNION ALL SELECT 'numeric 0/1, family binomial', fairglmm_fit(yb::int::numeric, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM gs;
SELECT y_type, fairglmm_info(m)->'options'->>'family' AS family,
       (fairglmm_info(m)->>'rows_used')::int AS rows_used
FROM gs_types ORDER BY y_type;
-- the same outcomes give the same model whatever their type
SELECT gs_diff((SELECT m FROM gs_types WHERE y_type = 'float8'),
               (SELECT m FROM gs_types WHERE y_type = 'numeric')) = 0 AS numeric_equals_float8,
       gs_diff((SELECT m FROM gs_types WHERE y_type = 'integer, family gaussian'),
               (SELECT fairglmm_fit(score::float8, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs)) = 0
         AS integer_equals_float8,
       gs_diff((SELECT m FROM gs_types WHERE y_type = 'boolean'),
               (SELECT m FROM gs_types WHERE y_type = 'float8 0/1, family binomial')) = 0
         AS float8_binomial_equals_boolean,
       gs_diff((SELECT m FROM gs_types WHERE y_type = 'boolean'),
               (SELECT m FROM gs_types WHERE y_type = 'numeric 0/1, family binomial')) = 0
         AS numeric_binomial_equals_boolean;
-- a NULL y skips the row
SELECT fairglmm_info(fairglmm_fit(CASE WHEN id % 10 = 0 THEN NULL ELSE y END, x, g, s, 0, 1,
                                  '{"method": "crlr"}'))->>'rows_skipped' AS skipped
FROM gs;

-- ---------------------------------------------------------------------------
-- Least squares against plain SQL
-- ---------------------------------------------------------------------------
-- simple regression: lm's closed form (intercept, slope, its standard error)
WITH m AS (SELECT fairglmm_fit(y, ARRAY[x[1]], g, s, 0, 0, '{"method": "lr"}') AS m FROM gs),
c AS (SELECT term, estimate, std_error FROM m, fairglmm_coefficients(m.m)),
ref AS (SELECT regr_intercept(y, x[1]) AS a, regr_slope(y, x[1]) AS b, regr_sxx(y, x[1]) AS sxx,
               count(*) AS n FROM gs),
rss AS (SELECT sum(power(y - a - b * x[1], 2)) AS rss FROM gs, ref)
SELECT abs((SELECT estimate FROM c WHERE term = 'intercept') - a) < 1e-10 AS intercept_ok,
       abs((SELECT estimate FROM c WHERE term = 'x1') - b) < 1e-10 AS slope_ok,
       abs((SELECT std_error FROM c WHERE term = 'x1') / sqrt(rss / (n - 2) / sxx) - 1) < 1e-8 AS slope_se_ok
FROM ref, rss;
-- lm's log-likelihood at the maximum-likelihood variance, and AIC and BIC
-- counting sigma^2 as a parameter
WITH m AS (SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}'))->'fit_statistics' AS f FROM gs),
ref AS (SELECT count(*) AS n,
               sum(power(y - eta_from_export((SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') FROM gs), x, g), 2)) AS rss
        FROM gs)
SELECT abs((f->>'loglik')::float8 / (-(n / 2.0) * (ln(2 * pi() * rss / n) + 1)) - 1) < 1e-12 AS loglik_ok,
       abs((f->>'df')::float8 - 3) < 1e-9 AS df_ok,
       abs((f->>'aic')::float8 - (-2 * (f->>'loglik')::float8 + 2 * 4)) < 1e-9 AS aic_ok,
       abs((f->>'bic')::float8 - (-2 * (f->>'loglik')::float8 + 4 * ln(n))) < 1e-9 AS bic_ok
FROM m, ref;
-- first-order conditions of every Newton method, penalised and not
CREATE TABLE gs_fits AS
SELECT 'lr' AS name, 0.0::float8 AS rho, 0.0::float8 AS lambda,
       fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr", "tol": 1e-12}') AS m FROM gs
UNION ALL SELECT 'crlr', 0, 2, fairglmm_fit(y, x, g, s, 0, 2, '{"method": "crlr", "tol": 1e-12}') FROM gs
UNION ALL SELECT 'fair_lr', 5, 0, fairglmm_fit(y, x, g, s, 5, 0, '{"method": "fair_lr", "tol": 1e-12}') FROM gs
UNION ALL SELECT 'fair_crlr', 5, 2, fairglmm_fit(y, x, g, s, 5, 2, '{"method": "fair_crlr", "tol": 1e-12}') FROM gs;
SELECT name, gs_kkt(m, rho, lambda) < 1e-9 AS first_order_ok,
       (fairglmm_info(m)->>'converged')::boolean AS converged
FROM gs_fits ORDER BY name;
-- the penalty brings the groups' mean predictions together
SELECT name,
       abs(avg(eta_from_export(m, x, g)) FILTER (WHERE s = 1) - avg(eta_from_export(m, x, g)) FILTER (WHERE s = 0))
         < abs(avg(y) FILTER (WHERE s = 1) - avg(y) FILTER (WHERE s = 0)) / 2 AS gap_halved
FROM gs_fits, gs WHERE name LIKE 'fair%' GROUP BY name ORDER BY name;

-- linear mixed models by boosting, and the six-argument form (fair_glmm by default)
CREATE TABLE gs_boost AS
SELECT 'glmm' AS name, fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm"}') AS m FROM gs
UNION ALL SELECT 'fair_glmm', fairglmm_fit(y, x, g, s, 5, 1, '{"method": "fair_glmm"}') FROM gs
UNION ALL SELECT 'six arguments', fairglmm_fit(y, x, g, s, 5, 1) FROM gs;
SELECT name, i->>'method' AS method, i->'options'->>'family' AS family, i->>'stop_reason' AS stop_reason,
       (i->>'random_intercept_variance')::float8 BETWEEN 0.05 AND 1 AS q_plausible,
       (i->'fit_statistics'->>'r_squared')::float8 BETWEEN 0.5 AND 1 AS r_squared_plausible,
       i->'train_accuracy' = 'null' AS no_classes
FROM (SELECT name, fairglmm_info(m) AS i FROM gs_boost) AS q ORDER BY name;
SELECT gs_diff((SELECT m FROM gs_boost WHERE name = 'fair_glmm'),
               (SELECT m FROM gs_boost WHERE name = 'six arguments')) = 0 AS six_arguments_is_fair_glmm,
       (SELECT bool_and(abs(fairglmm_predict(m, x, g) - eta_from_export(m, x, g)) < 1e-12)
        FROM gs_boost, gs WHERE name = 'glmm') AS glmm_predicts_mean;
-- the fair model's groups are closer in mean prediction
SELECT abs(avg(fairglmm_predict(f.m, x, g)) FILTER (WHERE s = 1) - avg(fairglmm_predict(f.m, x, g)) FILTER (WHERE s = 0))
       < abs(avg(fairglmm_predict(u.m, x, g)) FILTER (WHERE s = 1) - avg(fairglmm_predict(u.m, x, g)) FILTER (WHERE s = 0))
         AS fair_glmm_closer
FROM gs, gs_boost f, gs_boost u WHERE f.name = 'fair_glmm' AND u.name = 'glmm';

-- fairness at every threshold (fair_threshold, rho weighing the disparity):
-- what info reports, recomputed with the reporting aggregates from the
-- predictions on the training rows
CREATE TABLE gs_thr AS
SELECT rho, fairglmm_fit(y, x, g, s, rho, 1, '{"method": "fair_threshold", "thresholds": 20}') AS m
FROM gs, (VALUES (0.0::float8), (20.0)) AS r(rho) GROUP BY rho;
SELECT rho, jsonb_array_length(i->'thresholds') AS thresholds,
       (SELECT bool_and(t > lag) FROM (SELECT t::float8, lag(t::float8) OVER (ORDER BY k) AS lag
                                       FROM jsonb_array_elements_text(i->'thresholds') WITH ORDINALITY AS e(t, k)) AS q
        WHERE lag IS NOT NULL) AS increasing,
       (i->>'sweeps')::int >= 1 AS swept, (i->>'converged')::boolean AS converged,
       abs((i->>'parity_ks')::float8 - (SELECT parity_ks(fairglmm_predict(m, x, g), s) FROM gs)) < 1e-9
         AS parity_ks_recomputed,
       abs((i->>'threshold_disparity')::float8
           - (SELECT parity_gap(fairglmm_predict(m, x, g), s,
                                ARRAY(SELECT jsonb_array_elements_text(i->'thresholds')::float8)) FROM gs)) < 1e-9
         AS disparity_recomputed,
       jsonb_array_length(i->'fairness_terms') AS terms, i->'options'->>'vcov' AS vcov,
       (SELECT bool_and(std_error IS NULL AND odds_ratio IS NULL) FROM fairglmm_coefficients(m)) AS no_inference,
       (i->'fit_statistics'->>'rmse')::float8 > 0 AS rmse_reported
FROM (SELECT rho, m, fairglmm_info(m) AS i FROM gs_thr) AS q ORDER BY rho;
SELECT (SELECT (fairglmm_info(m)->>'threshold_disparity')::float8 FROM gs_thr WHERE rho = 20)
       < (SELECT (fairglmm_info(m)->>'threshold_disparity')::float8 FROM gs_thr WHERE rho = 0) AS disparity_falls,
       gs_diff((SELECT m FROM gs_thr WHERE rho = 0),
               (SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs)) < 1e-8 AS rho_0_is_crlr,
       (SELECT bool_and(abs(fairglmm_predict(m, x, g) - eta_from_export(m, x, g)) < 1e-12)
        FROM gs_thr, gs WHERE rho = 20) AS predicts_mean,
       (SELECT fairglmm_summary(m) LIKE '%no standard errors%Fairness at every threshold: largest gap%coordinate sweep%'
        FROM gs_thr WHERE rho = 20) AS summary_ok;
\set VERBOSITY default
SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 20, 1, '{"method": "fair_threshold", "max_sweeps": 1}'))->>'sweeps'
         AS sweeps
FROM gs;
\set VERBOSITY terse

-- ---------------------------------------------------------------------------
-- Scoring: the predicted mean, no classes
-- ---------------------------------------------------------------------------
SELECT bool_and(abs(fairglmm_predict(m, x, g) - eta_from_export(m, x, g)) < 1e-12) AS predict_is_mean,
       bool_and(abs(fairglmm_predict(m, x) - eta_from_export(m, x, NULL)) < 1e-12) AS population_ok,
       bool_and(fairglmm_predict(m, x, 1000) = fairglmm_predict(m, x)) AS unseen_is_population,
       bool_and(abs(fairglmm_predict(m, x, g::bigint) - fairglmm_predict(m, x, g)) = 0) AS bigint_ok
FROM gs_fits, gs WHERE name = 'fair_crlr';
SELECT fairglmm_predict(m, NULL::float8[], 1) IS NULL AS null_x,
       fairglmm_predict(m, ARRAY[1.0, NULL], 1) IS NULL AS null_element
FROM gs_fits WHERE name = 'fair_crlr';
\set VERBOSITY default
SELECT fairglmm_classify(m, ARRAY[0.5, 1.5], 3) FROM gs_fits WHERE name = 'crlr';
\set VERBOSITY terse
SELECT fairglmm_classify(m, ARRAY[0.5, 1.5], 3, 0.5) FROM gs_fits WHERE name = 'crlr';
SELECT fairglmm_classify(m, NULL::float8[], 3) FROM gs_fits WHERE name = 'crlr';
SELECT fairglmm_classify(m, ARRAY[0.5, 1.5], 'r3') FROM gs_fits WHERE name = 'lr';
SELECT fairglmm_predict(m, ARRAY[1e308, -1e308]) FROM gs_fits WHERE name = 'lr';
SELECT fairglmm_predict(m, ARRAY['NaN', 1]::float8[]) FROM gs_fits WHERE name = 'lr';

-- ---------------------------------------------------------------------------
-- What a gaussian model reports
-- ---------------------------------------------------------------------------
WITH f AS (SELECT name, m, fairglmm_info(m) AS i FROM gs_fits),
res AS (SELECT name, sum(power(y - fairglmm_predict(m, x, g), 2)) AS rss,
               sum(power(y - (SELECT avg(y) FROM gs), 2)) AS tss, count(*) AS n
        FROM gs_fits, gs GROUP BY name)
SELECT name, i->'options'->>'family' AS family,
       abs((i->'fit_statistics'->>'rmse')::float8 / sqrt(rss / n) - 1) < 1e-10 AS rmse_ok,
       abs((i->'fit_statistics'->>'r_squared')::float8 - (1 - rss / tss)) < 1e-10 AS r_squared_ok,
       abs((i->'fit_statistics'->>'residual_variance')::float8
           / (rss / (n - (i->'fit_statistics'->>'df')::float8)) - 1) < 1e-8 AS residual_variance_ok,
       (i->'fit_statistics'->>'loglik')::float8 IS NOT NULL AS loglik_known,
       i->'fit_statistics'->'deviance' = 'null' AND i->'fit_statistics'->'null_deviance' = 'null'
         AS no_deviance,
       i->'train_accuracy' = 'null' AND i->'train_disparate_impact' = 'null'
         AND i->'sensitive_attributes'->0->'train_disparate_impact' = 'null' AS no_classes,
       i ? 'sweeps' AS has_sweeps
FROM f JOIN res USING (name) ORDER BY name;
SELECT array_agg(k ORDER BY k) AS gaussian_fit_statistics
FROM jsonb_object_keys(fairglmm_info((SELECT m FROM gs_fits WHERE name = 'crlr'))->'fit_statistics') AS k;
SELECT array_agg(k ORDER BY k) AS binomial_fit_statistics
FROM jsonb_object_keys(fairglmm_info((SELECT m FROM gs_types WHERE y_type = 'boolean'))->'fit_statistics') AS k;
-- coefficients: Wald tests on the model's standard errors, no odds ratios
SELECT name, bool_and(odds_ratio IS NULL) AS no_odds_ratios, bool_and(std_error > 0) AS se_ok,
       bool_and(abs(z_value - estimate / std_error) < 1e-12) AS z_ok,
       bool_and(conf_low < estimate AND estimate < conf_high) AS interval_ok
FROM gs_fits, fairglmm_coefficients(m) GROUP BY name ORDER BY name;
-- the fairness term's covariance: cov(s, prediction) on the training rows
SELECT name, jsonb_array_length(fairglmm_info(m)->'fairness_terms') AS terms,
       abs((fairglmm_info(m)->'fairness_terms'->0->>'covariance')::float8
           - covar_pop(s, eta_from_export(m, x, g))) < 1e-10 AS covariance_ok
FROM gs_fits, gs WHERE name LIKE 'fair%' GROUP BY name, m ORDER BY name;
-- fairglmm_summary of a small fit (the time masked)
SELECT regexp_replace(fairglmm_summary(fairglmm_fit(y, x, (g % 4) + 1, s, 0.5, 1,
         '{"method": "fair_crlr", "feature_names": ["age", "income"]}')),
       ' at [0-9-]+ [0-9:.]+\+00', ' at <time>') AS summary
FROM gs WHERE id <= 400;

-- ---------------------------------------------------------------------------
-- Categorical sensitive attributes and weights
-- ---------------------------------------------------------------------------
-- three categories (of a feature, so the unfair fit is far from parity): one
-- demographic-parity term each, whose covariances a large rho brings near 0
WITH f AS (SELECT rho, fairglmm_fit(y, x, g, CASE WHEN x[1] > 0.5 THEN 'high' WHEN x[1] < -0.5 THEN 'low'
                                                 ELSE 'mid' END, rho, 1, '{"method": "fair_crlr"}') AS m
           FROM gs, (VALUES (0.0::float8), (50.0)) AS r(rho) GROUP BY rho),
c AS (SELECT rho, count(*) AS terms, max(abs((t->>'covariance')::float8)) AS cov
      FROM f, jsonb_array_elements(fairglmm_info(m)->'fairness_terms') AS t GROUP BY rho)
SELECT (SELECT terms FROM c WHERE rho = 0) AS terms,
       (SELECT cov FROM c WHERE rho = 0) > 0.1 AS unfair_far_from_parity,
       (SELECT cov FROM c WHERE rho = 50) < (SELECT cov FROM c WHERE rho = 0) / 10 AS rho_brings_parity;
-- a weight of 2 (as given) is the row twice: the same estimates (the
-- strata's row counts differ)
WITH a AS (SELECT fairglmm_fit(y, x, g, grp, CASE WHEN id % 3 = 0 THEN 2 ELSE 1 END, 1, 1,
                               '{"method": "fair_crlr", "weights": "as_given"}') AS m FROM gs),
b AS (SELECT fairglmm_fit(y, x, g, grp, 1, 1, '{"method": "fair_crlr"}') AS m
      FROM (SELECT * FROM gs UNION ALL SELECT * FROM gs WHERE id % 3 = 0) AS twice)
SELECT (SELECT max(abs(p.estimate - q.estimate))
        FROM a, b, fairglmm_coefficients(a.m) p JOIN fairglmm_coefficients(b.m) q USING (term)) < 1e-9
       AND (SELECT max(abs(p.effect - q.effect))
            FROM a, b, fairglmm_random_effects(a.m) p JOIN fairglmm_random_effects(b.m) q USING (stratum)) < 1e-9
         AS weight_two_is_row_twice;
SELECT i->>'weighted' AS weighted, abs((i->>'weight_sum')::float8 - 2000) < 1e-9 AS mean_one,
       i->'options'->>'family' AS family
FROM (SELECT fairglmm_info(fairglmm_fit(yn, x, tg, s, w, 0.5, 1, '{"method": "fair_crlr"}')) AS i FROM gs) AS q;

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
\set VERBOSITY default
-- non-finite outcomes name the input row
SELECT fairglmm_fit(CASE WHEN id = 7 THEN 'NaN' ELSE y END, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;
SELECT fairglmm_fit(CASE WHEN id = 7 THEN '-Infinity' ELSE yn END, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;
SELECT fairglmm_fit(CASE WHEN id = 7 THEN 1e400 ELSE yn END, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;
-- a binomial y must be 0 or 1, whatever its type
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "family": "binomial"}') FROM gs;
SELECT fairglmm_fit(score, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;
-- what the gaussian family does not have
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_crlr", "fairness": "equal_opportunity"}') FROM gs;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_lr", "target": {"disparate_impact": 0.8}}') FROM gs;
SELECT fairglmm_fit(yb, x, g, s, 1, 1, '{"method": "fair_threshold"}') FROM gs;
SELECT fairglmm_path(y, x, g, s, ARRAY[0, 1]::float8[], 1, '{"method": "crlr"}') FROM gs;
SELECT fairglmm_path(y, x, g, s, ARRAY[0, 1]::float8[], 1, '{"method": "fair_crlr", "folds": 5}') FROM gs;
\set VERBOSITY terse
SELECT fairglmm_fit(y, x, g, s, 1, 1, '{"method": "fair_lr", "fairness": "equalized_odds"}') FROM gs;
SELECT fairglmm_fit(score, x, g, s, 1, 1, '{"method": "fair_threshold", "family": "binomial"}') FROM gs;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_threshold", "c": 0.01}') FROM gs;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "family": "normal"}') FROM gs;
SELECT fairglmm_fit(y::text, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;

-- ---------------------------------------------------------------------------
-- fairglmm_path with a continuous y
-- ---------------------------------------------------------------------------
CREATE TABLE gs_path AS
SELECT r.* FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 2, 20]::float8[], 1,
                                      '{"method": "fair_crlr", "tol": 1e-13}') AS p FROM gs) AS q,
               fairglmm_path_report(q.p) AS r;
SELECT rho,
       gs_diff(model, (SELECT fairglmm_fit(y, x, g, s, rho, 1, '{"method": "fair_crlr", "tol": 1e-13}')
                       FROM gs)) < 1e-8 AS equals_single_fit,
       train_accuracy IS NULL AND train_disparate_impact IS NULL AS no_classes,
       loglik IS NOT NULL AS loglik_known,
       fairglmm_info(model)->'options'->>'family' AS family
FROM gs_path ORDER BY rho;
SELECT bool_and(abs((covariances->>0)::float8) < abs((prev->>0)::float8)) AS covariance_shrinks
FROM (SELECT covariances, lag(covariances) OVER (ORDER BY rho) AS prev FROM gs_path) AS q
WHERE prev IS NOT NULL;
-- the coordinate descent: a path of fair_threshold equals its single fits
SELECT r.rho, gs_diff(r.model, (SELECT fairglmm_fit(y, x, g, s, r.rho, 1, '{"method": "fair_threshold"}') FROM gs))
         < 1e-12 AS equals_single_fit, r.covariances = '[]' AS no_terms
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 5, 50]::float8[], 1, '{"method": "fair_threshold"}') AS p FROM gs) AS q,
     fairglmm_path_report(q.p) AS r
ORDER BY r.rho;
-- boosting: a path of fair_glmm
SELECT r.rho, gs_diff(r.model, (SELECT fairglmm_fit(y, x, g, s, r.rho, 1, '{"method": "fair_glmm"}') FROM gs))
         < 1e-8 AS equals_single_fit
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 5]::float8[], 1, '{"method": "fair_glmm"}') AS p FROM gs) AS q,
     fairglmm_path_report(q.p) AS r
ORDER BY r.rho;
-- weighted, numeric y
SELECT r.rho, gs_diff(r.model, (SELECT fairglmm_fit(yn, x, g, s, w, r.rho, 1, '{"method": "fair_lr", "tol": 1e-13}')
                               FROM gs)) < 1e-8 AS equals_weighted_fit
FROM (SELECT fairglmm_path(yn, x, g, s, w, ARRAY[0, 3]::float8[], 1, '{"method": "fair_lr", "tol": 1e-13}') AS p
      FROM gs) AS q, fairglmm_path_report(q.p) AS r
ORDER BY r.rho;

-- ---------------------------------------------------------------------------
-- Parallel aggregation: the workers' continuous outcomes reach the leader
-- ---------------------------------------------------------------------------
CREATE TABLE gs_serial AS
SELECT 'lr float8' AS name, fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS m FROM gs
UNION ALL SELECT 'crlr numeric, text strata', fairglmm_fit(yn, x, tg, s, 0, 1, '{"method": "crlr"}') FROM gs
UNION ALL SELECT 'fair_crlr integer, categories, weighted',
                 fairglmm_fit(score, x, g, grp, w, 2, 1, '{"method": "fair_crlr", "family": "gaussian"}') FROM gs
UNION ALL SELECT 'fair_lr float8, binomial', fairglmm_fit(yb::int::float8, x, g, s, 1, 0, '{"method": "fair_lr", "family": "binomial"}') FROM gs
UNION ALL SELECT 'fair_glmm real, weighted', fairglmm_fit(y::real, x, g, s, w, 2, 1, '{"method": "fair_glmm"}') FROM gs
UNION ALL SELECT 'fair_threshold numeric, categories', fairglmm_fit(yn, x, tg, grp, 10, 1, '{"method": "fair_threshold"}') FROM gs;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ALTER TABLE gs SET (parallel_workers = 2);
EXPLAIN (COSTS OFF) SELECT fairglmm_fit(yn, x, tg, s, 0, 1, '{"method": "crlr"}') FROM gs;
SELECT gs_workers($$SELECT fairglmm_fit(yn, x, tg, s, 0, 1, '{"method": "crlr"}') FROM gs$$) > 0 AS workers_ran;
SELECT name, gs_diff(m, p) < 1e-8 AS parallel_equals_serial, fairglmm_info(p)->'options'->>'family' AS family
FROM gs_serial JOIN (
  SELECT 'lr float8' AS name, fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS p FROM gs
  UNION ALL SELECT 'crlr numeric, text strata', fairglmm_fit(yn, x, tg, s, 0, 1, '{"method": "crlr"}') FROM gs
  UNION ALL SELECT 'fair_crlr integer, categories, weighted',
                   fairglmm_fit(score, x, g, grp, w, 2, 1, '{"method": "fair_crlr", "family": "gaussian"}') FROM gs
  UNION ALL SELECT 'fair_lr float8, binomial', fairglmm_fit(yb::int::float8, x, g, s, 1, 0, '{"method": "fair_lr", "family": "binomial"}') FROM gs
  UNION ALL SELECT 'fair_glmm real, weighted', fairglmm_fit(y::real, x, g, s, w, 2, 1, '{"method": "fair_glmm"}') FROM gs
  UNION ALL SELECT 'fair_threshold numeric, categories', fairglmm_fit(yn, x, tg, grp, 10, 1, '{"method": "fair_threshold"}') FROM gs
) AS q USING (name) ORDER BY name;
-- a non-finite y in a worker's share
SELECT fairglmm_fit(CASE WHEN id = 1500 THEN 'Infinity' ELSE y END, x, g, s, 0, 1, '{"method": "crlr"}') FROM gs;
-- a parallel path
SELECT r.rho, gs_diff(r.model, f.model) < 1e-8 AS parallel_path_equals_serial
FROM (SELECT fairglmm_path(y, x, g, s, ARRAY[0, 2, 20]::float8[], 1, '{"method": "fair_crlr", "tol": 1e-13}') AS p
      FROM gs) AS q, fairglmm_path_report(q.p) AS r JOIN gs_path f USING (rho)
ORDER BY r.rho;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
ALTER TABLE gs RESET (parallel_workers);
