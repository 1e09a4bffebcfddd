-- glmm and fair_glmm: componentwise boosting with BIC selection.
CREATE TABLE bm AS
SELECT fairglmm_fit(y, x, g, s, 0.8, 1) AS six_arg,
       fairglmm_fit(y, x, g, s, 0, 1, '{"method": "glmm"}') AS glmm,
       fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_glmm"}') AS fair0,
       fairglmm_fit(y, x, g, s, 1000, 1, '{"method": "fair_glmm"}') AS fair,
       fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') AS lr
FROM d;

-- the six-argument form is fair_glmm, and records what boosting did
SELECT fairglmm_info(six_arg) ->> 'method' AS method,
       (fairglmm_info(six_arg) ->> 'steps')::int >= 1 AS stepped,
       fairglmm_info(six_arg) ->> 'stop_reason' IN ('tol_q', 'max_steps') AS stop_reason_ok,
       (fairglmm_info(six_arg) ->> 'random_intercept_variance')::float8 > 0 AS q_positive,
       abs(((fairglmm_info(six_arg) ->> 'random_intercept_sd')::float8) ^ 2
           - (fairglmm_info(six_arg) ->> 'random_intercept_variance')::float8) < 1e-12 AS sd_is_sqrt_q,
       (SELECT sum(value::int) FROM jsonb_each_text(fairglmm_info(six_arg) -> 'selected'))
         = (fairglmm_info(six_arg) ->> 'steps')::int AS selections_add_up,
       fairglmm_info(six_arg) -> 'gradient_norm' = 'null' AS no_gradient_norm
FROM bm;

-- rho = 0: fair_glmm is glmm
SELECT max(abs(a.estimate - b.estimate)) < 1e-12 AS fair_rho0_is_glmm
FROM bm, fairglmm_coefficients(glmm) a JOIN fairglmm_coefficients(fair0) b USING (term);

-- the random intercepts of boosting are closer to the truth (1.5 sin(g))
-- than those of crlr with lambda = 1, whose ridge shrinks them
WITH crlr AS (SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr"}') AS m FROM d)
SELECT (SELECT corr(effect, 1.5 * sin(stratum::int)) FROM bm, fairglmm_random_effects(glmm)) > 0.9 AS glmm_b_track_truth,
       (SELECT stddev(effect) FROM bm, fairglmm_random_effects(glmm))
       > (SELECT stddev(effect) FROM crlr, fairglmm_random_effects(m)) AS less_shrunk;

-- the fairness penalty: smaller covariance, higher disparate impact
SELECT abs((fairglmm_info(fair) ->> 'train_covariance')::float8)
       < 0.25 * abs((fairglmm_info(glmm) ->> 'train_covariance')::float8) AS cov_falls,
       (fairglmm_info(fair) ->> 'train_disparate_impact')::float8
       > (fairglmm_info(glmm) ->> 'train_disparate_impact')::float8 AS di_rises
FROM bm;

-- GLMM beats LR on training accuracy with these strong stratum effects
SELECT (fairglmm_info(glmm) ->> 'train_accuracy')::float8
       > (fairglmm_info(lr) ->> 'train_accuracy')::float8 + 0.03 AS glmm_beats_lr
FROM bm;

-- predictions use the fitted b (0 for unseen strata)
SELECT max(abs(fairglmm_predict(fair, x, g) - 1 / (1 + exp(-eta_from_export(fair, x, g))))) < 1e-12 AS matches_export,
       bool_and(fairglmm_predict(fair, x, 12345) = fairglmm_predict(fair, x)) AS unseen_is_population
FROM bm, d;

-- the trace estimate agrees with the exact trace: first step, several seeds
WITH f AS (
  SELECT seed, fairglmm_info(fairglmm_fit(y, x, g, s, 0.8, 1,
           jsonb_build_object('max_steps', 1, 'exact_trace', seed < 0, 'seed', abs(seed)))) AS info
  FROM d, unnest(ARRAY[-1, 1, 2, 3]) AS seed GROUP BY seed)
SELECT bool_and(abs((e.info ->> 'bic')::float8 - (f.info ->> 'bic')::float8)
                < 0.03 * abs((e.info ->> 'bic')::float8)) AS bic_within_3_percent
FROM f, f AS e WHERE e.seed = -1 AND f.seed > 0;

-- deterministic for a seed, and row order does not matter
WITH f AS (
  SELECT fairglmm_fit(y, x, g, s, 0.8, 1 ORDER BY id) AS a,
         fairglmm_fit(y, x, g, s, 0.8, 1 ORDER BY md5(id::text)) AS b,
         fairglmm_fit(y, x, g, s, 0.8, 1 ORDER BY id DESC) AS c
  FROM d)
SELECT max(abs(p.estimate - q.estimate)) < 1e-9 AS order_invariant,
       max(abs(p.estimate - r.estimate)) < 1e-9 AS repeatable
FROM f, fairglmm_coefficients(a) p JOIN fairglmm_coefficients(b) q USING (term)
     JOIN fairglmm_coefficients(c) r USING (term);

-- options are recorded
SELECT fairglmm_info(m) -> 'options' -> 'nu' AS nu, fairglmm_info(m) -> 'options' -> 'probes' AS probes,
       fairglmm_info(m) -> 'options' -> 'q0' AS q0, fairglmm_info(m) ->> 'steps' AS steps,
       fairglmm_info(m) ->> 'stop_reason' AS stop_reason
FROM (SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"nu": 0.1, "probes": 10, "q0": 3, "max_steps": 4, "tol_q": 0}') AS m FROM d) AS q;
