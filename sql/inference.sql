-- Inference and reporting: Wald standard errors, tests and intervals
-- (fairglmm_coefficients), the covariance (fairglmm_vcov), conditional
-- standard errors of the random intercepts, fit statistics and metadata in
-- fairglmm_info, fairglmm_summary, the setting fairglmm.unseen_strata and
-- option "verbose".  Uses d from setup.
\set VERBOSITY default
CREATE TABLE inf_models AS
SELECT 'lr' AS name, fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr"}') AS m FROM d
UNION ALL SELECT 'fair_lr', fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_lr"}') FROM d
UNION ALL SELECT 'crlr', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') FROM d
UNION ALL SELECT 'fair_crlr', fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr"}') FROM d
UNION ALL SELECT 'fair_crlr_c', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": 0.01}') FROM d
UNION ALL SELECT 'glmm', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "max_steps": 5}') FROM d
UNION ALL SELECT 'fair_glmm', fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_glmm", "max_steps": 5}') FROM d
UNION ALL SELECT 'lr_robust', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "vcov": "robust"}') FROM d
UNION ALL SELECT 'crlr_robust', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "vcov": "robust"}') FROM d
UNION ALL SELECT 'crlr_none', fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "vcov": "none"}') FROM d;

-- Every method: a positive standard error per coefficient, z = estimate / SE,
-- the two-sided normal p-value, the 95% interval estimate -+ 1.959964 SE,
-- the odds ratio exp(estimate).
SELECT name, count(*) AS terms,
       bool_and(std_error > 0) AS se_positive,
       bool_and(abs(z_value - estimate / std_error) <= 1e-12 * abs(z_value)) AS z_ok,
       bool_and(p_value BETWEEN 0 AND 1) AS p_ok,
       bool_and(abs((conf_high - estimate) / std_error - 1.959963984540054) < 1e-9
                AND abs((estimate - conf_low) / std_error - 1.959963984540054) < 1e-9) AS interval_ok,
       bool_and(abs(odds_ratio - exp(estimate)) <= 1e-12 * odds_ratio) AS odds_ok
FROM inf_models, fairglmm_coefficients(m)
WHERE name <> 'crlr_none'
GROUP BY name ORDER BY name;

-- lr equals R's glm (summary: estimates and standard errors, 1e-6 relative);
-- lr with vcov "robust" the cluster sandwich of R (HC0 with G / (G - 1), as
-- sandwich::vcovCL(fit, cluster = ~ g, type = "HC0") gives; computed in R by
-- hand from vcov(fit) and the per-stratum scores).  R's glm is run with
-- glm.control(epsilon = 1e-15): with its default 1e-8 the covariance comes
-- from the weights of the iteration before the last and its standard errors
-- differ from those at the solution by up to 6e-5 relative here.
SELECT c.term, abs(c.estimate / r.estimate - 1) < 1e-6 AS estimate_ok,
       abs(c.std_error / r.se - 1) < 1e-6 AS se_ok,
       abs(rb.std_error / r.robust_se - 1) < 1e-6 AS robust_se_ok
FROM (VALUES ('intercept', 0.012998662492387096, 0.041787347982868102, 0.16668845901692383),
             ('x1', 0.84219588856945604, 0.0443691048166669, 0.046682350549838672),
             ('x2', -0.38060758847632359, 0.041567866188136564, 0.040594655961259066),
             ('x3', 0.36733375943874891, 0.041034101492098546, 0.043699422840550478))
       AS r(term, estimate, se, robust_se)
