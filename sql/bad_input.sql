-- Bad input to fairglmm_fit: each case is a clear error (or documented
-- behaviour), never a wrong model.
\set VERBOSITY default
CREATE TABLE big_enough AS SELECT * FROM d, generate_series(1, 2) AS copy;
-- x arrays of different lengths
SELECT fairglmm_fit(y, CASE WHEN id = 5 THEN x[1:2] ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- multi-dimensional x
SELECT fairglmm_fit(y, ARRAY[x], g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- non-finite features
SELECT fairglmm_fit(y, CASE WHEN id = 5 THEN '{1,NaN,2}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM d;
SELECT fairglmm_fit(y, CASE WHEN id = 5 THEN '{1,-Infinity,2}' ELSE x END, g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- y and sensitive outside {0, 1}
SELECT fairglmm_fit(CASE WHEN id = 5 THEN 2 ELSE y::int END, x, g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- an integer sensitive other than 0/1 is categorical (three categories here)
SELECT fairglmm_info(fairglmm_fit(y, x, g, CASE WHEN id = 5 THEN -1 ELSE s END, 0, 1, '{"method": "crlr"}')) -> 'sensitive_attributes' -> 0 -> 'categories' FROM d;
-- y of another type
SELECT fairglmm_fit(y::text, x, g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- one class of y only
SELECT fairglmm_fit(true, x, g, s, 0, 1, '{"method": "crlr"}') FROM d;
-- a constant sensitive attribute: an error for fair methods, fine otherwise
SELECT fairglmm_fit(y, x, g, 1, 0.8, 1, '{"method": "fair_crlr"}') FROM d;
SELECT fairglmm_fit(y, x, g, 1, 0, 1, '{"method": "crlr"}') IS NOT NULL AS unfair_ok FROM d;
-- negative or NULL rho / lambda / c
SELECT fairglmm_fit(y, x, g, s, -0.1, 1, '{"method": "fair_crlr"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, -1, '{"method": "fair_crlr"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_crlr", "c": -0.1}') FROM d;
SELECT fairglmm_fit(y, x, g, s, NULL, 1, '{"method": "fair_crlr"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 'NaN', 1, '{"method": "fair_crlr"}') FROM d;
-- rho must be the same in every row
SELECT fairglmm_fit(y, x, g, s, id % 2, 1, '{"method": "fair_crlr"}') FROM d;
-- lambda = 0 with strata; lambda is ignored without strata
SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "crlr"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 0, '{"method": "lr"}') IS NOT NULL AS lr_ok FROM d;
-- c needs a fair method, and replaces rho
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "c": 0.1}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "c": 0.1}') FROM d;
-- (quasi-)complete separation
SELECT fairglmm_fit(x[1] > 0.5, x, g, s, 0, 0, '{"method": "lr"}') FROM d;
-- collinear and constant features
SELECT fairglmm_fit(y, x || (x[1] * 2 - x[3]), g, s, 0, 1, '{"method": "crlr"}') FROM d;
SELECT fairglmm_fit(y, x || 7.0::float8, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b", "c", "seven"]}') FROM d;
-- options: unknown keys and values, wrong types
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "maxiter": 5}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "ridge"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": 3}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": "small"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "tol": 0}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "max_iter": 2.5}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "threshold": 1.5}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '["crlr"]') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "b"]}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["a", "a", "b"]}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": ["intercept", "a", "b"]}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "crlr", "feature_names": "a"}') FROM d;
-- boosting options
SELECT fairglmm_fit(y, x, g, s, 0, 1, '{"method": "fair_glmm", "c": 0.1}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"nu": 1.5}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"q0": 0}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"probes": 0}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"max_steps": 0}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"exact_trace": "yes"}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"seed": -1}') FROM d;
SELECT fairglmm_fit(y, x, g, s, 0.8, 1, '{"exact_trace": true}') FROM big_enough;
SELECT fairglmm_fit(y, '{}', g, s, 0.8, 1) FROM d;
-- an iteration limit that stops early warns and records converged = false
\set VERBOSITY terse
SELECT fairglmm_info(fairglmm_fit(y, x, g, s, 0.8, 1, '{"method": "fair_crlr", "max_iter": 1}')) ->> 'converged' AS converged FROM d;
\set VERBOSITY default
-- strata of an unsupported type need a cast
SELECT fairglmm_fit(y, x, g::numeric, s, 0, 1, '{"method": "crlr"}') FROM d;