JOIN fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr')) AS c USING (term)
JOIN fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr_robust')) AS rb USING (term)
ORDER BY c.term;
-- ... and its log-likelihood, AIC and BIC those of R's logLik, AIC, BIC (1e-8)
SELECT abs((i #>> '{fit_statistics,loglik}')::float8 / -1766.6543066909758 - 1) < 1e-8 AS loglik_ok,
       abs((i #>> '{fit_statistics,aic}')::float8 / 3541.3086133819515 - 1) < 1e-8 AS aic_ok,
       abs((i #>> '{fit_statistics,bic}')::float8 / 3565.3340836525526 - 1) < 1e-8 AS bic_ok,
       abs((i #>> '{fit_statistics,null_deviance}')::float8 / 4125.1116740881234 - 1) < 1e-8 AS null_ok,
       (i #>> '{fit_statistics,df}')::float8 = 4 AS df_is_p_plus_1
FROM (SELECT fairglmm_info(m) AS i FROM inf_models WHERE name = 'lr') AS q;

-- level: the interval's quantile is R's qnorm((1 + level) / 2) to 1e-12
SELECT level, abs((conf_high - estimate) / std_error / q - 1) < 1e-12 AS quantile_ok,
       abs((estimate - conf_low) / std_error / q - 1) < 1e-12 AS symmetric
FROM (VALUES (0.5, 0.67448975019608171), (0.9, 1.6448536269514715), (0.95, 1.9599639845400536),
             (0.99, 2.5758293035488999), (0.999999, 4.8916384756710842)) AS r(level, q),
     fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), level)
WHERE term = 'x1' ORDER BY level;
SELECT * FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), 1);
SELECT * FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), 0);
SELECT * FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), 'NaN');
SELECT * FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), -0.95);
SELECT count(*) AS rows_for_null_level
FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'lr'), NULL);

-- the covariance: (1 + p)^2 rows, symmetric, its diagonal the squared
-- standard errors; no rows for a model without one
SELECT name, count(*) AS entries,
       bool_and(v.covariance = t.covariance) AS symmetric,
       bool_and(v.row_term <> v.col_term OR v.covariance > 0) AS variances_positive
FROM inf_models, fairglmm_vcov(m) AS v
JOIN fairglmm_vcov(m) AS t ON t.row_term = v.col_term AND t.col_term = v.row_term
GROUP BY name ORDER BY name;
SELECT bool_and(abs(sqrt(v.covariance) - c.std_error) <= 1e-15 * c.std_error) AS diagonal_is_se_squared
FROM inf_models, fairglmm_vcov(m) AS v JOIN fairglmm_coefficients(m) AS c ON c.term = v.row_term
WHERE v.row_term = v.col_term;
SELECT array_agg(row_term || '/' || col_term ORDER BY ord) AS order_of_entries
FROM fairglmm_vcov((SELECT m FROM inf_models WHERE name = 'lr')) WITH ORDINALITY AS v(row_term, col_term, covariance, ord);
SELECT count(*) AS vcov_rows_without_covariance
FROM fairglmm_vcov((SELECT m FROM inf_models WHERE name = 'crlr_none'));

-- vcov "none": estimates, NULL inference columns, the odds ratio; the
-- penalised fit then has no degrees of freedom
SELECT term, estimate IS NOT NULL AS has_estimate, std_error, z_value, p_value, conf_low, conf_high,
       odds_ratio = exp(estimate) AS odds_ok
FROM fairglmm_coefficients((SELECT m FROM inf_models WHERE name = 'crlr_none'));
SELECT fairglmm_info(m) -> 'options' ->> 'vcov' AS vcov, fairglmm_info(m) -> 'fit_statistics' AS stats
FROM inf_models WHERE name = 'crlr_none';

-- random intercepts: a conditional standard error per stratum, positive, and
-- smaller than the prior SD 1 / sqrt(2 lambda) of crlr; NULL without covariance
SELECT name, count(*) AS strata, bool_and(std_error > 0) AS se_positive,
       bool_and(std_error < sqrt(0.5)) AS below_prior_sd
FROM inf_models, fairglmm_random_effects(m)
WHERE name IN ('crlr', 'fair_crlr', 'fair_crlr_c', 'glmm', 'fair_glmm', 'crlr_robust')
GROUP BY name ORDER BY name;
SELECT count(*) AS strata, count(std_error) AS with_se
FROM fairglmm_random_effects((SELECT m FROM inf_models WHERE name = 'crlr_none'));

-- vcov "robust" with lr collects the strata (30 clusters) but the model has
-- none; rows with a NULL stratum are then skipped
SELECT fairglmm_info(m) ->> 'n_strata' AS n_strata, fairglmm_info(m) -> 'options' ->> 'vcov' AS vcov
FROM inf_models WHERE name = 'lr_robust';
SELECT fairglmm_info(fairglmm_fit(y, x, CASE WHEN id <= 100 THEN NULL ELSE g END, s, 0, 1,
                                  '{"method": "lr", "vcov": "robust"}')) ->> 'rows_skipped' AS skipped_robust,
       fairglmm_info(fairglmm_fit(y, x, CASE WHEN id <= 100 THEN NULL ELSE g END, s, 0, 1,
                                  '{"method": "lr"}')) ->> 'rows_skipped' AS skipped_model
FROM d;
-- serial and parallel give the same robust covariance
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE inf_par AS SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "vcov": "robust"}') AS m FROM d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
SELECT bool_and(abs(a.covariance - b.covariance) <= 1e-8 * abs(a.covariance) + 1e-15) AS parallel_same
FROM fairglmm_vcov((SELECT m FROM inf_par)) AS a
JOIN fairglmm_vcov((SELECT m FROM inf_models WHERE name = 'lr_robust')) AS b USING (row_term, col_term);

-- fairglmm_info: the new keys, and no key repeated (1.0's top-level method,
-- rho, lambda and c are not in "options")
SELECT name, jsonb_typeof(i -> 'created_at') AS created_at, i ->> 'extension_version' AS version,
       (i ->> 'created_at')::timestamptz BETWEEN now() - interval '1 hour' AND now() AS created_now,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(i -> 'fit_statistics') AS k) AS statistics,
       abs((i #>> '{fit_statistics,deviance}')::float8 + 2 * (i #>> '{fit_statistics,loglik}')::float8) < 1e-9 AS deviance_ok,
       abs((i #>> '{fit_statistics,aic}')::float8 - (i #>> '{fit_statistics,deviance}')::float8
           - 2 * (i #>> '{fit_statistics,df}')::float8) < 1e-9 AS aic_ok,
       abs((i #>> '{fit_statistics,bic}')::float8 - (i #>> '{fit_statistics,deviance}')::float8
           - ln(3000) * (i #>> '{fit_statistics,df}')::float8) < 1e-9 AS bic_ok
FROM (SELECT name, fairglmm_info(m) AS i FROM inf_models) AS q ORDER BY name;
SELECT array_agg(k ORDER BY k) AS repeated_keys
FROM jsonb_object_keys(fairglmm_info((SELECT m FROM inf_models WHERE name = 'crlr'))) AS k
WHERE k IN (SELECT jsonb_object_keys(fairglmm_info((SELECT m FROM inf_models WHERE name = 'crlr')) -> 'options'));

-- fairglmm_summary: the whole text of a small deterministic fit (the time of
-- the fit masked)
CREATE TABLE inf_small AS
SELECT id, y, x[1:2] AS x, (g % 4) + 1 AS g, s FROM d WHERE id <= 400;
SELECT regexp_replace(fairglmm_summary(fairglmm_fit(y, x, g, s, 0.5, 1,
         '{"method": "fair_crlr", "feature_names": ["age", "income"]}')),
       ' at [0-9-]+ [0-9:.]+\+00', ' at <time>') AS summary
FROM inf_small;
SELECT regexp_replace(fairglmm_summary(fairglmm_fit(y, x, g, s, 0, 1,
         '{"method": "glmm", "max_steps": 3, "exact_trace": true, "vcov": "none"}')),
       ' at [0-9-]+ [0-9:.]+\+00', ' at <time>') AS summary
FROM inf_small;

-- unseen strata: population (default, b = 0), error, null; NULL strata
-- always score at population level; a model without strata is not affected
CREATE TABLE inf_unseen AS
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') AS m FROM d WHERE g <= 20;
SHOW fairglmm.unseen_strata;
SELECT fairglmm_predict(m, '{0.5,-1,2}', 25) = fairglmm_predict(m, '{0.5,-1,2}') AS population,
       fairglmm_classify(m, '{0.5,-1,2}', 25) IS NOT NULL AS classified
FROM inf_unseen;
SET fairglmm.unseen_strata = 'error';
SELECT fairglmm_predict(m, '{0.5,-1,2}', 25) FROM inf_unseen;
SELECT fairglmm_classify(m, '{0.5,-1,2}', 25::bigint, 0.5) FROM inf_unseen;
SELECT fairglmm_predict(fairglmm_fit(y, x, 'g' || g, s, 0, 1, '{"method": "crlr"}'), '{0.5,-1,2}', 'g99') FROM d;
SELECT fairglmm_predict(m, '{0.5,-1,2}', 7) > 0 AS seen_ok,
       fairglmm_predict(m, '{0.5,-1,2}', NULL::int) = fairglmm_predict(m, '{0.5,-1,2}') AS null_stratum_population
FROM inf_unseen;
SELECT fairglmm_predict(m, '{0.5,-1,2}', 25) > 0 AS no_strata_model
FROM inf_models WHERE name = 'lr';
SET fairglmm.unseen_strata = 'null';
SELECT fairglmm_predict(m, '{0.5,-1,2}', 25) IS NULL AS predict_null,
       fairglmm_classify(m, '{0.5,-1,2}', 25) IS NULL AS classify_null,
       fairglmm_classify(m, '{0.5,-1,2}', 25, 0.3) IS NULL AS classify_threshold_null,
       fairglmm_predict(m, '{0.5,-1,2}', 7) IS NOT NULL AS seen_scored
FROM inf_unseen;
-- counting the rows an evaluation scores without their random intercept
SELECT count(*) FILTER (WHERE NOT fairglmm_seen(m, g)) AS unseen_rows,
       count(fairglmm_predict(m, x, g)) AS scored_rows
FROM d, inf_unseen;
SET fairglmm.unseen_strata = 'sometimes';
RESET fairglmm.unseen_strata;

-- option verbose: the rows collected, each Newton iteration, the standard
-- errors (max_iter keeps to the first iterations, whose figures are stable)
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "verbose": true, "max_iter": 2}') IS NOT NULL AS fitted
FROM inf_small;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "lr", "verbose": true, "vcov": "robust", "max_iter": 2}') IS NOT NULL AS fitted
FROM inf_small;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm", "verbose": true, "max_steps": 2, "exact_trace": true, "max_iter": 2}') IS NOT NULL AS fitted
FROM inf_small;

-- models of fairglmm 1.0: estimates with NULL inference, NULL statistics
\set ECHO none
\i test/upgrade/fixtures_1.0.sql
\set ECHO all
SELECT name, count(*) AS terms, count(estimate) AS estimates, count(std_error) AS std_errors,
       count(p_value) AS p_values, count(conf_low) AS intervals, count(odds_ratio) AS odds_ratios
FROM fixture_models, fairglmm_coefficients(m) GROUP BY name ORDER BY name;
SELECT name, (SELECT count(*) FROM fairglmm_vcov(m)) AS vcov_rows,
       (SELECT count(std_error) FROM fairglmm_random_effects(m)) AS re_std_errors,
       fairglmm_info(m) -> 'created_at' AS created_at, fairglmm_info(m) -> 'extension_version' AS version,
       fairglmm_info(m) #> '{fit_statistics,loglik}' AS loglik
FROM fixture_models ORDER BY name;
SELECT fairglmm_summary(m) FROM fixture_models WHERE name = 'crlr';
